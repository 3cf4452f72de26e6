"""One region id on two rows (one valid, one with population −7): every result stays
with its own row in `tanheng advise` (JSON and Markdown), each error is said once,
and the app's region picker lists both rows."""
import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from kg.cli import main
from kg.paths import EXAMPLES_DIR, ROOT

DUP_ID = "appears more than once"
NEGATIVE = "must be a whole number of at least 0"


@pytest.fixture(scope="module")
def dup_csv(tmp_path_factory):
    header, first = (EXAMPLES_DIR / "typical-regions.csv").read_text(encoding="utf-8").splitlines()[:2]
    cols = header.split(",")
    good = first.split(",")
    good[cols.index("region_id")] = "D1"
    bad = list(good)
    bad[cols.index("population")] = "-7"
    path = tmp_path_factory.mktemp("dup") / "dup.csv"
    path.write_text("\n".join([header, ",".join(good), ",".join(bad)]) + "\n", encoding="utf-8")
    return path


def advise(capsys, *args):
    code = main(["advise", *map(str, args)])
    return code, capsys.readouterr().out


def test_json_keeps_results_per_row(capsys, dup_csv):
    code, out = advise(capsys, dup_csv, "--lang", "en")
    assert code == 1
    data = json.loads(out)
    first, second = data["regions"]
    assert (first["region_id"], second["region_id"]) == ("D1", "D1")
    assert (first["row"], second["row"]) == (2, 3)
    for region in (first, second):
        assert {v["row"] for v in region["violations"] + region["warnings"]} <= {region["row"]}
        assert [v["field"] for v in region["violations"]].count("region_id") == 1
    assert not any(v["field"] == "population" for v in first["violations"])      # row 3's error is row 3's
    assert [v["field"] for v in second["violations"]].count("population") == 1
    assert data["summary"] == {"total": 2, "valid": 0, "invalid": 2}


def test_markdown_says_each_error_once_under_its_row(capsys, dup_csv):
    code, out = advise(capsys, dup_csv, "--format", "md", "--lang", "en")
    assert code == 1
    assert out.count(DUP_ID) == 2 and out.count(NEGATIVE) == 1
    row2, row3 = out.index("(D1) · row 2"), out.index("(D1) · row 3")
    assert row2 < row3
    assert out.index(NEGATIVE) > row3                         # the population error is under row 3
    assert out[row2:row3].count(DUP_ID) == 1 and out[row3:].count(DUP_ID) == 1


def test_unique_ids_get_no_row_label(capsys):
    code, out = advise(capsys, EXAMPLES_DIR / "typical-regions.csv", "--format", "md", "--lang", "en")
    assert code == 0
    assert "· row" not in out


def test_a_valid_row_next_to_a_duplicate_id_elsewhere_is_still_advised(capsys, dup_csv, tmp_path):
    header, *rows = (EXAMPLES_DIR / "typical-regions.csv").read_text(encoding="utf-8").splitlines()
    dup = dup_csv.read_text(encoding="utf-8").splitlines()[1:]
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join([header, rows[0], *dup]) + "\n", encoding="utf-8")
    code, out = advise(capsys, path, "--lang", "en")
    data = json.loads(out)
    assert [(r["row"], r["valid"]) for r in data["regions"]] == [(2, True), (3, False), (4, False)]
    assert data["regions"][0]["violations"] == []


def test_app_region_picker_lists_every_row(dup_csv):
    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=120)
    at.session_state["lang"] = "en"
    at.run()
    at.radio(key="diag_source").set_value("upload").run()
    at.file_uploader(key="diag_upload").set_value(("dup.csv", dup_csv.read_bytes(), "text/csv")).run()
    at.button(key="diag_analyse_upload").click().run()
    assert not at.exception
    picker = at.selectbox(key="diag_region")
    assert [re.sub(r"\\(.)", r"\1", o) for o in picker.options] == ["浦东新区 (D1) · row 2", "浦东新区 (D1) · row 3"]
    picker.set_value(1).run()                      # the second D1, row 3: its own errors only
    assert not at.exception
    issues = next(d.value for d in (*at.dataframe, *at.table) if len(d.value) and d.value.astype(str).apply(
        lambda c: c.str.contains("appears more than once")).any().any())
    text = issues.astype(str).to_string()
    assert text.count("appears more than once") == 1 and "population" in text.lower()
    picker.set_value(0).run()                      # the first D1, row 2: not row 3's population error
    assert not at.exception
    shown = " ".join(d.value.astype(str).to_string() for d in (*at.dataframe, *at.table))
    assert shown.count("appears more than once") == 1 and "at least 0" not in shown
