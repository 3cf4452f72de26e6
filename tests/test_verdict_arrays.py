"""The fast path orders many regions at once with array forms of kg.reason.verdict's rule (issue 12):
they must give exactly what the one-region rule (used by the reference path) gives — Python's round,
not numpy's, sorted()'s stable order, the same boost reasons — including on the values where the two
roundings differ (a decimal half, float noise just off one)."""
import random
import warnings

import numpy as np

from kg.knowledge.rules import rules
from kg.reason.verdict import (NOISE_DIGITS, boost_reasons, driver_order, kept_parts, rank, rank_order,
                               round_array, rounded, rounded_array)


def _awkward(n: int = 20_000, seed: int = 12) -> list[float]:
    """Random scores, and values on or next to a half at 4 and 9 digits, where rint(x·10^d)/10^d and
    round(x, d) can disagree (e.g. 0.00015, 2.675, 1.0000000005)."""
    rnd = random.Random(seed)
    xs = [rnd.uniform(-3, 3) for _ in range(n)]
    for d in (4, NOISE_DIGITS):
        for _ in range(n // 4):
            half = (rnd.randrange(-3 * 10 ** d, 3 * 10 ** d) + 0.5) / 10 ** d
            xs += [half, float(np.nextafter(half, 9.0)), float(np.nextafter(half, -9.0)), half + 3e-10, half - 3e-10]
    return xs + [0.0, -0.0, 0.00015, 2.675, 1.0000000005, -1.0000000005, 0.05, 0.049999999999, 1e6 + 0.5]


def test_array_rounding_is_pythons_round_on_every_value():
    xs = _awkward()
    a = np.array(xs)
    for d in (4, NOISE_DIGITS):
        assert round_array(a, d).tolist() == [round(x, d) for x in xs]
    got = rounded_array(a)
    want = [rounded(x) for x in xs]
    assert got.tolist() == want
    assert [str(x) for x in got.tolist()] == [str(x) for x in want]     # -0.0 stays -0.0
    # not finite (a missing contribution is NaN): itself, as Python's round gives it
    odd = [float("nan"), float("inf"), float("-inf"), 1e300, -1e300]
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no overflow or invalid-value warning either
        for d in (4, NOISE_DIGITS):
            assert [str(x) for x in round_array(np.array(odd), d).tolist()] == [str(round(x, d)) for x in odd]
    # numpy's own round is not: the reason this exists
    assert np.round(a, 4).tolist() != [round(x, 4) for x in xs]


def test_array_order_is_ranks_order_with_ties():
    rnd = random.Random(3)
    keys = {f"m{i}": k for i, k in enumerate(["b", "a", "d", "c", "a2", "e"])}
    iris = list(keys)
    key_rank = np.array([sorted(keys.values()).index(keys[m]) for m in iris])
    for _ in range(300):
        s = [rnd.choice([0.5, 0.75, 1.0, 0.50001]) for _ in iris]      # many equal scores and concerns
        c = [rnd.choice([0.0, -0.0, 0.2, 0.1]) for _ in iris]
        want = [m.iri for m in rank(dict(zip(iris, s)), dict(zip(iris, c)), {}, keys)]
        order = rank_order(rounded_array(np.array([s])), rounded_array(np.array([c])), key_rank)[0]
        assert [iris[q] for q in order] == want


def test_kept_parts_are_boost_reasons_parts():
    r = rules()
    rnd = random.Random(5)
    iris = [b.iri for b in r.boosts]
    for _ in range(200):
        parts = {b: rnd.choice([0.05, 0.0499999999996, 0.0500000000004, 0.049, rnd.uniform(-0.3, 0.3)])
                 for b in rnd.sample(iris, 6)}
        want = [x.ref for x in boost_reasons(parts, r, {})]
        p = np.array([parts[b] for b in parts])
        keep, size, noiseless = kept_parts(p, r.reason_minimum)
        got = sorted((b for b, k in zip(parts, keep) if k), key=lambda b: (-size[list(parts).index(b)], b))
        assert got == want
        assert noiseless.tolist() == [round(x, NOISE_DIGITS) for x in p.tolist()]


def test_fast_driver_orders_are_driver_order():
    """The fast path orders every region's drivers at once; ties of rounded contribution fall to the
    weight, then the indicator, as driver_order has it; missing evidence is no driver."""
    from kg.reason.fast import driver_orders

    r = rules()
    rnd = random.Random(8)
    n = 400
    types = [rnd.choice([*r.type_order, None]) for _ in range(n)]
    contrib = {e.iri: np.array([rnd.choice([0.1, 0.10000000001, 0.2, 0.0, float("nan"), rnd.random()])
                                for _ in range(n)]) for e in r.evidence}
    got = driver_orders(types, contrib)
    for i, t in enumerate(types):
        own = {e.iri: float(contrib[e.iri][i]) for e in r.evidence if e.type_iri == t and not np.isnan(contrib[e.iri][i])}
        assert got.get(i, ()) == driver_order(own, r)


def test_close_calls_in_bulk_are_close_call():
    """Runner-up and margin of many regions at once, as close_call gives them one region at a time: ties go
    to the type first in tie order, a missing score is no runner-up, the margin is rounded."""
    from kg.reason.verdict import close_call, close_calls

    r = rules()
    rnd = random.Random(21)
    near = [0.5, 0.5 + r.margin / 2, 0.5 + r.margin, 0.5 - r.margin, 0.50005, float("nan")]
    scores = np.array([[rnd.choice(near + [rnd.random()]) for _ in r.type_order] for _ in range(2000)])
    runners, margins = close_calls(scores, r)
    for row, ru, mg in zip(scores.tolist(), runners, margins):
        want = close_call({t: (None if s != s else s) for t, s in zip(r.type_order, row)}, r)
        assert (ru, mg) == want and str(mg) == str(want[1])
    assert any(runners) and not all(runners)


def test_big_flux_shares_in_bulk_are_one_regions():
    """The big fluxes of a batch, worked out as arrays for regions whose accounts list the same lines, are each
    region's own (gross flux added in its lines' order): lines missing, in another order, NaN, infinite, given
    as records, text or booleans, a class under its local name and its IRI, no flux at all."""
    from kg.namespaces import TH
    from kg.reason.fast import _big_flux_shares, big_flux_shares

    rnd = random.Random(4)
    names = ["FossilFuelCombustion", "AgriculturalNonCO2Emission", "WasteNonCO2Emission", "PlantPhotosynthesis",
             "WaterBodyCarbonAbsorption", "IndustrialProductionEmission"]
    odd = [float("nan"), float("inf"), None, 0.0, -0.0, "12.5", True, {"t_co2e": 30.0}]
    balances = []
    for i in range(3000):
        keys = names if i % 3 else rnd.sample(names, rnd.randint(0, len(names)))
        lines = {k: (rnd.choice(odd) if rnd.random() < 0.05 else rnd.choice([-1, 1]) * rnd.uniform(0, 1e6))
                 for k in keys}
        if i % 97 == 0:
            lines[TH + names[0]] = 5.0
        balances.append(rnd.choice([None, {}, {"by_table1": None}]) if i % 211 == 0 else {"by_table1": lines})
    got = big_flux_shares(balances, 0.1)
    want = [_big_flux_shares((b or {}).get("by_table1") or {}, 0.1) for b in balances]
    assert [repr(x) for x in got] == [repr(x) for x in want]
    assert sum(bool(x) for x in got) > 2000 and any(len(x) > 1 for x in got)


def test_dense_rank_is_numpys_unique_inverse():
    """The boost reasons' order uses dense_rank where it used np.unique(return_inverse=True): the same count and
    places on ties, negative zero, empty and one-element arrays."""
    from kg.reason.fast import dense_rank

    rng = np.random.default_rng(12)
    cases = [np.array([]), np.array([3.0]), np.array([0.0, -0.0, 1.0, 0.0]),
             *(np.round(rng.normal(size=n), rng.integers(0, 3)) for n in (5, 50, 500))]
    for x in cases:
        values, inverse = np.unique(x, return_inverse=True)
        count, rank = dense_rank(x)
        assert count == len(values) and rank.tolist() == inverse.reshape(-1).tolist()


def test_cell_order_key_orders_as_cell_then_size_largest_first():
    """The boost reasons' order within a cell: the float key cell × K − size gives the stable order of (cell,
    −size) — ties of both kept in arrival order — as the integer key of the sizes' dense ranks does; cells too
    many for floats to tell sizes 10^-9 apart take the integer key."""
    from kg.reason.fast import cell_order_key, dense_rank

    rng = np.random.default_rng(3)
    for n_cells, n in ((1, 1), (40, 300), (20_000, 20_000), (10 ** 9, 3000)):
        cell = np.sort(rng.integers(0, n_cells, n))
        size = np.round(rng.choice([0.05, 0.1, 0.3, 1.7, 0.05 + 1e-9, 0.1 - 1e-9, *rng.uniform(0.05, 2.0, 8)], n), 9)
        count, rank = dense_rank(-size)
        want = np.argsort(cell * count + rank, kind="stable")
        got = np.argsort(cell_order_key(cell, size), kind="stable")
        assert got.tolist() == want.tolist()


def test_cell_order_is_the_stable_order_of_cell_order_key():
    """The boost reasons' order within a cell as integers sorted (cell, −size, arrival) is the stable order of the
    float key, ties of both kept in arrival order; cells too many for the integer key take the float one."""
    from kg.reason.fast import cell_order, cell_order_key

    rng = np.random.default_rng(5)
    for n_cells, n in ((1, 1), (40, 300), (20_000, 20_000), (10 ** 9, 3000), (5, 0), (300, 5000)):
        cell = rng.integers(0, n_cells, n)           # in any order: reasons arrive by boost, then measure
        if n_cells != 300:
            cell = np.sort(cell)
        size = np.round(rng.choice([0.05, 0.1, 0.3, 1.7, 0.05 + 1e-9, 0.1 - 1e-9, *rng.uniform(0.05, 2.0, 8)], n), 9)
        want = np.argsort(cell_order_key(cell, size), kind="stable")
        assert cell_order(cell, size).tolist() == want.tolist()
