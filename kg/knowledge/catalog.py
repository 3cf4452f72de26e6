"""Browsing the knowledge base: the Table 1 tree, the integration types with
their characteristics, the models with their measures and pathways, the
coefficient sets and the profile vocabulary (for entry forms); the cases are policy
records, read and filtered by kg.knowledge.compare. Everything is read from the
knowledge graph with SPARQL (kg.knowledge.reader: the embedded store or TANHENG_SPARQL_URL); every record carries its
IRI, its key and both labels (`label_zh`, `label_en`), so that a front end only
picks a language. Nothing here restates knowledge: a change in ontology/ shows
up in the next call (after `clear_cache()`)."""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

import pyoxigraph as ox

from kg.namespaces import RDFS, SKOS, TH, THP, THR
from kg.knowledge import reader

TABLE1_ROOTS = (TH + "CarbonPool", TH + "CarbonFlux")   # prefixes as strings: no rdflib import (kg.namespaces)
_LANGS = ("zh", "en")


def _select(sparql: str) -> list[dict[str, ox.Literal | ox.NamedNode | None]]:
    res = reader.query(sparql)
    names = [v.value for v in res.variables]
    return [{n: sol[n] for n in names} for sol in res]


def _value(term) -> str | None:
    return None if term is None else term.value


def _number(term) -> float | None:
    try:
        return None if term is None else float(term.value)
    except ValueError:
        return None


def local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@lru_cache(maxsize=1)
def _texts() -> dict[str, dict[str, str]]:
    """Every rdfs:label and skos:definition by resource: {iri: {"label_zh": …, "definition_en": …}}."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for row in _select("""SELECT ?x ?p ?o WHERE {
          VALUES ?p { rdfs:label skos:definition }  ?x ?p ?o  FILTER(isIRI(?x)) }"""):
        lang = (row["o"].language or "").split("-")[0].lower()
        field = "label" if row["p"].value == RDFS + "label" else "definition"
        if lang in _LANGS:
            out[row["x"].value].setdefault(f"{field}_{lang}", row["o"].value)
        else:  # an untagged label serves both languages until a tagged one is found
            for code in _LANGS:
                out[row["x"].value].setdefault(f"{field}_{code}", row["o"].value)
    return dict(out)


def texts(iri: str) -> dict[str, str]:
    """label_zh, label_en, definition_zh, definition_en of a resource ('' when absent;
    the local name stands in for a missing label)."""
    found = _texts().get(iri, {})
    out = {f"{f}_{l}": found.get(f"{f}_{l}", "") for f in ("label", "definition") for l in _LANGS}
    for code in _LANGS:
        out[f"label_{code}"] = out[f"label_{code}"] or local_name(iri)
    return out


def _record(iri: str, **extra) -> dict:
    return {"iri": iri, "key": extra.pop("key", None) or local_name(iri), **texts(iri), **extra}


@lru_cache(maxsize=1)
def _sources() -> dict[str, list[dict]]:
    """dcterms:source of every resource, each as a record with the source's label."""
    out: dict[str, list[dict]] = defaultdict(list)
    for row in _select("""SELECT ?x ?s ?section WHERE { ?x dcterms:source ?s
          OPTIONAL { ?x th:paperSection ?section FILTER(?s = thr:paper) } }"""):
        if isinstance(row["s"], ox.NamedNode):
            out[row["x"].value].append(_record(row["s"].value, section=_value(row["section"])))
        else:  # a literal source names itself
            text = row["s"].value
            out[row["x"].value].append({"iri": None, "key": text, "label_zh": text, "label_en": text,
                                        "section": _value(row["section"])})
    return dict(out)


def sources(iri: str) -> list[dict]:
    return _sources().get(iri, [])


@lru_cache(maxsize=1)
def _keys() -> dict[str, str]:
    """th:key → IRI for every keyed resource (types, models, measures, cases …)."""
    return {r["k"].value: r["x"].value for r in _select("SELECT ?x ?k WHERE { ?x th:key ?k FILTER(isIRI(?x)) }")}


@lru_cache(maxsize=4096)
def describe(ref: str) -> dict:
    """A record (iri, key, labels, definitions) for an IRI, a th:key, or a local name
    under th:/thr:; an unknown reference is its own label (never an error). Cached:
    a batch names the same few types, models and measures thousands of times."""
    ref = str(ref)
    iri = ref if ref.startswith(("http://", "https://", "urn:")) else _keys().get(ref)
    if iri is None:
        for ns in (str(TH), str(THR)):
            if ns + ref in _texts():
                iri = ns + ref
                break
    if iri is None:
        return {"iri": None, "key": ref, "label_zh": ref, "label_en": ref, "definition_zh": "", "definition_en": ""}
    return _record(iri, key={v: k for k, v in _keys().items()}.get(iri))


# ---------------------------------------------------------------- Table 1 tree

@lru_cache(maxsize=1)
def _subclass_edges() -> list[tuple[str, str]]:
    rows = _select("""SELECT DISTINCT ?c ?parent WHERE {
          VALUES ?root { th:CarbonPool th:CarbonFlux }
          ?c rdfs:subClassOf ?parent . ?parent rdfs:subClassOf* ?root
          FILTER(isIRI(?c) && isIRI(?parent) && ?c != ?parent) }""")
    return [(r["c"].value, r["parent"].value) for r in rows]


def _order(iri: str) -> tuple:
    return (_orders().get(iri, float("inf")), iri)


@lru_cache(maxsize=1)
def _orders() -> dict[str, float]:
    return {r["x"].value: _number(r["o"]) for r in _select("SELECT ?x ?o WHERE { ?x th:order ?o }")
            if _number(r["o"]) is not None}


def table1() -> list[dict]:
    """The composition of the urban-rural carbon cycle (the paper's Table 1) as two
    trees, carbon pools and carbon fluxes: {iri, key, label_*, definition_*, sources,
    children}. A class with two parents (e.g. horizontal *input* flux is both an input
    flux and a horizontal flux) is placed once, under the deepest parent, the first
    in th:order/IRI order; a grouping class whose members all sit elsewhere is left out
    of the tree (it is still in the graph)."""
    parents: dict[str, list[str]] = defaultdict(list)
    for child, parent in _subclass_edges():
        parents[child].append(parent)

    @lru_cache(maxsize=None)
    def depth(iri: str) -> int:
        return 0 if iri in TABLE1_ROOTS or not parents.get(iri) else 1 + max(depth(p) for p in parents[iri])

    children: dict[str, list[str]] = defaultdict(list)
    for child, ps in parents.items():
        if child in TABLE1_ROOTS:
            continue
        best = sorted(ps, key=lambda p: (-depth(p), _order(p)))[0]
        children[best].append(child)
    has_subclasses = {p for _, p in _subclass_edges()}

    def build(iri: str) -> dict | None:
        kids = [k for k in (build(c) for c in sorted(children.get(iri, []), key=_order)) if k]
        if not kids and iri in has_subclasses and iri not in TABLE1_ROOTS:
            return None  # a cross-cutting grouping class, shown through its members' other parent
        return _record(iri, sources=sources(iri), children=kids)

    return [build(root) for root in TABLE1_ROOTS]


def table1_leaves() -> list[dict]:
    """The leaves of Table 1 with the path of labels above each (for tables)."""
    out = []

    def walk(node, path):
        if node["children"]:
            for child in node["children"]:
                walk(child, path + [node])
        else:
            out.append({**{k: v for k, v in node.items() if k != "children"},
                        "path_zh": [p["label_zh"] for p in path], "path_en": [p["label_en"] for p in path]})

    for root in table1():
        walk(root, [])
    return out


# ------------------------------------------------------ types, models, measures

def _literal_characteristics(iri_values: str, skip: tuple[str, ...]) -> dict[str, list[dict]]:
    """Language-tagged literals of the given resources, grouped by property, except `skip`:
    {resource: [{property, label_zh, label_en, zh: [...], en: [...]}]}."""
    rows = _select(f"""SELECT ?x ?p ?o WHERE {{ VALUES ?x {{ {iri_values} }}
          ?x ?p ?o FILTER(isLiteral(?o) && LANG(?o) != "") }}""")
    grouped: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in rows:
        p = r["p"].value
        if p in skip:
            continue
        lang = r["o"].language.split("-")[0].lower()
        entry = grouped[r["x"].value].setdefault(p, {"property": p, **{k: v for k, v in texts(p).items()
                                                                        if k.startswith("label")},
                                                       "zh": [], "en": []})
        if lang in _LANGS:
            entry[lang].append(r["o"].value)
    return {x: sorted(props.values(), key=lambda e: _order(e["property"])) for x, props in grouped.items()}


_NOT_CHARACTERISTICS = (RDFS + "label", SKOS + "definition", RDFS + "comment",
                        "http://www.w3.org/2004/02/skos/core#altLabel", "http://www.w3.org/2004/02/skos/core#note")


@lru_cache(maxsize=1)
def types() -> list[dict]:
    """The integration types (subclasses of th:IntegrationRegion) with their key, the
    model the ontology recommends for them, and their characteristics (every
    language-tagged property: human-land relation, problems, development points …)."""
    rows = _select("""SELECT ?t ?key ?model WHERE {
          ?t rdfs:subClassOf+ th:IntegrationRegion . OPTIONAL { ?t th:key ?key }
          OPTIONAL { ?t rdfs:subClassOf ?r . ?r owl:onProperty th:recommendedModel ; owl:hasValue ?model } }""")
    found: dict[str, dict] = {}
    for r in rows:
        iri = r["t"].value
        rec = found.setdefault(iri, _record(iri, key=_value(r["key"]), model=None))
        if r["model"] is not None:
            rec["model"] = _value(r["model"])
    chars = _literal_characteristics(" ".join(f"<{i}>" for i in found) or "<urn:none>", _NOT_CHARACTERISTICS)
    out = []
    for iri, rec in found.items():
        rec["model_key"] = _model_keys().get(rec["model"]) if rec["model"] else None
        out.append({**rec, "characteristics": chars.get(iri, []), "sources": sources(iri)})
    return sorted(out, key=lambda r: _order(r["iri"]))


@lru_cache(maxsize=1)
def _model_keys() -> dict[str, str]:
    return {r["m"].value: _value(r["key"]) or local_name(r["m"].value) for r in _select(
        "SELECT ?m ?key WHERE { ?m a th:IntegrationModel OPTIONAL { ?m th:key ?key } }")}


def _table1_ancestors() -> dict[str, str]:
    """Every Table 1 class → 'pool' or 'flux'."""
    return {r["c"].value: ("pool" if r["root"].value == TABLE1_ROOTS[0] else "flux") for r in _select(
        """SELECT ?c ?root WHERE { VALUES ?root { th:CarbonPool th:CarbonFlux } ?c rdfs:subClassOf* ?root }""")}


@lru_cache(maxsize=1)
def measures() -> list[dict]:
    """Every measure (th:Measure and its subclasses, common requirements included):
    key, labels, definitions, the model(s) it belongs to (`models`: keys), `common`,
    the pools, fluxes and processes it acts on, and its sources."""
    rows = _select("""SELECT ?m ?key ?common ?link ?target WHERE {
          ?m a ?cls . ?cls rdfs:subClassOf* th:Measure . OPTIONAL { ?m th:key ?key }
          BIND(EXISTS { ?m a th:CommonRequirement } AS ?common)
          OPTIONAL { VALUES ?link { th:partOfModel th:commonTo th:actsOnPool th:actsOnFlux th:actsOnProcess }
                     ?m ?link ?target } }""")
    found: dict[str, dict] = {}
    for r in rows:
        iri = r["m"].value
        rec = found.setdefault(iri, _record(iri, key=_value(r["key"]), models=[], common=False,
                                            pools=[], fluxes=[], processes=[]))
        rec["common"] = rec["common"] or r["common"].value == "true"
        if r["link"] is None:
            continue
        link, target = local_name(r["link"].value), r["target"].value
        slot = {"partOfModel": "models", "commonTo": "models", "actsOnPool": "pools",
                "actsOnFlux": "fluxes", "actsOnProcess": "processes"}[link]
        value = _model_keys().get(target, local_name(target)) if slot == "models" else target
        if value not in rec[slot]:
            rec[slot].append(value)
    out = [{**rec, "sources": sources(iri)} for iri, rec in found.items()]
    return sorted(out, key=lambda r: (r["common"], _order(r["iri"])))


@lru_cache(maxsize=1)
def models() -> list[dict]:
    """The integration models: key, labels, definitions, the type(s) they are recommended
    for, their own measures and the common requirements, and their carbon pathway: the
    pools and processes of the model's pathway (Fig. 1–3) and the fluxes its measures act on."""
    kinds = _table1_ancestors()
    processes = {r["p"].value for r in _select("SELECT ?p WHERE { ?p a th:Process }")}
    direct = defaultdict(set)
    for r in _select("SELECT ?m ?o WHERE { ?m a th:IntegrationModel ; ?p ?o FILTER(isIRI(?o)) }"):
        direct[r["m"].value].add(r["o"].value)
    out = []
    for iri, key in _model_keys().items():
        own = [m for m in measures() if key in m["models"] and not m["common"]]
        common = [m for m in measures() if key in m["models"] and m["common"]]
        reached = {t for m in own for t in m["pools"] + m["fluxes"] + m["processes"]}
        pathway = {"pools": sorted((t for t in direct[iri] if kinds.get(t) == "pool"), key=_order),
                   "processes": sorted((t for t in direct[iri] if t in processes), key=_order),
                   "fluxes": sorted((t for t in reached if kinds.get(t) == "flux"), key=_order)}
        type_keys = [t["key"] for t in types() if t["model"] == iri]
        out.append({**_record(iri, key=key), "types": type_keys, "measures": own, "common": common,
                    "pathway": pathway, "sources": sources(iri)})
    return sorted(out, key=lambda r: _order(r["iri"]))


# ----------------------------------------------------------- coefficient sets

@lru_cache(maxsize=1)
def coefficient_sets() -> list[dict]:
    """The coefficient sets an account can use (th:CoefficientSet): key, labels,
    definitions (what differs from the default), the default first."""
    rows = _select("SELECT ?s ?key WHERE { ?s a th:CoefficientSet ; th:key ?key }")
    out = [_record(r["s"].value, key=r["key"].value) for r in rows]
    return sorted(out, key=lambda r: (r["key"] != "default", r["key"]))


# ------------------------------------------------------------- profile fields

@lru_cache(maxsize=1)
def profile_fields() -> list[dict]:
    """The profile vocabulary (ontology/profile.ttl), in th:order: key (= column),
    labels, definitions, unit_zh/unit_en (th:unitLabel), datatype (local name of rdfs:range),
    required, and for an enumerated column `choices`: {notation: labels of the concept}."""
    rows = _select(f"""SELECT ?p ?range ?unit ?required WHERE {{
          ?p a ?kind FILTER(STRSTARTS(STR(?p), "{THP}") && ?kind IN (owl:DatatypeProperty, rdf:Property))
          OPTIONAL {{ ?p rdfs:range ?range }} OPTIONAL {{ ?p th:unitLabel ?unit }}
          OPTIONAL {{ ?p th:required ?required }} }}""")
    found: dict[str, dict] = {}
    for r in rows:
        iri = r["p"].value
        rec = found.setdefault(iri, _record(iri, datatype=None, unit_zh="", unit_en="", required=False))
        rec["datatype"] = rec["datatype"] or (local_name(r["range"].value) if r["range"] else None)
        if r["unit"] is not None:
            code = (r["unit"].language or "").split("-")[0]
            for c in ([code] if code in _LANGS else _LANGS):
                rec[f"unit_{c}"] = rec[f"unit_{c}"] or r["unit"].value
        rec["required"] = rec["required"] or _value(r["required"]) in ("true", "1")
    for r in _select("""SELECT ?p ?c ?notation WHERE { ?p th:valueScheme ?s .
          ?c skos:inScheme ?s ; skos:notation ?notation }"""):
        if r["p"].value in found:  # enumerated column: notation → concept labels
            found[r["p"].value].setdefault("choices", {})[r["notation"].value] = texts(r["c"].value)
    return sorted(({"choices": {}, **rec} for rec in found.values()), key=lambda r: _order(r["iri"]))


def clear_cache() -> None:
    for f in (_texts, _keys, describe, _sources, coefficient_sets, _subclass_edges, _orders, types, _model_keys, measures, models,
              profile_fields):
        f.cache_clear()


# ---------------------------------------------------------------- graph view

# what an edge of kg.knowledge.pathway's graph says about the kind of its ends
_SOURCE_KIND = {"has-measure": "model", "has-common-requirement": "model", "pathway-pool": "model",
                "pathway-process": "model", "exemplifies": "case", "drives-flux": "process"}
_TARGET_KIND = {"has-measure": "measure", "has-common-requirement": "measure", "pathway-pool": "pool",
                "pathway-process": "process", "acts-on-pool": "pool", "acts-on-flux": "flux",
                "acts-on-process": "process", "drives-flux": "flux", "includes": "flux", "exemplifies": "measure"}


def model_graph(model_key: str):
    """A model's neighbourhood in the pathway graph of kg.knowledge.pathway (model → pools,
    processes, measures → what they act on; cases → the measures they exemplify) as a
    networkx DiGraph whose nodes carry kind (model | measure | pool | flux | process |
    case), key, label_zh and label_en."""
    import networkx as nx

    from kg.knowledge import pathway

    if model_key not in {m["key"] for m in models()}:
        raise KeyError(f"no model with key {model_key!r}; known: {', '.join(m['key'] for m in models())}")
    data = pathway.export(model_key)
    g = nx.DiGraph()
    for n in data["nodes"]:
        g.add_node(n["id"], kind=None, key=local_name(n["id"]), label_zh=n["label_zh"] or local_name(n["id"]),
                   label_en=n["label_en"] or local_name(n["id"]))
    for e in data["edges"]:
        g.add_edge(e["source"], e["target"], kind=e["kind"])
        for end, kinds in ((e["source"], _SOURCE_KIND), (e["target"], _TARGET_KIND)):
            if e["kind"] in kinds and g.nodes[end]["kind"] is None:
                g.nodes[end]["kind"] = kinds[e["kind"]]
    model_iri = next(m["iri"] for m in models() if m["key"] == model_key)
    g.remove_nodes_from([n for n, k in g.nodes(data="kind") if k == "model" and n != model_iri])
    own = set(g.successors(model_iri))  # measures of other models reached through a shared pool go
    g.remove_nodes_from([n for n, k in g.nodes(data="kind") if k == "measure" and n not in own])
    g.remove_nodes_from([n for n in list(g) if g.degree(n) == 0])
    return g
