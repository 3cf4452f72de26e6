"""A CSV file read in pieces (kg.read.chunked, issue 12) gives what reading it whole gives: the same
regions (values, bad cells kept as given, notes, unknown cells), the same file warnings once, and the
same advice bytes whatever the number of jobs; a file with a repeated id for one year is not cut."""
import csv
import dataclasses
import io

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


def test_a_repeated_id_for_one_year_keeps_the_whole_batch(tmp_path):
    rows = _messy_rows(60, seed=3)
    rows[40][0], rows[40][2] = rows[10][0], rows[10][2]
    assert chunked.open_pieces(_write(tmp_path / "repeated.csv", rows)) is None


def test_only_big_csv_files_are_streamed(messy, tmp_path):
    from kg.paths import EXAMPLES_DIR

    assert not chunked.streamable(EXAMPLES_DIR / "typical-regions.csv")       # small: read whole
    assert not chunked.streamable(EXAMPLES_DIR / "typical-regions.xlsx")
    big = tmp_path / "big.csv"
    big.write_bytes(messy.read_bytes() * 3)
    assert chunked.streamable(big)
