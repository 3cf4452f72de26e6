"""Carbon-balance zoning (ECC/ESC), peers and roll-ups: hand calculations, the sums, the rule data."""
import json
import subprocess

import pytest

from conftest import ROOT, VENV_BIN
from kg.reason.zoning import RegionRecord, peers, rollup, zoning, zoning_rules

HENAN = ROOT / "examples" / "xianyu-henan.csv"


def rec(rid, e, s, gdp, type_="agricultural", province="河南省", population=100000, area=1000, complete=True):
    bal = {"emissions_t_co2e": e, "sinks_t_co2e": s, "net_t_co2e": None if e is None else e - (s or 0),
           "balance_ratio": None if not e else (s or 0) / e, "complete": complete}
    return RegionRecord(rid, f"县{rid}", {"gdp_100m_cny": gdp, "province": province, "population": population,
                                         "area_km2": area},
                        {"valid": True, "type": type_, "balance": bal})


def test_ecc_esc_and_zones_match_a_hand_calculation_on_three_counties():
    # ΣE = 1000, ΣS = 100, ΣGDP = 100
    recs = [rec("A", 100, 50, 10), rec("B", 300, 20, 60), rec("C", 600, 30, 30)]
    out = {r["region_id"]: r for r in zoning(recs)["regions"]}
    # A: ECC = (10/100)/(100/1000) = 1.0, ESC = (50/100)/(100/1000) = 5.0
    assert out["A"]["ecc"] == pytest.approx(1.0) and out["A"]["esc"] == pytest.approx(5.0)
    # B: ECC = 0.6/0.3 = 2.0, ESC = 0.2/0.3 = 0.667
    assert out["B"]["ecc"] == pytest.approx(2.0) and out["B"]["esc"] == pytest.approx(2 / 3)
    # C: ECC = 0.3/0.6 = 0.5, ESC = 0.3/0.6 = 0.5
    assert out["C"]["ecc"] == pytest.approx(0.5) and out["C"]["esc"] == pytest.approx(0.5)
    assert [out[k]["zone"] for k in "ABC"] == ["low-carbon-development", "economic-development",
                                              "comprehensive-optimization"]
    assert out["A"]["zone_label_zh"] == "低碳发展区" and out["C"]["zone_label_en"] == "comprehensive optimization zone"
    assert out["C"]["models"] == ["production-waste-cycle"]            # zone → the paper's model


def test_zoning_by_province_sums_within_each_province_and_names_what_it_cannot_zone():
    recs = [rec("A", 100, 50, 10, province="河南省"), rec("B", 300, 20, 60, province="河南省"),
            rec("C", 600, 30, 30, province="江西省"), rec("D", None, 10, 5),
            rec("E", 200, 10, 10, province="江西省")]
    out = zoning(recs, by="province")
    z = {r["region_id"]: r for r in out["regions"]}
    # 河南: ΣE 400, ΣGDP 70 → A: (10/70)/(100/400) = 0.571
    assert z["A"]["ecc"] == pytest.approx((10 / 70) / (100 / 400))
    assert z["C"]["esc"] == pytest.approx((30 / 40) / (600 / 800))
    assert {s["region_id"]: s["reason"] for s in out["not_zoned"]} == {"D": "incomplete"}


def test_cutoffs_names_and_links_are_rule_data_with_a_source():
    rules = zoning_rules()
    assert rules.ecc_threshold == 1.0 and rules.esc_threshold == 1.0
    assert len(rules.zones) == 4 and {(z.ecc_high, z.esc_high) for z in rules.zones} == {
        (True, True), (True, False), (False, True), (False, False)}
    assert all(z.label["zh"] and z.label["en"] and z.models and z.note["zh"] for z in rules.zones)
    assert "赵荣钦" in rules.source["creator"] and "地理学报" in rules.source["in"]


def test_peer_percentiles_within_type_and_province():
    recs = [rec("A", 100, 50, 10, population=100), rec("B", 300, 20, 60, population=100),
            rec("C", 200, 30, 30, population=100), rec("D", 900, 30, 30, type_="urbanized", population=100),
            rec("E", 50, 30, 30, province="江西省", population=100)]
    p = peers(recs)
    a, b, c = (p[str(i)]["measures"]["emissions_per_person"] for i in range(3))
    # per person 1, 3, 2 t among A, B, C: below + half the ties (itself) over 3
    assert a == {"value": 1.0, "percentile": pytest.approx(100 * 0.5 / 3)}
    assert b["percentile"] == pytest.approx(100 * 2.5 / 3) and c["percentile"] == pytest.approx(50.0)
    assert p["0"]["n"] == 3 and sorted(p["0"]["peers"]) == ["B", "C"]
    assert p["3"]["measures"]["emissions_per_person"]["percentile"] is None     # alone: no peer to compare


def test_rollup_totals_equal_the_sum_and_incomplete_members_are_named():
    recs = [rec("410526", 100, 50, 10), rec("410527", 300, 20, 60, complete=False),
            rec("411627", 600, 30, 30), rec("360102", 5, 1, 1), rec("示范区", 7, 7, 7)]
    out = rollup(recs, by="province")
    g = {x["code"]: x for x in out["groups"]}
    assert g["410000"]["emissions_t_co2e"] == 1000 and g["410000"]["sinks_t_co2e"] == 100
    assert g["410000"]["net_t_co2e"] == 900 and g["410000"]["balance_ratio"] == pytest.approx(0.1)
    assert g["410000"]["complete"] is False and g["410000"]["incomplete"] == ["410527"]
    assert g["360000"]["complete"] is True
    assert out["ungrouped"] == [{"region_id": "示范区", "name": "县示范区"}]
    pref = {x["code"]: x for x in rollup(recs, by="prefecture")["groups"]}
    assert set(pref) == {"410500", "411600", "360100"}


def run(*args):
    return subprocess.run([str(VENV_BIN / "tanheng"), *args], capture_output=True, text=True, timeout=300)


def test_rollup_cli_totals_equal_the_sum_of_the_balance_output():
    regions = [r["balance"] | {"region_id": r["region_id"]}
               for r in json.loads(run("balance", str(HENAN), "--format", "json").stdout)]
    done = run("rollup", str(HENAN), "--by", "prefecture", "--format", "json")
    assert done.returncode == 0, done.stderr
    groups = json.loads(done.stdout)["groups"]
    total = sum(r["emissions_t_co2e"] for r in regions)
    assert sum(g["emissions_t_co2e"] for g in groups) == pytest.approx(total)
    zz = next(g for g in groups if g["code"] == "410100")
    assert zz["name"] == "郑州市" and sorted(zz["regions"]) == ["410102", "410105"]
    by_id = {r["region_id"]: r for r in regions}
    assert zz["sinks_t_co2e"] == pytest.approx(by_id["410102"]["sinks_t_co2e"] + by_id["410105"]["sinks_t_co2e"])
    md = run("rollup", str(HENAN), "--format", "md", "--lang", "en").stdout
    assert "| 410000 | 河南省 | 10 |" in md


def test_zoning_cli_matches_the_hand_formula_on_three_real_counties():
    regions = {r["region_id"]: r["balance"] for r in json.loads(run("balance", str(HENAN), "--format", "json").stdout)}
    gdp = {"410526": 332.6, "411627": 340.0, "410324": 260.0}      # from the file
    done = run("zoning", str(HENAN), "--format", "json")
    assert done.returncode == 0, done.stderr
    zoned = {r["region_id"]: r for r in json.loads(done.stdout)["regions"]}
    E = sum(r["emissions_t_co2e"] for r in regions.values())
    S = sum(r["sinks_t_co2e"] for r in regions.values())
    G = 332.6 + 340 + 1850 + 720 + 260 + 480 + 620 + 260 + 280 + 130
    for rid, g in gdp.items():
        e, s = regions[rid]["emissions_t_co2e"], regions[rid]["sinks_t_co2e"]
        assert zoned[rid]["ecc"] == pytest.approx((g / G) / (e / E))
        assert zoned[rid]["esc"] == pytest.approx((s / S) / (e / E))
    assert zoned["410324"]["zone"] == "low-carbon-development"        # forested mountain county
    assert zoned["410526"]["zone"] == "comprehensive-optimization"    # grain county on coal power
    csv_out = run("zoning", str(HENAN), "--format", "csv", "--lang", "en").stdout
    assert csv_out.splitlines()[0] == "region id,name,group,ECC,ESC,zone,models"
