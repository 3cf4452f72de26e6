"""Headers as yearbooks print them: a field name and an optional unit.

`match_header("年末常住人口（万人）")` → the column `population`, given in 万人, to be
multiplied by 10,000. Names come from the profile properties' labels, skos:altLabel
and skos:hiddenLabel (ontology/profile.ttl); units and their factors from the unit
nodes (ontology/units.ttl: qudt:conversionMultiplier, qudt:hasQuantityKind). This
module holds no synonym and no factor: it only reads them and splits the text."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from kg.knowledge.graph import literal_in
from kg.namespaces import QUDT, RDF, RDFS, SKOS, TH, THP
from kg.knowledge.cache import compiled_knowledge

if TYPE_CHECKING:
    from rdflib import Graph

# Units and targets hold their IRIs as plain strings: they are compiled once (kg.knowledge.cache) and
# unpickling an rdflib term would import rdflib, ~0.1 s of every start (kg.namespaces).


def _labels() -> tuple:
    return RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel


def _text(term) -> str | None:
    return None if term is None else str(term)


_BRACKETS = str.maketrans({"【": "(", "〔": "(", "[": "(", "]": ")", "〕": ")", "】": ")"})


def norm(text) -> str:
    """Comparison form: full-width folded (NFKC), case, spacing and ASCII/CJK brackets alike."""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    text = text.translate(_BRACKETS)
    return "".join(text.split())


_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_TRAILING_UNIT = re.compile(r"^(?P<name>.*?)\((?P<unit>[^()]*)\)$")
_UNIT_PREFIX = re.compile(r"^(?:计量)?单位[:：]?")


def split_unit(text: str) -> tuple[str, str | None]:
    """("年末常住人口", "万人") from "年末常住人口（万人）"; the name alone when no bracket ends it."""
    t = norm(text)
    m = _TRAILING_UNIT.match(t)
    if not m or not m.group("name"):
        return t, None
    return m.group("name"), _UNIT_PREFIX.sub("", m.group("unit"))


# --------------------------------------------------------------------------- units

@dataclass(frozen=True)
class Unit:
    iri: str
    label_zh: str
    label_en: str
    multiplier: Decimal
    kind: str | None

    def factor_to(self, other: "Unit") -> Decimal | None:
        """The number a value in this unit is multiplied by to be in `other`; None across kinds."""
        if self.kind != other.kind:
            return None
        return self.multiplier / other.multiplier


def _graph() -> Graph:
    """Profile properties and unit nodes, from the one knowledge store (kg.read.profiles.vocabulary_graph)."""
    from kg.read.profiles import vocabulary_graph

    return vocabulary_graph()


@compiled_knowledge
def units() -> dict[str, Unit]:
    """IRI -> unit."""
    g = _graph()
    out = {}
    for u in g.subjects(RDF.type, TH.ProfileUnit):
        out[str(u)] = Unit(str(u), literal_in(g, u, RDFS.label, "zh"), literal_in(g, u, RDFS.label, "en"),
                           Decimal(str(g.value(u, QUDT.conversionMultiplier))), _text(g.value(u, QUDT.hasQuantityKind)))
    return out


@compiled_knowledge
def unit_names() -> dict[str, Unit]:
    """Normalised spelling (label, altLabel, hiddenLabel) -> unit. A spelling shared by two
    units would make a header ambiguous, so it is an error in units.ttl."""
    from rdflib import URIRef

    g, out = _graph(), {}
    for iri, u in units().items():
        for p in _labels():
            for text in g.objects(URIRef(iri), p):
                k = norm(text)
                if k in out and out[k] is not u:
                    raise ValueError(f"units.ttl: '{text}' names both {out[k].iri} and {iri}")
                out[k] = u
    return out


def find_unit(text: str | None) -> Unit | None:
    """The unit a text names ("万人", "单位：亿元", "（亩）"), or None."""
    if not text:
        return None
    t = _UNIT_PREFIX.sub("", norm(text)).strip("()")
    return unit_names().get(t)


def column_unit(key: str) -> Unit | None:
    """The unit a column holds (its qudt:unit in profile.ttl), None for text columns."""
    return _column_units().get(key)


@compiled_knowledge
def _column_units() -> dict[str, Unit]:
    from kg.read.profiles import columns

    g = _graph()
    out = {}
    for c in columns():
        u = g.value(THP[c.key], QUDT.unit)
        if u is not None and units().get(str(u)) is not None:
            out[c.key] = units()[str(u)]
    return out


# --------------------------------------------------------------------------- names

@dataclass(frozen=True)
class Target:
    """What a header name can stand for: a profile column, a derivation input, or a
    header that only looks like a column (confusable)."""
    kind: str                 # "column" | "input" | "confusable"
    key: str                  # column key, input key (th:key) or the confusable's IRI
    unit: Unit | None         # the unit the target holds when the header names none
    iri: str


@compiled_knowledge
def targets() -> dict[str, Target]:
    """Normalised header name -> target, from labels, altLabels and hiddenLabels (each also
    without its trailing unit: "耕地（公顷）" is also "耕地")."""
    g = _graph()
    out: dict[str, Target] = {}

    def add(text, target):
        for k in {norm(text), split_unit(str(text))[0]}:
            if k in out and out[k] != target:
                raise ValueError(f"profile.ttl: the header '{text}' names both {out[k].key} and {target.key}")
            out[k] = target

    for prop, key in g.subject_objects(TH.columnKey):
        t = Target("column", str(key), column_unit(str(key)), str(prop))
        add(key, t)
        for p in _labels():
            for text in g.objects(prop, p):
                add(text, t)
    for node in g.subjects(RDF.type, TH.DerivationInput):
        t = Target("input", str(g.value(node, TH.key)), units().get(_text(g.value(node, QUDT.unit))), str(node))
        for p in _labels():
            for text in g.objects(node, p):
                add(text, t)
    for node in g.subjects(RDF.type, TH.ConfusableHeader):
        t = Target("confusable", str(node), None, str(node))
        for p in _labels():
            for text in g.objects(node, p):
                add(text, t)
    return out


@dataclass(frozen=True)
class HeaderMatch:
    """How one header was understood."""
    header: str                      # as given
    target: Target | None
    unit: Unit | None = None         # the unit the header names (None: the target's own)
    factor: Decimal | None = None    # multiply cells by this (None: no conversion)
    problem: str | None = None       # "unit-unknown" | "unit-kind" when the unit cannot be used
    unit_text: str | None = None     # the unit as written

    @property
    def key(self) -> str | None:
        return self.target.key if self.target else None

    @property
    def usable(self) -> bool:
        return self.target is not None and self.target.kind != "confusable" and self.problem is None


def _with_unit(header: str, target: Target, unit_text: str | None) -> HeaderMatch:
    if unit_text is None:
        return HeaderMatch(header, target)
    unit = find_unit(unit_text)
    if unit is None:
        return HeaderMatch(header, target, problem="unit-unknown", unit_text=unit_text)
    if target.unit is None:             # a text column: a unit means nothing, but harms nothing
        return HeaderMatch(header, target)
    factor = unit.factor_to(target.unit)
    if factor is None:
        return HeaderMatch(header, target, unit, problem="unit-kind", unit_text=unit_text)
    return HeaderMatch(header, target, unit, None if factor == 1 else factor, unit_text=unit_text)


def match_header(header, default_unit: str | None = None) -> HeaderMatch:
    """The column (or derivation input) a header names and the unit it is given in.
    `default_unit` is a unit stated for the whole table ("单位：万元" above it): used when
    the header names no unit and the unit measures what the column holds."""
    text = "" if header is None else str(header).strip()
    if not text:
        return HeaderMatch(text, None)
    if _NUMBER.fullmatch(text) and text not in targets():
        return HeaderMatch(text, None)       # a data cell among the rows the header is looked for in (norm keeps it)
    name, unit_text = split_unit(text)
    if unit_text is not None and find_unit(unit_text) is None:
        parts = [p for p in re.split(r"[,，、;；]", unit_text) if p]
        found = [p for p in parts if find_unit(p)]
        if len(found) == 1:              # "氮肥施用量（折纯，万吨）": a qualifier and a unit in one bracket
            rest = [p for p in parts if p != found[0]]
            qualified = targets().get(f"{name}({','.join(rest)})") if rest else None
            if qualified is not None or targets().get(norm(text)) is None:
                name, unit_text = (f"{name}({','.join(rest)})" if qualified else name), found[0]
    whole = targets().get(norm(text))
    if whole is not None and (unit_text is None or find_unit(unit_text) is None):
        target, unit_text = whole, None          # "县（市、区）": the bracket is part of the name
    else:
        target = targets().get(name)
    if target is None:
        return HeaderMatch(text, None)
    if unit_text is None and default_unit and target.unit is not None:
        unit = find_unit(default_unit)
        if unit is not None and unit.kind == target.unit.kind:
            unit_text = default_unit
    return _with_unit(text, target, unit_text)
