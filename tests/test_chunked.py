"""A CSV file read in pieces (kg.read.chunked, issue 12) gives what reading it whole gives: the same
regions (values, bad cells kept as given, notes, unknown cells), the same file warnings once, and the
same advice bytes whatever the number of jobs, a region repeated for one year flagged on the same rows."""
import csv
import dataclasses
import io
import json

import pytest

from kg.bench import HEADER, generate
from kg.pipeline import stream
from kg.read import chunked
from kg.read.profiles import read_profiles

EXTRA = ["province", "official_zone_type", "备注"]


def _messy_rows(n: int, seed: int) -> list[list]:
    """Generated regions as a yearbook export comes: bad cells, full-width digits, thousands separators,
    not-reported marks, a year missing (the title's), a region over two years, an unknown column, a cell
    beyond the header, 合计 rows and a prefecture total over its counties."""
    out = []
    rows = generate(n, seed=seed)
    for i, r in enumerate(rows):
        r = dict(r, province=["河南省", "山东省", ""][i % 3], official_zone_type=["ecological", "城市化地区", ""][i % 3])
        if i % 37 == 0:
            r["year"] = ""
        if i % 29 == 0:
            r["population"] = "abc"
        if i % 31 == 0:
            r["gdp_100m_cny"] = "1,234.5"
        if i % 23 == 0:
            r["population"] = "１２３４５６"
        if i % 19 == 0:
            r["coal_t"] = "—"
        if i % 3 == 1:
            r["year"], r["region_id"] = 2021, rows[i - 1]["region_id"]
        cells = [r.get(h, "") for h in HEADER] + [r["province"], r["official_zone_type"], f"note {i}" if i % 13 == 0 else ""]
        if i % 101 == 0:
            cells.append("stray")
        out.append(cells)
        if i % 250 == 100:
            out.append(["", "合计"] + ["1"] * (len(HEADER) + len(EXTRA) - 2))
    county = generate(1, seed=5)[0]
    for code, name in (("410500", "安阳市"), ("410522", "安阳县"), ("410526", "滑县")):
        out.insert(len(out) // 2, [dict(county, region_id=code, name=name).get(h, "") for h in HEADER] + ["河南省", "", ""])
    return out


def _write(path, rows, title="2022年 县域指标", foot="注：数据来源于统计年鉴"):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([title])
        w.writerow(HEADER + EXTRA)
        w.writerows(rows)
        w.writerow([foot])
    return path


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    return _write(tmp_path_factory.mktemp("chunked") / "messy.csv", _messy_rows(2_000, seed=21))


def _spans(n: int, size: int) -> list[range]:
    return [range(a, min(a + size, n)) for a in range(0, n, size)]


def test_pieces_hold_the_regions_and_warnings_of_the_whole_file(messy):
    whole = read_profiles(messy)
    pieced = chunked.open_pieces(messy)
    assert len(pieced) == len(whole.regions) == 2_002      # 合计 rows and 安阳市 (a prefecture total) set aside
    pieces = list(pieced.pieces(_spans(len(pieced), 333)))
    assert [len(p.regions) for p in pieces] == [333] * 6 + [4]
    regions = [r for p in pieces for r in p.regions]
    assert [dataclasses.asdict(r) for r in regions] == [dataclasses.asdict(r) for r in whole.regions]
    assert pieces[0].warnings == whole.warnings and all(not p.warnings for p in pieces[1:])
    problems = {w["message_en"].split(":")[0] for w in whole.warnings}
    assert any("合计" in w["message_zh"] and "安阳市" in w["message_zh"] for w in whole.warnings), problems
    assert {"备注", f"column {len(HEADER) + len(EXTRA) + 1}"} <= {w["field"] for w in whole.warnings}
    bad = {(r.row, k, v) for r in regions for k, v in r.raw.items()}
    assert (2 + 29 + 1, "population", "abc") in bad                      # kept as given, validation names it
    assert regions[0].values["year"] == 2022 and regions[1].values["year"] == 2021   # the title's year


def test_a_big_file_is_advised_in_pieces_with_the_same_bytes(tmp_path):
    path = _write(tmp_path / "small.csv", _messy_rows(260, seed=8))
    whole = read_profiles(path)

    def written(source, **kw):
        buf = io.BytesIO()
        stream.advise_to(source, buf, **kw)
        return buf.getvalue()
    before = written(whole, jobs=1, chunk=10_000)
    assert written(chunked.open_pieces(path), jobs=1, chunk=70) == before
    assert written(chunked.open_pieces(path), jobs=2, chunk=50, fmt="json") == before
    assert written(chunked.open_pieces(path), fmt="ndjson", chunk=90) == written(whole, fmt="ndjson")


def _written(source, **kw) -> bytes:
    buf = io.BytesIO()
    stream.advise_to(source, buf, **kw)
    return buf.getvalue()


def test_a_repeated_id_is_flagged_in_pieces_as_in_the_whole_file(tmp_path):
    """A region given twice for one year, or twice with one row without a year (the title gives none here),
    rows far apart: pieces carry the rows they are checked with, and the same rows are flagged."""
    rows = _messy_rows(260, seed=3)
    rows[200][0], rows[200][2] = rows[10][0], rows[10][2]          # same id, same year
    rows[150][0], rows[150][2] = rows[20][0], ""                   # same id, no year
    path = _write(tmp_path / "repeated.csv", rows, title="县域指标")
    whole = read_profiles(path)
    before = _written(whole, jobs=1, chunk=10_000)                 # one chunk: the rule sees every row
    flagged = [r["row"] for r in json.loads(before)["regions"]
               if any("region_id" == v["field"] and "more than once" in v["message_en"] for v in r["violations"])]
    by_row = {r.row: r for r in whole.regions}
    assert by_row[13].key == by_row[203].key and by_row[23].region_id == by_row[153].region_id
    assert by_row[12].region_id == by_row[13].region_id and 12 not in flagged      # the same id in 2022: a series
    assert {13, 203, 23, 153} <= set(flagged) and len(flagged) < 20   # and series with a row without a year
    pieced = chunked.open_pieces(path)
    assert pieced is not None and pieced.companions
    assert _written(pieced, jobs=1, chunk=70) == before
    assert _written(chunked.open_pieces(path), jobs=2, chunk=50) == before
    assert _written(whole, jobs=2, chunk=40) == before              # a batch in memory, cut the same way
    assert _written(whole, fmt="ndjson", chunk=30) == _written(whole, fmt="ndjson", chunk=10_000)


def _write_xlsx(path, rows, title="2022年 县域指标", hidden_first=False):
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    if hidden_first:
        wb.create_sheet("说明").sheet_state = "hidden"
    ws = wb.create_sheet("县域")
    for r in [[title], HEADER + EXTRA, *rows, ["注：数据来源于统计年鉴"]]:
        ws.append(r)
    wb.save(path)
    return path


def test_a_big_workbook_is_read_in_pieces_like_the_whole_file(tmp_path, monkeypatch):
    """A workbook read read-only by both readers (as read_profiles reads one over 5 MB; the limit lowered here):
    the same regions (numbers, bad cells, notes), the same warnings (a hidden first sheet), a repeat flagged
    across pieces."""
    from kg.read import profiles

    monkeypatch.setattr(profiles, "FULL_WORKBOOK_BYTES", 0)
    monkeypatch.setattr(chunked, "WORKBOOK_FROM_BYTES", 0)
    rows = _messy_rows(260, seed=5)
    rows[230][0], rows[230][2] = rows[40][0], rows[40][2]
    path = _write_xlsx(tmp_path / "big.xlsx", rows, hidden_first=True)
    assert chunked.streamable(path)
    whole = read_profiles(path)
    pieced = chunked.open_pieces(path)
    pieces = list(pieced.pieces(_spans(len(pieced), 100)))
    assert [dataclasses.asdict(r) for p in pieces for r in p.regions] == [dataclasses.asdict(r) for r in whole.regions]
    assert pieces[0].warnings == whole.warnings and "说明" in whole.warnings[0]["message_en"]
    assert pieces[0].format == whole.format == "xlsx"
    before = _written(whole, jobs=1, chunk=10_000)
    assert b"more than once" in before
    assert _written(chunked.open_pieces(path), jobs=2, chunk=60) == before


def test_a_workbook_read_in_full_is_read_in_pieces_the_same(tmp_path, monkeypatch):
    """A workbook read_profiles opens in full (merged header cells filled, formulas without a saved value
    named): in pieces, read-only, the same rows, notes and advice — the yearbook example (two merged header
    rows) and a sheet with merged cells down a column and formulas with and without values."""
    import openpyxl

    from kg.paths import EXAMPLES_DIR

    monkeypatch.setattr(chunked, "WORKBOOK_FROM_BYTES", 0)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "县域"
    for r in [["2022年 县域指标"], HEADER + EXTRA, *_messy_rows(120, seed=9)]:
        ws.append(r)
    col = HEADER.index("province") + 1 if "province" in HEADER else len(HEADER) + 1
    ws.merge_cells(start_row=3, start_column=col, end_row=40, end_column=col)        # a province down 38 rows
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)             # the title over 6 columns
    ws.cell(row=50, column=HEADER.index("population") + 1).value = "=E49*2"         # no saved value
    ws.cell(row=60, column=HEADER.index("population") + 1).value = "=E59*2"
    wb.save(tmp_path / "merged.xlsx")
    for path in (EXAMPLES_DIR / "yearbook-2022.xlsx", tmp_path / "merged.xlsx"):
        whole = read_profiles(path)
        pieced = chunked.open_pieces(path)
        regions = [r for p in pieced.pieces(_spans(len(pieced), 7)) for r in p.regions]
        assert [dataclasses.asdict(r) for r in regions] == [dataclasses.asdict(r) for r in whole.regions]
        assert pieced.warnings == whole.warnings
        assert _written(chunked.open_pieces(path), jobs=1, chunk=9) == _written(whole, jobs=1, chunk=10_000)
    assert [w["value"] for w in whole.warnings if "formula" in w["message_en"]] == ["E50"]   # the first of 2
    assert {r.values["province"] for r in whole.regions if 3 <= r.row <= 40} == {whole.regions[0].values["province"]}


def test_only_big_csv_files_are_streamed(messy, tmp_path):
    from kg.paths import EXAMPLES_DIR

    assert not chunked.streamable(EXAMPLES_DIR / "typical-regions.csv")       # small: read whole
    assert not chunked.streamable(EXAMPLES_DIR / "typical-regions.xlsx")
    big = tmp_path / "big.csv"
    big.write_bytes(messy.read_bytes() * 3)
    assert chunked.streamable(big)
