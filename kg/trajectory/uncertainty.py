"""The Monte Carlo of the inventory (kg.reason.uncertainty, IPCC 2006 Approach 2) carried through time: bands
around each scenario's series and the probability that emissions peak by 2030.

Per draw, every line of every year is multiplied by its coefficient groups' multipliers (one per group
and draw, shared by all regions, years and scenarios: a default factor is wrong the same way everywhere
and every year) and by the activity multiplier of its input column (one per region, column and draw,
kept over the years: a county's statistics err the same way in every year, and the projection carries the
base year's error forward). The ranges are those of ontology/uncertainty.ttl. The same seed gives every
scenario the same draws (common random numbers), so scenarios are compared draw by draw. Outlook paths
(GDP, grid) are not drawn: the bands are the inventory's uncertainty, not the future's."""
from __future__ import annotations

import numpy as np

from kg.reason import uncertainty as inventory
from kg.account.balance import compile_set
from .coupling import LineFactors

CHUNK = 128            # regions per block: CHUNK × years × draws floats per array


def line_groups(lf: LineFactors, coefficient_set: str) -> list[tuple[str, ...]]:
    """The coefficient groups with an uncertainty range of each line of lf."""
    groups = {c.line.key: c.groups for c in compile_set(coefficient_set).flux}
    return [tuple(g for g in groups.get(k, ()) if inventory.group_range(g) != inventory.NONE) for k in lf.keys]


def bands(terms: np.ndarray, sink: np.ndarray, inputs: tuple, groups: list, years: np.ndarray, deadline: int,
          draws: int, seed: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """terms (L, R, Y) of one scenario → the 2.5 and 97.5 percentiles (R, Y, 2) of emissions, sinks and net,
    and per region the share of draws whose emissions peak by `deadline` (before the last year)."""
    L, R, Y = terms.shape
    rng = np.random.default_rng(seed)
    all_groups = sorted({g for gs in groups for g in gs})
    gz = rng.standard_normal((len(all_groups), draws))
    gm = {g: inventory.multipliers(gz[k], inventory.group_range(g).lower, inventory.group_range(g).upper)
          for k, g in enumerate(all_groups)}
    line_mult = [np.prod([gm[g] for g in gs], axis=0) if gs else np.ones(draws) for gs in groups]
    columns = sorted(set(inputs))
    e_iv, s_iv, n_iv = (np.full((R, Y, 2), np.nan) for _ in range(3))
    p_peak = np.zeros(R)
    for start in range(0, R, CHUNK):
        sl = slice(start, min(start + CHUNK, R))
        m = sl.stop - sl.start
        act = {}
        for c in columns:
            rg = inventory.column_range(c)
            act[c] = np.ones((m, draws)) if rg == inventory.NONE else \
                inventory.multipliers(rng.standard_normal((m, draws)), rg.lower, rg.upper)
        E, S = np.zeros((m, Y, draws)), np.zeros((m, Y, draws))
        for l in range(L):
            amount = terms[l, sl][:, :, None] * (act[inputs[l]] * line_mult[l][None, :])[:, None, :]
            if sink[l]:
                S += amount
            else:
                E += amount
        e_iv[sl] = np.moveaxis(np.percentile(E, [2.5, 97.5], axis=2), 0, -1)
        s_iv[sl] = np.moveaxis(np.percentile(S, [2.5, 97.5], axis=2), 0, -1)
        n_iv[sl] = np.moveaxis(np.percentile(E - S, [2.5, 97.5], axis=2), 0, -1)
        top = np.argmax(E, axis=1)                                   # (m, draws)
        p_peak[sl] = ((top < Y - 1) & (years[top] <= deadline)).mean(axis=1)
    return e_iv, s_iv, n_iv, p_peak
