"""The models' pathways and measures as read from the ontology, and the
pathway graph (networkx): model → pools / processes → fluxes ← measures ← cases.

Everything is read once from the knowledge graph (Oxigraph) and cached: the
model each type class recommends (its owl:hasValue restriction on
th:recommendedModel), the pools and processes of each model's pathway
(Fig. 1–3), each model's measures and the common requirements, the cases that
exemplify a measure, and which Table 1 fluxes a measure reaches (directly, or
through a process that drives the flux; a flux class reaches its subclasses)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from kg.knowledge import reader
from kg.knowledge.cache import compiled_knowledge


def _rows(sparql: str) -> list[dict]:
    res = reader.query(sparql)
    names = [v.value for v in res.variables]
    return [{n: (sol[n].value if sol[n] is not None else None) for n in names} for sol in res]


def _labels(iris) -> dict[str, dict[str, str]]:
    return {i: all_labels().get(i, {}) for i in iris}


@compiled_knowledge
def all_labels() -> dict[str, dict[str, str]]:
    """{iri: {"zh": label, "en": label}} for every labelled IRI."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    res = reader.query("SELECT ?x ?l WHERE { ?x rdfs:label ?l FILTER(isIRI(?x)) }")
    for sol in res:
        lang = (sol["l"].language or "").split("-")[0]
        if lang in ("zh", "en"):
            out[sol["x"].value].setdefault(lang, sol["l"].value)
    return dict(out)


def label(iri: str, lang: str) -> str:
    lab = all_labels().get(iri, {})
    return lab.get(lang) or lab.get("en") or iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@dataclass(frozen=True)
class TypeInfo:
    iri: str
    key: str
    model_iri: str
    model_key: str


@compiled_knowledge
def type_models() -> dict[str, TypeInfo]:
    """{type class IRI: TypeInfo}, the model read from the class's hasValue restriction."""
    out = {}
    for r in _rows("""SELECT ?t ?tkey ?m ?mkey WHERE {
            ?t rdfs:subClassOf ?r ; th:key ?tkey .
            ?r owl:onProperty th:recommendedModel ; owl:hasValue ?m .
            ?m th:key ?mkey }"""):
        out[r["t"]] = TypeInfo(r["t"], r["tkey"], r["m"], r["mkey"])
    return out


@dataclass(frozen=True)
class Measure:
    iri: str
    key: str
    common: bool
    label_zh: str
    label_en: str
    extension: bool = False          # the project's extension, not the paper's (th:projectExtension)


@compiled_knowledge
def model_measures() -> dict[str, tuple[Measure, ...]]:
    """{model IRI: its own measures, then the common requirements}, each group by key."""
    own, common = defaultdict(list), defaultdict(list)
    for r in _rows("""SELECT DISTINCT ?m ?key ?model ?common ?ext WHERE {
            ?m th:key ?key .
            { ?m th:partOfModel ?model BIND(false AS ?common) }
            UNION { ?m a th:CommonRequirement ; th:commonTo ?model BIND(true AS ?common) }
            BIND(EXISTS { ?m th:projectExtension ?any } AS ?ext) }"""):
        lab = all_labels().get(r["m"], {})
        is_common = r["common"] == "true"
        m = Measure(r["m"], r["key"], is_common, lab.get("zh", r["key"]), lab.get("en", r["key"]),
                    extension=r["ext"] == "true")
        (common if is_common else own)[r["model"]].append(m)
    models = set(own) | set(common)
    return {mo: tuple(sorted(own[mo], key=lambda m: m.key) + sorted(common[mo], key=lambda m: m.key))
            for mo in models}


@compiled_knowledge
def model_pathways() -> dict[str, dict[str, list[dict]]]:
    """{model IRI: {"pools": [{"id","label_zh","label_en","role"}], "processes": [...]}}."""
    out: dict[str, dict[str, list[dict]]] = defaultdict(lambda: {"pools": [], "processes": []})
    for r in _rows("""SELECT ?model ?x ?p WHERE {
            { ?model ?p ?x . ?p rdfs:subPropertyOf+ th:pathwayPool }
            UNION { ?model th:pathwayProcess ?x BIND(th:pathwayProcess AS ?p) } }
            ORDER BY ?model ?p ?x"""):
        lab = all_labels().get(r["x"], {})
        role = r["p"].rsplit("#", 1)[-1]
        group = "processes" if role == "pathwayProcess" else "pools"
        entry = {"id": r["x"].rsplit("#", 1)[-1].rsplit("/", 1)[-1],
                 "label_zh": lab.get("zh", ""), "label_en": lab.get("en", "")}
        if group == "pools":
            entry["role"] = role
        out[r["model"]][group].append(entry)
    return dict(out)


@compiled_knowledge
def measure_cases() -> dict[str, tuple[dict, ...]]:
    """{measure IRI: cases exemplifying it, oldest first}."""
    out = defaultdict(list)
    for r in _rows("""SELECT ?m ?c ?country ?year ?strategy WHERE {
            ?c th:exemplifies ?m .
            OPTIONAL { ?c th:countryCode ?country } OPTIONAL { ?c th:year ?year }
            OPTIONAL { ?s th:hasCase ?c ; th:key ?strategy } }"""):
        lab = all_labels().get(r["c"], {})
        out[r["m"]].append({"id": r["c"].rsplit("/", 1)[-1].removeprefix("case-"),
                            "country": r["country"], "year": int(r["year"]) if r["year"] else None,
                            "strategy": r["strategy"],      # the country strategy the case belongs to (strategies.ttl)
                            "title_zh": lab.get("zh", ""), "title_en": lab.get("en", "")})
    return {m: tuple(sorted(cs, key=lambda c: (c["year"] or 0, c["id"]))) for m, cs in out.items()}


_LINKS = """SELECT ?s ?p ?o WHERE {
    { ?s th:actsOnPool ?o BIND("acts-on-pool" AS ?p) }
    UNION { ?s th:actsOnFlux ?o BIND("acts-on-flux" AS ?p) }
    UNION { ?s th:actsOnProcess ?o BIND("acts-on-process" AS ?p) }
    UNION { ?s th:drivesFlux ?o BIND("drives-flux" AS ?p) }
    UNION { ?s th:exemplifies ?o BIND("exemplifies" AS ?p) }
    UNION { ?s th:pathwayProcess ?o BIND("pathway-process" AS ?p) }
    UNION { ?s ?q ?o . ?q rdfs:subPropertyOf+ th:pathwayPool BIND("pathway-pool" AS ?p) }
    UNION { ?o rdfs:subClassOf ?s . ?s rdfs:subClassOf* th:CarbonFlux BIND("includes" AS ?p) } }"""


@lru_cache(maxsize=1)
def pathway_graph() -> "nx.DiGraph":
    """The pathway graph (networkx, imported only when the graph is built). Edge kinds: pathway-pool, pathway-process (model →),
    has-measure / has-common-requirement (model → measure), acts-on-* (measure →), drives-flux (process → flux),
    includes (flux class → subclass), exemplifies (case → measure)."""
    import networkx as nx

    g = nx.DiGraph()
    for r in _rows(_LINKS):
        g.add_edge(r["s"], r["o"], kind=r["p"])
    for r in _rows("SELECT ?m ?model WHERE { ?m th:partOfModel ?model }"):
        g.add_edge(r["model"], r["m"], kind="has-measure")
    for r in _rows("SELECT ?m ?model WHERE { ?m th:commonTo ?model }"):
        g.add_edge(r["model"], r["m"], kind="has-common-requirement")
    for n in g.nodes:
        lab = all_labels().get(n, {})
        g.nodes[n]["label_zh"], g.nodes[n]["label_en"] = lab.get("zh", ""), lab.get("en", "")
    return g


_REACH_KINDS = ("acts-on-flux", "acts-on-process", "drives-flux", "includes")


@compiled_knowledge
def flux_classes() -> frozenset[str]:
    return frozenset(r["c"] for r in _rows("SELECT ?c WHERE { ?c rdfs:subClassOf* th:CarbonFlux FILTER(isIRI(?c)) }"))


def measure_reach(measure_iri: str) -> frozenset[str]:
    """The flux classes a measure reaches: those it acts on, those driven by a process
    it acts on, and all their subclasses (a general flux reaches its special cases)."""
    return _measure_tables()[0].get(measure_iri, frozenset())


def measure_targets(measure_iri: str) -> frozenset[str]:
    """What a measure acts on directly: pool and flux classes, processes."""
    return _measure_tables()[1].get(measure_iri, frozenset())


@compiled_knowledge
def _measure_tables() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """Reach and targets of every node of the pathway graph, walked once."""
    g = pathway_graph()
    return {n: _reach(g, n) for n in g.nodes}, {n: _targets(g, n) for n in g.nodes}


def _reach(g, measure_iri: str) -> frozenset[str]:
    seen, stack = set(), [measure_iri]
    while stack:
        n = stack.pop()
        for _, v, k in g.out_edges(n, data="kind"):
            if k in _REACH_KINDS and v not in seen:
                seen.add(v)
                stack.append(v)
    return frozenset(seen & flux_classes())


def _targets(g, measure_iri: str) -> frozenset[str]:
    return frozenset(v for _, v, k in g.out_edges(measure_iri, data="kind")
                     if k in ("acts-on-pool", "acts-on-flux", "acts-on-process"))


@compiled_knowledge
def _superclass_map() -> dict[str, frozenset[str]]:
    out = defaultdict(set)
    for r in _rows("SELECT ?c ?s WHERE { ?c rdfs:subClassOf+ ?s FILTER(isIRI(?s)) }"):
        out[r["c"]].add(r["s"])
    return {k: frozenset(v) for k, v in out.items()}


def superclasses(iri: str) -> frozenset[str]:
    return _superclass_map().get(iri, frozenset())


def export(model_key: str | None = None) -> dict[str, list[dict]]:
    """Nodes and edges (with labels and kinds) for a graph view; one model's
    neighbourhood when model_key is given."""
    import networkx as nx

    g = pathway_graph()
    if model_key:
        models = [t.model_iri for t in type_models().values() if t.model_key == model_key]
        keep = set()
        for mo in models:
            keep |= {mo} | set(nx.descendants(g, mo))
            keep |= {c for m in g.successors(mo) for c, _, k in g.in_edges(m, data="kind") if k == "exemplifies"}
        g = g.subgraph(keep)
    nodes = [{"id": n, "label_zh": d.get("label_zh", ""), "label_en": d.get("label_en", "")}
             for n, d in g.nodes(data=True)]
    edges = [{"source": u, "target": v, "kind": k} for u, v, k in g.edges(data="kind")]
    return {"nodes": nodes, "edges": edges}
