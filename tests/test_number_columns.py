"""A batch's number columns made once (kg.read.numbers) and the accounts as arrays (kg.account.balance.Accounts):
validation, accounting and the reasoning's inputs read them instead of the value dicts, and must give what the
dicts give — on batches with text and blank cells, NaN and infinity, ints and floats, a bool, regions whose
accounts miss lines, plans of one region and of many."""
import math
import random

import numpy as np
import orjson

from kg.account import balance
from kg.knowledge.rules import rules
from kg.read.numbers import Numbers
from kg.reason import fast
from kg.reason.indicators import compute_batch

COUNTY = {
    "region_id": "410526", "name": "a county", "year": 2022, "province": "河南省", "area_km2": 1800.0,
    "population": 600_000, "gdp_100m_cny": 300.5, "urbanization_rate_pct": 45.0,
    "coal_t": 100_000, "gasoline_t": 10_000, "diesel_t": 20_000, "natural_gas_10k_m3": 500,
    "electricity_mwh": 200_000, "grid_region": "central", "cattle_head": 10_000, "pigs_head": 100_000,
    "sheep_head": 20_000, "nitrogen_fertilizer_t": 3_000, "msw_t": 100_000, "cropland_ha": 30_000,
    "forest_ha": 50_000, "grassland_ha": 2_000, "wetland_ha": 500, "water_ha": 4_000, "built_up_ha": 6_000,
    "other_land_ha": 1_000, "ecological_redline_pct": 20.0, "grain_output_t": 200_000.0,
    "primary_industry_pct": 12.0, "secondary_industry_pct": 40, "tertiary_industry_pct": 48.0,
}
ODD = [None, None, 0, -0.0, 0.0, 7, 7.0, float("nan"), float("inf"), -float("inf"), 1e-300, 2 ** 60]


def _batch(n: int = 600, seed: int = 6) -> list[dict]:
    """Regions alike enough to share plans (the same inputs reported) and odd enough to test every cell kind."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        r = dict(COUNTY, region_id=str(410000 + i), year=rnd.choice([2019, 2022, 2022, None]))
        for k in ("coal_t", "population", "forest_ha", "electricity_mwh", "pigs_head", "area_km2", "msw_t"):
            if rnd.random() < 0.15:
                r[k] = rnd.choice(ODD)
            elif rnd.random() < 0.5:
                r[k] = r[k] * rnd.uniform(0.5, 2.0)       # floats beside the county's ints
        if i % 50 == 7:
            r["gdp_100m_cny"] = "1,2"                     # text left in a number cell
        if i % 90 == 3:
            r["cattle_head"] = True                       # not a plain number
        if i % 40 == 5:
            r["grid_region"] = None
        if i % 7 == 0:
            del r["wetland_ha"]                           # a key some rows do not have
        out.append(r)
    return out


def test_a_column_is_floats_of_its_plain_cells_or_not_given():
    rows = [{"a": 1, "b": None, "c": "x", "d": float("nan"), "e": True, "f": 2 ** 80},
            {"a": 2.5, "b": None, "c": 3, "d": None, "e": 1, "f": 1.0},
            {"a": None, "c": None, "d": float("inf"), "e": None, "f": None}]
    n = Numbers(rows)
    x, blank = n("a")
    assert x.tolist()[:2] == [1.0, 2.5] and math.isnan(x[2]) and blank.tolist() == [False, False, True]
    x, blank = n("b")                                     # a column nobody gives (one row lacks the key)
    assert np.isnan(x).all() and blank.all()
    assert n("c") is None and n("e") is None              # a text, a bool: read cell by cell
    x, blank = n("d")                                     # a NaN cell is a number, not a blank
    assert math.isnan(x[0]) and x[2] == math.inf and blank.tolist() == [False, True, False]
    assert n("f")[0].tolist()[:2] == [float(2 ** 80), 1.0]
    part = n.take([0, 2])
    assert part("a")[0].tolist()[0] == 1.0 and math.isnan(part("a")[0][1]) and part.cells("c") == ("x", None)
    assert n.take([0, 1, 2]) is n


def test_accounts_from_columns_are_the_regions_own():
    rows = _batch()
    numbers = Numbers(rows)
    accounts = balance.account_batch(rows, numbers=numbers)
    want = [balance.account(r) for r in rows]
    assert [orjson.dumps(b) for b in accounts.balances] == [orjson.dumps(b) for b in want]
    assert [orjson.dumps(b) for b in balance.account_many(rows)] == [orjson.dumps(b) for b in want]
    sizes = sorted(len(idx) for idx, _ in accounts.plans)
    assert sizes[0] == 1 and sizes[-1] > 20                # plans of one region and of many
    assert sorted(i for idx, _ in accounts.plans for i in idx) == list(range(len(rows)))


def test_reasoning_inputs_from_arrays_are_those_from_dicts():
    """Indicators, account shares and big fluxes from the columns and the plans' arrays equal those read from the
    value dicts and balance dicts, to the bit; and so the verdicts."""
    rows = _batch()
    numbers = Numbers(rows)
    accounts = balance.account_batch(rows, numbers=numbers)
    balances = accounts.balances
    assert any(not b["complete"] for b in balances)        # accounts missing lines
    from_dicts, from_arrays = compute_batch(rows, balances), compute_batch(rows, balances, numbers, accounts)
    assert list(from_dicts) == list(from_arrays)
    assert all(from_dicts[k].tobytes() == from_arrays[k].tobytes() for k in from_dicts)
    r = rules()
    for a in r.account_shares:
        assert fast.account_share(a, balances).tobytes() == fast.account_share(a, balances, accounts).tobytes()
    assert repr(fast.big_flux_shares(balances, r.big_flux_share)) == \
        repr(fast.big_flux_shares(balances, r.big_flux_share, accounts))
    assert repr(fast.reason_batch(rows, balances)) == \
        repr(fast.reason_batch(rows, balances, numbers=numbers, accounts=accounts))


def test_validation_reads_the_columns_it_shares():
    """A batch's validation with the shared columns reports what it reports reading each cell (a column with a
    text or bool is read cell by cell), and accounting and reasoning of its valid rows read the same columns."""
    from kg.read.profiles import ProfileBatch, Region, columns
    from kg.validate import check, validate

    def region(i, r):
        # no infinite, huge or tiny cell: the plausibility ratios' exact decimals are not made for them (a reader
        # reads a number beyond any sensible range as out of range)
        values = dict(dict.fromkeys(c.key for c in columns()),
                      **{k: 7 if isinstance(v, (int, float)) and v and not 1e-6 < abs(v) < 1e12 else v
                         for k, v in r.items()})
        raw = {}
        if isinstance(values["gdp_100m_cny"], str):        # as the reader keeps a text in a number cell
            raw["gdp_100m_cny"], values["gdp_100m_cny"] = values["gdp_100m_cny"], None
        return Region(values["region_id"], values["name"], i + 2, values, raw)

    rows = _batch(200, seed=9)
    batch = ProfileBatch([region(i, r) for i, r in enumerate(rows)])
    plain = ProfileBatch([region(i, r) for i, r in enumerate(rows)])
    report = validate(batch)
    assert report.violations() and report.warnings()
    plain._numbers = _NoColumns([r.values for r in plain.regions])
    assert repr(report.results) == repr(validate(plain).results)
    checked = check(batch)
    numbers = checked.valid_numbers()
    valid = [r.values for r in checked.valid]
    assert list(numbers.rows) == valid and 0 < len(valid) < len(rows)
    assert [orjson.dumps(b) for b in balance.account_many(valid, numbers=numbers)] == \
        [orjson.dumps(b) for b in balance.account_many(valid)]


class _NoColumns(Numbers):
    """Numbers that give no column: every reader falls back to the cells."""

    def __call__(self, key):
        return None


def test_columns_a_reader_puts_are_read_as_made_ones():
    """A columnar reader may hand its number columns in (Numbers.put): validation and accounting then read those
    and walk no cell of them, with the same results."""
    from kg.read.profiles import ProfileBatch, Region, columns
    from kg.validate import check

    rows = [dict(dict.fromkeys(c.key for c in columns()), **r) for r in _batch(120, seed=3)]
    for r in rows:
        r["gdp_100m_cny"] = None if isinstance(r["gdp_100m_cny"], str) else r["gdp_100m_cny"]
        r["cattle_head"] = None if isinstance(r["cattle_head"], bool) else r["cattle_head"]
        r.update({k: 7 for k, v in r.items() if isinstance(v, (int, float)) and v and not 1e-6 < abs(v) < 1e12})
    made = ProfileBatch([Region(r["region_id"], r["name"], i + 2, dict(r)) for i, r in enumerate(rows)])
    given = ProfileBatch([Region(r["region_id"], r["name"], i + 2, dict(r)) for i, r in enumerate(rows)])
    numbers = given.numbers()
    plain = {k: made.numbers()(k) for k in rows[0]}
    for k, col in plain.items():
        if col is not None:
            numbers.put(k, *col)
    a, b = check(made), check(given)
    assert repr(a.report.results) == repr(b.report.results) and a.report.results
    # no cell of a put column of numbers was walked (only texts', and a blank column's a text check reads)
    assert numbers._cells and not set(numbers._cells) & {k for k, c in plain.items() if c is not None and not c[1].all()}
    assert [orjson.dumps(x) for x in balance.account_many([r.values for r in a.valid], numbers=a.valid_numbers())] \
        == [orjson.dumps(x) for x in balance.account_many([r.values for r in b.valid], numbers=b.valid_numbers())]


def _sets_and_matrix(bigs: list[dict]) -> tuple[list[frozenset], dict, np.ndarray]:
    """What ranking reads, worked out region by region from big_flux_shares' dicts: each region's classes as one
    frozenset object per ordered tuple of classes, and the regions × classes matrix of their shares."""
    memo: dict = {}
    sets = [memo.setdefault(tuple(b), frozenset(b)) for b in bigs]
    cols = {f: j for j, f in enumerate(sorted({f for b in bigs for f in b}))}
    matrix = np.zeros((len(bigs), len(cols)))
    for i, b in enumerate(bigs):
        for f, x in b.items():
            matrix[i, cols[f]] = x
    return sets, cols, matrix


def test_big_fluxes_are_each_regions_big_flux_shares():
    """The big fluxes ranking reads (sets and share matrix), made from arrays, are those of each region's
    big_flux_shares — from the plans' arrays and from the balance dicts, odd lines included."""
    from kg.namespaces import TH

    rows = _batch()
    accounts = balance.account_batch(rows, numbers=Numbers(rows))
    balances = accounts.balances
    rnd = random.Random(2)
    odd = [dict(b, by_table1=dict(b["by_table1"])) for b in balances[:200]]
    for b in odd[::3]:
        line = rnd.choice(list(b["by_table1"]))
        b["by_table1"][line] = rnd.choice([float("nan"), float("inf"), None, "12.5", True, {"t_co2e": 3e5}])
    odd[5]["by_table1"][TH + "FossilFuelCombustion"] = 5.0         # a class under its local name and its IRI
    odd += [None, {}, {"by_table1": None}]
    share = rules().big_flux_share
    for given, arrays in ((balances, accounts), (balances, None), (odd, None)):
        sets, (cols, matrix) = fast.big_fluxes(given, share, arrays)
        want_sets, want_cols, want_matrix = _sets_and_matrix(fast.big_flux_shares(given, share))
        assert sets == want_sets and cols == want_cols and matrix.tobytes() == want_matrix.tobytes()
        assert [id(s) for s in sets].count(id(sets[0])) == [id(s) for s in want_sets].count(id(want_sets[0]))
        assert len({id(s) for s in sets}) == len({id(s) for s in want_sets})
    assert len(cols) > 1 and matrix.any()
