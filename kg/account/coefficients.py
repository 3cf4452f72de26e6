"""Coefficients and coefficient sets, read from the knowledge graph
(ontology/coefficients.ttl). A set name may combine several sets with commas
("gwp-ar5,forest-mean-area"): each replaces the default's members of the
variant groups it holds; two sets replacing the same group is an error."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from kg.errors import UserError
from kg.namespaces import THR
from kg.knowledge import reader
from kg.knowledge.cache import compiled_knowledge

DEFAULT_SET = "default"


@dataclass(frozen=True)
class Coefficient:
    id: str                 # local name under thr:, e.g. "coef-gwp-ch4-ar6"
    value: float
    unit: str
    group: str
    scope: str
    gas: str
    edition: str
    confidence: str
    source: str             # local name of the source node, e.g. "ref-29" or "src-ipcc-2006-v2"
    label_zh: str
    label_en: str
    derivation_en: str = ""
    year: int | None = None     # th:validYear, the year the value describes

    def record(self) -> dict:
        """The public form used in account results ("coefficients" list); a fresh dict each time."""
        return dict(self._record)

    @cached_property
    def _record(self) -> dict:
        return {"id": self.id, "value": self.value, "unit": self.unit, "source": self.source,
                "variant_group": self.group, "scope": self.scope, "edition": self.edition,
                "confidence": self.confidence, "valid_year": self.year}

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class CoefficientSet:
    key: str
    label_zh: str
    label_en: str
    definition_zh: str
    definition_en: str
    base: str | None
    members: tuple[str, ...]
    series: str | None = None       # th:seriesSet: the set a multi-year series uses when this one mixes scopes

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def definition(self, lang: str) -> str:
        return self.definition_zh if lang == "zh" else self.definition_en


@dataclass(frozen=True)
class ResolvedSet:
    """The coefficients one accounting run uses: group → members (several only when scopes differ)."""
    name: str
    by_group: dict = field(hash=False)

    def members(self, group: str) -> list[Coefficient]:
        return self.by_group.get(group, [])


def _local(iri: str) -> str:
    return iri[len(str(THR)):] if iri.startswith(str(THR)) else iri


_COEF_QUERY = """
SELECT ?c ?value ?unit ?group ?scope ?gas ?edition ?conf ?src ?zh ?en ?der ?year WHERE {
  ?c a th:Coefficient ; th:value ?value ; th:unitLabel ?unit ; th:variantGroup ?group ;
     th:confidence ?conf ; dcterms:source ?src .
  OPTIONAL { ?c th:regionScope ?scope }
  OPTIONAL { ?c th:gas ?gas }
  OPTIONAL { ?c th:edition ?edition }
  OPTIONAL { ?c rdfs:label ?zh FILTER(lang(?zh) = "zh") }
  OPTIONAL { ?c rdfs:label ?en FILTER(lang(?en) = "en") }
  OPTIONAL { ?c th:derivation ?der FILTER(lang(?der) = "en") }
  OPTIONAL { ?c th:validYear ?year }
}"""

_SET_QUERY = """
SELECT ?s ?key ?base ?series ?member ?zh ?en ?dzh ?den WHERE {
  ?s a th:CoefficientSet ; th:key ?key .
  OPTIONAL { ?s th:basedOn ?b . ?b th:key ?base }
  OPTIONAL { ?s th:seriesSet ?ss . ?ss th:key ?series }
  OPTIONAL { ?s th:includesCoefficient ?member }
  OPTIONAL { ?s rdfs:label ?zh FILTER(lang(?zh) = "zh") }
  OPTIONAL { ?s rdfs:label ?en FILTER(lang(?en) = "en") }
  OPTIONAL { ?s skos:definition ?dzh FILTER(lang(?dzh) = "zh") }
  OPTIONAL { ?s skos:definition ?den FILTER(lang(?den) = "en") }
}"""


def _v(sol, name: str) -> str:
    t = sol[name]
    return "" if t is None else t.value


@compiled_knowledge
def coefficients() -> dict[str, Coefficient]:
    """Every coefficient node of the graph, by id."""
    out = {}
    for sol in reader.query(_COEF_QUERY):
        cid = _local(_v(sol, "c"))
        if cid in out:      # a second label or derivation in another language: keep the first row
            continue
        out[cid] = Coefficient(cid, float(_v(sol, "value")), _v(sol, "unit"), _v(sol, "group"),
                               _v(sol, "scope"), _v(sol, "gas"), _v(sol, "edition"), _v(sol, "conf"),
                               _local(_v(sol, "src")), _v(sol, "zh"), _v(sol, "en"), _v(sol, "der"),
                               int(_v(sol, "year")) if _v(sol, "year") else None)
    return out


@compiled_knowledge
def coefficient_sets() -> dict[str, CoefficientSet]:
    """Every coefficient set of the graph, by key, the default first."""
    rows: dict[str, dict] = {}
    for sol in reader.query(_SET_QUERY):
        key = _v(sol, "key")
        r = rows.setdefault(key, {"members": set()})
        for name in ("base", "series", "zh", "en", "dzh", "den"):
            r.setdefault(name, _v(sol, name))
        if sol["member"] is not None:
            r["members"].add(_local(sol["member"].value))
    out = {}
    for key in sorted(rows, key=lambda k: (k != DEFAULT_SET, k)):
        r = rows[key]
        out[key] = CoefficientSet(key, r["zh"], r["en"], r["dzh"], r["den"], r["base"] or None,
                                  tuple(sorted(r["members"])), r["series"] or None)
    return out


def _group(members) -> dict[str, list[Coefficient]]:
    coefs = coefficients()
    by_group: dict[str, list[Coefficient]] = {}
    for cid in members:
        c = coefs[cid]
        by_group.setdefault(c.group, []).append(c)
    return by_group


def set_names(name: str) -> list[str]:
    """The set keys a (possibly comma-separated) name asks for; accepts "coefset-<key>" too."""
    parts = [p.strip().removeprefix("coefset-") for p in str(name).split(",") if p.strip()]
    return parts or [DEFAULT_SET]


@lru_cache(maxsize=64)
def resolve(name: str = DEFAULT_SET) -> ResolvedSet:
    """The coefficients of a named set (or a comma-separated combination of sets)."""
    sets = coefficient_sets()
    keys = set_names(name)
    for k in keys:
        if k not in sets:
            raise UserError("account.unknown-coefficient-set", name=k, choices=", ".join(sets))
    by_group = _group(sets[DEFAULT_SET].members)
    replaced_by: dict[str, str] = {}
    for k in keys:
        if k == DEFAULT_SET:
            continue
        for group, members in _group(sets[k].members).items():
            if group in replaced_by:
                raise UserError("account.conflicting-sets", first=replaced_by[group], second=k, group=group)
            replaced_by[group] = k
            by_group[group] = members
    canonical = ",".join(k for k in keys if k != DEFAULT_SET) or DEFAULT_SET
    return ResolvedSet(canonical, by_group)


def variants(group: str) -> list[Coefficient]:
    """All coefficients of one variant group (what a user can switch between)."""
    return sorted((c for c in coefficients().values() if c.group == group), key=lambda c: c.id)


def variant_groups() -> list[str]:
    return sorted({c.group for c in coefficients().values()})
