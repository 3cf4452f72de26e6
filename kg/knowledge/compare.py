"""Policy-comparison look-ups over the policy records (th:Case) of
ontology/cases.ttl and the events of ontology/timeline.ttl:

- compare(countries, model, measure, sector) -> the matching records;
- matrix(lang) -> countries x dimensions, the strongest example in each cell
  (the rule is thr:rule-strongest-example in ontology/compare-vocabulary.ttl);
- timeline() -> cases and timeline events ordered by year.

Every filter value is checked against the values the graph knows and then
bound to a query variable (substitutions), never written into query text.
Labels of countries, dimensions and column headers come from the graph."""
from __future__ import annotations

import pyoxigraph as ox

from kg.knowledge import reader

TH = "https://w3id.org/tanheng/ontology#"
COUNTRY_SCHEME = "https://w3id.org/tanheng/resource/scheme-compare-countries"
DIMENSION_SCHEME = "https://w3id.org/tanheng/resource/scheme-compare-dimensions"
STRONGEST_RULE = "https://w3id.org/tanheng/resource/rule-strongest-example"
THR = "https://w3id.org/tanheng/resource/"
# the codes of the policy records (kept in the JSON) and the schemes that label them for tables
CODE_SCHEMES = {"category": THR + "scheme-compare-categories", "status": THR + "scheme-compare-statuses",
                "instrument": THR + "scheme-compare-instruments", "sector": THR + "scheme-compare-sectors"}
# what a filter's kind is called, from the graph's labels
_KIND_LABEL = {"country": THR + "heading-country", "model": TH + "IntegrationModel",
               "measure": TH + "Measure", "sector": TH + "sector"}


from kg import messages  # noqa: E402
from kg.errors import UnknownValue  # noqa: E402  (a filter value the graph does not know)


def _rows(sparql: str, store=None, **subs) -> list[dict]:
    """Query results as dicts of pyoxigraph terms (None when unbound)."""
    res = store.query(sparql, substitutions=subs or None) if store is not None else reader.query(sparql, **subs)
    return [{v.value: sol[v] for v in res.variables} for sol in res]


def _value(term):
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.datatype.value.endswith(("#integer", "#int", "#gYear")):
        return int(term.value)
    return term.value


def _by_lang(pairs) -> dict:
    """{"zh": …, "en": …} from (literal) terms; a literal without a language fills both."""
    out: dict[str, str] = {}
    for t in pairs:
        if t is None:
            continue
        lang = getattr(t, "language", None)
        if lang:
            out.setdefault(lang.split("-")[0], t.value)
        else:
            out.setdefault("zh", t.value)
            out.setdefault("en", t.value)
    return out


# ----------------------------------------------------------------- vocabulary from the graph
_SCHEME = """
SELECT ?scheme ?code ?label ?order WHERE {
  ?c skos:inScheme ?scheme ; skos:notation ?code ; rdfs:label ?label ; th:order ?order .
}
"""


def scheme(scheme_iri: str, lang: str = "zh", store=None) -> list[dict]:
    """[{code, label}] of a concept scheme (countries or dimensions), in display order."""
    found: dict[str, tuple] = {}
    for r in _rows(_SCHEME, store, scheme=ox.NamedNode(scheme_iri)):
        order, labels = found.setdefault(r["code"].value, (int(r["order"].value), []))
        labels.append(r["label"])
    return [{"code": code, "label": _by_lang(labels).get(lang, code)}
            for code, (_, labels) in sorted(found.items(), key=lambda kv: kv[1][0])]


def code_labels(lang: str = "zh", store=None) -> dict[str, dict[str, str]]:
    """{kind: {code: label}} for the record codes (category, status, instrument, sector)."""
    return {kind: {c["code"]: c["label"] for c in scheme(iri, lang, store)} for kind, iri in CODE_SCHEMES.items()}


def country_concepts(lang: str = "zh", store=None) -> list[dict]:
    return scheme(COUNTRY_SCHEME, lang, store)


def dimension_concepts(lang: str = "zh", store=None) -> list[dict]:
    return scheme(DIMENSION_SCHEME, lang, store)


def text(iri: str, lang: str = "zh", store=None, prop: str = "rdfs:label") -> str:
    """A literal of one IRI (rdfs:label by default) in `lang`; the IRI's local name if none."""
    rows = _rows(f"SELECT ?s ?l WHERE {{ ?s {prop} ?l }}", store, s=ox.NamedNode(iri))
    return _by_lang(r["l"] for r in rows).get(lang) or iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


_KEYS = {
    "model": "SELECT DISTINCT ?v WHERE { ?x a th:IntegrationModel ; th:key ?v } ORDER BY ?v",
    "measure": "SELECT DISTINCT ?v WHERE { ?x a th:Measure ; th:key ?v } ORDER BY ?v",
    "sector": "SELECT DISTINCT ?v WHERE { ?x a th:Case ; th:sector ?v } ORDER BY ?v",
}


def valid_values(kind: str, store=None) -> list[str]:
    """What a filter accepts: country codes, model / measure keys, sectors."""
    if kind == "country":
        return [c["code"] for c in country_concepts("en", store)]
    return [r["v"].value for r in _rows(_KEYS[kind], store)]


def check(kind: str, value: str, store=None) -> str:
    valid = valid_values(kind, store)
    wanted = value.strip().upper() if kind == "country" else value.strip()
    if wanted not in valid:
        raise UnknownValue.worded(      # the kind as the graph names it in Chinese
            messages.text("compare.unknown-value", "zh", kind=text(_KIND_LABEL[kind], "zh", store), value=value,
                          valid="、".join(valid)),
            messages.text("compare.unknown-value", "en", kind=kind, value=repr(value), valid=", ".join(valid)))
    return wanted


# ----------------------------------------------------------------- records
_FILTERS = {   # fixed pattern per filter; the value is bound to the variable, never pasted in
    "country": "?case th:countryCode ?country .",
    "model": "?case th:supportsModel/th:key ?model .",
    "measure": "?case th:exemplifies/th:key ?measure .",
    "sector": "?case th:sector ?sector .",
}

_FIELDS = """
SELECT ?case ?p ?o WHERE {
  ?case a th:Case ; ?p ?o .
  VALUES ?p { th:key th:countryCode th:jurisdictionLevel th:year th:status th:category th:instrumentType
              th:sector th:dimension th:target rdfs:label th:paperSection th:verifiedDate }
}
"""

_LINKS = """
SELECT ?case ?rel ?node ?key ?label WHERE {
  ?case a th:Case ; ?rel ?node .
  VALUES ?rel { th:supportsModel th:exemplifies dcterms:source }
  OPTIONAL { ?node th:key ?key }
  OPTIONAL { ?node rdfs:label ?label }
}
"""

_DISCREPANCIES = """
SELECT ?case ?d ?p ?o ?label WHERE {
  ?case a th:Case ; th:hasDiscrepancy ?d . ?d ?p ?o .
  VALUES ?p { th:paperClaim th:verifiedFact th:verifiedYear dcterms:source }
  OPTIONAL { ?o rdfs:label ?label }
}
"""

_LISTS = {"instrumentType": "instrument", "sector": "sectors", "dimension": "dimensions",
          "paperSection": "paper_sections"}
_SCALARS = {"key": "id", "countryCode": "country", "jurisdictionLevel": "jurisdiction", "year": "year",
            "status": "status", "category": "category", "verifiedDate": "verified_date"}


def _matching_cases(store, filters: dict, country_list: list[str]) -> set[str]:
    used = {k: v for k, v in filters.items() if v is not None}
    patterns = " ".join(_FILTERS[k] for k in [*used, *(["country"] if country_list else [])])
    proj = " ".join(f"?{k}" for k in [*used, *(["country"] if country_list else [])])
    sparql = f"SELECT DISTINCT ?case {proj} WHERE {{ ?case a th:Case . {patterns} }}"
    subs = {k: ox.Literal(v) for k, v in used.items()}
    found: set[str] = set()
    for c in country_list or [None]:
        extra = {"country": ox.Literal(c)} if c else {}
        found |= {r["case"].value for r in _rows(sparql, store, **subs, **extra)}
    return found


def _record_fields(store) -> dict[str, dict]:
    """Each case's own literals: scalars, lists and bilingual title/targets."""
    raw: dict[str, dict[str, list]] = {}
    for r in _rows(_FIELDS, store):
        p = r["p"].value
        raw.setdefault(r["case"].value, {}).setdefault(p[len(TH):] if p.startswith(TH) else "label", []) \
            .append(r["o"])
    recs = {}
    for iri, f in raw.items():
        rec = {"iri": iri}
        rec.update({name: _value(f.get(prop, [None])[0]) for prop, name in _SCALARS.items()})
        rec.update({name: sorted({t.value for t in f.get(prop, [])}) for prop, name in _LISTS.items()})
        titles = _by_lang(f.get("label", []))
        rec["title_zh"], rec["title_en"] = titles.get("zh"), titles.get("en")
        rec["targets"] = _by_lang(f.get("target", [])) or None
        rec.update(models=[], measures=[], source=[], discrepancy=None, discrepancies=[])
        recs[iri] = rec
    return recs


_REL_FIELD = {TH + "supportsModel": "models", TH + "exemplifies": "measures",
              "http://purl.org/dc/terms/source": "source"}


def _add_links(recs: dict, store) -> None:
    """Models, measures and sources as {id, iri, zh, en}."""
    links: dict[tuple, dict] = {}
    for r in _rows(_LINKS, store):
        entry = links.setdefault((r["case"].value, r["rel"].value, r["node"].value),
                                 {"id": _value(r["key"]), "iri": r["node"].value, "labels": []})
        entry["labels"].append(r["label"])
    for (case, rel, _), e in sorted(links.items()):
        names = _by_lang(e.pop("labels"))
        e["zh"], e["en"] = names.get("zh"), names.get("en")
        if case in recs:
            recs[case][_REL_FIELD[rel]].append(e)


_DISC_FIELD = {TH + "paperClaim": "paper_claim", TH + "verifiedFact": "verified_fact",
               "http://purl.org/dc/terms/source": "source"}


def _add_discrepancies(recs: dict, store) -> None:
    """The paper's claim beside the verified fact, where they differ. A case may have several
    (the UK guidance: its year, and where the 40 % comes from): `discrepancies` lists them in a
    fixed order (a verified year first, then by source), `discrepancy` is the first."""
    found: dict[tuple[str, str], dict] = {}
    for r in _rows(_DISCREPANCIES, store):
        d = found.setdefault((r["case"].value, r["d"].value), {"paper_claim": [], "verified_fact": [], "source": [],
                                                               "verified_year": None, "source_iri": None})
        if r["p"].value == TH + "verifiedYear":
            d["verified_year"] = _value(r["o"])
            continue
        field = _DISC_FIELD[r["p"].value]
        if field == "source":
            d["source_iri"] = r["o"].value
        d[field].append(r["label"] if field == "source" else r["o"])
    by_case: dict[str, list[dict]] = {}
    for (case, _), d in found.items():
        if case in recs:
            source = {"iri": d.pop("source_iri"), **_by_lang(d["source"])}
            by_case.setdefault(case, []).append({**d, "paper_claim": _by_lang(d["paper_claim"]),
                                                 "verified_fact": _by_lang(d["verified_fact"]),
                                                 "source": source if source["iri"] else None})
    for case, ds in by_case.items():
        ds.sort(key=lambda d: (d["verified_year"] is None, str(d["verified_year"]), (d["source"] or {}).get("iri") or "",
                               d["verified_fact"].get("en", "")))
        recs[case]["discrepancy"] = ds[0]
        recs[case]["discrepancies"] = ds


def _all_records(store) -> dict[str, dict]:
    recs = _record_fields(store)
    _add_links(recs, store)
    _add_discrepancies(recs, store)
    return recs


def compare(countries: list[str] | str | None = None, model: str | None = None,
            measure: str | None = None, sector: str | None = None, store=None) -> dict:
    """Policy records matching every given filter, ordered by country, year and id.
    Raises UnknownValue (naming the valid values) for a value the graph lacks."""
    if isinstance(countries, str):
        countries = [c for c in countries.split(",") if c.strip()]
    country_list = [check("country", c, store) for c in countries or []]
    filters = {"model": model and check("model", model, store),
               "measure": measure and check("measure", measure, store),
               "sector": sector and check("sector", sector, store)}
    wanted = _matching_cases(store, filters, country_list)
    order = {c["code"]: i for i, c in enumerate(country_concepts("en", store))}
    recs = [r for iri, r in _all_records(store).items() if iri in wanted]
    recs.sort(key=lambda r: (order.get(r["country"], 99), r["year"] or 0, r["id"] or ""))
    return {"records": recs}


# ----------------------------------------------------------------- matrix
_CELLS = """
SELECT ?case ?country ?dim ?year (COUNT(DISTINCT ?m) AS ?n) WHERE {
  ?case a th:Case ; th:countryCode ?country ; th:dimension ?dim ; th:year ?year .
  OPTIONAL { ?case th:exemplifies ?m }
} GROUP BY ?case ?country ?dim ?year
"""


def matrix(lang: str = "zh", store=None) -> dict:
    """Countries x dimensions; each cell holds its strongest record (most
    measures exemplified, then the more recent year, then the key — see
    thr:rule-strongest-example) and how many records the cell has."""
    rows_, cols = country_concepts(lang, store), dimension_concepts(lang, store)
    recs = _all_records(store)
    cells: dict[str, dict[str, dict | None]] = {c["code"]: {d["code"]: None for d in cols} for c in rows_}
    ranked = sorted(_rows(_CELLS, store),
                    key=lambda r: (-int(r["n"].value), -int(r["year"].value), recs[r["case"].value]["id"]))
    for r in ranked:
        country, dim = r["country"].value, r["dim"].value
        if country not in cells or dim not in cells[country]:
            continue
        rec = recs[r["case"].value]
        cell = cells[country][dim]
        if cell is None:
            cells[country][dim] = {"id": rec["id"], "title": rec[f"title_{lang}"], "year": rec["year"],
                                   "measures": int(r["n"].value), "count": 1}
        else:
            cell["count"] += 1
    return {"countries": rows_, "dimensions": cols, "cells": cells,
            "rule": {"label": text(STRONGEST_RULE, lang, store),
                     "definition": text(STRONGEST_RULE, lang, store, "skos:definition")}}


# ----------------------------------------------------------------- timeline
_TIMELINE = """
SELECT ?item ?kind ?key ?year ?country ?order ?label WHERE {
  { ?item a th:Case BIND("case" AS ?kind) } UNION { ?item a th:TimelineEvent BIND("event" AS ?kind) }
  ?item th:key ?key ; th:year ?year ; rdfs:label ?label .
  OPTIONAL { ?item th:countryCode ?country }
  OPTIONAL { ?item th:order ?order }
}
"""


def timeline(countries: list[str] | None = None, store=None) -> dict:
    """Cases and timeline events, ordered by year (then their th:order, then key)."""
    keep = {check("country", c, store) for c in countries or []}
    items: dict[str, dict] = {}
    labels: dict[str, list] = {}
    for r in _rows(_TIMELINE, store):
        iri = r["item"].value
        items.setdefault(iri, {"id": r["key"].value, "kind": r["kind"].value, "year": _value(r["year"]),
                               "country": _value(r["country"]), "order": _value(r["order"])})
        labels.setdefault(iri, []).append(r["label"])
    out = []
    for iri, it in items.items():
        if keep and it["country"] not in keep:
            continue
        names = _by_lang(labels[iri])
        out.append({**it, "title_zh": names.get("zh"), "title_en": names.get("en")})
    out.sort(key=lambda i: (i["year"], i["order"] if i["order"] is not None else 999, i["id"]))
    return {"items": out}
