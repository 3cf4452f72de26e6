"""What-if scenarios: the engine (kg.scenario) and `tanheng scenario`, with
expected changes worked by hand from REFERENCE-DATA coefficients."""
import json

import pytest

from kg import scenario
from kg.cli import UserError, main
from kg.paths import EXAMPLES_DIR

from test_balance import COUNTY  # the hand-worked county

TYPICAL = str(EXAMPLES_DIR / "typical-regions.csv")
INVALID = str(EXAMPLES_DIR / "invalid-regions.csv")
COAL_LINE = 197_789.68      # 100,000 t × 20,908 kJ/kg × 94,600 kg CO2/TJ (see test_balance)


def test_relative_cut_in_coal_changes_the_coal_line_and_the_ratio():
    r = scenario.run(COUNTY, ["coal_t=-20%"], "T001")
    assert r["lines"]["coal"]["change"] == pytest.approx(-0.2 * COAL_LINE, rel=1e-9)
    e = r["totals"]["emissions_t_co2e"]
    assert e["change"] == pytest.approx(-0.2 * COAL_LINE, rel=1e-9)
    # ratio = sinks / emissions, sinks unchanged (121,949.667 t, worked in test_balance)
    ratio = r["totals"]["balance_ratio"]
    assert ratio["after"] == pytest.approx(121_949.667 / (468_111.8944 - 0.2 * COAL_LINE), rel=1e-5)
    assert ratio["change"] == pytest.approx(ratio["after"] - ratio["before"], rel=1e-12)
    assert r["changes"] == [{"field": "coal_t", "change": "-20%", "before": 100_000, "after": 80_000}]


def test_more_forest_adds_to_the_sink_line():
    r = scenario.run(COUNTY, {"forest_ha": "+10%"}, "T001")
    # 5,000 ha × 0.644 t C/ha/a × 44/12
    assert r["lines"]["forest"]["change"] == pytest.approx(5_000 * 0.644 * 44 / 12, rel=1e-9)
    assert r["lines"]["forest"]["kind"] == "sink"
    assert r["totals"]["net_t_co2e"]["change"] == pytest.approx(-5_000 * 0.644 * 44 / 12, rel=1e-9)


@pytest.mark.parametrize("settings, coal_after", [
    (["coal_t=50000"], 50_000),                       # a new value
    (["coal_t=+5000"], 105_000),                      # added
    (["coal_t=-5000"], 95_000),                       # taken away
    (["coal_t=-20%", "coal_t=50000"], 50_000),        # applied in order
    (["coal_t=50000", "coal_t=+10%"], 55_000),
    ([("coal_t", 1_000)], 1_000),                     # a JSON number is a new value
])
def test_change_kinds(settings, coal_after):
    r = scenario.run(COUNTY, settings, "T001")
    assert r["changes"][-1]["after"] == pytest.approx(coal_after)
    assert r["after"]["by_source"]["coal"] == pytest.approx(COAL_LINE * coal_after / 100_000, rel=1e-9)


def test_the_users_values_are_not_modified():
    values = dict(COUNTY)
    scenario.run(values, ["coal_t=-50%", "grid_region=south"], "T001")
    assert values == COUNTY


def test_grid_region_can_be_switched():
    r = scenario.run(COUNTY, ["grid_region=south"], "T001")
    # 2e8 kWh × (0.3869 − 0.5395) kg/kWh
    assert r["lines"]["electricity"]["change"] == pytest.approx(2e8 * (0.3869 - 0.5395) / 1000, rel=1e-9)


@pytest.mark.parametrize("setting, must_name", [
    ("coal_t=+abc", ["T001", "coal_t", "+abc"]),
    ("coal_t=10%", ["T001", "coal_t", "10%"]),          # a percentage needs its sign
    ("coal_t=nan", ["T001", "coal_t", "nan"]),
    ("colal_t=5", ["T001", "colal_t"]),                  # unknown field, the choices are listed
    ("grid_region=mars", ["T001", "grid_region", "mars"]),
    ("coal_t=-120%", ["T001", "coal_t", "-120%"]),       # would be negative
    ("coal_t", ["coal_t"]),                              # no '='
])
def test_bad_changes_are_clear_user_errors(setting, must_name):
    with pytest.raises(UserError) as exc:
        scenario.run(COUNTY, [setting], "T001")
    text = str(exc.value)
    for word in must_name:
        assert word in text
    assert "/" in text          # Chinese / English


def test_relative_change_of_a_missing_value_is_refused_not_taken_from_zero():
    with pytest.raises(UserError, match="coal_t"):
        scenario.run(dict(COUNTY, coal_t=None), ["coal_t=+10%"], "T001")
    r = scenario.run(dict(COUNTY, coal_t=None), ["coal_t=1000"], "T001")
    assert r["before"]["complete"] is False and r["after"]["complete"] is True
    assert r["totals"]["emissions_t_co2e"]["change"] is None          # unknown before: no difference


def test_cli_scenario_on_the_example_file(capsys):
    code = main(["scenario", TYPICAL, "--region", "361130", "--set", "forest_ha=+10%",
                 "--set", "coal_t=-20%", "--lang", "en", "--format", "json"])
    assert code == 0
    [item] = json.loads(capsys.readouterr().out)
    r = item["scenario"]
    assert item["region"].startswith("361130")
    # 婺源县: coal 80,000 t → 64,000 t: 16,000 t × 20,908 kJ/kg × 94,600 kg/TJ = 31,646.35 t
    assert r["lines"]["coal"]["change"] == pytest.approx(-31_646.35, rel=1e-5)
    # forest 240,000 ha → 264,000 ha: 24,000 × 0.644 × 44/12 = 56,672 t
    assert r["lines"]["forest"]["change"] == pytest.approx(56_672, rel=1e-9)


def test_cli_scenario_file_and_text_output(tmp_path, capsys):
    f = tmp_path / "s.json"
    f.write_text(json.dumps({"region": "361130", "changes": {"coal_t": "-20%"}}), encoding="utf-8")
    assert main(["scenario", TYPICAL, "--scenario", str(f), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "煤炭燃烧" in out and "-31,646.3" in out and "调整后" in out


def test_cli_scenario_errors_exit_2(tmp_path, capsys):
    assert main(["scenario", TYPICAL, "--region", "361130", "--set", "coal_t=+abc"]) == 2
    err = capsys.readouterr().err
    assert "361130" in err and "coal_t" in err and "+abc" in err and "Traceback" not in err
    assert main(["scenario", TYPICAL, "--region", "999999", "--set", "coal_t=1"]) == 2
    assert "999999" in capsys.readouterr().err
    assert main(["scenario", TYPICAL]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["scenario", TYPICAL, "--scenario", str(bad)]) == 2
    assert "bad.json" in capsys.readouterr().err


def test_cli_scenario_with_invalid_regions_exits_1_and_changes_the_valid_ones(capsys):
    code = main(["scenario", INVALID, "--set", "coal_t=-10%", "--format", "json"])
    captured = capsys.readouterr()
    assert code == 1
    assert json.loads(captured.out)                    # the valid regions were still changed
    assert "900001" in captured.err                    # an invalid one is listed with its problem
