"""Quality checks of the ontology itself: the SHACL shapes of rules/ontology-shapes.ttl (pyshacl) and
OWL 2 DL reasoning with HermiT (through owlready2): is the graph consistent, is any class unsatisfiable?

    python -m kg.validate.ontology            # both checks on the knowledge graph, exit 1 on a failure
"""
from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from kg.knowledge.graph import knowledge_graph, rules_file

SHAPES_FILE = "ontology-shapes.ttl"


@dataclass
class ShapesResult:
    conforms: bool
    problems: list[dict] = field(default_factory=list)   # focus, path, message, severity
    text: str = ""


@dataclass
class ReasonerResult:
    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    seconds: float = 0.0


def check_shapes(data: Graph | None = None) -> ShapesResult:
    """Validate the graph (default: the knowledge graph) against the ontology shapes."""
    from pyshacl import validate
    from pyshacl.rdfutil import stringify_node

    data = knowledge_graph() if data is None else data
    shapes = rules_file(SHAPES_FILE)
    conforms, report, text = validate(data, shacl_graph=shapes, advanced=True, inference="none",
                                      allow_warnings=True)
    if not isinstance(report, Graph):      # pyshacl could not run the shapes themselves
        raise ValueError(f"the ontology shapes in rules/{SHAPES_FILE} cannot run: {text}")
    SH = "http://www.w3.org/ns/shacl#"
    problems = []
    for r in report.subjects(URIRef(SH + "resultSeverity"), None):
        get = lambda p: report.value(r, URIRef(SH + p))
        problems.append({
            "focus": str(get("focusNode")),
            "path": str(get("resultPath") or ""),
            "message": " | ".join(str(m) for m in report.objects(r, URIRef(SH + "resultMessage"))),
            "severity": stringify_node(report, get("resultSeverity")).split("#")[-1],
        })
    problems.sort(key=lambda p: (p["focus"], p["path"]))
    return ShapesResult(bool(conforms), problems, text)


def run_hermit(data: Graph | None = None) -> ReasonerResult:
    """Run HermiT on the graph (default: the knowledge graph) in a fresh owlready2 world."""
    import owlready2

    data = knowledge_graph() if data is None else data
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kg.nt"
        data.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        world.get_ontology(path.as_uri()).load()
        # owlready2 leaves its own temp copy behind when HermiT finds an inconsistency: keep it in ours
        saved_tempdir, tempfile.tempdir = tempfile.tempdir, tmp
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return ReasonerResult(False, [], time.perf_counter() - start)
        finally:
            tempfile.tempdir = saved_tempdir
        unsat = sorted(c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing)
    return ReasonerResult(True, unsat, time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    shapes = check_shapes()
    print(f"SHACL ontology shapes: {'conform' if shapes.conforms else 'DO NOT conform'}"
          f" ({len(shapes.problems)} result(s))")
    for p in shapes.problems[:50]:
        print(f"  [{p['severity']}] {p['focus']} {p['path']}: {p['message']}")
    hermit = run_hermit()
    print(f"HermiT: {'consistent' if hermit.consistent else 'INCONSISTENT'}, "
          f"{len(hermit.unsatisfiable)} unsatisfiable class(es), {hermit.seconds:.1f} s")
    for iri in hermit.unsatisfiable:
        print(f"  unsatisfiable: {iri}")
    ok = shapes.conforms and hermit.consistent and not hermit.unsatisfiable
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
