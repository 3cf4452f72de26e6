"""The one place where the trajectory engine meets the accounting (kg.balance) and the reasoning
(kg.reason). History years are accounted here with the coefficients of that year; the projection uses
the same accounting lines, multiplied out per regional scope, so its first year agrees with account().

When year-true coefficient selection (issue 14) lands, account_year() and line_factors() are the two
functions to change."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..balance import account_many, compile_set, lines
from ..coefficients import DEFAULT_SET


@lru_cache(maxsize=1)
def numeric_inputs() -> tuple[str, ...]:
    """The profile fields the accounting reads as numbers (a scope column such as grid_region is not one)."""
    out = []
    for ln in lines():
        if ln.kind == "flux" and ln.input and ln.input not in out:
            out.append(ln.input)
    return tuple(out)


def account_years(rows: list[dict], coefficient_set: str = DEFAULT_SET) -> list[dict]:
    """The balance of each row (one region-year) with its year's coefficients."""
    return account_many(rows, coefficient_set)


@dataclass(frozen=True)
class LineFactors:
    keys: tuple[str, ...]          # accounting line keys
    inputs: tuple[str, ...]        # the profile field each line reads
    sink: np.ndarray               # (L,) bool
    factor: np.ndarray             # (R, L) t CO2e per unit of input (positive for removals)


def line_factors(scopes: list, coefficient_set: str = DEFAULT_SET) -> LineFactors:
    """Per region and flux line: the factor account() would use for that region's scope
    (grid_region), as a removal-positive number for sink lines."""
    cs = compile_set(coefficient_set)
    keys, inputs, sink, cols = [], [], [], []
    for comp in cs.flux:
        ln = comp.line
        keys.append(ln.key)
        inputs.append(ln.input)
        is_sink = ln.direction == "sink"
        sink.append(is_sink)
        col = []
        for sc in scopes:
            f = comp.factor[sc if (ln.scope_input and sc in comp.factor) else None]
            col.append(-f if is_sink else f)
        cols.append(col)
    factor = np.array(cols, dtype=float).T if cols else np.zeros((len(scopes), 0))
    return LineFactors(tuple(keys), tuple(inputs), np.array(sink, dtype=bool), factor.reshape(len(scopes), len(keys)))


def ranked_measures(rows: list[dict], balances: list[dict]) -> list[tuple[str | None, list[str]]]:
    """Per region (its latest year): the recommended model's key and its measure keys, best first,
    as `tanheng advise` ranks them (fast path)."""
    from .. import reason
    from ..pathway import model_measures, type_models

    if not rows:
        return []
    verdicts = reason.reason_batch(rows, balances)
    model_key = {t.model_iri: t.model_key for t in type_models().values()}
    key_of = {m.iri: m.key for ms in model_measures().values() for m in ms}
    out = []
    for v in verdicts:
        if not v.model_iri:
            out.append((None, []))
            continue
        ranked = reason.order_measures(v.measure_scores.get(v.model_iri, {}), reason.concern(v, v.model_iri))
        out.append((model_key.get(v.model_iri), [key_of.get(m, m) for m, _ in ranked]))
    return out
