"""The ontology's HTML reference, generated with pyLODE (OntPub profile) from the whole knowledge graph:
classes, object/datatype/annotation properties, with their @zh/@en labels, definitions and sources."""
from __future__ import annotations

import logging
import sys
import types
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from kg.knowledge.graph import knowledge_graph
from kg.paths import ROOT

DOCS_DIR = ROOT / "docs" / "ontology"


def _import_ontpub():
    # pyLODE 3.4.1 reads its version from a pyproject.toml that its wheel does not ship;
    # give it the version module up front so that the import works on an ordinary install.
    if "pylode.version" not in sys.modules:
        from importlib.metadata import PackageNotFoundError, version

        shim = types.ModuleType("pylode.version")
        try:
            shim.__version__ = version("pylode")
        except PackageNotFoundError:
            raise ImportError("pyLODE is not installed (pip install 'tanheng[docs]' or pip install pylode)")
        sys.modules["pylode.version"] = shim
    _quiet_logging()
    from pylode import OntPub

    return OntPub


def _quiet_logging() -> None:
    """pyLODE's loader calls logging.basicConfig(level=DEBUG) on import, so that every library's debug
    lines (asyncio's "Using selector", pyLODE's own "Loading background ontologies") reach the terminal.
    basicConfig does nothing once the root logger has a handler: give it one that shows warnings only."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(logging.WARNING)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.WARNING)


def ontology_html(graph: Graph | None = None) -> str:
    """The HTML page for the graph (default: the knowledge graph), subjects sorted so that the output is stable."""
    OntPub = _import_ontpub()
    source = knowledge_graph() if graph is None else graph
    copy = Graph()              # pyLODE adds its own inferences to the graph it is given
    for t in source:
        copy.add(t)
    # pyLODE takes any skos:ConceptScheme for "the ontology" as well; keep the page's header the owl:Ontology's
    copy.remove((None, RDF.type, SKOS.ConceptScheme))
    _join_bilingual(copy, RDFS.label)
    _join_bilingual(copy, DCTERMS.title)
    for prefix, ns in source.namespaces():
        copy.bind(prefix, ns, override=True)
    return OntPub(ontology=copy, sort_subjects=True).make_html()


def _join_bilingual(g: Graph, prop) -> None:
    """pyLODE runs a subject's labels together ("Urbanized area城市化地区"): show one "English · 中文" label."""
    for subject in set(g.subjects(prop, None)):
        by_lang = {o.language: o for o in g.objects(subject, prop) if isinstance(o, Literal)}
        if "en" in by_lang and "zh" in by_lang:
            g.remove((subject, prop, by_lang["en"]))
            g.remove((subject, prop, by_lang["zh"]))
            g.add((subject, prop, Literal(f"{by_lang['en']} · {by_lang['zh']}", lang="en")))


def generate(out_dir: Path | str = DOCS_DIR) -> Path:
    """Write index.html into out_dir and return its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    page = out / "index.html"
    page.write_text(ontology_html(), encoding="utf-8")
    return page
