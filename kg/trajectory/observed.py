"""What the observed years say: trend figures, the observed peak and Tapio decoupling.

Tapio, P. (2005). Towards a theory of decoupling: degrees of decoupling in the EU and the case of road
traffic in Finland between 1970 and 2001. Transport Policy 12(2): 137–151. The elasticity is
e = (ΔC / C) / (ΔGDP / GDP) between two years; the eight classes and their bounds (0, 0.8, 1.2) are data
in rules/trajectory.ttl. GDP is taken as the profiles give it (current prices unless the user deflated it)."""
from __future__ import annotations

import math

from .assumptions import Assumptions


def _rate(a, b, years: int):
    """Average annual change from a to b over `years` years (compound), or None."""
    if a is None or b is None or years <= 0 or a <= 0 or b < 0:
        return None
    return (b / a) ** (1 / years) - 1


def _div(a, b):
    return None if a is None or b in (None, 0) else a / b


def trends(history: list[dict]) -> dict | None:
    """Average annual change of emissions, sinks, emissions per person and per unit of GDP between the
    first and the last observed year (None with fewer than two years)."""
    if len(history) < 2:
        return None
    h0, h1 = history[0], history[-1]
    n = h1["year"] - h0["year"]
    per_cap = lambda h: _div(h["emissions_t_co2e"], h.get("population"))  # noqa: E731
    per_gdp = lambda h: _div(h["emissions_t_co2e"], h.get("gdp_100m_cny"))  # noqa: E731
    return {"from": h0["year"], "to": h1["year"],
            "emissions_avg_change": _rate(h0["emissions_t_co2e"], h1["emissions_t_co2e"], n),
            "sinks_avg_change": _rate(h0["sinks_t_co2e"], h1["sinks_t_co2e"], n),
            "emissions_per_person_avg_change": _rate(per_cap(h0), per_cap(h1), n),
            "emissions_per_gdp_avg_change": _rate(per_gdp(h0), per_gdp(h1), n)}


def tapio_class(a: Assumptions, d_e: float | None, d_gdp: float | None):
    """(elasticity, class) for relative changes of emissions and GDP; (None, None) when undefined."""
    if d_e is None or d_gdp is None or d_gdp == 0 or not math.isfinite(d_e) or not math.isfinite(d_gdp):
        return None, None
    e = d_e / d_gdp
    gs, es = (1 if d_gdp > 0 else -1), (1 if d_e >= 0 else -1)
    for c in a.tapio:
        if c.gdp_sign == gs and c.emission_sign == es and c.e_min <= e < c.e_max:
            return e, c
    return e, None


def _change(a, b):
    return None if a in (None, 0) or b is None else (b - a) / a


def decoupling(a: Assumptions, history: list[dict]) -> list[dict]:
    """Tapio class for each pair of consecutive observed years and for the whole period."""
    pairs = list(zip(history, history[1:]))
    if len(history) > 2:
        pairs.append((history[0], history[-1]))
    out = []
    for h0, h1 in pairs:
        e, c = tapio_class(a, _change(h0["emissions_t_co2e"], h1["emissions_t_co2e"]),
                           _change(h0.get("gdp_100m_cny"), h1.get("gdp_100m_cny")))
        out.append({"from": h0["year"], "to": h1["year"], "elasticity": e,
                    "class": c.key if c else None, "label_zh": c.label_zh if c else None,
                    "label_en": c.label_en if c else None})
    return out


def observed_peak(history: list[dict]) -> dict | None:
    """The highest observed emissions when later observed years are lower (a peak seen in the data)."""
    known = [h for h in history if h["emissions_t_co2e"] is not None]
    if len(known) < 2:
        return None
    top = max(known, key=lambda h: h["emissions_t_co2e"])
    if top is known[-1]:
        return None
    return {"year": top["year"], "emissions_t_co2e": top["emissions_t_co2e"], "first_year": top is known[0]}
