"""Every bundled example file is run through the whole pipeline, as a user would
run it: `tanheng advise FILE --format json`."""
import json

import pytest

from kg.cli import main
from kg.paths import EXAMPLES_DIR

EXAMPLE_FILES = sorted(p for p in EXAMPLES_DIR.iterdir() if p.suffix in {".csv", ".xlsx", ".json", ".ttl", ".jsonld"})
TYPICAL = [p for p in EXAMPLE_FILES if p.name.startswith(("typical-regions", "yearbook-"))]


def advise(path, tmp_path):
    out = tmp_path / "advice.json"
    code = main(["advise", str(path), "--format", "json", "-o", str(out)])
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_every_example_file_is_covered():
    # a new example file must be a typical-regions variant (yearbook pages are one), an invalid example or a county batch with real
    # administrative codes (xianyu-*: maps, peers, roll-ups, zoning; tests/test_maps.py draws it)
    assert EXAMPLE_FILES and all(p in TYPICAL or p.name.startswith(("invalid", "xianyu-")) for p in EXAMPLE_FILES)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_example_file_runs_end_to_end(path, tmp_path):
    code, advice = advise(path, tmp_path)
    summary = advice["summary"]
    assert summary["total"] == summary["valid"] + summary["invalid"] == len(advice["regions"])
    for region in advice["regions"]:
        if region["valid"]:
            assert region["type"] in {"urbanized", "agricultural", "ecological"}
            assert region["model"] and region["measures"] and advice["catalog"]["pathways"][region["model"]]["pools"]
        else:
            assert region["type"] is None and region["violations"]
            assert all(v["message_zh"] and v["message_en"] and v["field"] for v in region["violations"])
    if path.name.startswith("invalid"):
        assert code == 1 and summary["invalid"] > 0 and summary["valid"] > 0   # the valid rows are still advised
    else:
        assert code == 0 and summary["invalid"] == 0


def test_every_format_of_the_typical_regions_gives_the_same_advice(tmp_path):
    seen = {}
    for path in TYPICAL:
        _, advice = advise(path, tmp_path)
        seen[path.name] = [(r["region_id"], r["type"], r["model"], [m["id"] for m in r["measures"]])
                           for r in advice["regions"]]
    first = next(iter(seen.values()))
    assert len(first) >= 7
    assert all(v == first for v in seen.values()), seen.keys()


def test_every_figure_in_the_advice_has_a_bilingual_label_and_unit(tmp_path):
    # the app and the report show these figures by name, never by their raw key
    from kg.knowledge.rules import indicator_label, indicator_unit

    _, advice = advise(TYPICAL[0], tmp_path)
    keys = {k for r in advice["regions"] for k in (r.get("indicators") or {})}
    assert {"coal_emission_share", "population_density"} <= keys
    for key in keys:
        label = indicator_label(key)
        assert label["zh"] != key and label["en"] != key, key
        assert set(indicator_unit(key)) == {"zh", "en"}
