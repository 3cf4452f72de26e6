"""Issue 11 item 12: a hidden or very hidden first sheet was read
silently; formula cells without saved results and an empty first sheet gave
no hint; a header-only file said "all regions pass"."""
import json

import openpyxl
import pytest

from issue11_helpers import EXAMPLES, tanheng, env  # noqa: F401 (fixtures)

LINES = (EXAMPLES / "typical-regions.csv").read_text(encoding="utf-8").splitlines()


def _fill(ws, rows):
    for line in rows:
        ws.append([float(c) if c.replace(".", "", 1).isdigit() and i > 1 else c
                   for i, c in enumerate(line.split(","))])


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_first_sheet_is_named_and_the_visible_one_read(env, tmp_path, state):
    wb = openpyxl.Workbook()
    secret = wb.active
    secret.title = "旧数据"
    _fill(secret, [LINES[0], LINES[2]])
    secret.sheet_state = state
    _fill(wb.create_sheet("2022"), [LINES[0], LINES[1]])
    path = tmp_path / "hidden.xlsx"
    wb.save(path)
    out = tanheng(env, "validate", path, "--lang", "en", "--format", "json")
    report = json.loads(out.stdout)
    assert {r["region_id"] for r in report["results"]} - {None} <= {"310115"}
    notes = [r["message_en"] for r in report["results"] if "hidden" in r["message_en"]]
    assert notes and '"旧数据"' in notes[0] and '"2022"' in notes[0] and "--sheet" in notes[0]


def test_formulas_without_saved_results_are_named(env, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "县域"
    _fill(ws, [LINES[0], LINES[1]])
    ws["D2"] = "=1000+210.4"                               # area_km2 as a formula openpyxl never computes
    path = tmp_path / "formulas.xlsx"
    wb.save(path)
    out = tanheng(env, "validate", path, "--lang", "en")
    assert "formula cells without a saved result" in out.stdout and '"县域"' in out.stdout and "D2" in out.stdout
    assert "--sheet" in out.stdout and out.returncode == 1


def test_an_empty_first_sheet_names_itself_and_the_others(env, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    _fill(wb.create_sheet("数据"), [LINES[0], LINES[1]])
    path = tmp_path / "empty-first.xlsx"
    wb.save(path)
    out = tanheng(env, "validate", path, "--lang", "en")
    assert out.returncode == 2 and '"说明" holds no rows' in out.stderr and "数据" in out.stderr
    assert "--sheet" in out.stderr
    assert tanheng(env, "validate", path, "--sheet", "数据").returncode == 0


@pytest.mark.parametrize("suffix, content", [(".csv", LINES[0] + "\n"), (".json", "[]")])
def test_a_file_without_regions_does_not_pass(env, tmp_path, suffix, content):
    path = tmp_path / f"header-only{suffix}"
    path.write_text(content, encoding="utf-8")
    out = tanheng(env, "validate", path, "--lang", "en")
    assert out.returncode in (1, 2) and "all regions pass" not in out.stdout
    said = out.stdout + out.stderr
    assert "no regions" in said or "no profile column" in said
