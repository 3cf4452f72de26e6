"""tanheng evaluate: the diagnosis is judged against official designations it never sees (issue 15)."""
import csv
import io
import json

from kg.cli import main
from kg.paths import EXAMPLES_DIR

LABELLED = EXAMPLES_DIR / "labelled" / "zoning-labelled.csv"


def run(capsys, *argv):
    code = main(["evaluate", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_labelled_set_is_real_cited_and_split_per_type():
    rows = list(csv.DictReader(LABELLED.open(encoding="utf-8")))
    assert len(rows) >= 40
    kinds = {r["hard_kind"] for r in rows}
    # the hard kinds the issue names are in the set
    assert {"energy", "oasis", "border-port", "karst-dense"} <= kinds
    sources = (EXAMPLES_DIR / "labelled" / "SOURCES.md").read_text(encoding="utf-8")
    for r in rows:
        assert r["designation"] and r["designation"] in sources   # every designation names its document
        assert r["split"] in {"calibration", "held-out"}
    for t in ("urbanized", "agricultural", "ecological"):
        same = [r for r in rows if r["official_zone_type"] == t]
        held = sum(r["split"] == "held-out" for r in same)
        assert len(same) >= 10 and held >= len(same) // 3


def test_evaluate_reports_each_part_with_a_confusion_matrix(capsys):
    code, out, _ = run(capsys, LABELLED, "--format", "json")
    assert code == 0
    result = json.loads(out)
    parts = result["parts"]
    assert set(parts) == {"all", "calibration", "held-out"}
    assert parts["all"]["units"] == parts["calibration"]["units"] + parts["held-out"]["units"] == 45
    for p in parts.values():
        m = p["confusion"]
        assert sum(sum(row.values()) for row in m.values()) == p["units"]
        assert p["correct"] == sum(m[t][t] for t in m)
        assert p["accuracy"] == round(p["correct"] / p["units"], 4)
        assert len(p["misses"]) == p["units"] - p["correct"]
    assert not result["invalid"] and not result["unlabelled"]


def test_the_designation_is_hidden_while_inferring(tmp_path, capsys):
    # 浦东's figures with a wrong label: the engine must still infer urbanized, and count a miss
    rows = list(csv.DictReader((EXAMPLES_DIR / "typical-regions.csv").open(encoding="utf-8")))
    pudong = next(r for r in rows if r["region_id"] == "310115")
    pudong["official_zone_type"] = "ecological"
    unlabelled = next(r for r in rows if not r["official_zone_type"])
    path = tmp_path / "labelled.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(pudong))
        w.writeheader()
        w.writerows([pudong, unlabelled])
    code, out, _ = run(capsys, path, "--format", "json")
    result = json.loads(out)
    miss = result["parts"]["all"]["misses"]
    assert [(m["region_id"], m["official"], m["inferred"]) for m in miss] == [("310115", "ecological", "urbanized")]
    assert [u["region_id"] for u in result["unlabelled"]] == [unlabelled["region_id"]]


def test_text_report_in_both_languages(capsys):
    code, zh, _ = run(capsys, LABELLED)
    assert code == 0 and "混淆矩阵" in zh and "留出部分" in zh and "召回率" in zh
    code, en, _ = run(capsys, LABELLED, "--lang", "en")
    assert "confusion matrix" in en and "held-out part" in en and "recall" in en


def test_unreadable_file_is_one_sentence(tmp_path, capsys):
    bad = tmp_path / "x.csv"
    bad.write_bytes(b"\x00\x01\x02binary")
    code, _, err = run(capsys, bad)
    assert code == 2 and err.startswith("tanheng:") and "Traceback" not in err
