"""Pathways to 2030 and 2060: history, business-as-usual projection, scenarios, peak and balance year.

    trajectory(regions, to=2060, scenarios=[Scenario, …]) → {"target_year", "regions": [...], "assumptions"}

`regions` are kg.read.profiles Regions (or value dicts with region_id, name, year), one per region and year
(long format). Every region is projected at once (kg.trajectory.engine); the standard scenarios
(baseline, low-carbon, enhanced) come first, then the user's own. Formatting lives in
kg.present.trajectory; this package computes."""
from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from kg.account.coefficients import DEFAULT_SET
from . import engine, observed
from .assumptions import Assumptions, load, say, say_both
from .coupling import account_years, line_factors, numeric_inputs, ranked_measures
from .levers import Lever, Scenario, read_scenario, scenario_from_dict
from .scenarios import chosen_measures, standard_scenarios, standard_slots, user_slots

__all__ = ["trajectory", "consistent_set", "read_scenario", "scenario_from_dict", "Scenario", "Lever", "build_panel"]

_HIST_KEYS = ("emissions_t_co2e", "sinks_t_co2e", "net_t_co2e", "balance_ratio")


def _values(r) -> dict:
    return r if isinstance(r, dict) else r.values


def _num(x):
    if x is None or isinstance(x, str):
        return math.nan
    x = float(x)
    return x if math.isfinite(x) else math.nan


def group_years(regions) -> tuple[dict, list[str]]:
    """{region_id: [(year, values), …] by year} and the notes on repeated region-years."""
    by_id: dict = defaultdict(dict)
    rows: dict = defaultdict(list)
    names = {}
    for i, r in enumerate(regions, start=1):
        v = _values(r)
        rid = str(v.get("region_id") or getattr(r, "region_id", "") or "")
        y = v.get("year")
        if not rid or y is None:
            continue
        y = int(y)
        rows[(rid, y)].append(getattr(r, "row", i))
        by_id[rid].setdefault(y, v)
        names.setdefault(rid, v.get("name") or getattr(r, "name", None) or rid)
    notes = [say("duplicate-year", region=rid, year=y, rows=", ".join(map(str, rs)))
             for (rid, y), rs in rows.items() if len(rs) > 1]
    return {rid: sorted(ys.items()) for rid, ys in by_id.items()}, notes


def panel_fields(a: Assumptions) -> tuple[str, ...]:
    out = list(numeric_inputs())
    for f in (*a.land_fields, *engine.DRIVER_FIELDS, "area_km2"):
        if f not in out:
            out.append(f)
    return tuple(out)


def build_panel(grouped: dict, to: int, a: Assumptions) -> engine.Panel:
    ids = list(grouped)
    fields = panel_fields(a)
    y0 = min(ys[0][0] for ys in grouped.values())
    years = np.arange(y0, to + 1)
    R, Y, F = len(ids), len(years), len(fields)
    X = np.full((F, R, Y), np.nan)
    last, first, n_years = np.zeros(R, int), np.zeros(R, int), np.zeros(R, int)
    scopes, names = [], []
    for r, rid in enumerate(ids):
        ys = grouped[rid]
        for y, v in ys:
            j = y - y0
            for f, name in enumerate(fields):
                X[f, r, j] = _num(v.get(name))
        first[r], last[r], n_years[r] = ys[0][0] - y0, ys[-1][0] - y0, len(ys)
        lv = ys[-1][1]
        scopes.append(lv.get("grid_region") or None)
        names.append(lv.get("name") or rid)
    area = X[fields.index("area_km2"), np.arange(R), last] * 100.0
    return engine.Panel(ids, names, years, fields, X, last, first, n_years, area, scopes)



def _columns(E: np.ndarray, S: np.ndarray) -> tuple[list, ...]:
    """Emissions, sinks, net and ratio of every region-year as nested lists, None where unknown
    (converted once per scenario for all regions: per-region numpy calls would dominate the run)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(E != 0, S / np.where(E != 0, E, 1), np.nan)
    out = []
    for x in (E, S, E - S, ratio):
        a = np.where(np.isfinite(x), x, np.nan).astype(object)
        a[np.isnan(x.astype(float)) | ~np.isfinite(x)] = None
        out.append(a.tolist())
    return tuple(out)


def _series(years: list, cols: tuple, r: int, start: int) -> list[dict]:
    """{"year", "emissions_t_co2e", "sinks_t_co2e", "net_t_co2e", "balance_ratio"} from index `start` on."""
    e, s, n, q = (c[r] for c in cols)
    return [{"year": years[j], "emissions_t_co2e": e[j], "sinks_t_co2e": s[j], "net_t_co2e": n[j],
             "balance_ratio": q[j]} for j in range(start, len(years))]


def trajectory(regions, to: int | None = None, scenarios=(), standard: bool = True,
               coefficient_set: str = DEFAULT_SET, assumptions: Assumptions | None = None,
               region_id: str | None = None, wedge_years: bool = False, uncertainty: int = 0,
               seed: int | None = None, progress=None) -> dict:
    """History, projection and scenarios of every region (see the module doc for the JSON shape).
    wedge_years: each wedge also carries its reduction in every projected year (for a wedge chart).
    uncertainty: Monte Carlo draws (kg.trajectory.uncertainty) — bands around every scenario's series and
    the probability of peaking by the deadline; 0 for none. progress(done, total) is called as each
    scenario is done."""
    from kg.errors import UserError

    a = assumptions or load()
    to = int(to or a.settings.default_target_year)
    grouped, notes = group_years(regions)
    if region_id is not None:
        if str(region_id) not in grouped:
            raise UserError(say("unknown-region", region=region_id, choices=", ".join(grouped)))
        grouped = {str(region_id): grouped[str(region_id)]}
    if not grouped:
        return {"target_year": to, "regions": [], "notes": notes, "assumptions": assumptions_used(a)}
    last_year = max(ys[-1][0] for ys in grouped.values())
    if to <= last_year or to > 2100:
        raise UserError(say("bad-target", to=to, last=last_year))
    p = build_panel(grouped, to, a)
    R = len(p.ids)
    # history: each region-year accounted with that year's coefficients
    flat = [(r, y, v) for r, rid in enumerate(p.ids) for y, v in grouped[rid]]
    accounts = account_years([v for _, _, v in flat], coefficient_set)
    chosen, note = _series_choice(flat, accounts, p.ids, coefficient_set)
    if note:        # time-series consistency: every year estimated the same way (th:seriesSet)
        notes.append(note)
        coefficient_set = chosen
        accounts = account_years([v for _, _, v in flat], coefficient_set)
    E_hist, S_hist = np.full((R, len(p.years)), np.nan), np.full((R, len(p.years)), np.nan)
    history = [[] for _ in range(R)]
    missing = [[] for _ in range(R)]
    H = None     # per-line history (L, R, Y), only for the Monte Carlo
    for (r, y, v), acc in zip(flat, accounts):
        j = y - p.years[0]
        E_hist[r, j] = _num(acc["emissions_t_co2e"])
        S_hist[r, j] = _num(acc["sinks_t_co2e"])
        row = {k: acc[k] for k in _HIST_KEYS}
        row = {"year": y, **row, "population": v.get("population"), "gdp_100m_cny": v.get("gdp_100m_cny")}
        history[r].append(row)
        missing[r] = acc["missing"]
    lf = line_factors([grouped[rid][-1][1] for rid in p.ids], coefficient_set)
    if uncertainty:
        H = _history_terms(p, lf, flat, accounts)
    base = engine.project_baseline(p, a, lf)
    after = p.projected
    runs = []   # (name, label_zh, label_en, slots, per-region levers, problems per region, extra per region)
    stds = standard_scenarios() if standard else tuple(s for s in standard_scenarios() if not s.measure_count)
    if any(s.measure_count for s in stds):
        last_rows = [grouped[rid][-1][1] for rid in p.ids]
        last_acc = {}
        for (r, y, v), acc in zip(flat, accounts):
            if y == p.years[p.last[r]]:
                last_acc[r] = acc
        ranked = ranked_measures(last_rows, [last_acc[r] for r in range(R)])
    for std in stds:
        if std.measure_count:
            picks = [chosen_measures(ms, std.measure_count) for _, ms in ranked]
            slots, per_region = standard_slots(std, [c for c, _ in picks])
            extra = [{"model": ranked[r][0], "measures": picks[r][0], "measures_not_quantified": picks[r][1]}
                     for r in range(R)]
        else:
            slots, per_region, extra = [], [[] for _ in range(R)], [{} for _ in range(R)]
        runs.append((std.key, std.label_zh, std.label_en, slots, per_region, extra))
    for sc in scenarios:
        runs.append((sc.name, sc.label_zh or sc.name, sc.label_en or sc.name, user_slots(sc, R),
                     [list(sc.levers)] * R, [{} for _ in range(R)]))
    results = [[] for _ in range(R)]
    years_list = p.years.tolist()
    for done, (name, lzh, len_, slots, per_region, extra) in enumerate(runs, start=1):
        X, M, E, S, wedges = engine.run_slots(p, a, lf, base, slots)
        Ef = np.where(after, E, E_hist)
        Sf = np.where(after, S, S_hist)
        problems = _lever_problems(p, a, base.X, X, name, slots)
        idx, known, at_end = engine.peaks(p.years, Ef, p.last)
        bal = engine.balance_index(Ef, Sf)
        cols = _columns(Ef, Sf)
        ends = np.stack([w[:, -1] for w in wedges], axis=1) if wedges else np.zeros((R, 0))
        for r in range(R):
            ans = _scenario_answer(p, a, r, name, lzh, len_, per_region[r], extra[r], years_list, cols, Ef[r],
                                   idx[r], known[r], at_end[r], bal[r], slots, ends[r], problems[r], missing[r], to)
            if wedge_years:
                _wedge_series(ans, p, r, slots, wedges)
            results[r].append(ans)
        if uncertainty:
            _add_bands(results, p, a, lf, np.where(after[None], engine.line_terms(p, X, M, lf), H), uncertainty,
                       seed, coefficient_set)
        if progress:
            progress(done, len(runs))
    out = []
    methods = _methods(p, a, base)
    for r, rid in enumerate(p.ids):
        out.append({"region_id": rid, "name": p.names[r], "history": history[r],
                    "trends": observed.trends(history[r]), "observed_peak": observed.observed_peak(history[r]),
                    "decoupling": observed.decoupling(a, history[r]),
                    "projection": methods[r],
                    "scenarios": results[r]})
    return {"target_year": to, "peak_deadline": a.settings.peak_deadline, "coefficient_set": coefficient_set,
            "regions": out, "notes": notes, "assumptions": assumptions_used(a)}


def consistent_set(regions, coefficient_set: str = DEFAULT_SET) -> tuple[str, str | None]:
    """(the coefficient set a trajectory of these region-years uses, the note saying why when it is not
    `coefficient_set`) — what `trajectory` decides for its whole batch, for a caller that splits the batch
    (kg.pipeline.sweeps on a cluster) and must decide once for all of it."""
    grouped, _ = group_years(regions)
    ids = list(grouped)
    flat = [(r, y, v) for r, rid in enumerate(ids) for y, v in grouped[rid]]
    return _series_choice(flat, account_years([v for _, _, v in flat], coefficient_set), ids, coefficient_set)


def _series_choice(flat, accounts, ids, coefficient_set: str) -> tuple[str, str | None]:
    mixed = _mixed_scopes(flat, accounts, ids)
    series = coefficient_series_set(coefficient_set) if mixed else None
    if not series:
        return coefficient_set, None
    return series, say("consistent-series", regions=", ".join(mixed), set=coefficient_set, series=series)


def _mixed_scopes(flat, accounts, ids) -> list[str]:
    """Regions whose years took a line's factor from different kinds of scope (a province's in some years,
    the grid region's or the nation's in others)."""
    kinds: dict = defaultdict(set)
    for (r, _, _), acc in zip(flat, accounts):
        for c in acc.get("factor_choices") or ():
            kinds[(r, c["line"])].add(str(c.get("scope") or "").startswith("province-"))
    return sorted({ids[r] for (r, _), k in kinds.items() if len(k) > 1})


def coefficient_series_set(name: str) -> str | None:
    """The set a multi-year series uses instead of `name` (th:seriesSet), when it names one."""
    from kg.account.coefficients import coefficient_sets

    found = coefficient_sets().get(name)
    return found.series if found else None


def _lever_problems(p, a, X0, X, scenario, slots) -> list[list[dict]]:
    """Per region: a field driven below zero, the land classes above the area (one message each, the
    first year it happens)."""
    R = len(p.ids)
    out = [[] for _ in range(R)]
    after = p.projected
    touched = {s.field for s in slots} | {s.counterpart for s in slots if s.counterpart}
    for name in sorted(f for f in touched if f in p.fields):
        bad = after & (X[p.fi(name)] < -1e-9)
        for r in np.flatnonzero(bad.any(axis=1)):
            j = int(np.argmax(bad[r]))
            out[r].append({"field": name, "year": int(p.years[j]), "value": float(X[p.fi(name), r, j]),
                           "message": say_both("below-zero", region=p.ids[r], scenario=scenario, field=name,
                                               year=int(p.years[j]), value=f"{X[p.fi(name), r, j]:,.1f}")})
    land = [p.fi(f) for f in a.land_fields if f in p.fields]
    if land and touched & set(a.land_fields):
        limit = p.area_ha[:, None] * a.max_land_ratio
        before = np.nansum(X0[land], axis=0)
        now = np.nansum(X[land], axis=0)
        bad = after & (now > limit + 1e-6) & (now > before + 1e-6)
        for r in np.flatnonzero(bad.any(axis=1)):
            j = int(np.argmax(bad[r]))
            pct = now[r, j] / p.area_ha[r] * 100
            out[r].append({"field": "area_km2", "year": int(p.years[j]), "value": float(pct),
                           "message": say_both("land-over-area", region=p.ids[r], scenario=scenario,
                                               year=int(p.years[j]), pct=f"{pct:.1f}",
                                               max=f"{a.max_land_ratio * 100:g}")})
    return out


def _scenario_answer(p, a, r, name, lzh, len_, levers, extra, years_list, cols, E, idx, known, at_end, bal,
                     slots, wedge_ends, problems, missing, to) -> dict:
    years = p.years
    series = _series(years_list, cols, r, int(p.last[r]) + 1)
    peak_year = peak_e = kind = reason = None
    note = None
    if problems:
        reason = say_both("no-peak-invalid")
    elif not known:
        reason = say_both("no-peak-incomplete", fields=", ".join(missing) or "—")
    elif not np.nanmax(E) > 0:
        reason = say_both("no-peak-none")
    elif at_end:
        reason = say_both("no-peak-rising", to=to)
    else:
        peak_year, peak_e = int(years[idx]), float(E[idx])
        kind = "observed" if idx < p.last[r] else "projected"
        if idx == p.first[r] and kind == "observed":
            note = say_both("peak-first-year", year=peak_year)
    groups: dict = {}
    for slot, w in zip(slots, wedge_ends):
        if slot.amount[r] == 0 or not np.isfinite(w):
            continue
        groups[slot.group] = groups.get(slot.group, 0.0) + float(w)
    wedge_list = [{"lever": g, "reduction_t_co2e": v, "year": int(to)} for g, v in groups.items()]
    out = {"name": name, "label_zh": lzh, "label_en": len_, "levers": [lv.to_json() for lv in levers],
           "series": series, "peak_year": peak_year, "peak_emissions_t_co2e": peak_e, "peak_kind": kind,
           "peak_reason": reason, "peak_note": note,
           "balance_year": int(years[bal]) if bal >= 0 and not problems else None,
           "peak_by_2030": bool(peak_year is not None and peak_year <= a.settings.peak_deadline),
           "wedges": wedge_list, "problems": problems, **extra}
    return out


def _history_terms(p, lf, flat, accounts) -> np.ndarray:
    """(L, R, Y) t CO2e of each line in each observed year, from the accounts (removals positive)."""
    H = np.zeros((len(lf.keys), len(p.ids), len(p.years)))
    pos = {k: i for i, k in enumerate(lf.keys)}
    for (r, y, _), acc in zip(flat, accounts):
        for part in ("by_source", "by_sink"):
            for key, amount in (acc.get(part) or {}).items():
                if key in pos and amount is not None:
                    H[pos[key], r, y - p.years[0]] = amount
    return H


def _add_bands(results, p, a, lf, terms, draws: int, seed, coefficient_set: str) -> None:
    """The Monte Carlo bands and peak probability of the scenario just appended to each region's results."""
    from .uncertainty import bands, line_groups

    e_iv, s_iv, n_iv, p_peak = bands(terms, lf.sink, lf.inputs, line_groups(lf, coefficient_set), p.years,
                                     a.settings.peak_deadline, draws, seed)
    years = p.years.tolist()
    for r in range(len(p.ids)):
        start = int(p.first[r])
        results[r][-1]["uncertainty"] = {
            "draws": draws, "seed": seed, "approach": "IPCC 2006 Approach 2 (Monte Carlo) through time",
            "p_peak_by_2030": float(p_peak[r]),
            "series": [{"year": years[j], "emissions_t_co2e": e_iv[r, j].tolist(), "sinks_t_co2e": s_iv[r, j].tolist(),
                        "net_t_co2e": n_iv[r, j].tolist()} for j in range(start, len(years))]}


def _wedge_series(ans: dict, p, r: int, slots, wedges) -> None:
    """Add to each wedge of a region its reduction in every projected year (slots of one group summed)."""
    start = int(p.last[r]) + 1
    sums: dict = {}
    for slot, w in zip(slots, wedges):
        if slot.amount[r] != 0:
            sums[slot.group] = sums.get(slot.group, 0) + w[r, start:]
    years = p.years[start:].tolist()
    for wd in ans["wedges"]:
        vals = sums.get(wd["lever"])
        wd["series"] = [] if vals is None else [{"year": y, "reduction_t_co2e": float(v)}
                                                for y, v in zip(years, vals) if np.isfinite(v)]


def _methods(p, a, base) -> list[dict]:
    """Per region, how each reported field was projected: its own trend (annual rate, or ha a year for
    land classes, and the years behind it) or the outlook paths named."""
    rows = np.arange(len(p.ids))
    out = [{} for _ in p.ids]
    for name in p.fields:
        if name == "area_km2":
            continue
        reported = np.isfinite(p.X[p.fi(name)][rows, p.last])
        t = base.trend.get(name, np.full(len(p.ids), np.nan))
        own = reported & np.isfinite(t)
        outlook = {"method": "outlook", "paths": list(a.field_paths.get(name, ("path-flat",)))}
        unit = "ha/yr" if name in a.land_fields else "1/yr"
        for r in np.flatnonzero(reported):
            out[r][name] = {"method": "own-trend", "rate": float(t[r]), "years": int(base.trend_n[name][r]),
                            "unit": unit} if own[r] else outlook
    return out


def assumptions_used(a: Assumptions) -> list[dict]:
    """Every outlook path with its points, whether it is the project's own, and its sources."""
    return [{"key": k, "form": pth.form, "points": [list(x) for x in pth.points], "label_zh": pth.label_zh,
             "label_en": pth.label_en, "project_own": pth.project_own, "confidence": pth.confidence,
             "sources": list(pth.sources), "note_zh": pth.note_zh, "note_en": pth.note_en}
            for k, pth in sorted(a.paths.items())]
