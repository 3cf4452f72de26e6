"""Carbon-balance accounting of a region: runs the accounting lines of
rules/accounting.ttl with the coefficients of a coefficient set
(ontology/coefficients.ttl). Nothing numeric is restated here.

A line gives input × Π coefficients × unit factor [× GWP] in t CO2e per year.
A missing input (None) is never taken as zero: the line is left out, named in
"missing_lines" (field in "missing"), and the totals are lower bounds
(complete: false). The boundary (consumption or territorial) decides which
lines count; year-true coefficients are chosen by the profile's year."""
from __future__ import annotations

import collections
import itertools
import math
import operator
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from kg import messages
from kg.account.coefficients import DEFAULT_SET, Coefficient, coefficients, resolve
from kg.errors import UserError
from kg.knowledge import reader
from kg.namespaces import THR
from kg.knowledge.cache import compiled_knowledge
from kg.knowledge.rules import Line, lines, local_name  # noqa: F401  (Line: the record callers type against)

# ----------------------------------------------------------------------------- rule data
BOUNDARIES = ("consumption", "territorial")
DEFAULT_BOUNDARY = "consumption"


def message(key: str, lang: str | None = None, **fields) -> str:
    """An accounting message of the catalogue (kg/messages.csv, `account.<key>`) filled with
    fields; both languages ("zh / en") unless lang is given."""
    if lang in ("zh", "en"):
        return messages.text(f"account.{key}", lang, **fields)
    return messages.both(f"account.{key}", **fields)


def input_fields() -> list[str]:
    """The profile columns the accounting reads (the fields a scenario may change)."""
    seen = []
    for ln in lines():
        for f in (*ln.activity_fields(), ln.scope_input):
            if f and ln.kind != "omitted" and f not in seen:
                seen.append(f)
    return seen


def _concepts(scheme: str, extra: str = "") -> dict[str, dict]:
    """The concepts of a SKOS scheme of the knowledge graph (kg.knowledge.reader): IRI → {notation, zh, en, …}
    (labels by language, a region subtag such as zh-CN counting as zh; `extra`: OPTIONAL patterns binding
    further variables on ?c, each kept as its value)."""
    out: dict[str, dict] = {}
    for row in reader.select(f"""SELECT * WHERE {{ ?c skos:inScheme <{THR}{scheme}> .
        OPTIONAL {{ ?c skos:notation ?notation }} OPTIONAL {{ ?c rdfs:label ?label }} {extra} }}"""):
        c = out.setdefault(row["c"].value, {"zh": "", "en": ""})
        for var, term in row.items():
            if term is None or var == "c":
                continue
            if var == "label":
                c[term.language.split("-")[0]] = term.value
            else:
                c.setdefault(var, term.value)
    return out


@compiled_knowledge
def ipcc_categories() -> dict[str, dict]:
    """IPCC 2006 category concepts of the ontology: local name → {code, sector, label_zh, label_en}."""
    return {local_name(iri, THR): {"code": c.get("notation"), "sector": c.get("sector"),
                                   "label_zh": c["zh"], "label_en": c["en"]}
            for iri, c in _concepts("ipcc2006-categories",
                                    "OPTIONAL { ?c th:inventorySector/skos:notation ?sector }").items()}


@compiled_knowledge
def province_regions() -> dict[str, str]:
    """Province name (short form, as the inventory-region concepts list it) → inventory region notation."""
    return {row["alt"].value: row["code"].value for row in reader.select(f"""SELECT ?alt ?code WHERE {{
        ?c skos:inScheme <{THR}inventory-regions> ; skos:notation ?code ; skos:altLabel ?alt }}""")}


@compiled_knowledge
def provinces() -> dict[str, dict]:
    """Province concepts of the ontology (thr:provinces): two-digit code → {short, zh, en, grid} (grid: the
    regional grid it belongs to, th:gridRegion, None where not inferred)."""
    return {c["notation"]: {"short": c.get("short"), "zh": c["zh"], "en": c["en"], "grid": c.get("grid")}
            for c in _concepts("provinces", "OPTIONAL { ?c skos:altLabel ?short } "
                                            "OPTIONAL { ?c th:gridRegion ?grid }").values()}


@compiled_knowledge
def grid_labels() -> dict[str, dict]:
    """Grid region key (a value of grid_region) → {zh, en} label (thr:grid-regions)."""
    return {c["notation"]: {"zh": c["zh"], "en": c["en"]} for c in _concepts("grid-regions").values()}


def province_code(values: dict) -> str | None:
    """The profile's province as a two-digit code: the first two digits of a 6-, 9- or 12-digit region code
    (GB/T 2260) when they name a province, else its province name (河南省, 河南 …); None when neither does."""
    known = provinces()
    prefix = _code_prefix(values)
    if prefix in known:
        return prefix
    name = values.get("province")
    if isinstance(name, str) and name.strip():
        for code, p in known.items():
            if name.strip().startswith(p["short"]):
                return code
    return None


def _code_prefix(values: dict) -> str | None:
    """The first two digits of the profile's region code when it is a 6-, 9- or 12-digit code, else None."""
    return _prefix(str(values.get("region_id") or "").strip())


def _prefix(rid: str) -> str | None:
    return rid[:2] if len(rid) in (6, 9, 12) and rid.isascii() and rid.isdigit() else None


def inventory_region(province) -> str | None:
    """The inventory region of a province as users write it (河南省, 河南, 广西壮族自治区 …); None if unknown."""
    if not isinstance(province, str) or not province.strip():
        return None
    text = province.strip()
    for name, region in province_regions().items():
        if text.startswith(name):
            return region
    return None


# ----------------------------------------------------------------------------- year-true choice
def _distance(c: Coefficient, year: int | None) -> int:
    """How far a member's year of validity lies from the profile's year: 0 for timeless members, years back for
    earlier ones, 1000 + years ahead for later ones (only used when nothing earlier exists)."""
    if c.year is None:
        return 0
    if year is None:
        return 3000 - c.year            # no profile year: the newest
    return year - c.year if c.year <= year else 1000 + c.year - year


def pick(members: list[Coefficient], scope: str | None = None, fallback: str | None = None,
         year: int | None = None, finer: str | None = None) -> Coefficient:
    """One coefficient of a variant group for a region: among the members of its scopes — finer (its
    province), its own scope, the fallback scope; else all — the one closest to its year from before or in
    it; on equal distance the finer scope wins. Several members left with nothing to choose between them is
    a knowledge error."""
    if len(members) == 1:
        return members[0]
    tiers = [t for t in (finer, scope, fallback) if t is not None]
    pool = [(c, tiers.index(c.scope)) for c in members if c.scope in tiers] or [(c, 0) for c in members]
    ranked = sorted(pool, key=lambda cw: (_distance(cw[0], year), cw[1]))
    best = ranked[0]
    if len(ranked) > 1 and (_distance(ranked[1][0], year), ranked[1][1]) == (_distance(best[0], year), best[1]) \
            and ranked[1][0].value != best[0].value:
        raise ValueError(f"variant group {members[0].group!r} has {len(members)} members and no scope or year "
                         f"selects one")
    return best[0]


# ----------------------------------------------------------------------------- compiled lines
@dataclass(frozen=True)
class _Compiled:
    line: Line
    groups: tuple           # variant groups multiplied (factors, then GWP)
    rs: object              # the resolved set
    cache: dict = field(default_factory=dict, hash=False, compare=False)

    def factor(self, scope: str | None, year: int | None, finer: str | None = None) -> tuple[float, tuple]:
        """(product of the coefficients × unit factor, the coefficients) for a scope (and a finer one, the
        province) and profile year."""
        key = (scope, year, finer)
        hit = self.cache.get(key)
        if hit is None:
            fallback = self.line.province_fallback if self.line.scope_from_province else self.line.fallback_scope
            chosen = tuple(pick(self.rs.members(g), scope, fallback, year, finer) for g in self.groups)
            product = self.line.unit_factor
            for c in chosen:
                product *= c.value
            hit = self.cache[key] = (product, chosen)
        return hit


@dataclass(frozen=True)
class CompiledSet:
    name: str
    flux: tuple
    stock: tuple
    scopes: tuple           # the grid scopes a line can select (values of its scope input)
    gwp_set: str
    rs: object = None


@lru_cache(maxsize=64)
def compile_set(coefficient_set: str = DEFAULT_SET) -> CompiledSet:
    """The lines of one coefficient set with their variant groups; products are formed per scope and year."""
    rs = resolve(coefficient_set)
    flux, stock, scopes, gwp_editions = [], [], set(), set()
    for ln in lines():
        if ln.kind == "omitted":
            continue
        groups = tuple(ln.factors) + ((ln.gwp_group,) if ln.gwp_group else ())
        if any(not rs.members(g) for g in groups):
            if ln.optional:
                continue
            absent = [g for g in groups if not rs.members(g)]
            raise ValueError(f"coefficient set {rs.name!r} has no coefficient for {absent} (line {ln.key})")
        if ln.share_default_group and not rs.members(ln.share_default_group):
            raise ValueError(f"coefficient set {rs.name!r} has no default share {ln.share_default_group!r}")
        if ln.gwp_group:
            gwp_editions.add(pick(rs.members(ln.gwp_group)).edition)
        if ln.scope_input:
            scopes.update(c.scope for g in groups for c in rs.members(g))
        (flux if ln.kind == "flux" else stock).append(_Compiled(ln, groups, rs))
    return CompiledSet(rs.name, tuple(flux), tuple(stock), tuple(sorted(scopes)),
                       "+".join(sorted(gwp_editions)), rs)


# ----------------------------------------------------------------------------- accounting
def _number(x):
    """None for "not reported" (None, empty text, NaN); a float otherwise. A column of a plan (account_many) is
    already numbers: it is returned as it is."""
    if isinstance(x, np.ndarray):
        return x
    if x is None or (isinstance(x, str) and not x.strip()):
        return None
    x = float(x)
    return None if math.isnan(x) else x


def _year(values) -> int | None:
    try:
        y = _number(values.get("year"))
    except (TypeError, ValueError):
        return None
    return None if y is None else int(y)


@dataclass
class LineActivity:
    """What one line reads from one region: signed terms (column, value), a share and the assumptions made."""
    terms: list
    share: float
    share_coefficient: Coefficient | None
    assumptions: list


def activity(ln: Line, values: dict, rs, year: int | None) -> LineActivity | None:
    """The activity of a line for one region, or None when its input is not reported (the line is missing)."""
    assumptions = []
    main, x = ln.input, _number(values.get(ln.input))
    if x is None and ln.input_alternative:
        main, x = ln.input_alternative, _number(values.get(ln.input_alternative))
        if x is not None:
            assumptions.append(("assume-all-forest", {}))
    if x is None:
        if not ln.zero_when_missing:
            return None
        main, x = ln.input, 0.0
    terms = [(main, x)]
    if ln.subtract_input:
        y = _number(values.get(ln.subtract_input))
        if y is None:
            assumptions.append(("assume-zero", {"field": ln.subtract_input}))
        else:
            terms.append((ln.subtract_input, -y))
    share, share_coef = 1.0, None
    if ln.share_numerator:
        num = _number(values.get(ln.share_numerator))
        den, used = None, None
        for d in ln.share_denominators:
            den = _number(values.get(d))
            if den is not None:
                used = d
                break
        if used and used != ln.share_denominators[0]:
            assumptions.append(("assume-share-denominator", {"field": ln.share_denominators[0], "used": used}))
        s = _capped_share(num, den)
        share = 1.0 - s if ln.share_complement else s
    if ln.share_percent_input:
        pct = _number(values.get(ln.share_percent_input))
        if pct is None:
            share_coef = pick(rs.members(ln.share_default_group), None, None, year)
            pct = share_coef.value
            assumptions.append(("assume-default-share", {"field": ln.share_percent_input, "value": f"{pct:g}",
                                                         "coefficient": share_coef.id}))
        share *= pct
    return LineActivity(terms, share, share_coef, assumptions)


def _capped_share(num, den):
    """num / den, at most 1; 0 where either is not reported or den is 0 — elementwise for a plan's columns
    (the same comparisons and division as for one region's numbers)."""
    if num is None or den is None:
        return 0.0
    if isinstance(den, np.ndarray):
        with np.errstate(divide="ignore", invalid="ignore"):
            q = num / den
        return np.where(den != 0, np.where(q < 1.0, q, 1.0), 0.0)
    return min(1.0, num / den) if den else 0.0


def _ratio(num, den, otherwise=None):
    """num / den, `otherwise` where den is 0 or not reported — elementwise for a plan's columns (an object array
    where `otherwise` is None)."""
    if isinstance(den, np.ndarray):
        with np.errstate(divide="ignore", invalid="ignore"):
            q = num / den
        return np.where(den != 0, q, otherwise)
    return num / den if den else otherwise


@dataclass
class Evaluated:
    """One flux line for one region: its activity (None = input missing), coefficient product and choice."""
    line: Line
    act: LineActivity | None
    product: float = 0.0
    chosen: tuple = ()
    memo: bool = False
    province_unknown: bool = False
    inferred_scope: tuple | None = None     # (province code, grid region) when the grid region was inferred

    @property
    def amount(self) -> float:
        """t CO2e, removals positive (sink lines are stored negative in the coefficients)."""
        signed = sum(v for _, v in self.act.terms) * self.act.share * self.product
        return -signed if self.line.direction == "sink" else signed


def evaluate(values: dict, cs: CompiledSet, boundary: str = DEFAULT_BOUNDARY):
    """The flux lines of one region in a boundary, each as an Evaluated (the one arithmetic account() and the
    Monte Carlo of kg.reason.uncertainty share)."""
    year = _year(values)
    region = province = None
    for comp in cs.flux:
        ln = comp.line
        memo = ln.memo_in == boundary
        if not (ln.counted_in(boundary) or memo):
            continue
        act = activity(ln, values, cs.rs, year)
        if act is None:
            yield Evaluated(ln, None, memo=memo)
            continue
        scope, finer, unknown = None, None, False
        if ln.scope_input:
            scope = values.get(ln.scope_input) or None
        elif ln.scope_from_province:
            if region is None:
                region = inventory_region(_province_name(values)) or ""
            scope = region or None
            unknown = scope is None
        inferred = None
        if ln.provincial_scope:
            if province is None:
                province = province_code(values) or ""
            finer = f"province-{province}" if province else None
            if scope is None and province and provinces()[province]["grid"]:
                # no grid region reported: the province's regional grid (th:gridRegion), stated in the account
                scope = inferred = provinces()[province]["grid"]
        product, chosen = comp.factor(scope, year, finer)
        yield Evaluated(ln, act, product, chosen, memo, unknown, (province, inferred) if inferred else None)


def _province_name(values: dict):
    """The province name a profile gives, else the short name of the province its region code names."""
    name = values.get("province")
    if isinstance(name, str) and name.strip():
        return name
    code = province_code(values)
    return provinces()[code]["short"] if code else None


def effective_factors(values_list: list[dict], coefficient_set: str = DEFAULT_SET,
                      boundary: str = DEFAULT_BOUNDARY) -> tuple[list[Line], list[str], list[list[float]]]:
    """Per region and flux line counted in the boundary: t CO2e (removals positive) per unit of the line's
    base input (its alternative input where it has one, e.g. all forest land), as account() computes it for
    that region's year, scope, shares and subtractions — what a projection multiplies a projected input by
    so that its first year agrees with account(). Evaluated once per plan of the batch (plans()).
    Returns (lines, base input columns, factors)."""
    cs = compile_set(coefficient_set)
    check_boundary(boundary)
    counted = [c for c in cs.flux if c.line.counted_in(boundary)]
    out = np.zeros((len(values_list), len(counted)))
    for idx, values in plans(values_list, cs, boundary):
        by_key = {ev.line.key: ev for ev in evaluate(values, cs, boundary)}
        for j, comp in enumerate(counted):
            ln = comp.line
            ev = by_key.get(ln.key)
            if ev is None or ev.act is None:
                product, _ = comp.factor(None, _year(values))
                out[idx, j] = -product if ln.direction == "sink" else product
                continue
            main = _number(values.get(ln.input_alternative or ln.input))
            out[idx, j] = _ratio(ev.amount, main, (-1 if ln.direction == "sink" else 1) * ev.act.share * ev.product)
    return [c.line for c in counted], [c.line.input_alternative or c.line.input for c in counted], out.tolist()


def _account(values: dict, cs: CompiledSet, boundary: str = DEFAULT_BOUNDARY) -> dict:
    by_source, by_sink, by_t1, stocks, memo, ipcc = {}, {}, {}, {}, {}, {}
    missing: list[str] = []
    missing_lines: list[dict] = []
    used: dict[str, Coefficient] = {}
    assumptions: dict = {}
    choices: list[dict] = []
    years: dict[str, int] = {}
    year = _year(values)
    for ev in evaluate(values, cs, boundary):
        ln, act = ev.line, ev.act
        if act is None:
            if ln.input not in missing:
                missing.append(ln.input)
            if not ev.memo:
                missing_lines.append({"key": ln.key, "label_zh": ln.label_zh, "label_en": ln.label_en,
                                      "field": ln.input, "direction": ln.direction,
                                      "counted_where_given": ln.where_given})
            continue
        if ev.province_unknown:
            assumptions[("assume-province",)] = None
        if ev.inferred_scope and any(c.scope == ev.inferred_scope[1] for c in ev.chosen):    # only when used
            code, grid = ev.inferred_scope
            assumptions[("assume-grid-region", ("province", code), ("region", grid))] = None
        if ln.provincial_scope or ln.scope_input:
            choices.extend(dict(_choice_text(ln.key, c.id)) for c in ev.chosen)
            for c in ev.chosen:
                if c.year is not None and year is not None and c.year > year:
                    assumptions[("assume-later-factor", ("line", ln.key), ("year", str(c.year)))] = None
        for c in ev.chosen + ((act.share_coefficient,) if act.share_coefficient else ()):
            used[c.id] = c
            if c.year is not None:
                years[c.group] = c.year
        for key, fields in act.assumptions:
            assumptions[(key, *fields.items())] = None
        if ln.method_en:
            assumptions[("assume-method", ("line", ln.key), ("method", ln.key))] = None
        amount = ev.amount
        ipcc[ln.key] = ln.ipcc
        if ev.memo:
            memo[ln.key] = amount
            continue
        (by_sink if ln.direction == "sink" else by_source)[ln.key] = amount
        by_t1[ln.table1] = by_t1.get(ln.table1, 0.0) + amount
    for comp in cs.stock:
        x = _number(values.get(comp.line.input))
        if x is None:
            if comp.line.input not in missing:
                missing.append(comp.line.input)
            continue
        product, chosen = comp.factor(None, year)
        for c in chosen:
            used[c.id] = c
        stocks[comp.line.key] = x * product
    emissions = sum(by_source.values())
    sinks = sum(by_sink.values())
    not_counted = [{"key": ln.key, "label_zh": ln.label_zh, "label_en": ln.label_en, "field": ln.input,
                    "reason_zh": ln.note_zh, "reason_en": ln.note_en}
                   for ln in _omitted() if _number(values.get(ln.input)) is not None]
    return {
        "emissions_t_co2e": emissions, "sinks_t_co2e": sinks, "net_t_co2e": emissions - sinks,
        "balance_ratio": _ratio(sinks, emissions),
        "complete": not any(not m["counted_where_given"] for m in missing_lines), "missing": missing,
        "missing_lines": missing_lines,
        "by_source": by_source, "by_sink": by_sink, "by_table1": by_t1, "stocks": stocks, "memo": memo,
        "boundary": boundary, "gwp_set": cs.gwp_set, "coefficient_set": cs.name,
        "year_of_factors": dict(sorted(years.items())),
        "assumptions": [dict(_assumption_text(a)) for a in assumptions],
        "factor_choices": choices, "not_counted": not_counted,
        "ipcc_categories": {k: _ipcc_code(v) for k, v in ipcc.items()},
        "coefficients": [c.record() for c in sorted(used.values(), key=lambda c: c.id)],
    }


@lru_cache(maxsize=1)
def _omitted() -> tuple[Line, ...]:
    return tuple(ln for ln in lines() if ln.kind == "omitted")


def field_label(key: str, lang: str) -> str:
    """A profile column's label (never its key) for messages a user reads."""
    from kg.read.profiles import column_by_key

    col = column_by_key().get(key)
    return col.label(lang) if col is not None else key


@lru_cache(maxsize=256)
def _ipcc_code(concept: str | None) -> str | None:
    return ipcc_categories().get(concept, {}).get("code")


@compiled_knowledge
def _source_labels() -> dict[str, dict]:
    """Local name of every source node → its label in zh and en."""
    out: dict[str, dict] = {}
    for row in reader.select(f"""SELECT DISTINCT ?s ?label WHERE {{ ?x dcterms:source ?s .
            FILTER(STRSTARTS(STR(?s), "{THR}")) OPTIONAL {{ ?s rdfs:label ?label }} }}"""):
        labels = out.setdefault(local_name(row["s"].value, THR), {"zh": "", "en": ""})
        if row["label"] is not None and row["label"].language:
            labels[row["label"].language.split("-")[0]] = row["label"].value
    return out


@lru_cache(maxsize=4096)
def _choice_text(line_key: str, coefficient_id: str) -> dict:
    """Which coefficient a scope-selected line used (the province's, the grid region's or the national
    factor of which year), with its value, source and confidence, in zh and en."""
    c = coefficients()[coefficient_id]
    ln = next(x for x in lines() if x.key == line_key)
    src = _source_labels().get(c.source, {})
    out = {"line": line_key, "coefficient": c.id, "scope": c.scope, "valid_year": c.year,
           "value": c.value, "unit": c.unit, "source": c.source, "confidence": c.confidence}
    for lang in ("zh", "en"):
        out[lang] = message("factor-chosen", lang, line=ln.label(lang), factor=c.label(lang),
                            value=f"{c.value:g}", unit=c.unit, source=src.get(lang) or c.source,
                            confidence=message(f"confidence-{c.confidence}", lang))
    return out


@lru_cache(maxsize=1024)
def _assumption_text(a: tuple) -> dict:
    """("assume-…", (field, value), …) → {key, zh, en}, columns named by their labels."""
    key, *pairs = a
    out = {"key": key}
    for lang in ("zh", "en"):
        fields = {k: (field_label(v, lang) if k in ("field", "used") else
                      next(x.label(lang) for x in lines() if x.key == v) if k == "line" else
                      next(x.method(lang) for x in lines() if x.key == v) if k == "method" else
                      provinces()[v][lang] if k == "province" else
                      grid_labels().get(v, {}).get(lang, v) if k == "region" else v)
                  for k, v in pairs}
        out[lang] = message(key, lang, **fields)
    return out


def check_boundary(boundary: str) -> str:
    if boundary not in BOUNDARIES:
        raise UserError("account.unknown-boundary", name=boundary)
    return boundary


def account(region_values: dict, coefficient_set: str = DEFAULT_SET, boundary: str = DEFAULT_BOUNDARY) -> dict:
    """The carbon balance of one region from its profile values {column key: number or None}.
    by_source / by_sink are t CO2e per year (removals positive), by_table1 groups the same
    magnitudes by the paper's Table 1 class (or its marked extension), stocks are t C. When optional
    inputs are missing the totals are lower bounds: complete is false and missing_lines names the lines."""
    return _account(_values_of(region_values), compile_set(coefficient_set), check_boundary(boundary))


class Accounts:
    """The accounts of a batch: `plans`, (region indices, account) for each plan (plans()): the plan's account over
    its regions' columns — its numbers as arrays over those regions, or one value for all of them — or, for a
    region accounted alone, that region's account itself; and `balances`, one dict per region (what account()
    gives), split from the plans when first read (~4.5 µs a region: a reader of the plans alone never pays it).
    Reasoning reads the plans' arrays instead of the regions' dicts (kg.reason.indicators)."""

    def __init__(self, plans: list[tuple[list[int], dict]], n: int):
        self.plans = plans
        self.n = n
        self._balances: list[dict] | None = None

    @property
    def balances(self) -> list[dict]:
        if self._balances is None:
            out: list = [None] * self.n
            for idx, plan in self.plans:
                if len(idx) == 1:
                    out[idx[0]] = plan
                    continue
                for i, b in zip(idx, _split(plan, len(idx))):
                    out[i] = b
            self._balances = out
        return self._balances


def account_batch(regions, coefficient_set: str = DEFAULT_SET, boundary: str = DEFAULT_BOUNDARY,
                  numbers=None) -> Accounts:
    """account() for many regions (dicts or kg.read.profiles regions), equal to it region by region. Regions
    that report the same inputs in the same year and scope (grid region, province) share a plan: the same lines,
    coefficients, assumptions and texts. Each plan is accounted once by the one accounting (_account) on its
    regions' columns — numpy arrays, elementwise the same operations in the same order as for one region's
    numbers, so the same floats — and split back into one account per region when those are read
    (Accounts.balances). `numbers`: the regions' number columns when the caller has them (kg.read.numbers, over
    these very value dicts)."""
    cs = compile_set(coefficient_set)
    check_boundary(boundary)
    from kg.read.numbers import Rows

    # (regions' Rows, e.g. Numbers.rows: a dict read only where a plan reads one, its first region's)
    rows = regions if isinstance(regions, Rows) else [r if r.__class__ is dict else _values_of(r) for r in regions]
    return Accounts([(idx, _account(values, cs, boundary)) for idx, values in plans(rows, cs, boundary, numbers)],
                    len(rows))


def account_many(regions, coefficient_set: str = DEFAULT_SET, boundary: str = DEFAULT_BOUNDARY,
                 numbers=None) -> list[dict]:
    """The accounts of account_batch, one dict per region."""
    return account_batch(regions, coefficient_set, boundary, numbers).balances


# ----------------------------------------------------------------------------- plans of a batch
# What a region's account depends on besides its numbers: which inputs it reports (a present value that is not a
# number is "reported": reading it raises as for one region), its year, the values of the lines' scope inputs
# (grid_region) and its province and inventory region. Regions alike in all of these have the same account but
# for the numbers.
def _plan_fields(cs: CompiledSet, boundary: str) -> tuple[list[str], list[str], bool, bool]:
    """(numeric columns whose presence shapes the account, scope input columns, whether the province and
    whether the inventory region choose coefficients) for a set in a boundary."""
    used = [c.line for c in cs.flux if c.line.counted_in(boundary) or c.line.memo_in == boundary]
    numeric = [f for ln in used for f in ln.activity_fields()]
    numeric += [c.line.input for c in cs.stock] + [ln.input for ln in _omitted()]
    return (list(dict.fromkeys(numeric)), list(dict.fromkeys(ln.scope_input for ln in used if ln.scope_input)),
            any(ln.provincial_scope for ln in used), any(ln.scope_from_province for ln in used))


_PLAIN = {float, int, bool, type(None)}
_NONE = {type(None)}


def _cells(rows: list[dict], keys: list[str]) -> dict[str, tuple | list]:
    """Each key's cells over the rows (None where a row has not the key), read in one C-level pass per row."""
    if len(keys) > 1 and set(map(type, rows)) == {dict}:
        try:
            return dict(zip(keys, zip(*map(operator.itemgetter(*keys), rows))))
        except KeyError:        # rows without every key: read key by key
            pass
    return {k: [r.get(k) for r in rows] for k in keys}


def _column(cells) -> tuple[np.ndarray, np.ndarray, dict]:
    """One numeric column over the regions: (floats, NaN where not reported; reported mask; {region index: value
    that is not a number})."""
    n = len(cells)
    kinds = set(map(type, cells))
    if kinds == _NONE:                      # a column no region reports
        return np.full(n, np.nan), np.zeros(n, bool), {}
    if kinds <= _PLAIN:                     # the reader's numbers: numpy converts them as float() does, None → NaN
        out = np.array(cells, dtype=float)
        return out, ~np.isnan(out), {}
    out = np.full(n, np.nan)
    given = np.zeros(n, dtype=bool)
    bad = {}
    for i, v in enumerate(cells):
        try:
            x = _number(v)
        except (TypeError, ValueError):
            bad[i] = v
            given[i] = True
            continue
        if x is not None:
            out[i] = x
            given[i] = True
    return out, given, bad


def _plain(column) -> tuple[np.ndarray, np.ndarray, dict] | None:
    """_column's answer from a column of the batch's numbers (kg.read.numbers: plain numbers and blanks)."""
    return None if column is None else (column[0], ~np.isnan(column[0]), {})


_MIN_COLUMNS = 4     # measured: one region's account ~190 µs, a plan's over columns ~350 µs + ~20 µs per region


def _presence(cols: dict, numeric: list[str], n: int) -> list:
    """Which numeric columns each region reports, as one hashable value per region (the bits of the columns)."""
    if not numeric:
        return [0] * n
    bits = np.packbits(np.column_stack([cols[f][1] for f in numeric]), axis=1)
    words = np.zeros((n, -(-bits.shape[1] // 8) * 8), np.uint8)
    words[:, :bits.shape[1]] = bits
    words = words.view("<u8")
    return words[:, 0].tolist() if words.shape[1] == 1 else list(map(tuple, words.tolist()))


def _by_value(f, cells, texts_only: bool = False) -> list:
    """f of each cell, computed once per distinct value: for an f that gives equal cells equal answers (with
    texts_only, only texts are: 410526 and 410526.0 are equal numbers but not equal as text)."""
    if texts_only and not set(map(type, cells)) <= {str, type(None)}:
        return list(map(f, cells))
    try:
        seen = {v: f(v) for v in set(cells)}
    except TypeError:                       # a cell that cannot be hashed
        return list(map(f, cells))
    return list(map(seen.__getitem__, cells))


def _code_prefixes(ids) -> list:
    """_code_prefix of each region id: for ids that are all texts (or blank) in one pass, else once per value."""
    if set(map(type, ids)) <= _TEXT_IDS:
        return [_prefix(v.strip() if v else "") for v in ids]
    return _by_value(lambda r: _code_prefix({"region_id": r}), ids, texts_only=True)


_TEXT_IDS = {str, type(None)}


def plans(rows: list[dict], cs: CompiledSet, boundary: str, numbers=None):
    """(region indices, the plan's values) for each plan of a batch, in the order of their first regions: the
    values of its first region with every reported numeric column replaced by the column over the plan's regions
    (absent ones stay absent) — what evaluate() and _account take for one region, the numbers as arrays. A plan
    of few regions comes as each of them alone, its values as they are. `numbers`: the rows' number columns
    (kg.read.numbers), when the caller has them."""
    if not rows:
        return
    numeric, scope_inputs, by_province, by_region = _plan_fields(cs, boundary)
    if numbers is None:
        cells = _cells(rows, list(dict.fromkeys([*numeric, "year", "region_id", "province", *scope_inputs])))
        cols = {f: _column(cells[f]) for f in numeric}
    else:
        cells = {k: numbers.cells(k) for k in ("year", "region_id", "province", *scope_inputs)}
        cols = {f: _plain(numbers(f)) or _column(numbers.cells(f)) for f in numeric}
    # what a plan depends on besides the numbers, one tuple per region: the columns reported, the year,
    # the scope inputs, and what province_code and inventory_region read (the code's prefix, the name)
    key_parts = [_presence(cols, numeric, len(rows)), _by_value(lambda y: _year({"year": y}), cells["year"]),
                 zip(*([v or None for v in cells[f]] for f in scope_inputs)) if scope_inputs else [()] * len(rows),
                 _code_prefixes(cells["region_id"]),
                 [v if isinstance(v, str) else None for v in cells["province"]]]
    alike: dict = {}
    for i, key in enumerate(zip(*key_parts)):
        alike.setdefault(key, []).append(i)
    places: dict = {}
    groups: dict = {}
    for (presence, year, scopes, *place_key), idx in alike.items():
        place_key = tuple(place_key)
        place = places.get(place_key)
        if place is None:
            values = rows[idx[0]]
            place = places[place_key] = (province_code(values) if by_province else None,
                                         inventory_region(_province_name(values)) if by_region else None)
        groups.setdefault((presence, year, scopes, place), []).append(idx)
    for parts in groups.values():
        idx = parts[0] if len(parts) == 1 else sorted(i for part in parts for i in part)
        if len(idx) < _MIN_COLUMNS:     # a plan of few regions: their numbers as they are (arrays cost more)
            for i in idx:
                yield [i], rows[i]
            continue
        view = dict(rows[idx[0]])
        at = np.array(idx)
        for f in numeric:
            x, given, bad = cols[f]
            if given[idx[0]]:
                first_bad = next((i for i in idx if i in bad), None) if bad else None
                view[f] = x[at] if first_bad is None else bad[first_bad]
        yield idx, view


_TOTALS = ("emissions_t_co2e", "sinks_t_co2e", "net_t_co2e", "balance_ratio")
_AMOUNTS = ("by_source", "by_sink", "by_table1", "stocks", "memo")


def _filled(template: dict, keys: tuple, rows, n: int) -> list[dict]:
    """n copies of `template`, the i-th with `keys` set to the i-th of `rows` (keys stay in the template's
    order): a dict's copy costs little, so only what differs is set, and no Python runs per region."""
    out = list(map(dict, itertools.repeat(template, n)))
    collections.deque(map(dict.update, out, map(zip, itertools.repeat(keys, n), rows)), maxlen=0)
    return out


def _full(column: np.ndarray, n: int) -> np.ndarray:
    """A plan's column for its n regions (a number computed once for the plan is every region's)."""
    return column if column.shape == (n,) else np.broadcast_to(column, n)


def _rows(columns: list, n: int):
    """The regions' values of a plan's columns (arrays, or one value for all), row by row as Python numbers."""
    if all(isinstance(c, np.ndarray) and c.dtype == np.float64 for c in columns):
        return np.column_stack([_full(c, n) for c in columns]).tolist()     # one conversion
    return zip(*(_full(c, n).tolist() for c in columns))


def _split(plan: dict, n: int) -> list[dict]:
    """The accounts of a plan's n regions from its account over their columns: the numbers (arrays) taken
    region by region as Python floats, the rest (lines, assumptions, texts, coefficients) shared; each region
    has its own copy of the plan's dicts of amounts."""
    changed = {}
    for key in _AMOUNTS:
        d = plan[key]
        arrays = tuple(k for k, v in d.items() if isinstance(v, np.ndarray))
        if len(d) == 1 and arrays:              # one line (stocks): made directly, ~8x faster than copy and update
            (k,) = arrays
            changed[key] = [{k: x} for x in _full(d[k], n).tolist()]
        else:
            changed[key] = _filled(d, arrays, _rows([d[k] for k in arrays], n), n) if arrays else \
                list(map(dict, itertools.repeat(d, n)))
    for key in _TOTALS:
        if isinstance(plan[key], np.ndarray) and (plan[key].dtype != object or key == "balance_ratio"):
            changed[key] = _full(plan[key], n).tolist()
    return _filled(plan, tuple(changed), zip(*changed.values()), n)


def _values_of(region) -> dict:
    return region if isinstance(region, dict) else region.values
