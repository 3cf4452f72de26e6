"""Several files advised as one batch without holding them whole (kg.read.several, issue 12): what
`tanheng advise a.csv b.csv c.xlsx` writes is the same bytes as when the files are read whole and joined
(kg.read.profiles.read_files) — regions in file order, a later file's rows numbered on with its warning, a
region id repeated for one year across two files flagged in both — however the chunks cut across the files."""
import json

import pytest
from test_chunked import _messy_rows, _write, _write_xlsx, _written

from kg.commands.advise import read_batch, read_source
from kg.read import chunked
from kg.read.several import PiecedFiles


def _repeated(violations) -> bool:
    return any(v["field"] == "region_id" and "more than once" in v["message_en"] for v in violations)


@pytest.fixture
def files(tmp_path, monkeypatch):
    """A big yearbook CSV (read in pieces: the threshold lowered), a small CSV and a small workbook (read
    whole); the small CSV repeats a region of the big one for the same year, the workbook gives an id of the
    small CSV once with and once without a year."""
    monkeypatch.setattr(chunked, "STREAM_FROM_BYTES", 20_000)
    a, b, c = _messy_rows(200, seed=31), _messy_rows(40, seed=32), _messy_rows(30, seed=33)
    for i, r in enumerate(b):
        r[0] = f"B{i:05d}"
    for i, r in enumerate(c):
        r[0] = f"C{i:05d}"
    b[5][0], b[5][2] = a[150][0], a[150][2]            # same id, same year: in two files
    c[7][0], c[7][2] = b[9][0], ""                     # same id, one row without a year
    return [str(_write(tmp_path / "a.csv", a)), str(_write(tmp_path / "b.csv", b)),
            str(_write_xlsx(tmp_path / "c.xlsx", c))], a[150][0], b[9][0]


def test_several_files_are_advised_in_pieces_as_when_read_whole(files):
    paths, across, open_year = files
    several = read_source(paths, "zh")
    assert isinstance(several, PiecedFiles)
    assert [type(s).__name__ for s in several.sources] == ["PiecedFile", "ProfileBatch", "ProfileBatch"]
    whole = read_batch(paths, "zh")
    assert len(several) == len(whole.regions)
    before = _written(whole, jobs=1, chunk=10_000)     # one chunk: the rule sees every row at once
    advice = json.loads(before)
    flagged = [(r["region_id"], r["row"]) for r in advice["regions"] if _repeated(r["violations"])]
    assert sum(1 for i, _ in flagged if i == across) == 2 and sum(1 for i, _ in flagged if i == open_year) == 2
    assert len({row for _, row in flagged}) == len(flagged)          # rows numbered on: each names one row
    counted_on = [w for w in advice["batch_warnings"] if "b.csv" in w["message_en"] or "c.xlsx" in w["message_en"]]
    assert len(counted_on) >= 2
    assert _written(several, jobs=1, chunk=70) == before              # chunks across both files' ends
    assert _written(read_source(paths, "zh"), jobs=2, chunk=50) == before
    assert _written(read_source(paths, "zh"), fmt="ndjson", chunk=45) == _written(whole, fmt="ndjson")


def test_files_read_whole_when_none_is_big(files, monkeypatch):
    paths, _, _ = files
    monkeypatch.setattr(chunked, "STREAM_FROM_BYTES", 10_000_000)
    assert not isinstance(read_source(paths, "zh"), PiecedFiles)


def _write_years(path, sheets: dict[str, tuple[str, list]]):
    """A workbook of one sheet per year: {sheet name: (title, rows)}, the last sheet with a formula that has no
    saved value (written by a program, never opened in Excel)."""
    import openpyxl

    from test_chunked import EXTRA, HEADER

    wb = openpyxl.Workbook(write_only=True)
    for k, (name, (title, rows)) in enumerate(sheets.items()):
        ws = wb.create_sheet(name)
        for r in [[title], HEADER + EXTRA, *rows, ["注：数据来源于统计年鉴"]]:
            ws.append(r)
        if k == len(sheets) - 1:
            ws.append(["=1+1"])
    wb.save(path)
    return path


@pytest.fixture
def years(tmp_path, monkeypatch):
    monkeypatch.setattr(chunked, "WORKBOOK_FROM_BYTES", 0)
    a, b, c = _messy_rows(120, seed=51), _messy_rows(90, seed=52), _messy_rows(60, seed=53)
    for rows, year in ((a, 2020), (b, 2021), (c, 2022)):
        for r in rows:
            r[2] = "" if r[2] == "" else year          # each sheet's rows of its year (a blank: the sheet's year)
    c[3][0], c[3][2] = b[40][0], 2021                  # a 2021 row given again in the 2022 sheet: a repeat
    return _write_years(tmp_path / "years.xlsx", {"2020年": ("县域指标", a), "2021": ("县域指标（续）", b),
                                                   " 2022 年": ("2022年 县域指标", c)}), b[40][0]


def test_a_workbook_of_one_sheet_per_year_is_advised_in_pieces_as_when_read_whole(years):
    from kg.read.profiles import read_profiles

    path, repeated = years
    pieced = read_source([str(path)], "zh")
    assert isinstance(pieced, PiecedFiles) and len(pieced.sources) == 3
    whole = read_profiles(path)
    assert len(pieced) == len(whole.regions)
    pieces = list(pieced.pieces([range(0, 100), range(100, 200), range(200, len(pieced))]))
    assert [vars(r) for p in pieces for r in p.regions] == [vars(r) for r in whole.regions]
    assert pieces[0].warnings == whole.warnings
    assert any("=1+1" in w["message_en"] or "formula" in w["message_en"] for w in whole.warnings)
    before = _written(whole, jobs=1, chunk=10_000)
    advice = json.loads(before)
    assert {r["year"] for r in advice["regions"]} >= {2020, 2021, 2022}
    assert sum(1 for r in advice["regions"] if r["region_id"] == repeated and _repeated(r["violations"])) >= 2
    assert _written(read_source([str(path)], "zh"), jobs=1, chunk=70) == before
    assert _written(read_source([str(path)], "zh"), jobs=2, chunk=40) == before


def test_a_workbook_of_years_among_several_files(years, tmp_path, monkeypatch):
    path, _ = years
    monkeypatch.setattr(chunked, "STREAM_FROM_BYTES", 20_000)
    csv_path = _write(tmp_path / "more.csv", _messy_rows(150, seed=54))
    paths = [str(csv_path), str(path)]
    several = read_source(paths, "zh")
    assert isinstance(several, PiecedFiles) and len(several.sources) == 4
    whole = read_batch(paths, "zh")
    assert _written(several, jobs=1, chunk=60) == _written(whole, jobs=1, chunk=10_000)
