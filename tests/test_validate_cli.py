"""`tanheng validate` and `tanheng template` as a planner uses them: exit codes,
readable reports in both languages, JSON, and one sentence for unreadable files."""
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.cli import main
from kg.read.profiles import columns, read_profiles

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"


def run(capsys, *argv):
    code = main(["validate", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_valid_file_exits_0_with_a_chinese_summary(capsys):
    code, out, err = run(capsys, EX / "typical-regions.csv")
    assert code == 0 and err == ""
    assert "7 个区域" in out and "全部通过" in out


def test_invalid_file_exits_1_and_groups_by_region_in_chinese(capsys):
    code, out, _ = run(capsys, EX / "invalid-regions.csv")
    assert code == 1
    block = out.split("900001 ")[1].split("\n900002")[0]
    assert "第 4 行" in block and "第一产业占比（%）" in block and "100 ± 2" in block
    assert "约一千八" in out                             # the unparseable value is shown as given
    assert "列“备注”不是档案字段" in out                 # the unknown column is reported
    assert "3 个可用于分析" in out


def test_english_report(capsys):
    code, out, _ = run(capsys, "--lang", "en", EX / "invalid-regions.csv")
    assert code == 1
    assert "900003" in out and "may not exceed cropland_ha" in out
    assert "row 6" in out and "3 usable" in out


def test_json_report_is_machine_readable(capsys):
    code, out, _ = run(capsys, "--format", "json", EX / "invalid-regions.csv")
    assert code == 1
    doc = json.loads(out)
    assert doc["conforms"] is False
    r = next(x for x in doc["results"] if x["region_id"] == "900007")
    assert r == {"region_id": "900007", "row": 10, "year": 2022, "field": "area_km2", "value": "约一千八",
                 "severity": "violation", "message_zh": r["message_zh"], "message_en": r["message_en"],
                 "file": str(EX / "invalid-regions.csv")}
    assert "国土面积" in r["message_zh"] and "area_km2" in r["message_en"]


def test_cross_field_results_state_their_derived_figure(capsys):
    # 900001: shares 60 + 20 + 10 = 90; 900002: land classes 120.5 % of the area
    _, zh, _ = run(capsys, EX / "invalid-regions.csv")
    _, en, _ = run(capsys, "--lang", "en", EX / "invalid-regions.csv")
    assert "第一产业占比（%） = 90：报告值为三项产业占比之和：三项产业占比之和为 90%" in zh
    assert "国土面积（平方千米） = 120.5：报告值是百分比而非平方千米：各地类面积（含园地）之和为国土面积的 120.5%" in zh
    assert ("primary industry share (%) = 90: the value shown is the sum of the three industry shares: "
            "the primary, secondary and tertiary industry shares add up to 90 %") in en
    assert ("land area (km²) = 120.5: the land classes (with garden land) add up to more than 102 % of the area: "
            "the value shown is a percentage, not km² — the land classes total 120.5 % of the area") in en
    _, out, _ = run(capsys, "--format", "json", EX / "invalid-regions.csv")
    results = json.loads(out)["results"]
    r = next(x for x in results if x["region_id"] == "900002")
    assert (r["field"], r["value"]) == ("area_km2", 120.5) and "120.5 % of the area" in r["message_en"]
    r = next(x for x in results if x["region_id"] == "900001")
    assert (r["field"], r["value"]) == ("primary_industry_pct", 90) and "之和为 90%" in r["message_zh"]


def test_negative_area_is_one_error_not_a_land_percentage(capsys, tmp_path):
    rows = list(csv.reader(open(EX / "typical-regions.csv", encoding="utf-8")))
    col = rows[0].index("area_km2")
    row = next(r for r in rows if r[0] == "410526")
    row[col] = "-100"
    path = tmp_path / "neg.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([rows[0], row])
    code, out, _ = run(capsys, "--lang", "en", path)
    assert code == 1
    assert out.count("[error]") == 1 and "land area (km²) = -100: area_km2 (land area) must be" in out
    assert "1785" not in out and "102 %" not in out


def test_both_engines_give_the_same_json(capsys):
    _, fast, _ = run(capsys, "--format", "json", EX / "invalid-regions.csv")
    _, ref, _ = run(capsys, "--format", "json", "--engine", "pyshacl", EX / "invalid-regions.csv")
    assert json.loads(fast) == json.loads(ref)


def test_warnings_alone_exit_0(capsys, tmp_path):
    rows = list(csv.reader(open(EX / "invalid-regions.csv", encoding="utf-8")))
    keep = [rows[0][:-1]] + [r[:-1] for r in rows if r[0] == "900012"]    # land classes < 90 %: a warning
    path = tmp_path / "warn.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(keep)
    code, out, _ = run(capsys, path)
    assert code == 0 and "[警告]" in out


@pytest.mark.parametrize("name,words", [
    ("binary.csv", "二进制"), ("empty.csv", "空"), ("not-a-profile.csv", "表头"), ("no-such-file.csv", "不存在"),
])
def test_unreadable_files_exit_2_with_one_sentence(capsys, name, words):
    code, out, err = run(capsys, DATA / name)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and words in lines[0]
    assert "Traceback" not in err


def test_unreadable_in_english_and_json(capsys, tmp_path):
    code, out, err = run(capsys, "--lang", "en", "--format", "json", tmp_path, EX / "typical-regions.csv")
    assert code == 2
    assert "directory" in err
    doc = json.loads(out)
    assert doc["conforms"] is False and doc["errors"][0]["file"] == str(tmp_path)
    assert doc["results"] == []                         # the readable file was still checked


def test_entry_point_process_never_shows_a_traceback():
    bad = subprocess.run([sys.executable, "-c", "import sys; from kg.cli import main; sys.exit(main())",
                          "validate", str(DATA / "binary.csv")], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    wrong = subprocess.run([sys.executable, "-c", "import sys; from kg.cli import main; sys.exit(main())",
                            "validate", "--engine", "magic", "x.csv"], capture_output=True, text=True, cwd=ROOT)
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr


# ---------------------------------------------------------------- template

def test_csv_template_has_headers_and_units_and_reads_back_empty(capsys, tmp_path):
    assert main(["template", "--format", "csv", "--lang", "zh"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("区域代码,区域名称,年份,国土面积（平方千米）")
    assert lines[1].startswith("文本,文本,年,平方千米")
    path = tmp_path / "t.csv"
    assert main(["template", "--lang", "en", "-o", str(path)]) == 0
    assert path.read_bytes().startswith(b"\xef\xbb\xbfregion_id,name,year,area_km2")
    assert len(read_profiles(path)) == 0


def test_filled_template_validates(capsys, tmp_path):
    path = tmp_path / "t.csv"
    main(["template", "-o", str(path)])
    row = next(r for r in csv.reader(open(EX / "typical-regions.csv", encoding="utf-8")) if r[0] == "320117")
    with open(path, "a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow(row)
    capsys.readouterr()
    code, out, _ = run(capsys, path)
    assert code == 0 and "1 个区域" in out


def test_xlsx_template_explains_each_column(tmp_path, capsys):
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    assert main(["template", "--format", "xlsx", "--lang", "zh", "-o", str(path)]) == 0
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    assert ws["D1"].value == "国土面积（平方千米）"
    note = ws["D1"].comment.text
    assert "平方千米" in note and "必填" in note and "大于 0" in note
    assert wb.worksheets[1].max_row == 1 + len(columns())  # one line of notes per column
    assert len(read_profiles(path)) == 0


def test_xlsx_template_needs_an_output_file(capsys):
    assert main(["template", "--format", "xlsx"]) == 2
    err = capsys.readouterr().err
    assert "-o" in err and len(err.strip().splitlines()) == 1


def test_terminal_escapes_in_user_text_are_shown_not_obeyed(capsys, tmp_path):
    path = tmp_path / "esc.csv"
    path.write_text("region_id,name,area_km2\nX\x1b[2J,名\u202e字,abc\n", encoding="utf-8")
    code, out, _ = run(capsys, "--lang", "en", path)
    assert code == 1
    assert "\x1b" not in out and "\u202e" not in out
    assert "X\\x1b[2J" in out and "abc" in out


def test_one_formatter_words_results_for_validate_balance_and_scenario():
    import kg.commands.validate as validate_cmd
    import kg.present.scenario as scenario_words
    import kg.validate
    from kg.present import validation as v

    r = {"field": "name", "value": None, "message_zh": "缺少必填字段。", "message_en": "missing."}
    assert v.format_result(r, "zh") == "区域名称 = （空）：缺少必填字段。"
    assert v.format_result(r, "en") == "region name = (empty): missing."
    assert v.format_result(dict(r, field="grid_region", value="mars"), "en") == "grid region = mars: missing."
    assert v.format_result(dict(r, field="area_km2", value=-100.0), "en").startswith("land area (km²) = -100: ")
    assert v.format_result(dict(r, field=None), "en") == "missing."
    assert v.region_label(type("R", (), {"region_id": None, "name": "甲县"})(), "zh") == "（无区域代码） 甲县"
    # the commands import it rather than keep their own copy; validation checks, presentation words
    assert validate_cmd.format_result is v.format_result and validate_cmd.region_label is v.region_label
    assert not hasattr(validate_cmd, "_show") and not hasattr(validate_cmd, "_field_label")
    assert not any(hasattr(kg.validate, f) for f in ("WORDS", "format_result", "show_value", "region_title"))
    assert "format_result" in open(scenario_words.__file__, encoding="utf-8").read()   # what-if


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_big_file_is_checked_in_pieces_as_when_read_whole(capsys, monkeypatch, tmp_path, fmt):
    """Issue 12: `validate` reads a big file in pieces as `advise` does (284,400 regions: 2.1 GB read whole, 170 MB
    in pieces) and says the same: a yearbook export with bad cells, marks, total rows, footnotes and a region
    repeated for one year in different pieces."""
    from test_chunked import _messy_rows, _write

    from kg.pipeline import stream
    from kg.read import chunked, several

    rows = _messy_rows(600, seed=5)
    rows[550][0], rows[550][2] = rows[12][0], rows[12][2]           # the same region and year, far apart
    path = _write(tmp_path / "messy.csv", rows)
    monkeypatch.setattr(several, "pieced", lambda name: None)               # read whole
    whole = run(capsys, path, "--format", fmt, "--lang", "en")
    monkeypatch.undo()
    monkeypatch.setattr(chunked, "STREAM_FROM_BYTES", 1_000)
    monkeypatch.setattr(stream, "CHUNK", 100)
    pieces = []
    real = several.pieced
    monkeypatch.setattr(several, "pieced", lambda name: pieces.append(name) or real(name))
    assert run(capsys, path, "--format", fmt, "--lang", "en") == whole
    assert pieces and whole[0] == 1 and "more than once" in whole[1]


def test_a_big_file_checked_on_a_terminal_shows_its_progress(capsys, monkeypatch, tmp_path):
    import sys

    from test_chunked import _messy_rows, _write

    from kg.commands import validate as command
    from kg.pipeline import stream
    from kg.read import chunked

    path = _write(tmp_path / "messy.csv", _messy_rows(300, seed=6))
    monkeypatch.setattr(chunked, "STREAM_FROM_BYTES", 1_000)
    monkeypatch.setattr(stream, "CHUNK", 100)
    monkeypatch.setattr(command, "PROGRESS_FROM", 100)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = run(capsys, path, "--lang", "en")
    import re

    assert re.search(r"\d+/302 \[", err) and "region/s" in err         # the bar, over the file's 302 regions
    assert "302 regions" in out and code == 1
