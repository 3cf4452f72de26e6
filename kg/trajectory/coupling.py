"""The one place where the trajectory engine meets the accounting (kg.account.balance) and the reasoning
(kg.reason.fast). History years are accounted here with the coefficients of that year; the projection uses
the same accounting lines, multiplied out per regional scope, so its first year agrees with account().

Year-true coefficients (issue 14): account_years() accounts each row with its own year's coefficients;
line_factors() takes each region's last row, so a projection starts from the factor account() used."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from kg.account.balance import account_many, effective_factors, lines
from kg.account.coefficients import DEFAULT_SET


@lru_cache(maxsize=1)
def numeric_inputs() -> tuple[str, ...]:
    """The profile fields the accounting reads as numbers (a scope column such as grid_region is not one)."""
    out = []
    for ln in lines():
        base = ln.input_alternative or ln.input
        if ln.kind == "flux" and base and base not in out:
            out.append(base)
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


def line_factors(rows: list[dict], coefficient_set: str = DEFAULT_SET) -> LineFactors:
    """Per region (its last row) and flux line: t CO2e per unit of the line's input as account() computes it
    for that region's year, grid region, province and shares (kg.account.balance.effective_factors), removal-positive
    for sink lines."""
    counted, inputs, factors = effective_factors(rows, coefficient_set)
    keys = tuple(ln.key for ln in counted)
    inputs = tuple(inputs)
    sink = np.array([ln.direction == "sink" for ln in counted], dtype=bool)
    factor = np.array(factors, dtype=float).reshape(len(rows), len(keys))
    return LineFactors(keys, inputs, sink, factor)


def ranked_measures(rows: list[dict], balances: list[dict]) -> list[tuple[str | None, list[str]]]:
    """Per region (its latest year): the recommended model's key and its measure keys, best first,
    as `tanheng advise` ranks them (fast path)."""
    from kg.reason import fast as reason
    from kg.knowledge.pathway import type_models

    if not rows:
        return []
    verdicts = reason.reason_batch(rows, balances)
    model_key = {t.model_iri: t.model_key for t in type_models().values()}
    key_of = reason.measure_keys()
    out = []
    for v in verdicts:
        if not v.model_iri:
            out.append((None, []))
            continue
        ranked = v.ranking.get(v.model_iri, ())
        out.append((model_key.get(v.model_iri), [key_of.get(m.iri, m.iri) for m in ranked]))
    return out
