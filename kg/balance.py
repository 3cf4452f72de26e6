"""Carbon-balance accounting of a region: runs the accounting lines of
rules/accounting.ttl with the coefficients of a coefficient set
(ontology/coefficients.ttl). Nothing numeric is restated here.

A line gives input × Π coefficients × unit factor [× GWP] in t CO2e per year.
A missing input (None) is never taken as zero: the line is left out, the
field is listed in "missing", and the total it belongs to becomes unknown."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache

from rdflib import RDF, RDFS, Literal
from rdflib.collection import Collection
from rdflib.namespace import SKOS

from .coefficients import DEFAULT_SET, Coefficient, resolve
from .graph import literal_in, rules_file
from .namespaces import TH, THP, THX

RULES_FILE = "accounting.ttl"


# ----------------------------------------------------------------------------- rule data
@dataclass(frozen=True)
class Line:
    key: str
    kind: str                   # "flux", "stock" or "omitted"
    order: int
    label_zh: str
    label_en: str
    input: str                  # profile column key
    factors: tuple[str, ...]    # variant groups multiplied, in order
    unit_factor: float
    gwp_group: str | None
    direction: str | None       # "source" | "sink" (flux lines)
    table1: str | None          # local name of the Table 1 class
    scope_input: str | None     # column that selects among regional members (grid_region)
    fallback_scope: str | None
    optional: bool
    note_zh: str = ""
    note_en: str = ""
    result_unit: str = "t CO2e"

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def note(self, lang: str) -> str:
        return self.note_zh if lang == "zh" else self.note_en


def _local(iri, ns) -> str | None:
    return None if iri is None else str(iri)[len(str(ns)):]


@lru_cache(maxsize=1)
def _rules():
    return rules_file(RULES_FILE)


@lru_cache(maxsize=1)
def lines() -> tuple[Line, ...]:
    """Every accounting, stock and omitted line, in display order."""
    g = _rules()
    kinds = {THX.AccountingLine: "flux", THX.StockLine: "stock", THX.OmittedLine: "omitted"}
    out = []
    for cls, kind in kinds.items():
        for s in g.subjects(RDF.type, cls):
            v = lambda p: g.value(s, p)
            fl = v(THX.factors)
            out.append(Line(
                key=str(v(THX.lineKey)), kind=kind, order=int(v(THX.order) or 0),
                label_zh=literal_in(g, s, RDFS.label, "zh"), label_en=literal_in(g, s, RDFS.label, "en"),
                input=_local(v(THX.input), THP),
                factors=tuple(str(x) for x in Collection(g, fl)) if fl is not None else (),
                unit_factor=float(v(THX.unitFactor) or 1),
                gwp_group=str(v(THX.gwpGroup)) if v(THX.gwpGroup) else None,
                direction=str(v(THX.direction)) if v(THX.direction) else None,
                table1=_local(v(THX.table1Class), TH),
                scope_input=_local(v(THX.scopeInput), THP),
                fallback_scope=str(v(THX.fallbackScope)) if v(THX.fallbackScope) else None,
                optional=bool(v(THX.optionalInSet) and v(THX.optionalInSet).toPython()),
                note_zh=literal_in(g, s, SKOS.note, "zh"), note_en=literal_in(g, s, SKOS.note, "en"),
                result_unit=str(v(THX.resultUnit) or "t CO2e"),
            ))
    return tuple(sorted(out, key=lambda ln: (ln.order, ln.key)))


@lru_cache(maxsize=1)
def _messages() -> dict[str, dict[str, str]]:
    g = _rules()
    out = {}
    for s in g.subjects(RDF.type, THX.Message):
        key = str(s)[len(str(THX)):]
        out[key.removeprefix("msg-")] = {"zh": literal_in(g, s, RDFS.label, "zh"),
                                        "en": literal_in(g, s, RDFS.label, "en")}
    return out


def message(key: str, lang: str | None = None, **fields) -> str:
    """A message of rules/accounting.ttl filled with fields; both languages unless lang is given."""
    m = _messages()[key]
    if lang in ("zh", "en"):
        return m[lang].format(**fields)
    return f"{m['zh'].format(**fields)} / {m['en'].format(**fields)}"


def input_fields() -> list[str]:
    """The profile columns the accounting reads (the fields a scenario may change)."""
    seen = []
    for ln in lines():
        for f in (ln.input, ln.scope_input):
            if f and ln.kind != "omitted" and f not in seen:
                seen.append(f)
    return seen


# ----------------------------------------------------------------------------- compiled lines
@dataclass(frozen=True)
class _Compiled:
    line: Line
    factor: dict            # scope (or None) → product of coefficients × unit factor × GWP
    used: dict              # scope (or None) → tuple of Coefficient


def _pick(members: list[Coefficient], scope: str | None, fallback: str | None) -> Coefficient:
    """One coefficient of a group: the regional member if asked and present, else the fallback scope,
    else the only member. Several members without a scope to choose is a knowledge error."""
    if len(members) == 1:
        return members[0]
    for wanted in (scope, fallback):
        for c in members:
            if wanted is not None and c.scope == wanted:
                return c
    raise ValueError(f"variant group {members[0].group!r} has {len(members)} members and no scope selects one")


@dataclass(frozen=True)
class CompiledSet:
    name: str
    flux: tuple
    stock: tuple
    scopes: tuple           # the regional scopes some line can select
    gwp_set: str
    base_records: tuple     # coefficient records used whatever the region


@lru_cache(maxsize=64)
def compile_set(coefficient_set: str = DEFAULT_SET) -> CompiledSet:
    """Lines × coefficients of one set, multiplied out once (per regional scope where a line has one)."""
    rs = resolve(coefficient_set)
    flux, stock, base, scopes, gwp_editions = [], [], {}, set(), set()
    for ln in lines():
        if ln.kind == "omitted":
            continue
        groups = list(ln.factors) + ([ln.gwp_group] if ln.gwp_group else [])
        if any(not rs.members(g) for g in groups):
            if ln.optional:
                continue
            absent = [g for g in groups if not rs.members(g)]
            raise ValueError(f"coefficient set {rs.name!r} has no coefficient for {absent} (line {ln.key})")
        if ln.gwp_group:
            gwp_editions.add(_pick(rs.members(ln.gwp_group), None, None).edition)
        line_scopes = [None]
        if ln.scope_input:
            line_scopes += sorted({c.scope for g in groups for c in rs.members(g)})
        factor, used = {}, {}
        for sc in line_scopes:
            chosen = tuple(_pick(rs.members(g), sc, ln.fallback_scope) for g in groups)
            product = ln.unit_factor
            for c in chosen:
                product *= c.value
            factor[sc], used[sc] = product, chosen
        if ln.scope_input:
            scopes.update(s for s in line_scopes if s)
        else:
            for c in used[None]:
                base[c.id] = c
        (flux if ln.kind == "flux" else stock).append(_Compiled(ln, factor, used))
    records = tuple(c.record() for c in sorted(base.values(), key=lambda c: c.id))
    return CompiledSet(rs.name, tuple(flux), tuple(stock), tuple(sorted(scopes)),
                       "+".join(sorted(gwp_editions)), records)


# ----------------------------------------------------------------------------- accounting
def _number(x):
    """None for "not reported" (None, empty text, NaN); a float otherwise."""
    if x is None or (isinstance(x, str) and not x.strip()):
        return None
    x = float(x)
    return None if math.isnan(x) else x


def _account(values: dict, cs: CompiledSet) -> dict:
    by_source, by_sink, by_t1, stocks = {}, {}, {}, {}
    missing: list[str] = []
    source_missing = sink_missing = False
    scoped_records = {}
    for comp in cs.flux:
        ln = comp.line
        x = _number(values.get(ln.input))
        if x is None:
            if ln.input not in missing:
                missing.append(ln.input)
            if ln.direction == "sink":
                sink_missing = True
            else:
                source_missing = True
            continue
        scope = None
        if ln.scope_input:
            scope = values.get(ln.scope_input) or None
            scope = scope if scope in comp.factor else None
            for c in comp.used[scope]:
                scoped_records[c.id] = c
        signed = x * comp.factor[scope]
        amount = -signed if ln.direction == "sink" else signed
        (by_sink if ln.direction == "sink" else by_source)[ln.key] = amount
        by_t1[ln.table1] = by_t1.get(ln.table1, 0.0) + amount
    for comp in cs.stock:
        x = _number(values.get(comp.line.input))
        if x is None:
            if comp.line.input not in missing:
                missing.append(comp.line.input)
            continue
        stocks[comp.line.key] = x * comp.factor[None]
    emissions = None if source_missing else sum(by_source.values())
    sinks = None if sink_missing else sum(by_sink.values())
    net = None if emissions is None or sinks is None else emissions - sinks
    ratio = sinks / emissions if emissions and sinks is not None else None
    coefs = list(cs.base_records) + [c.record() for c in scoped_records.values()]
    return {
        "emissions_t_co2e": emissions, "sinks_t_co2e": sinks, "net_t_co2e": net, "balance_ratio": ratio,
        "complete": not missing, "missing": missing,
        "by_source": by_source, "by_sink": by_sink, "by_table1": by_t1, "stocks": stocks,
        "gwp_set": cs.gwp_set, "coefficient_set": cs.name, "coefficients": coefs,
    }


def account(region_values: dict, coefficient_set: str = DEFAULT_SET) -> dict:
    """The carbon balance of one region from its profile values {column key: number or None}.
    by_source / by_sink are t CO2e per year (removals positive), by_table1 groups the same
    magnitudes by the paper's Table 1 class (local name under th:), stocks are t C."""
    return _account(_values_of(region_values), compile_set(coefficient_set))


def account_many(regions, coefficient_set: str = DEFAULT_SET) -> list[dict]:
    """account() for many regions (dicts or kg.profiles regions); the set is compiled once."""
    cs = compile_set(coefficient_set)
    return [_account(_values_of(r), cs) for r in regions]


def _values_of(region) -> dict:
    return region if isinstance(region, dict) else region.values


# ----------------------------------------------------------------------------- rendering
def fmt_number(x, digits: int = 0) -> str:
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def _line_labels(lang: str) -> dict[str, str]:
    return {ln.key: ln.label(lang) for ln in lines()}


def summary_rows(named_results, lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the one-line-per-region summary; named_results = [(label, result)]."""
    h = lambda k: message(f"head-{k}", lang)
    headers = [h("region"), h("emissions"), h("sinks"), h("net"), h("ratio"), h("complete")]
    rows = [[name, fmt_number(r["emissions_t_co2e"]), fmt_number(r["sinks_t_co2e"]), fmt_number(r["net_t_co2e"]),
             fmt_number(r["balance_ratio"], 3), h("yes") if r["complete"] else h("no")]
            for name, r in named_results]
    return headers, rows


def detail_rows(result: dict, lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """Headers and rows of one region's lines: sources, sinks, lines not counted, stocks."""
    h = lambda k: message(f"head-{k}", lang)
    labels = _line_labels(lang)
    rows = [[h("sources"), labels[k], fmt_number(v, 1)] for k, v in result["by_source"].items()]
    rows += [[h("sink-lines"), labels[k], fmt_number(v, 1)] for k, v in result["by_sink"].items()]
    rows += [[message("not-counted", lang), ln.label(lang), ln.note(lang)]
             for ln in lines() if ln.kind == "omitted"]
    rows += [[h("stocks"), labels[k], fmt_number(v, 0)] for k, v in result["stocks"].items()]
    return [h("line"), "", h("value")], rows


def coefficient_rows(result: dict, lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the coefficients one account used, with unit, confidence and source."""
    h = lambda k: message(f"head-{k}", lang)
    rows = [[c["id"], f"{c['value']:g}", c["unit"], c["confidence"], c["source"]] for c in result["coefficients"]]
    return [h("coefficients"), h("coefficient-value"), h("unit"), h("confidence"), h("source")], rows


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")
    out = ["| " + " | ".join(esc(x) for x in headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(esc(x) for x in r) + " |" for r in rows]
    return "\n".join(out)


def text_table(headers: list[str], rows: list[list[str]]) -> str:
    from .query import Result, to_table

    return to_table(Result(headers, rows), width=80)


def render(named_results, fmt: str = "table", lang: str = "zh", detail: bool | None = None) -> str:
    """Results of one or more regions as text table, Markdown or JSON; details (the lines) are shown
    by default when there is one region."""
    named_results = list(named_results)
    if fmt == "json":
        return json.dumps([{"region": n, "balance": r} for n, r in named_results], ensure_ascii=False, indent=1)
    table = markdown_table if fmt == "md" else text_table
    parts = [table(*summary_rows(named_results, lang))]
    if detail is None:
        detail = len(named_results) == 1
    for name, r in named_results if detail else []:
        title = f"{name} — {message('head-coefficient-set', lang)}: {r['coefficient_set']}, " \
                f"{message('head-gwp', lang)}: {r['gwp_set']}"
        parts.append(f"### {title}" if fmt == "md" else title)
        parts.append(table(*detail_rows(r, lang)))
        parts.append(table(*coefficient_rows(r, lang)))
        if r["missing"]:
            parts.append(message("incomplete", lang, fields=", ".join(r["missing"])))
    return "\n\n".join(parts)
