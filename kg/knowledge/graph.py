"""Loading the knowledge graph: the ontology modules plus the knowledge base,
all Turtle under ontology/ (rules/ is loaded separately, by what runs it)."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from kg.namespaces import bind_all
from kg.paths import ONTOLOGY_DIR, RULES_DIR

if TYPE_CHECKING:       # rdflib is imported where a graph is built (kg.namespaces says why)
    from rdflib import Graph


def ontology_files() -> list[Path]:
    return sorted(ONTOLOGY_DIR.glob("*.ttl"))


def files_digest(paths: list[Path]) -> str:
    """A fingerprint of the knowledge on disk, so a store can tell it is stale."""
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _parse(paths: list[Path]) -> Graph:
    from rdflib import Graph

    g = Graph()
    bind_all(g)
    for p in paths:
        try:
            g.parse(p, format="turtle")
        except Exception as exc:  # a broken knowledge file must name itself
            raise ValueError(f"cannot parse {p.name}: {exc}") from exc
    return g


@lru_cache(maxsize=1)
def knowledge_graph() -> Graph:
    """Ontology + knowledge base as one rdflib graph (read-only by convention)."""
    return _parse(ontology_files())


@lru_cache(maxsize=1)
def lang_text(g: Graph, subject, prop) -> dict[str, str]:
    """{"zh": …, "en": …} for a bilingual literal property (a region subtag such as zh-CN counts as zh)."""
    from rdflib import Literal

    out = {}
    for o in g.objects(subject, prop):
        if isinstance(o, Literal) and o.language:
            out[o.language.split("-")[0]] = str(o)
    return out


def literal_in(g: Graph, subject, prop, lang: str) -> str:
    """The subject's `prop` literal in `lang`, or "" when it has none."""
    return lang_text(g, subject, prop).get(lang, "")


def rules_file(name: str) -> Graph:
    return _parse([RULES_DIR / name])


@lru_cache(maxsize=1)
def inferred_graph() -> Graph:
    """The OWL 2 RL closure of the knowledge graph (owlrl)."""
    import owlrl
    from rdflib import Graph

    g = Graph()
    bind_all(g)
    for t in knowledge_graph():
        g.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False).expand(g)
    return g


EXPORT_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml"}


def export(fmt: str = "ttl", inferred: bool = False) -> str:
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    g = inferred_graph() if inferred else knowledge_graph()
    return g.serialize(format=EXPORT_FORMATS[fmt])
