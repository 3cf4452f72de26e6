"""Saved analyses: the profiles a user brought and the advice Tanheng gave,
kept in the store so that they survive a restart.

Each saved analysis is one named graph `urn:tanheng:analysis:<uuid>` that
describes itself: title, creation time, the regions it covers
(dcterms:subject, IRIs minted by kg.namespaces.region_iri) and the advice
and profiles as rdf:JSON literals. Everything goes through SPARQL query and
update, so the same code runs on the embedded store and on a remote server
(kg.store.remote). User text only ever enters a query as a serialized RDF term."""
from __future__ import annotations

import builtins
import dataclasses
import json
import uuid
from pathlib import Path
from datetime import datetime, timezone

import pyoxigraph as ox

from .namespaces import TH, region_id_of, region_iri
from .store import StoreMissing, using_store

PREFIX = "urn:tanheng:analysis:"
_H = "urn:tanheng:history#"           # store bookkeeping terms, not part of the ontology
_ADVICE = ox.NamedNode(_H + "advice")
_PROFILES = ox.NamedNode(_H + "profiles")
_RDF_JSON = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON")
_XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
_XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


from kg.errors import AnalysisNotFound  # noqa: E402,F401  (raised here; defined with every user error)


@dataclasses.dataclass
class SavedAnalysis:
    id: str
    title: str
    created: str                     # ISO 8601, UTC
    region_ids: builtins.list[str]
    advice: dict | None = None       # filled by get(), not by list()
    profiles: object | None = None


def _plain(obj):
    """A JSON-ready form of an advice dict, a profile batch or a dataclass."""
    if obj is None or isinstance(obj, (dict, builtins.list, str, int, float, bool)):
        return obj
    for attr in ("to_json_dict", "to_dict", "as_dict"):
        if callable(getattr(obj, attr, None)):
            return getattr(obj, attr)()
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    if hasattr(obj, "regions"):
        return {"regions": [_plain(r) for r in obj.regions]}
    raise TypeError(f"cannot save a {type(obj).__name__}: give the advice dict or a profile batch")


def _region_ids(*payloads) -> list[str]:
    """Region ids named in advice/profile JSON ({"regions": [{"region_id"|"id": …}]} or a list)."""
    ids: dict[str, None] = {}          # in order, once each (a township batch has 10⁵ ids)
    for p in payloads:
        rows = p.get("regions", []) if isinstance(p, dict) else p if isinstance(p, builtins.list) else []
        for r in rows:
            rid = r.get("region_id", r.get("id")) if isinstance(r, dict) else None
            if rid is not None:
                ids.setdefault(str(rid))
    return builtins.list(ids)


def _graph(analysis_id: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(PREFIX + str(uuid.UUID(str(analysis_id))))
    except ValueError:
        raise AnalysisNotFound("history.bad-id", id=repr(analysis_id)) from None


def _json_literal(value) -> ox.Literal:
    return ox.Literal(json.dumps(value, ensure_ascii=False, default=str), datatype=_RDF_JSON)


_XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
_TOTALS = ("emissions_t_co2e", "sinks_t_co2e", "net_t_co2e", "balance_ratio")


def key_figures(region: dict) -> dict:
    """What a saved analysis keeps of an advised region when the advice itself lives in files
    (`tanheng advise --save`): id, name, year, validity, type, model and the account's totals."""
    b = region.get("balance")
    return {"region_id": region["region_id"], "name": region.get("name"), "year": region.get("year"),
            "valid": region["valid"], "type": region.get("type"), "model": region.get("model"),
            "balance": {k: b[k] for k in _TOTALS} if b else None}


def _key_figures(g: ox.NamedNode, advice) -> builtins.list[str]:
    """Each advised region's type, model and totals as triples (N-Triples lines) in the analysis
    graph, so that SPARQL can ask them: <g> h:result <g#r-N> (N-th region), which has h:region, h:year,
    h:type (the type class), th:recommendedModel and h:emissions_t_co2e … h:balance_ratio."""
    from kg.knowledge.pathway import type_models

    if not isinstance(advice, dict):
        return []
    types = {t.key: t for t in type_models().values()}
    out = []
    for n, r in enumerate(advice.get("regions") or [], start=1):
        t = types.get(r.get("type")) if isinstance(r, dict) else None
        if t is None or not r.get("region_id"):
            continue
        node = f"<{g.value}#r-{n}>"             # the region's place in the advice: never user text in an IRI
        out += [f"{g} <{_H}result> {node} .", f"{node} <{_H}region> {ox.NamedNode(str(region_iri(r['region_id'])))} .",
                f"{node} <{_H}type> <{t.iri}> .", f"{node} <{TH.recommendedModel}> <{t.model_iri}> ."]
        if isinstance(r.get("year"), int):
            out.append(f"{node} <{_H}year> {ox.Literal(str(r['year']), datatype=ox.NamedNode(_XSD_INTEGER))} .")
        for key in _TOTALS:
            v = (r.get("balance") or {}).get(key)
            if isinstance(v, (int, float)):
                out.append(f"{node} <{_H}{key}> {ox.Literal(repr(float(v)), datatype=ox.NamedNode(_XSD_DOUBLE))} .")
    return out


def save(item=None, title: str = "", *, advice=None, profiles=None,
         region_ids: builtins.list[str] | None = None, store=None, results: str | None = None,
         output: str | None = None) -> str:
    """Save an analysis and return its id. `item` may be the advice dict or a
    profile batch; or pass advice= and profiles= explicitly. Each region's type, model and
    totals are also kept as triples (_key_figures); `results` names the Parquet dataset
    (`advise --results DIR`) the analysis points to, `output` the advice file it was written to
    (`advise --save -o FILE`)."""
    if item is not None and not isinstance(item, dict) and hasattr(item, "regions"):
        profiles = item                  # a ProfileBatch
    elif item is not None:
        advice = item
    rdf = profiles.to_quads() if hasattr(profiles, "to_quads") else []   # a ProfileBatch: queryable too
    advice, profiles = _plain(advice), _plain(profiles)
    ids = [str(r) for r in region_ids] if region_ids is not None else _region_ids(advice, profiles)
    new_id = str(uuid.uuid4())
    g = _graph(new_id)
    created = datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
    triples = [
        (ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
         ox.NamedNode("http://www.w3.org/ns/prov#Entity")),
        (ox.NamedNode("http://purl.org/dc/terms/identifier"), ox.Literal(new_id)),
        (ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal(title or "")),
        (ox.NamedNode("http://purl.org/dc/terms/created"), ox.Literal(created, datatype=_XSD_DATETIME)),
    ]
    triples += [(ox.NamedNode("http://purl.org/dc/terms/subject"), ox.NamedNode(str(region_iri(r))))
                for r in ids]
    for pointer, path in (("results", results), ("output", output)):
        if path:
            triples.append((ox.NamedNode(_H + pointer), ox.NamedNode(Path(path).resolve().as_uri())))
    if advice is not None:
        triples.append((_ADVICE, _json_literal(advice)))
    if profiles is not None:
        triples.append((_PROFILES, _json_literal(profiles)))
    body = " ".join(f"{g} {p} {o} ." for p, o in triples) + "\n" + "\n".join(_key_figures(g, advice)) + "\n" + \
        "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in rdf)
    with using_store(store, write=True) as s:     # one update: saved whole or not at all
        s.update(f"INSERT DATA {{ GRAPH {g} {{ {body} }} }}", prefixed=False)
    return new_id


_LIST = """
SELECT ?g ?id ?title ?created ?region WHERE {
  GRAPH ?g { ?g a prov:Entity ; dcterms:identifier ?id ; dcterms:title ?title ; dcterms:created ?created .
             OPTIONAL { ?g dcterms:subject ?region } }
  FILTER(STRSTARTS(STR(?g), "urn:tanheng:analysis:"))
} ORDER BY DESC(?created) ?g
"""


def _rows(store, sparql: str, **subs) -> list[dict]:
    try:
        with using_store(store) as s:
            res = s.query(sparql, substitutions=subs or None)
            return [{v.value: (sol[v].value if sol[v] is not None else None) for v in res.variables}
                    for sol in res]
    except StoreMissing:              # nothing saved yet; a read never creates the store
        return []


def list_saved(store=None) -> list[SavedAnalysis]:
    """Saved analyses, newest first (without their payloads)."""
    out: dict[str, SavedAnalysis] = {}
    for r in _rows(store, _LIST):
        a = out.setdefault(r["g"], SavedAnalysis(r["id"], r["title"], r["created"], []))
        if r["region"]:
            a.region_ids.append(region_id_of(r["region"]))
    for a in out.values():
        a.region_ids.sort()
    return [*out.values()]


_GET = """
SELECT ?g ?p ?o WHERE { GRAPH ?g { ?g ?p ?o } }
"""


def get(analysis_id: str, store=None) -> SavedAnalysis:
    g = _graph(analysis_id)
    rows = _rows(store, _GET, g=g)
    if not rows:
        raise AnalysisNotFound("history.not-found", id=repr(analysis_id))
    by = {}
    for r in rows:
        by.setdefault(r["p"], []).append(r["o"])
    one = lambda p: by.get(p, [None])[0]
    payload = lambda p: json.loads(one(p)) if one(p) is not None else None
    return SavedAnalysis(
        id=one("http://purl.org/dc/terms/identifier"),
        title=one("http://purl.org/dc/terms/title"),
        created=one("http://purl.org/dc/terms/created"),
        region_ids=sorted(region_id_of(r) for r in by.get("http://purl.org/dc/terms/subject", [])),
        advice=payload(_ADVICE.value), profiles=payload(_PROFILES.value))


def delete(analysis_id: str, store=None) -> None:
    g = _graph(analysis_id)
    get(analysis_id, store)            # a clear error for an unknown id
    with using_store(store, write=True) as s:
        s.update(f"DROP GRAPH {g}", prefixed=False)


list = list_saved   # the public name; the module itself never calls the builtin
