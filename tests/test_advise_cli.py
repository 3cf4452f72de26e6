"""`tanheng advise` as a user runs it: formats, languages, output file, exit codes."""
import json
import subprocess
import sys

import pytest

from kg.cli import main
from kg.paths import EXAMPLES_DIR, ROOT

TYPICAL = str(EXAMPLES_DIR / "typical-regions.csv")
INVALID = str(EXAMPLES_DIR / "invalid-regions.csv")
REGION_KEYS = {"region_id", "name", "valid", "violations", "type", "type_scores", "drivers", "model", "measures",
               "balance", "official_zone_type", "zone_agreement", "close_call"}


def run_cli(capsys, *args):
    code = main(["advise", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def typical_json():
    out = subprocess.run([sys.executable, "-m", "kg.cli", "advise", TYPICAL], capture_output=True, text=True,
                         cwd=ROOT)
    return out


def test_json_for_all_valid_regions_exits_0(typical_json):
    assert typical_json.returncode == 0, typical_json.stderr
    data = json.loads(typical_json.stdout)
    assert data["summary"] == {"total": 7, "valid": 7, "invalid": 0}
    for r in data["regions"]:
        assert REGION_KEYS <= set(r)
        assert r["type"] in {"urbanized", "agricultural", "ecological"}
        assert r["model"] in {"low-carbon-unit-layout", "production-waste-cycle", "blue-green-sink"}
        assert set(r["type_scores"]) == {"urbanized", "agricultural", "ecological"}
        assert {"pools", "processes"} == set(data["catalog"]["pathways"][r["model"]])
        assert {"id", "score", "reasons"} == set(r["measures"][0])          # labels and cases: once, in the catalog
        assert {"label_zh", "label_en", "common", "extension", "cases"} == \
            set(data["catalog"]["measures"][r["measures"][0]["id"]])
        assert r["balance"]["balance_ratio"] is not None
    assert typical_json.stderr == ""          # no progress bar when piped


def test_full_json_repeats_labels_cases_and_pathway_in_each_region(capsys):
    code, out, _ = run_cli(capsys, TYPICAL, "--full")
    data = json.loads(out)
    assert code == 0 and data["form"] == "full" and "catalog" not in data
    r = data["regions"][0]
    assert {"pools", "processes"} == set(r["pathway"])
    assert {"id", "label_zh", "label_en", "score", "reasons", "cases"} <= set(r["measures"][0])


def test_some_invalid_exits_1_and_still_advises_the_valid(capsys):
    code, out, err = run_cli(capsys, INVALID)
    assert code == 1
    data = json.loads(out)
    assert data["summary"]["invalid"] > 0 and data["summary"]["valid"] >= 2
    valid = {r["region_id"]: r for r in data["regions"] if r["valid"]}
    assert valid["310115"]["type"] == "urbanized" and valid["152528"]["model"] == "blue-green-sink"
    bad = [r for r in data["regions"] if not r["valid"]]
    assert all(r["violations"] and r["type"] is None for r in bad)
    assert all({"field", "value", "message_zh", "message_en"} <= set(v) for r in bad for v in r["violations"])


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\xff\xfe binary"])
def test_unreadable_input_exits_2_with_one_sentence(tmp_path, content):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    out = subprocess.run([sys.executable, "-m", "kg.cli", "advise", str(path), "--lang", "en"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "broken.csv" in out.stderr


def test_missing_file_exits_2(capsys, tmp_path):
    code, out, err = run_cli(capsys, str(tmp_path / "nope.csv"))
    assert code == 2 and "nope.csv" in err


def test_markdown_is_chinese_by_default_and_english_on_request(capsys):
    code, zh, _ = run_cli(capsys, TYPICAL, "--format", "md")
    assert code == 0
    assert zh.startswith("# 碳衡") and "## 浦东新区 (310115)" in zh
    assert "城乡融合类型" in zh and "推荐措施" in zh and "判断依据" in zh and "启发式" in zh
    code, en, _ = run_cli(capsys, TYPICAL, "--format", "md", "--lang", "en")
    assert "Integration type" in en and "Recommended model" in en and "heuristics" in en
    assert "Urbanized area" in en or "urbanized area" in en.lower()


def test_table_format_has_a_line_per_region(capsys):
    code, out, _ = run_cli(capsys, INVALID, "--format", "table", "--lang", "en")
    assert code == 1
    lines = out.splitlines()
    assert any("310115" in x and "Intensive layout" in x or "310115" in x and "low-carbon" in x.lower()
               for x in lines)
    assert any("900005" in x and "invalid" in x for x in lines)


def test_output_file_and_several_input_files(capsys, tmp_path):
    target = tmp_path / "advice.json"
    code, out, err = run_cli(capsys, TYPICAL, str(EXAMPLES_DIR / "typical-regions.json"), "-o", str(target))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert out == "" and "advice.json" in err
    assert data["summary"]["total"] == 14
    # the same ids twice across the two files: each is a duplicate, so nothing is advised twice
    assert code == 1 and data["summary"]["invalid"] == 14


def test_unknown_coefficient_set_is_a_user_error(capsys):
    code, out, err = run_cli(capsys, TYPICAL, "--coefficients", "no-such-set")
    assert code == 2 and "no-such-set" in err and out == ""


def test_other_coefficient_set_changes_the_balance_not_the_type(capsys):
    code, out, _ = run_cli(capsys, TYPICAL, "--coefficients", "gwp-ar5")
    data = json.loads(out)
    assert code == 0 and data["coefficient_set"] == "gwp-ar5"
    assert [r["type"] for r in data["regions"]] == [r["type"] for r in json.loads(run_cli(capsys, TYPICAL)[1])[
        "regions"]]


def test_reference_engine_from_the_command_line(capsys, tmp_path):
    one = tmp_path / "one.csv"
    lines = (EXAMPLES_DIR / "typical-regions.csv").read_text(encoding="utf-8").splitlines()
    one.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    fast = json.loads(run_cli(capsys, str(one))[1])
    ref = json.loads(run_cli(capsys, str(one), "--engine", "reference")[1])
    for a, b in zip(fast["regions"], ref["regions"]):
        assert (a["type"], a["model"], [m["id"] for m in a["measures"]]) == \
               (b["type"], b["model"], [m["id"] for m in b["measures"]])


def test_several_files_keep_each_regions_own_results(capsys):
    """Found in session 5 of issue 12: results were matched to regions by row number, and row numbers repeat from
    file to file — `advise invalid-regions.csv typical-regions.csv` marked every typical region invalid with the
    other file's violations. A later file's rows now count on (and the batch says so); each region is judged alone."""
    code, out, _ = run_cli(capsys, INVALID, TYPICAL, "--format", "json")
    data = json.loads(out)
    alone = json.loads(run_cli(capsys, TYPICAL, "--format", "json")[1])
    typical = data["regions"][-len(alone["regions"]):]           # the second file's regions, in file order
    assert [r["region_id"] for r in typical] == [r["region_id"] for r in alone["regions"]]
    # a region-year given in both files is a repeat (the one rule across rows): flagged, and nothing else
    both = {r["region_id"] for r in data["regions"][:-7]} & {r["region_id"] for r in typical}
    assert both and len(both) < 7
    for r in typical:
        assert {v["field"] for v in r["violations"]} == ({"region_id"} if r["region_id"] in both else set())
        assert r["valid"] == (r["region_id"] not in both)
    assert [r["type"] for r in typical if r["valid"]] == [r["type"] for r in alone["regions"] if r["region_id"] not in both]
    first = min(r["row"] for r in typical)
    offset = first - min(r["row"] for r in alone["regions"])
    assert offset > 0 and len({r["row"] for r in data["regions"]}) == len(data["regions"])
    said = [w for w in data["batch_warnings"] if "typical-regions.csv" in w["message_en"]]
    assert len(said) == 1 and f"row n+{offset}" in said[0]["message_en"] and f"n+{offset}" in said[0]["message_zh"]
    first_alone = json.loads(run_cli(capsys, INVALID, "--format", "json")[1])["regions"]
    for together, alone_r in zip(data["regions"][:-7], first_alone):     # the first file's rows: as alone
        assert together["row"] == alone_r["row"]
        assert [v for v in together["violations"] if v["field"] != "region_id"] == \
            [v for v in alone_r["violations"] if v["field"] != "region_id"]
