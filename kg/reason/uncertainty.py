"""Uncertainty of the carbon account: IPCC 2006 Vol. 1 Ch. 3 Approach 2 (Monte Carlo) and, to check it,
Approach 1 (error propagation). The ranges are data (ontology/uncertainty.ttl): one per variant group of
coefficients (every member of the group) and one per profile column (activity data).

Monte Carlo, vectorised over regions × draws with numpy (regions in chunks to bound memory):
    line[r, d] = (Σ column value[r] × activity multiplier[r, d]) × share[r] × share multiplier[r, d]
                 × coefficient product[r] × Π group multiplier[d]
Activity multipliers are independent per region and column (each region's statistics err on their own);
coefficient multipliers are one per group and draw, shared by every region and line that uses the group
(a default factor is wrong the same way everywhere) — which is why a region's lines sharing a GWP or a
factor are correlated, as Approach 1 cannot show. Type robustness: the indicator columns of the type
scoring are perturbed with the same activity multipliers and the types re-scored per draw (rules of
rules/type-scoring.ttl, kg.reason.fast.score_types)."""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from kg.account import balance
from kg.knowledge import reader
from kg.knowledge.cache import compiled_knowledge
from kg.namespaces import THP

Z95 = 1.959963984540054          # standard normal 97.5 % quantile
CHUNK = 256                      # regions per vectorised block (× draws floats per array)


@dataclass(frozen=True)
class Range:
    lower: float                  # fraction of the value below (95 % interval)
    upper: float                  # fraction above

    @property
    def half(self) -> float:
        """Approach 1 relative half-width (the mean of the two halves for an asymmetric range)."""
        return (self.lower + self.upper) / 2


NONE = Range(0.0, 0.0)


_RANGES_QUERY = """
SELECT ?lo ?hi ?group ?column WHERE {
  ?s a th:UncertaintyRange ; th:lowerPct ?lo ; th:upperPct ?hi .
  OPTIONAL { ?s th:forVariantGroup ?group FILTER isLiteral(?group) }
  OPTIONAL { ?s th:forColumn ?column }
}"""


@compiled_knowledge
def ranges() -> tuple[dict[str, Range], dict[str, Range]]:
    """({variant group: Range}, {profile column: Range}) from the knowledge graph (kg.knowledge.reader)."""
    groups, columns = {}, {}
    for row in reader.select(_RANGES_QUERY):
        r = Range(float(row["lo"].value) / 100, float(row["hi"].value) / 100)
        if row["group"] is not None:
            groups[row["group"].value] = r
        if row["column"] is not None:
            columns[row["column"].value[len(str(THP)):]] = r
    return groups, columns


def group_range(group: str) -> Range:
    return ranges()[0].get(group, NONE)


def column_range(column: str) -> Range:
    return ranges()[1].get(column, NONE)


def multipliers(z: np.ndarray, lower, upper) -> np.ndarray:
    """Standard normal draws z → multipliers whose 2.5 % / 97.5 % quantiles are 1 − lower and 1 + upper:
    normal (cut at 0) for a symmetric range, lognormal for an asymmetric one. lower/upper broadcast with z."""
    lower = np.minimum(np.asarray(lower, dtype=float), 0.95)
    upper = np.asarray(upper, dtype=float)
    if lower.ndim == 0 and upper.ndim == 0:          # one range for all: compute only its own family
        if np.isclose(lower, upper):
            return np.maximum(1.0 + (float(upper) / Z95) * z, 0.0)
        lo, hi = np.log1p(-lower), np.log1p(upper)
        return np.exp((hi + lo) / 2 + (hi - lo) / (2 * Z95) * z)
    sym = np.isclose(lower, upper)
    normal = np.maximum(1.0 + (upper / Z95) * z, 0.0)
    lo, hi = np.log1p(-lower), np.log1p(upper)
    lognormal = np.exp((hi + lo) / 2 + (hi - lo) / (2 * Z95) * z)
    return np.where(sym, normal, lognormal)


# ----------------------------------------------------------------------------- the design of a batch
@dataclass
class _LineDesign:
    key: str
    sink: bool
    groups: tuple[str, ...]                 # coefficient groups with a range (multiplied per draw)
    terms: dict                             # column → values over regions (0 where unused)
    share: np.ndarray                       # deterministic share over regions
    share_lower: np.ndarray                 # range of the share over regions (column or default group)
    share_upper: np.ndarray
    product: np.ndarray                     # coefficient product over regions (0 where the line is missing)


def _design(values_list: list[dict], cs, boundary: str) -> list[_LineDesign]:
    """The lines of a batch as columns over its regions: one design per line and set of coefficient groups
    with a range (a region's line is drawn with the groups its own chosen coefficients belong to). Evaluated once
    per plan of the batch (kg.account.balance.plans: regions alike but for their numbers, which come as arrays);
    lines and columns in the order the regions first bring them, as region by region."""
    n = len(values_list)
    designs: dict[tuple, _LineDesign] = {}
    for idx, values in balance.plans(values_list, cs, boundary):
        i = np.array(idx)
        for ev in balance.evaluate(values, cs, boundary):
            if ev.act is None or ev.memo:
                continue
            ln = ev.line
            groups = tuple(sorted({c.group for c in ev.chosen if group_range(c.group) != NONE}))
            d = designs.get((ln.key, groups))
            if d is None:
                d = designs[ln.key, groups] = _LineDesign(ln.key, ln.direction == "sink", groups, {}, np.zeros(n),
                                                          np.zeros(n), np.zeros(n), np.zeros(n))
            for col, v in ev.act.terms:
                d.terms.setdefault(col, np.zeros(n))[i] += v
            d.share[i] = ev.act.share
            if ln.share_percent_input:
                rng = group_range(ln.share_default_group) if ev.act.share_coefficient \
                    else column_range(ln.share_percent_input)
                d.share_lower[i], d.share_upper[i] = rng.lower, rng.upper
            d.product[i] = ev.product
    return list(designs.values())


# ----------------------------------------------------------------------------- random streams
# Every random number has its own named stream derived from the seed (numpy SeedSequence spawn keys):
# the coefficient groups' draws (one stream, every group with a range in a fixed order) and, per block of
# CHUNK regions counted from the start of the batch, one stream per profile column (activity errors) and
# one per line (share errors). So the draws of a region do not depend on which other regions, lines or
# columns a run holds: the batch split into tasks of whole blocks (kg.pipeline.sweeps.monte_carlo, on
# several processes or a Dask cluster) gives the numbers of one process, to the last bit.
_GROUPS, _COLUMN, _SHARE = 0, 1, 2


def _stream(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _name_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def group_multipliers(seed: int, draws: int) -> dict[str, np.ndarray]:
    """{variant group: multiplier per draw} for every group with a range, shared by all regions and lines."""
    groups = sorted(ranges()[0])
    z = _stream(seed, _GROUPS).standard_normal((len(groups), draws))
    return {g: multipliers(z[k], group_range(g).lower, group_range(g).upper) for k, g in enumerate(groups)}


def resolve_seed(seed: int | None) -> int:
    """The seed given, or a fresh one (reported with the intervals, so that a run can be repeated)."""
    return int(np.random.SeedSequence().entropy) if seed is None else int(seed)


# ----------------------------------------------------------------------------- Approach 2
def _percentiles(a: np.ndarray) -> np.ndarray:
    return np.percentile(a, [2.5, 97.5], axis=1).T


def monte_carlo(regions, coefficient_set: str = balance.DEFAULT_SET, boundary: str = balance.DEFAULT_BOUNDARY,
                draws: int = 1000, seed: int | None = None, robustness: bool = True, progress=None,
                keep_draws=None, first: int = 0) -> list[dict]:
    """IPCC Approach 2 for many regions (dicts or kg.read.profiles regions): per region the 95 % intervals
    (2.5 and 97.5 percentiles) of emissions, sinks, net and balance ratio over `draws` draws, and — with
    robustness — how often its integration type and recommended model change across the draws.
    Reproducible for a given seed (without one a fresh seed is drawn and reported). The intervals describe
    the lines that are counted (an incomplete account's interval is that of its lower bound).
    keep_draws(regions slice, emissions, sinks) receives every draw of each block (regions × draws arrays),
    e.g. to write them to the results dataset. `first`: the place of regions[0] in a larger batch (a
    multiple of CHUNK) when a sweep runs the batch in parts — each region then gets the draws it gets in the
    whole batch."""
    if first % CHUNK:
        raise ValueError(f"first={first} must be a multiple of {CHUNK}")
    values_list = [balance._values_of(r) for r in regions]
    cs = balance.compile_set(coefficient_set)
    balance.check_boundary(boundary)
    seed = resolve_seed(seed)
    n = len(values_list)
    designs = _design(values_list, cs, boundary)
    gmult = group_multipliers(seed, draws)
    line_mult = {id(d): np.prod([gmult[g] for g in d.groups], axis=0) if d.groups else np.ones(draws)
                 for d in designs}
    scoring = _TypeScoring(values_list) if robustness and n else None
    columns = sorted({c for d in designs for c in d.terms} | (scoring.columns if scoring else set()))
    out: list[dict] = []
    for start in range(0, n, CHUNK):
        sl = slice(start, min(start + CHUNK, n))
        m, block = sl.stop - sl.start, (first + start) // CHUNK
        amult = {}
        for c in columns:
            r = column_range(c)
            amult[c] = np.ones((m, draws)) if r == NONE else \
                multipliers(_stream(seed, _COLUMN, block, _name_key(c)).standard_normal((m, draws)), r.lower, r.upper)
        emissions, sinks = np.zeros((m, draws)), np.zeros((m, draws))
        for d in designs:
            act = sum(v[sl, None] * amult[c] for c, v in d.terms.items())
            amount = act * (d.share[sl] * d.product[sl])[:, None] * line_mult[id(d)][None, :]
            if d.share_upper[sl].any() or d.share_lower[sl].any():
                z = _stream(seed, _SHARE, block, _name_key(d.key)).standard_normal((m, draws))
                amount *= multipliers(z, d.share_lower[sl, None], d.share_upper[sl, None])
            if d.sink:
                sinks -= amount
            else:
                emissions += amount
        if keep_draws is not None:
            keep_draws(sl, emissions, sinks)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(emissions > 0, sinks / emissions, np.nan)
        e_iv, s_iv, n_iv = _percentiles(emissions), _percentiles(sinks), _percentiles(emissions - sinks)
        r_iv = np.nanpercentile(np.where(np.isnan(ratio).all(axis=1, keepdims=True), 0.0, ratio),
                                [2.5, 97.5], axis=1).T
        changes = scoring.changes(sl, amult, ratio) if scoring else None
        for j in range(m):
            item = {"draws": draws, "seed": seed, "approach": "IPCC 2006 Approach 2 (Monte Carlo)",
                    "emissions_t_co2e": [float(x) for x in e_iv[j]], "sinks_t_co2e": [float(x) for x in s_iv[j]],
                    "net_t_co2e": [float(x) for x in n_iv[j]],
                    "balance_ratio": None if np.isnan(ratio[j]).all() else [float(x) for x in r_iv[j]]}
            if changes is not None:
                item["type_change_share"], item["model_change_share"] = (float(x) for x in changes[j])
            out.append(item)
        if progress:
            progress(sl.stop, n)
    return out


class _TypeScoring:
    """Re-scores the integration types of a chunk of regions for every draw with the bulk rules of kg.reason.fast:
    the indicators of rules/indicators.ttl recomputed (kg.reason.indicators.compute_columns) from profile columns
    perturbed by the activity multipliers, the balance ratio of each draw, the rest as the point estimate."""

    def __init__(self, values_list: list[dict]):
        from kg.reason import indicators
        from kg.knowledge import pathway
        from kg.reason import fast as reason

        self.rules = reason.rules()
        self.balances = balance.account_many(values_list)
        self.base_ind = indicators.compute_batch(values_list, self.balances)
        for a in self.rules.account_shares:
            self.base_ind[a.key] = reason.account_share(a, self.balances)
        inds = indicators.indicators().values()
        self.columns = {c for i in inds for c in (*i.numerators, i.denominator) if c} - {"year"}
        self.base_cols = {c: indicators.column_array(values_list, c) for c in self.columns | {"year"}}
        types = pathway.type_models()
        self.models = np.array([types[t].model_iri for t in self.rules.type_order] + [""], dtype=object)
        self.base = self._best(self.base_ind)

    def _best(self, ind: dict) -> np.ndarray:
        from kg.reason.fast import score_types

        scores, _ = score_types(ind)
        has = ~np.all(np.isnan(scores), axis=1)
        best = np.argmax(np.nan_to_num(scores, nan=-1.0), axis=1)   # first max = lowest tie order, as kg.reason.fast
        return np.where(has, best, len(self.rules.type_order))

    def changes(self, sl: slice, amult: dict, ratio: np.ndarray) -> np.ndarray:
        """(regions of the chunk × 2): share of draws whose type, and whose model, differ from the base."""
        from kg.reason.indicators import compute_columns

        draws = ratio.shape[1]
        flat = lambda a: np.repeat(a[sl], draws)  # noqa: E731
        col = lambda k: (self.base_cols[k][sl, None] * amult[k]).ravel() if k in amult and k in self.columns \
            else flat(self.base_cols[k] if k in self.base_cols else np.full(len(self.base), np.nan))  # noqa: E731
        account = lambda k: ratio.ravel() if k == "balance_ratio" else flat(  # noqa: E731
            np.array([np.nan if b.get(k) is None else b[k] for b in self.balances], dtype=float))
        ind = compute_columns(col, account)
        for key, base in self.base_ind.items():
            ind.setdefault(key, flat(base))
        best = self._best(ind).reshape(-1, draws)
        base = self.base[sl][:, None]
        return np.column_stack([(best != base).mean(axis=1),
                                (self.models[best] != self.models[base]).mean(axis=1)])


# ----------------------------------------------------------------------------- Approach 1
def approach1(region, coefficient_set: str = balance.DEFAULT_SET,
              boundary: str = balance.DEFAULT_BOUNDARY) -> dict:
    """IPCC Approach 1 (Vol. 1 Eq. 3.1 and 3.2): each line's relative half-width is the root sum of squares of
    its activity's and coefficients' half-widths; totals add the lines' absolute half-widths in quadrature.
    Exact only for independent, small, symmetric uncertainties; the check on the Monte Carlo."""
    values = balance._values_of(region)
    cs = balance.compile_set(coefficient_set)
    totals = {"source": [0.0, 0.0], "sink": [0.0, 0.0]}
    for ev in balance.evaluate(values, cs, boundary):
        if ev.act is None or ev.memo:
            continue
        amount = ev.amount
        act_total = sum(v for _, v in ev.act.terms)
        act_u = math.sqrt(sum((v * column_range(c).half) ** 2 for c, v in ev.act.terms)) / abs(act_total) \
            if act_total else 0.0
        parts = [act_u] + [group_range(c.group).half for c in ev.chosen]
        if ev.line.share_percent_input:
            parts.append((group_range(ev.line.share_default_group) if ev.act.share_coefficient
                          else column_range(ev.line.share_percent_input)).half)
        u = math.sqrt(sum(p * p for p in parts))
        t = totals[ev.line.direction]
        t[0] += amount
        t[1] += (u * amount) ** 2
    out = {}
    for name, key in (("emissions_t_co2e", "source"), ("sinks_t_co2e", "sink")):
        total, var = totals[key]
        half = math.sqrt(var)
        out[name] = [total - half, total + half]
    return out
