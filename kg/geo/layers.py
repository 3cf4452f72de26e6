"""What a map shows, before it is drawn: for a measure (`type`, `model`, `zone`, `balance_ratio`,
`net_t_co2e`, `emissions_per_person`), each region's value and class, the classes with their labels
and colours, the regions without a boundary, and the frame (one province or the whole country).

Classed (not continuous) colours: a planner reads "which of five classes" off a printed map, and a
test can check every region's colour exactly. Continuous measures are split at quantiles of the
batch's values (rounded to two significant figures); the sink/emission ratio has fixed breaks with
1 (balanced) among them. Both renderers (kg.geo.render_html, kg.geo.render_static) draw a MapLayer
and compute nothing."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from kg import messages

from . import boundaries
from kg.reason import zoning as zoning_mod

MEASURES = ("type", "model", "zone", "balance_ratio", "net_t_co2e", "emissions_per_person")
NO_DATA = "no-data"
NO_DATA_COLOUR = "#bdbdbd"
CONTEXT_COLOUR = "#f2f2f2"

# Colours the app already uses for the three types and their models (one colour per type and its model).
TYPE_COLOURS = {"urbanized": "#7b1fa2", "agricultural": "#f9a825", "ecological": "#2e7d32"}
MODEL_OF_TYPE = {"urbanized": "low-carbon-unit-layout", "agricultural": "production-waste-cycle",
                 "ecological": "blue-green-sink"}
# Sequential classes, light to dark (ColorBrewer OrRd-5 for "more is worse", YlGn-5 for "more is better").
WORSE = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
BETTER = ("#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837")
RATIO_BREAKS = (0.05, 0.2, 0.5, 1.0)      # sink/emission: <5 %, 5–20 %, 20–50 %, 50–100 %, ≥ balanced

# the words a map carries are in the one catalogue (kg/messages.csv, keys map.*)
TITLES = {m: messages.both_ways(f"map.layer.{m}") for m in MEASURES}
NO_DATA_LABEL = messages.both_ways("map.no-data")
UNITS_SCALE = {"net_t_co2e": 1e-4}        # shown in 万 t (10⁴ t)


@dataclass
class MapClass:
    key: str
    label: dict                      # {"zh", "en"}
    colour: str


@dataclass
class MapRegion:
    index: int                       # position in the batch (the app opens the region by it)
    region_id: str
    code: str
    name: str
    value: float | str | None
    class_key: str
    type_key: str | None
    model_key: str | None
    balance_ratio: float | None


@dataclass
class MapLayer:
    measure: str
    title: dict
    classes: list[MapClass]
    regions: list[MapRegion]
    missing: list[dict]              # {"region_id", "name", "reason"}: not drawn, and said so
    frame: str                       # a province code, or boundaries.NATIONAL
    context: list[str] = field(default_factory=list)   # codes drawn in grey behind the regions
    outside: list[dict] = field(default_factory=list)  # regions left out by --province

    @property
    def national(self) -> bool:
        return self.frame == boundaries.NATIONAL

    def colour_of(self, class_key: str) -> str:
        return next(c.colour for c in self.classes if c.key == class_key)


def _nice(x: float) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    digits = 1 - int(math.floor(math.log10(abs(x))))
    return round(x, digits)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _classes_for_breaks(breaks: list[float], colours) -> list[MapClass]:
    bounds = [None, *breaks, None]
    out = []
    for n in range(len(breaks) + 1):
        lo, hi = bounds[n], bounds[n + 1]
        if lo is None:
            zh, en = f"< {_fmt(hi)}", f"< {_fmt(hi)}"
        elif hi is None:
            zh, en = f"≥ {_fmt(lo)}", f"≥ {_fmt(lo)}"
        else:
            zh = en = f"{_fmt(lo)} – {_fmt(hi)}"
        out.append(MapClass(f"c{n}", {"zh": zh, "en": en}, colours[n]))
    return out


def quantile_breaks(values: list[float], n: int = 5) -> list[float]:
    """Up to n-1 increasing breaks at quantiles of the values, rounded to 2 significant figures."""
    vals = sorted(values)
    if len(vals) < 2:
        return []
    out = []
    for k in range(1, n):
        q = vals[min(len(vals) - 1, int(round(k * len(vals) / n)))]
        b = _nice(q)
        if b > vals[0] and (not out or b > out[-1]):
            out.append(b)
    return out


def class_of(value: float, breaks: list[float]) -> str:
    n = sum(1 for b in breaks if value >= b)
    return f"c{n}"


def _measure_value(rec, measure: str):
    adv, bal = rec.advice, rec.balance
    if not rec.valid:
        return None
    if measure in ("type", "model"):
        return adv.get(measure)
    if measure in ("balance_ratio", "net_t_co2e"):
        v = bal.get(measure)
        return None if v is None else v * UNITS_SCALE.get(measure, 1.0)
    if measure == "emissions_per_person":
        m = next(m for m in zoning_mod.peer_measures() if m.key == "emissions_per_person")
        return zoning_mod.measure_value(rec, m)
    raise ValueError(measure)


def _categorical(measure: str, lang_labels) -> list[MapClass]:
    if measure == "zone":
        return [MapClass(z.key, z.label, z.colour) for z in zoning_mod.zoning_rules().zones]
    out = []
    for tkey, colour in TYPE_COLOURS.items():
        key = tkey if measure == "type" else MODEL_OF_TYPE[tkey]
        out.append(MapClass(key, lang_labels(measure, key), colour))
    return out


def _labels(measure: str, key: str) -> dict:
    from kg.present.report import model_label, type_label

    f = type_label if measure == "type" else model_label
    return {"zh": f(key, "zh"), "en": f(key, "en")}


def build_layer(recs, measure: str, province: str | None = None, zoning_by: str = "province",
                progress=None) -> MapLayer:
    """The map of `measure` for these RegionRecords (kg.reason.zoning.records), limited to one province
    (`province`: 2-digit or 6-digit code) if given. The frame is that province, or the one province
    all regions are in, or the whole country."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}")
    index = boundaries.index()
    prov = None
    if province:
        prov = str(province).strip()[:2].ljust(6, "0")
        if prov not in index or index[prov].level != "province":
            raise KeyError(province)
    drawn, missing, outside = [], [], []
    for n, rec in enumerate(recs):
        code = rec.code
        if code is None or code not in index:
            missing.append({"region_id": rec.region_id, "name": rec.name,
                            "reason": "not-a-code" if code is None else "no-boundary"})
            continue
        if prov and code[:2] != prov[:2]:
            outside.append({"region_id": rec.region_id, "name": rec.name})
            continue
        drawn.append((n, rec))
    provinces = {rec.code[:2] for _, rec in drawn}
    frame = prov or (next(iter(provinces)).ljust(6, "0") if len(provinces) == 1 else boundaries.NATIONAL)

    zones = {}
    if measure == "zone":
        z = zoning_mod.zoning(recs, by=zoning_by)
        zones = {x["region_id"]: x["zone"] for x in z["regions"]}
    values = {}
    for n, rec in drawn:
        values[n] = zones.get(rec.region_id) if measure == "zone" else _measure_value(rec, measure)

    if measure in ("type", "model", "zone"):
        classes = _categorical(measure, _labels)
        keys = {c.key for c in classes}
        cls = {n: (v if v in keys else NO_DATA) for n, v in values.items()}
    else:
        nums = [v for v in values.values() if isinstance(v, (int, float))]
        if measure == "balance_ratio":
            breaks, colours = list(RATIO_BREAKS), BETTER
        else:
            breaks, colours = quantile_breaks(nums), WORSE
            if len(breaks) < 4:      # few regions: as many classes as distinct breaks, darkest kept for the top
                colours = WORSE[:len(breaks)] + (WORSE[-1],)
        classes = _classes_for_breaks(breaks, colours)
        cls = {n: (class_of(v, breaks) if isinstance(v, (int, float)) else NO_DATA) for n, v in values.items()}
    if NO_DATA in cls.values():
        classes.append(MapClass(NO_DATA, NO_DATA_LABEL, NO_DATA_COLOUR))

    regions = []
    for n, rec in drawn:
        bal = rec.balance
        regions.append(MapRegion(n, rec.region_id, rec.code, rec.name or index[rec.code].name, values[n], cls[n],
                                 rec.advice.get("type"), rec.advice.get("model"), bal.get("balance_ratio")))
    if frame == boundaries.NATIONAL:
        context = [c for c in boundaries.province_codes()]
    else:
        context = [u.code for u in boundaries.province_units(frame, "county")]
    boundaries.ensure([r.code for r in regions] + context + [frame, boundaries.NATIONAL], progress)
    return MapLayer(measure, TITLES[measure], classes, regions, missing, frame, context, outside)


def notes(layer: MapLayer, lang: str) -> list[str]:
    """The lines every map carries under it: boundary source, coordinates, not-a-surveyed-map, and
    what was not drawn."""
    out = [boundaries.source_note(lang), messages.text("map.note.gcj", lang), messages.text("map.note.survey", lang)]
    if layer.missing:
        names = "、".join(f"{m['region_id']}" + (f" {m['name']}" if m.get("name") else "") for m in layer.missing)
        out.append(messages.text("map.missing", lang, ids=names))
    if layer.outside:
        out.append(messages.text("map.note.outside", lang, n=len(layer.outside)))
    return out


def frame_title(layer: MapLayer, lang: str) -> str:
    index = boundaries.index()
    place = messages.text("map.national", lang) if layer.national else index[layer.frame].name
    return f"{place} · {layer.title[lang]}"
