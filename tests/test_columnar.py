"""A big CSV's ordinary rows read as columns (kg.read.columnar) give exactly what reading them row by row gives."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kg.bench import HEADER, generate
from kg.read import chunked, columnar
from kg.read.gazetteer import code_changes
from kg.read.numbers import Numbers
from kg.read.profiles import column_by_key

COL = {h: i for i, h in enumerate(HEADER)}


def _rows(n: int, seed: int) -> list[list[str]]:
    return [[str(r.get(h, "")) for h in HEADER] for r in generate(n, seed=seed)]


def _mixed(rows: list[list[str]]) -> list[list[str]]:
    """Generated rows with what a planner's file holds here and there, every 53 rows."""
    changed = next(iter(code_changes()))
    edits = {
        1: ("population", "abc"),                   # a bad cell in a column of plain numbers
        2: ("area_km2", "１２３.５"),                # full-width digits
        3: ("coal_t", "—"), 4: ("coal_t", "/"), 5: ("diesel_t", "-"),   # not reported
        6: ("cattle_head", "12.0"),                 # a whole number with a point in a count column
        7: ("gdp_100m_cny", ""), 8: ("gdp_100m_cny", "  "), 9: ("gdp_100m_cny", "\u3000"),
        10: ("name", "合计"), 11: ("name", "Total"), 12: ("name", "全县"), 13: ("name", "grains"),
        14: ("region_id", "410500"), 15: ("region_id", "410522"), 16: ("region_id", changed),
        17: ("grid_region", "华北"), 18: ("grid_region", " south"), 19: ("grid_region", "North China"),
        20: ("year", ""), 21: ("year", "2021.0"), 22: ("population", "1234567890123456"),
        23: ("area_km2", "0.1234567891"), 24: ("area_km2", "-0"), 25: ("area_km2", "1e5"),
        26: ("population", "+5"), 27: ("population", "007"), 28: ("population", "文本"),
        29: ("name", "  lead"), 30: ("name", "河南某县"), 31: ("region_id", ""), 32: ("name", "-x"),
        33: ("urbanization_rate_pct", "45.6%"), 34: ("area_km2", "1 234.5"), 35: ("region_id", "ＧＸ１"),
    }
    out = []
    for k, r in enumerate(rows):
        r = list(r)
        j = k % 53
        if j in edits:
            key, value = edits[j]
            r[COL[key]] = value
        elif j == 40:
            r = r[:10]                              # a short row
        elif j == 41:
            r = r + ["stray"]                       # a cell beyond the header
        elif j == 42:
            r = ["注：本表数据来源于统计年鉴"]         # a footnote
        elif j == 43:
            r = [""] * len(r)                       # a row of empty cells
        elif j == 44:
            r = []                                  # an empty line
        elif j == 45:
            r[0] = rows[0][0]                       # a repeated id
        out.append(r)
    return out


def _write(path, header, rows, delimiter=",", newline="\n", title=None, end=""):
    with open(path, "w", encoding="utf-8", newline="") as f:
        if title:
            f.write(title + newline)
        f.write(delimiter.join(header) + newline)
        for r in rows:
            f.write(delimiter.join(r) + newline)
        f.write(end)
    return path


def _read(path, columns_from: int, monkeypatch) -> tuple[str, object]:
    monkeypatch.setattr(columnar, "COLUMNS_FROM_BYTES", columns_from)
    monkeypatch.setattr(columnar, "_BLOCK_BYTES", 50_000)      # many blocks: rows cut at block ends
    pf = chunked.open_pieces(path)
    pieces = list(pf.pieces([range(a, min(a + 700, pf.count)) for a in range(0, pf.count, 700)]))
    for p in pieces:            # the number columns given from the blocks are those the value dicts give
        given = p.numbers()
        cells = {key: given.cells(key) for key in column_by_key()}     # read from the columns: no dict made
        made = Numbers([r.values for r in p.regions])
        for key in column_by_key():
            assert repr(cells[key]) == repr(made.cells(key)), key
            a, b = given(key), made(key)
            assert (a is None) == (b is None), key
            if a is not None:
                assert np.array_equal(a[0], b[0], equal_nan=True) and np.array_equal(a[1], b[1]), key
    seen = repr(([dataclasses.asdict(r) for p in pieces for r in p.regions],
                 [[dataclasses.asdict(r) for r in p.companions] for p in pieces], [p.warnings for p in pieces],
                 vars(pieces[0].mapping), pf.count, sorted(pf.aside)))
    return seen, pf.columns


def _same(path, monkeypatch):
    by_rows, none = _read(path, 1 << 40, monkeypatch)
    by_columns, body = _read(path, 0, monkeypatch)
    assert none is None
    assert by_columns == by_rows
    return body


def _odd(body) -> int:
    return sum(int((b.kinds == columnar.ODD).sum()) for b in body.blocks)


def test_mixed_file_reads_the_same_as_row_by_row(tmp_path, monkeypatch):
    body = _same(_write(tmp_path / "mixed.csv", HEADER, _mixed(_rows(3_000, seed=4)), end="\n"), monkeypatch)
    assert len(body.blocks) > 5 and body.tail is None
    # the rows with something to say are read row by row, the untouched ones as columns
    kinds = {b.first_row + i: kind for b in body.blocks for i, kind in enumerate(b.kinds.tolist())}
    untouched = [kinds[k + 2] for k in range(3_000) if k % 53 > 45 and k + 2 in kinds]
    assert len(untouched) > 300 and set(untouched) == {columnar.ORDINARY}
    for j in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 16, 22, 25, 28, 29, 33, 34, 40, 41, 42, 44):
        assert {kinds[k + 2] for k in range(j, 3_000, 53) if k + 2 in kinds} == {columnar.ODD}, j


def test_plain_file_is_read_as_columns_only(tmp_path, monkeypatch):
    rows = _rows(2_500, seed=6)
    path = _write(tmp_path / "plain.csv", HEADER, rows, newline="\r\n")
    body = _same(path, monkeypatch)
    assert _odd(body) == 0 and sum(len(b.kinds) for b in body.blocks) == 2_500 - 29
    # the pieces carry their number columns from the blocks (the first rows, above the blocks, from their dicts)
    pf = chunked.open_pieces(path)
    for piece in pf.pieces([range(a, min(a + 700, pf.count)) for a in range(0, pf.count, 700)]):
        assert set(piece.numbers()._columns) == {k for k in HEADER if column_by_key()[k].datatype != "string"}


def test_regions_of_columns_make_their_values_only_when_read(tmp_path, monkeypatch):
    """Validation and accounting of a piece read as columns read its columns, not its Regions' value dicts (issue 12:
    making them was half the pieces' time); a dict made later is the row-by-row reader's, and such a Region reads,
    pickles, copies, compares and takes notes as any Region."""
    import copy
    import pickle

    from kg.account.balance import account_batch
    from kg.read.profiles import ColumnRegion, Region
    from kg.validate import check

    path = _write(tmp_path / "plain.csv", HEADER + ["official_zone_type"],
                  [r + [["ecological", "urbanized", ""][k % 3]] for k, r in enumerate(_rows(2_500, seed=6))])
    monkeypatch.setattr(columnar, "COLUMNS_FROM_BYTES", 1 << 40)
    rows, = chunked.open_pieces(path).pieces([range(100, 1_100)])
    monkeypatch.setattr(columnar, "COLUMNS_FROM_BYTES", 0)
    piece, = chunked.open_pieces(path).pieces([range(100, 1_100)])
    regions = piece.regions
    assert all(r.__class__ is ColumnRegion and r.unmade() for r in regions)
    checked = check(piece)
    numbers = checked.valid_numbers()
    account_batch(numbers.rows, numbers=numbers)
    assert [r.key for r in regions] == [r.key for r in rows.regions]
    assert [r.get("official_zone_type", "-") for r in regions] == [r.get("official_zone_type", "-") for r in rows.regions]
    made = [r for r in regions if not r.unmade()]
    assert len(made) < 20                       # (each accounting plan's first region's: a few plans here)
    assert regions == rows.regions and rows.regions == regions     # (both ways: the fields, values made)
    assert all(not r.unmade() for r in regions) and regions[7].values is regions[7].values
    back = pickle.loads(pickle.dumps(regions[:3]))
    assert [r.__class__ for r in back] == [Region] * 3 and back == rows.regions[:3]
    assert copy.copy(regions[4]) == rows.regions[4] and dataclasses.replace(regions[4], row=1).row == 1
    fresh = chunked.open_pieces(path).pieces([range(1_000, 1_010)])
    r = next(iter(fresh)).regions[5]
    r.notes.append({"x": 1})
    assert r.notes == [{"x": 1}] and r.raw == {} and r.extra == {} and r.unmade()


def test_semicolons_thousands_separators_and_an_empty_last_line(tmp_path, monkeypatch):
    rows = _mixed(_rows(2_000, seed=8))
    for r in rows[::17]:
        if len(r) > COL["population"] and r[COL["population"]].isdigit():
            r[COL["population"]] = f"{int(r[COL['population']]):,}"
    _same(_write(tmp_path / "semi.csv", HEADER, rows, delimiter=";", end="\n\n"), monkeypatch)


def test_title_year_fills_empty_years_as_row_by_row(tmp_path, monkeypatch):
    rows = _rows(2_000, seed=9)
    for r in rows[::7]:
        r[COL["year"]] = ""
    body = _same(_write(tmp_path / "title.csv", HEADER, rows, title="2021年 各县主要指标"), monkeypatch)
    assert _odd(body) >= 2_000 // 7 - 5


def test_a_quoted_cell_sends_the_rest_to_csv(tmp_path, monkeypatch):
    rows = _rows(2_000, seed=10)
    rows[1_500][COL["name"]] = '"a, b"'
    body = _same(_write(tmp_path / "quoted.csv", HEADER, rows), monkeypatch)
    assert body.tail is not None and body.blocks


def test_chinese_names_provinces_and_value_schemes(tmp_path, monkeypatch):
    header = HEADER + ["province", "official_zone_type", "备注"]
    rows = []
    for k, r in enumerate(_rows(2_000, seed=12)):
        rows.append(r + [["河南省", "山东省", ""][k % 3], ["ecological", "城市化地区", "限制开发区域", ""][k % 4],
                         "note" if k % 97 == 0 else ""])
        if k % 5 == 0:
            rows[-1][COL["name"]] = ["滑县", "安阳市合计", "其中：市辖区", "全州县", "林州市"][k // 5 % 5]
    _same(_write(tmp_path / "zh.csv", header, rows), monkeypatch)


def test_repeated_ids_across_blocks_are_companions_as_row_by_row(tmp_path, monkeypatch):
    rows = _rows(2_500, seed=13)
    rows[2_400][0] = rows[3][0]
    rows[1_200][0], rows[1_200][COL["year"]] = rows[7][0], ""
    _same(_write(tmp_path / "repeats.csv", HEADER, rows), monkeypatch)


def test_junk_numbers_ragged_lines_crlf_and_no_last_line_feed(tmp_path, monkeypatch):
    """What a line is comes from its bytes and one regular expression over it (session 8): every cell a number
    column's regular expression must refuse is read row by row, a line of another width than its block's commonest
    too, with CRLF line ends and a last line without its line feed."""
    rows = _rows(2_500, seed=14)
    junk = ["nan", "inf", "-inf", "1e400", "12345678901234567890", "1,234", "１２", " 5", "5 ", "+5", "45%", "-.5",
            "5.", "1.2.3", "--1", "0x1F", "1_000", "5\t", "-", ""]
    for k, cell in enumerate(junk):
        rows[300 + 40 * k][COL["population"]] = cell
        rows[301 + 40 * k][COL["area_km2"]] = cell
    rows[1_400] = rows[1_400] + [""]                        # one cell more, empty
    rows[1_401] = rows[1_401][:-1]                          # one cell fewer: the block's delimiters add up
    rows[1_800] = [""] * (len(HEADER) + 2)                  # a wider row of empty cells
    rows[1_900][COL["name"]] = "a name 7"                    # a text cell is as given
    body = _same(_write(tmp_path / "junk.csv", HEADER, rows, newline="\r\n", end=",".join(rows[0][:5])),
                 monkeypatch)
    kinds = {b.first_row + i: kind for b in body.blocks for i, kind in enumerate(b.kinds.tolist())}
    for k, cell in enumerate(junk[:-1]):
        assert kinds[302 + 40 * k] == kinds[303 + 40 * k] == columnar.ODD, cell
    assert kinds[302 + 40 * (len(junk) - 1)] == columnar.ORDINARY              # an empty number cell
    assert kinds[1_402] == kinds[1_403] == columnar.ODD and kinds[1_802] != columnar.ORDINARY
    assert kinds[1_902] == columnar.ORDINARY
