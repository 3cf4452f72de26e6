"""Derived indicators (population density, ecological land share, …) computed
from a profile and its carbon account, as declared in rules/indicators.ttl.

The declaration is the only place that says what an indicator is made of; this
module executes it, one region at a time (`compute`) or for a whole batch as
numpy columns (`compute_batch`). A missing input gives NaN/None, never zero."""
from __future__ import annotations

import math
from itertools import repeat

import numpy as np

from kg.knowledge.rules import indicators


def series_value(points: tuple[tuple[int, float], ...], years: np.ndarray) -> np.ndarray:
    """The series value of each year, a year before the first or after the last held to that end
    (the reference rule does the same); NaN where the year is not reported. Vectorised: the Monte Carlo
    of kg.reason.uncertainty asks it for regions × draws at once."""
    years = np.asarray(years, dtype=float)
    keys = np.array([y for y, _ in points])
    vals = np.array([v for _, v in points], dtype=float)
    ok = ~np.isnan(years)
    y = np.clip(np.where(ok, years, keys[0]), keys[0], keys[-1]).astype(int)
    idx = np.minimum(np.searchsorted(keys, y), len(keys) - 1)
    return np.where(ok & (keys[idx] == y), vals[idx], np.nan)


def number(v) -> float | None:
    """A profile cell as a float; None for not reported (None, '', NaN, text)."""
    if type(v) is float:      # the reader's and the account's numbers: only NaN and ±inf are not (x − x ≠ 0)
        return v if v - v == 0.0 else None
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


PLAIN_NUMBERS = frozenset({float, int, type(None)})   # what number() gives float() of (or None)


def column_array(rows: list[dict], key: str) -> np.ndarray:
    """A profile column (or a number of the accounts) over regions as floats, NaN where `number` gives None."""
    cells = list(map(dict.get, rows, repeat(key)))
    if cells.count(None) == len(cells):     # a column the batch does not give
        return np.full(len(cells), np.nan)
    if PLAIN_NUMBERS.issuperset(map(type, cells)):     # the reader's numbers: converted as float() does, None → NaN
        out = np.array(cells, dtype=float)
        out[np.isinf(out)] = np.nan
        return out
    out = np.full(len(rows), np.nan)
    for i, v in enumerate(cells):
        f = number(v)
        if f is not None:
            out[i] = f
    return out


def finite(column: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """column_array of a column of the batch's numbers (kg.read.numbers: plain numbers and blanks)."""
    x = column[0]
    return np.where(np.isinf(x), np.nan, x)


def account_columns(accounts, wanted: list[tuple[str, str | None]]) -> dict[tuple[str, str | None], np.ndarray]:
    """column_array of the regions' accounts for each (key, section) wanted (`section`: of one of their dicts of
    lines, e.g. by_source; None: the account itself), read from the plans of kg.account.balance.Accounts: a plan's
    array, or the one value all its regions hold; anything else from its regions' dicts. The plans are walked once
    (a plan's regions made an index array once for all the columns)."""
    out = {w: np.full(accounts.n, np.nan) for w in wanted}
    for idx, plan in accounts.plans:
        at = np.asarray(idx, dtype=np.intp)
        for (key, section), col in out.items():
            d = plan if section is None else plan.get(section)
            v = d.get(key) if isinstance(d, dict) else None
            if v is None:                       # the plan's regions hold no such number: NaN, as made
                continue
            if v.__class__ is float or v.__class__ is int:      # the plan's regions each hold this number
                col[at] = v
            elif isinstance(v, np.ndarray) and v.dtype == np.float64 and v.shape == (len(idx),):
                col[at] = v
            elif isinstance(v, np.ndarray) and v.dtype == object and v.shape == (len(idx),) and \
                    PLAIN_NUMBERS.issuperset(map(type, cells := v.tolist())):      # numbers and None (a ratio's 0 / 0)
                col[at] = np.array(cells, dtype=float)
            else:
                col[at] = column_array([(b if section is None else b.get(section)) or {}
                                        for b in map(accounts.balances.__getitem__, idx)], key)
    for col in out.values():
        col[np.isinf(col)] = np.nan
    return out


def compute_batch(rows: list[dict], balances: list[dict | None] | None = None, numbers=None,
                  accounts=None) -> dict[str, np.ndarray]:
    """All indicators for many regions as float arrays (NaN = not available). `numbers`: the rows' number
    columns (kg.read.numbers), `accounts`: the balances with their plans' arrays (kg.account.balance.Accounts),
    when the caller has them."""
    balances = balances if balances is not None else [None] * len(rows)
    cache: dict[str, np.ndarray] = {}

    def col(key):
        if key not in cache:
            plain = numbers(key) if numbers is not None else None
            cache[key] = finite(plain) if plain is not None else column_array(rows, key)
        return cache[key]

    if accounts is not None:
        got = account_columns(accounts, [(ind.from_account, None) for ind in indicators().values() if ind.from_account])
        return compute_columns(col, lambda key: got[key, None])
    return compute_columns(col, lambda key: column_array([b or {} for b in balances], key))


def compute_columns(col, account) -> dict[str, np.ndarray]:
    """The indicators from column arrays: col(key) gives a profile column, account(key) a number of the carbon
    account, as equal-length float arrays (the Monte Carlo of kg.reason.uncertainty passes perturbed draws)."""
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
