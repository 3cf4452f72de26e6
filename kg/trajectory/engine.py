"""The projection engine, vectorised with numpy over regions × years (one scenario at a time, every
region at once).

Arrays: X[f, r, y] holds field f of region r in year y (observed up to the region's last year, projected
after it); M[l, r, y] multiplies the accounting factor of line l (grid factor, forest sink per hectare)
relative to the region's last observed year. Emissions and sinks of a projected year are
Σ_lines X[input] × factor × M, the same lines account() runs, so the projection starts where the
account stands."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .assumptions import Assumptions
from .coupling import LineFactors

DRIVER_FIELDS = ("population", "gdp_100m_cny")


@dataclass
class Panel:
    """The regions' observed data on one consecutive year axis that runs to the target year."""
    ids: list
    names: list
    years: np.ndarray            # (Y,)
    fields: tuple                # field names of X's first axis
    X: np.ndarray                # (F, R, Y), NaN where not observed
    last: np.ndarray             # (R,) index of the last observed year
    first: np.ndarray            # (R,) index of the first observed year
    n_years: np.ndarray          # (R,) observed years
    area_ha: np.ndarray          # (R,) area at the last year, in ha
    scopes: list                 # grid_region at the last year (None when not given)

    def fi(self, name: str) -> int:
        return self.fields.index(name)

    @property
    def projected(self) -> np.ndarray:
        """(R, Y) True for the years after each region's last observed year."""
        return np.arange(len(self.years))[None, :] > self.last[:, None]


@dataclass
class Projection:
    X: np.ndarray                # (F, R, Y) observed, then projected
    M: np.ndarray                # (L, R, Y) accounting-factor multipliers
    trend: dict = field(default_factory=dict)     # field → (R,) own annual trend (NaN: outlook used)
    trend_n: dict = field(default_factory=dict)   # field → (R,) years behind the trend


def _ols_slope(t: np.ndarray, v: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares slope of v on t per row over the masked points, and the number of points."""
    w = mask.astype(float)
    n = w.sum(axis=1)
    safe = np.where(n > 0, n, 1)
    tm = (w * t).sum(axis=1) / safe
    vv = np.where(mask, v, 0.0)
    vm = (w * vv).sum(axis=1) / safe
    dt = (t - tm[:, None]) * w
    sxx = (dt * dt).sum(axis=1)
    sxy = (dt * (vv - vm[:, None])).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1), np.nan)
    return slope, n


def project_baseline(p: Panel, a: Assumptions, lf: LineFactors) -> Projection:
    """Business as usual: each field from its own damped trend where the region has enough history,
    else from its outlook index; land classes trended linearly and kept within the area."""
    st = a.settings
    R, Y = len(p.ids), len(p.years)
    years = p.years.astype(float)
    rows = np.arange(R)
    y_last = years[p.last]
    after = p.projected
    gap = np.where(after, years[None, :] - y_last[:, None], 0.0)
    w = np.where(after, np.exp(-gap / st.damping_years), 0.0)
    hist = ~after
    X = p.X.copy()
    trend, trend_n = {}, {}
    land = set(a.land_fields)
    for f, name in enumerate(p.fields):
        v = p.X[f]
        base = v[rows, p.last]
        if name == "area_km2":
            X[f] = np.where(after, base[:, None], v)
            continue
        if name in land:
            mask = hist & np.isfinite(v) & (v >= 0)
            slope, n = _ols_slope(years[None, :], v, mask)
            ok = (n >= st.min_history_years) & np.isfinite(slope)
            cap = st.max_trend_rate * np.abs(base)
            slope = np.where(ok, np.clip(slope, -cap, cap), 0.0)
            inc = np.cumsum(w * slope[:, None], axis=1)
            X[f] = np.where(after, np.maximum(base[:, None] + inc, 0.0), v)
            trend[name] = np.where(ok, slope, np.nan)
            trend_n[name] = np.where(ok, n, 0)
            continue
        outlook = a.field_index(name, years)
        o = np.zeros(Y)
        o[1:] = np.log(outlook[1:] / outlook[:-1])
        mask = hist & np.isfinite(v) & (v > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope, n = _ols_slope(years[None, :], np.log(np.where(mask, v, 1.0)), mask)
        ok = (n >= st.min_history_years) & np.isfinite(slope)
        r = np.clip(np.expm1(np.where(ok, slope, 0.0)), -st.max_trend_rate, st.max_trend_rate)
        s = np.log1p(r)
        g = np.where(ok[:, None], w * s[:, None] + (1 - w) * o[None, :], o[None, :])
        g = np.where(after, g, 0.0)
        X[f] = np.where(after, base[:, None] * np.exp(np.cumsum(g, axis=1)), v)
        trend[name] = np.where(ok, r, np.nan)
        trend_n[name] = np.where(ok, n, 0)
    _keep_land_within_area(p, a, X, after)
    M = np.ones((len(lf.keys), R, Y))
    for l, key in enumerate(lf.keys):
        idx = a.line_index(key, years)
        M[l] = np.where(after, idx[None, :] / idx[p.last][:, None], 1.0)
    return Projection(X, M, trend, trend_n)


def _keep_land_within_area(p: Panel, a: Assumptions, X: np.ndarray, after: np.ndarray) -> None:
    """Trended land classes may not outgrow the area: growing classes are scaled back together."""
    idx = [p.fi(f) for f in a.land_fields if f in p.fields]
    if not idx:
        return
    rows = np.arange(len(p.ids))
    base = np.stack([p.X[i][rows, p.last] for i in idx])[:, :, None]     # (K, R, 1)
    cur = X[idx]
    limit = p.area_ha[:, None] * a.max_land_ratio
    total = np.nansum(cur, axis=0)
    over = np.where(after, total - np.maximum(limit, np.nansum(base, axis=0)), 0.0)
    grow = np.where(after[None], np.maximum(cur - base, 0.0), 0.0)
    grown = np.nansum(grow, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        keep = np.where((over > 0) & (grown > 0), np.clip(1 - over / grown, 0, 1), 1.0)
    X[idx] = np.where(grow > 0, base + grow * keep[None], cur)


def totals(p: Panel, X: np.ndarray, M: np.ndarray, lf: LineFactors, only=None) -> tuple[np.ndarray, np.ndarray]:
    """Emissions and sinks (t CO2e, removals positive) of every region-year from X and M — of all lines, or
    of the lines `only` (indices); a line whose input is not reported is left out (totals are lower
    bounds, as in account()). One line at a time: a (lines × regions × years) temporary would cost more
    memory traffic than it saves."""
    R, Y = X.shape[1], X.shape[2]
    E, S, term = np.zeros((R, Y)), np.zeros((R, Y)), np.empty((R, Y))
    clean = {}
    for l in range(len(lf.inputs)) if only is None else only:
        inp = lf.inputs[l]
        if inp not in clean:
            x = X[p.fi(inp)]
            clean[inp] = np.where(np.isnan(x), 0.0, x)
        np.multiply(clean[inp], lf.factor[:, l][:, None], out=term)
        term *= M[l]
        (S if lf.sink[l] else E).__iadd__(term)
    return E, S


def touched_lines(a: Assumptions, lf: LineFactors, slot: "Slot") -> list[int]:
    """The accounting lines a lever changes: those reading its field (or its counterpart), or the line
    whose factor it moves."""
    if slot.field in a.lever_factor_lines:
        line = a.lever_factor_lines[slot.field]
        return [lf.keys.index(line)] if line in lf.keys else []
    fields = {slot.field, slot.counterpart}
    return [l for l, inp in enumerate(lf.inputs) if inp in fields]


# ----------------------------------------------------------------------------- levers
@dataclass(frozen=True)
class Slot:
    """One lever applied to every region at once; amount per region (0 = no effect there)."""
    field: str
    kind: str
    per_year: bool
    start: int
    end: int | None
    amount: np.ndarray           # (R,)
    counterpart: str | None
    group: str                   # what its wedge is reported under (lever text or measure key)


def _counts(p: Panel, slot: Slot) -> np.ndarray:
    """(R, Y): how many steps of the lever have acted by each year (0 before it starts)."""
    years = p.years[None, :]
    start = np.maximum(slot.start, p.years[p.last] + 1)[:, None]
    end = p.years[-1] if slot.end is None else slot.end
    if not slot.per_year:
        return ((years >= start) & (start <= max(end, slot.start))).astype(float)
    n = np.clip(years - start + 1, 0, None)
    return np.minimum(n, np.clip(end - start + 1, 0, None)).astype(float)


def apply_slot(p: Panel, a: Assumptions, lf: LineFactors, X: np.ndarray, M: np.ndarray, slot: Slot) -> None:
    """Apply one lever in place."""
    n = _counts(p, slot)
    amt = slot.amount[:, None]
    if slot.field in a.lever_factor_lines:
        line = a.lever_factor_lines[slot.field]
        if line in lf.keys:
            M[lf.keys.index(line)] *= (1 + amt) ** n
        return
    f = p.fi(slot.field)
    old = X[f].copy() if slot.counterpart else None
    if slot.kind == "relative":
        X[f] *= (1 + amt) ** n
    elif slot.kind == "add":
        X[f] += amt * n
    else:
        X[f] = np.where(n > 0, amt, X[f])
    if slot.counterpart:
        X[p.fi(slot.counterpart)] -= np.nan_to_num(X[f] - old)


def run_slots(p: Panel, a: Assumptions, lf: LineFactors, base: Projection, slots: list[Slot]):
    """The scenario's X, M, emissions, sinks and the wedge of each slot: the drop in net emissions
    (R, Y) it adds on top of the slots before it (levers act in the order given)."""
    X, M = base.X.copy(), base.M.copy()
    E, S = totals(p, X, M, lf)
    wedges = []
    for slot in slots:          # only the lines a lever touches are recomputed: the rest is unchanged
        only = touched_lines(a, lf, slot)
        e0, s0 = totals(p, X, M, lf, only)
        apply_slot(p, a, lf, X, M, slot)
        e1, s1 = totals(p, X, M, lf, only)
        E, S = E + (e1 - e0), S + (s1 - s0)
        wedges.append((e0 - s0) - (e1 - s1))
    return X, M, E, S, wedges


# ----------------------------------------------------------------------------- answers
def peaks(years: np.ndarray, E: np.ndarray, last: np.ndarray):
    """Per region: index of the highest emissions over the whole series (observed and projected),
    and whether it is the final (target) year — then there is no peak before the target."""
    filled = np.where(np.isfinite(E), E, -np.inf)
    idx = np.argmax(filled, axis=1)
    known = np.isfinite(E[np.arange(len(E)), np.maximum(last, 0)]) & np.all(np.isfinite(E[:, -1:]), axis=1)
    at_end = idx == len(years) - 1
    return idx, known, at_end


def balance_index(E: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Per region: the first year index with sinks ≥ emissions (−1: never)."""
    ok = np.isfinite(E) & np.isfinite(S) & (S >= E)
    first = np.argmax(ok, axis=1)
    return np.where(ok.any(axis=1), first, -1)


def line_terms(p: Panel, X: np.ndarray, M: np.ndarray, lf: LineFactors) -> np.ndarray:
    """(L, R, Y) t CO2e of each line (removals positive); a line whose input is not reported is left out
    (totals are lower bounds, as in account()). One gather over the inputs, then whole-array products."""
    if not lf.inputs:
        return np.zeros((0, X.shape[1], X.shape[2]))
    inputs = X[[p.fi(inp) for inp in lf.inputs]]
    return np.where(np.isnan(inputs), 0.0, inputs) * lf.factor.T[:, :, None] * M
