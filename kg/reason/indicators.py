"""Derived indicators (population density, ecological land share, …) computed
from a profile and its carbon account, as declared in rules/indicators.ttl.

The declaration is the only place that says what an indicator is made of; this
module executes it, one region at a time (`compute`) or for a whole batch as
numpy columns (`compute_batch`). A missing input gives NaN/None, never zero."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from kg.knowledge.graph import lang_text, rules_file
from kg.namespaces import RDF, RDFS, TH, THX
from kg.knowledge.cache import compiled_knowledge

INDICATORS_FILE = "indicators.ttl"


@dataclass(frozen=True)
class Indicator:
    key: str
    iri: str
    numerators: tuple[str, ...]      # profile column keys, summed
    denominator: str | None          # a profile column key, or None
    scale: float
    from_account: str | None         # key in the balance dict instead of columns
    relative_to: tuple[tuple[int, float], ...] | None   # (year, value) of a yearly series the value is divided by
    label_zh: str
    label_en: str
    unit_zh: str
    unit_en: str

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def unit(self, lang: str) -> str:
        return self.unit_zh if lang == "zh" else self.unit_en


def _column(iri) -> str:
    return str(iri).rsplit("#", 1)[-1]


@compiled_knowledge
def indicators() -> dict[str, Indicator]:
    g = rules_file(INDICATORS_FILE)
    out = {}
    for s in g.subjects(RDF.type, THX.Indicator):
        labels, units = lang_text(g, s, RDFS.label), lang_text(g, s, THX.unitLabel)
        den = g.value(s, THX.denominator)
        acc = g.value(s, THX.fromAccount)
        series = g.value(s, THX.relativeTo)
        key = str(g.value(s, TH.key))
        out[key] = Indicator(
            key=key, iri=str(s),
            numerators=tuple(sorted(_column(o) for o in g.objects(s, THX.numerator))),
            denominator=_column(den) if den is not None else None,
            scale=float(g.value(s, THX.scale) or 1.0),
            from_account=str(acc) if acc is not None else None,
            relative_to=_series(g, series) if series is not None else None,
            label_zh=labels.get("zh", key), label_en=labels.get("en", key),
            unit_zh=units.get("zh", ""), unit_en=units.get("en", ""))
    return dict(sorted(out.items()))


def _series(g, series) -> tuple[tuple[int, float], ...]:
    """The (year, value) points of a yearly series (thx:point [thx:year; thx:value]), by year."""
    return tuple(sorted((int(g.value(p, THX.year)), float(g.value(p, THX.value))) for p in g.objects(series, THX.point)))


def series_value(points: tuple[tuple[int, float], ...], years: np.ndarray) -> np.ndarray:
    """The series value of each year, a year before the first or after the last held to that end
    (the reference rule does the same); NaN where the year is not reported. Vectorised: the Monte Carlo
    of kg.uncertainty asks it for regions × draws at once."""
    years = np.asarray(years, dtype=float)
    keys = np.array([y for y, _ in points])
    vals = np.array([v for _, v in points], dtype=float)
    ok = ~np.isnan(years)
    y = np.clip(np.where(ok, years, keys[0]), keys[0], keys[-1]).astype(int)
    idx = np.minimum(np.searchsorted(keys, y), len(keys) - 1)
    return np.where(ok & (keys[idx] == y), vals[idx], np.nan)


def number(v) -> float | None:
    """A profile cell as a float; None for not reported (None, '', NaN, text)."""
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def compute(values: dict, balance: dict | None = None) -> dict[str, float | None]:
    """All indicators for one region: {key: value or None}."""
    cols = compute_batch([values], [balance])
    return {k: (None if math.isnan(a[0]) else float(a[0])) for k, a in cols.items()}


def column_array(rows: list[dict], key: str) -> np.ndarray:
    out = np.full(len(rows), np.nan)
    for i, r in enumerate(rows):
        f = number(r.get(key))
        if f is not None:
            out[i] = f
    return out


def compute_batch(rows: list[dict], balances: list[dict | None] | None = None) -> dict[str, np.ndarray]:
    """All indicators for many regions as float arrays (NaN = not available)."""
    balances = balances if balances is not None else [None] * len(rows)
    cache: dict[str, np.ndarray] = {}

    def col(key):
        if key not in cache:
            cache[key] = column_array(rows, key)
        return cache[key]

    return compute_columns(col, lambda key: column_array([b or {} for b in balances], key))


def compute_columns(col, account) -> dict[str, np.ndarray]:
    """The indicators from column arrays: col(key) gives a profile column, account(key) a number of the carbon
    account, as equal-length float arrays (the Monte Carlo of kg.uncertainty passes perturbed draws)."""
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for ind in indicators().values():
            if ind.from_account:
                out[ind.key] = account(ind.from_account)
                continue
            num = sum(col(k) for k in ind.numerators)   # NaN anywhere -> NaN
            val = ind.scale * num
            if ind.denominator:
                den = col(ind.denominator)
                val = np.where(den > 0, val / den, np.nan)
            if ind.relative_to:
                val = val / series_value(ind.relative_to, col("year"))
            out[ind.key] = val
    return out
