"""International and Chinese integration strategies (ontology/strategies.ttl): each
country's approach with the paper's characterisation, its lessons for China, its cases
and the models and measures it informs — and the competency question "what does a
country's approach teach a county of a given type?" (kg/queries/strategy-lessons-for-type.rq,
whose VALUES line is the only thing `lessons_for` changes, after checking both codes
against the graph: no user text reaches the query)."""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from kg.knowledge.catalog import _select, _value, texts
from kg.knowledge.query import named_queries

QUERY = "strategy-lessons-for-type"
_VALUES = 'VALUES (?country_code ?type_key) { ("DE" "agricultural") }'


class UnknownChoice(ValueError):
    """A country code or type key the graph does not know (the message lists the valid ones)."""


@lru_cache(maxsize=1)
def strategies() -> list[dict]:
    """Every th:IntegrationStrategy in th:order: key, country code, labels, definition,
    characterisation (zh/en), lessons (key, labels, text, sections, type keys, reading,
    measure keys, model keys), case keys and model keys."""
    rows = _select("""SELECT ?s ?key ?code ?order ?char WHERE {
          ?s a th:IntegrationStrategy ; th:key ?key ; th:order ?order ; th:country ?c ; th:characterisation ?char .
          ?c skos:notation ?code }""")
    out: dict[str, dict] = {}
    for r in rows:
        iri = r["s"].value
        rec = out.setdefault(iri, {"iri": iri, "key": r["key"].value, "country": r["code"].value,
                                   "order": int(r["order"].value), **texts(iri), "lessons": [], "cases": [],
                                   "models": []})
        rec[f"characterisation_{r['char'].language}"] = r["char"].value
    links = defaultdict(set)
    for r in _select("""SELECT ?s ?p ?key WHERE { VALUES ?p { th:hasCase th:informsModel }
          ?s a th:IntegrationStrategy ; ?p ?x . ?x th:key ?key }"""):
        links[(r["s"].value, r["p"].value.rsplit("#", 1)[-1])].add(r["key"].value)
    lessons = _lessons()
    for iri, rec in out.items():
        rec["cases"] = sorted(links[(iri, "hasCase")])
        rec["models"] = sorted(links[(iri, "informsModel")])
        rec["lessons"] = [les for les in lessons if les["strategy"] == iri]
    return sorted(out.values(), key=lambda s: s["order"])


def _lessons() -> list[dict]:
    rows = _select("""SELECT ?s ?l ?key ?order ?p ?o WHERE {
          ?s th:hasLesson ?l . ?l th:key ?key ; th:order ?order .
          OPTIONAL { VALUES ?p { th:lessonText th:paperSection th:lessonFor th:reading th:informsMeasure th:informsModel }
                     ?l ?p ?o } }""")
    out: dict[str, dict] = {}
    for r in rows:
        iri = r["l"].value
        rec = out.setdefault(iri, {"iri": iri, "strategy": r["s"].value, "key": r["key"].value,
                                   "order": int(r["order"].value), **texts(iri), "sections": [], "types": [],
                                   "measures": [], "models": [], "reading": None})
        p, o = _value(r["p"]), r["o"]
        if p is None:
            continue
        name = p.rsplit("#", 1)[-1]
        if name == "lessonText":
            rec[f"text_{o.language}"] = o.value
        elif name == "paperSection":
            rec["sections"].append(o.value)
        elif name == "reading":
            rec["reading"] = o.value
        else:
            field = {"lessonFor": "types", "informsMeasure": "measures", "informsModel": "models"}[name]
            rec[field].append(_key_of(o.value))
    for rec in out.values():
        for f in ("sections", "types", "measures", "models"):
            rec[f] = sorted(set(rec[f]))
    return sorted(out.values(), key=lambda x: (x["strategy"], x["order"]))


@lru_cache(maxsize=1)
def _keys() -> dict[str, str]:
    return {r["x"].value: r["k"].value for r in _select("SELECT ?x ?k WHERE { ?x th:key ?k FILTER(isIRI(?x)) }")}


def _key_of(iri: str) -> str:
    return _keys().get(iri, iri)


@lru_cache(maxsize=1)
def type_keys() -> tuple[str, ...]:
    return tuple(sorted(r["k"].value for r in _select(
        "SELECT ?k WHERE { ?t rdfs:subClassOf th:IntegrationRegion ; th:key ?k }")))


def lessons_for(country: str, type_key: str) -> list[dict]:
    """The competency question for one country and one region type: the lessons of that
    country's strategy for the type, the measures of the type's model (or common
    requirements) they inform and the strategy's cases behind those measures."""
    codes = {s["country"] for s in strategies()}
    code = (country or "").strip().upper()
    if code not in codes:
        raise UnknownChoice(f"unknown country {country!r}; choose one of {', '.join(sorted(codes))}")
    if type_key not in type_keys():
        raise UnknownChoice(f"unknown region type {type_key!r}; choose one of {', '.join(type_keys())}")
    text = named_queries()[QUERY].text
    assert _VALUES in text, "the competency question's VALUES line changed; update kg.knowledge.strategies._VALUES"
    rows = _select(text.replace(_VALUES, f'VALUES (?country_code ?type_key) {{ ("{code}" "{type_key}") }}'))
    by_key = {les["key"]: les for s in strategies() for les in s["lessons"]}
    out = []
    for r in rows:
        lesson = by_key[r["lesson_key"].value]
        out.append({**lesson, "measures_for_type": _split(r["measures"]), "cases_for_type": _split(r["cases"])})
    return out


def _split(term) -> list[str]:
    return [x for x in (_value(term) or "").split(", ") if x]


@lru_cache(maxsize=1)
def case_strategy() -> dict[str, str]:
    """{case key: strategy key} — the strategy a cited case belongs to."""
    return {c: s["key"] for s in strategies() for c in s["cases"]}
