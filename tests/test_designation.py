"""Issue 15, items 1 and 4: designation first, and mixed regions. With the official designation given, the
model is the designated type's model; the indicator diagnosis stays beside it, and a disagreement is explained
with the inferred type's best measures as secondary. Checked on the labelled set of real counties."""
import pytest

from kg.pipeline.advice import advise
from kg.paths import EXAMPLES_DIR
from kg.read.profiles import read_profiles
from kg.present.report import to_markdown

LABELLED = EXAMPLES_DIR / "labelled" / "zoning-labelled.csv"
MODEL = {"urbanized": "low-carbon-unit-layout", "agricultural": "production-waste-cycle",
         "ecological": "blue-green-sink"}
PREFIX = {"low-carbon-unit-layout": "lcu-", "production-waste-cycle": "pwc-", "blue-green-sink": "bgs-"}


@pytest.fixture(scope="module")
def designated():
    return advise(read_profiles(LABELLED))["regions"]


def test_every_designated_region_gets_the_designated_types_model(designated):
    assert len(designated) == 45 and all(r["valid"] for r in designated)
    for r in designated:
        assert r["type"] == r["official_zone_type"] and r["type_basis"] == "designation"
        assert r["model"] == MODEL[r["official_zone_type"]]
        assert all(m["id"].startswith((PREFIX[r["model"]], "common-")) for m in r["measures"])
        assert r["inferred_type"] in MODEL and r["zone_agreement"] == (r["inferred_type"] == r["type"])


def test_every_disagreement_is_explained_with_secondary_measures(designated):
    disagreements = [r for r in designated if not r["zone_agreement"]]
    assert disagreements                     # 二连浩特: a border port whose figures look ecological
    for r in disagreements:
        sec = r["secondary"]
        assert sec["why"] == "designation-disagrees" and sec["type"] == r["inferred_type"]
        assert sec["model"] == MODEL[r["inferred_type"]]
        assert sec["measures"] and all(m["id"].startswith(PREFIX[sec["model"]]) for m in sec["measures"])
        zh, en = sec["explanation"]["zh"], sec["explanation"]["en"]
        assert "官方" in zh and "次要措施" in zh and "follows the designation" in en and "secondary" in en
    for r in designated:
        if r["zone_agreement"]:
            assert not r["secondary"] or r["secondary"]["why"] == "close-call"


def test_without_a_designation_the_inferred_type_decides(designated):
    batch = read_profiles(LABELLED)
    for reg in batch.regions:
        reg.values["official_zone_type"] = None
    blind = {r["region_id"]: r for r in advise(batch)["regions"]}
    for r in designated:
        b = blind[r["region_id"]]
        assert b["type"] == b["inferred_type"] == r["inferred_type"] and b["type_basis"] == "indicators"
        assert b["type_scores"] == r["type_scores"]


def test_report_says_why_and_lists_the_secondary_measures(designated):
    r = next(x for x in designated if not x["zone_agreement"])
    md = to_markdown({"summary": {"total": 1, "valid": 1, "invalid": 0}, "regions": [r]}, "en")
    assert "Secondary measures" in md and "follows the designation" in md


def test_reference_path_ranks_the_designated_model_the_same():
    batch = read_profiles(LABELLED)
    batch.regions = [r for r in batch.regions if r.region_id in {"152501", "150627"}]
    fast, ref = (advise(batch, engine=e)["regions"] for e in ("fast", "reference"))
    for a, b in zip(fast, ref):
        assert (a["type"], a["model"], a["inferred_type"]) == (b["type"], b["model"], b["inferred_type"])
        assert [(m["id"], m["score"]) for m in a["measures"]] == [(m["id"], m["score"]) for m in b["measures"]]
        assert a["secondary"] == b["secondary"]
