"""Pathways to 2030 and 2060 (issue 17): hand-built series whose peak and balance year can be
checked by hand, the lever language and its messages, the command line."""
import csv
import json
import math
from dataclasses import replace

import numpy as np
import pytest

from kg.account.balance import account, compile_set
from kg.cli import UserError, main
from kg.trajectory import Scenario, scenario_from_dict, trajectory
from kg.trajectory.assumptions import Path, load
from kg.trajectory.coupling import numeric_inputs
from kg.trajectory.observed import tapio_class

from kg.paths import EXAMPLES_DIR

LONG = EXAMPLES_DIR / "trajectory" / "two-counties-2015-2023.csv"
SCENARIOS = sorted((EXAMPLES_DIR / "trajectory").glob("*-scenario.*"))


def region(rid="T1", year=2022, **values):
    """A profile with every accounting input reported (0 unless given) and a consistent land account."""
    v = {f: 0.0 for f in numeric_inputs()}
    v.update(region_id=rid, name=f"test {rid}", year=year, area_km2=1000.0, population=500000, gdp_100m_cny=300.0,
             cropland_ha=40000.0, forest_ha=20000.0, grassland_ha=0.0, wetland_ha=0.0, water_ha=5000.0,
             built_up_ha=15000.0, other_land_ha=10000.0, grid_region="central")
    v.update(values)
    return v


def coal_only(a, rate_points, sink_flat=True):
    """Assumptions where coal follows the given rate path and nothing else moves (hand-checkable)."""
    paths = {**a.paths, "test-coal": Path("test-coal", "rate", tuple(rate_points)),
             "test-flat": Path("test-flat", "rate", ((2000, 0.0),))}
    fields = {f: ("test-flat",) for f in a.field_paths}
    fields["coal_t"] = ("test-coal",)
    return replace(a, paths=paths, field_paths=fields, line_paths={} if sink_flat else a.line_paths)


def coal_t_per_year_emissions():
    """t CO2e per t of coal in the default set (the accounting line's product of coefficients)."""
    comp = next(c for c in compile_set().flux if c.line.key == "coal")
    return comp.factor(None, None)[0]


def scenario(name, levers):
    return scenario_from_dict({"name": name, "levers": levers})


def by_name(answer, name, rid=None):
    reg = answer["regions"][0] if rid is None else next(r for r in answer["regions"] if r["region_id"] == rid)
    return next(s for s in reg["scenarios"] if s["name"] == name)


# ----------------------------------------------------------------------------- history
def test_region_whose_emissions_fell_since_2019_reports_an_observed_peak_in_2019():
    rows = []
    for y in range(2015, 2024):
        coal = 100000 * (1.03 ** (y - 2015) if y <= 2019 else 1.03 ** 4 * 0.94 ** (y - 2019))
        rows.append(region(year=y, coal_t=coal, gdp_100m_cny=300 * 1.06 ** (y - 2015)))
    ans = trajectory(rows, standard=False)
    reg = ans["regions"][0]
    assert [h["year"] for h in reg["history"]] == list(range(2015, 2024))
    assert reg["observed_peak"]["year"] == 2019 and not reg["observed_peak"]["first_year"]
    base = by_name(ans, "baseline")
    assert base["peak_year"] == 2019 and base["peak_kind"] == "observed" and base["peak_by_2030"] is True
    assert base["peak_emissions_t_co2e"] == pytest.approx(reg["history"][4]["emissions_t_co2e"])
    # coal's own trend (least squares over 9 years) is what the baseline carries forward
    assert reg["projection"]["coal_t"]["method"] == "own-trend" and reg["projection"]["coal_t"]["years"] == 9
    # the decline after 2019 with growing GDP is strong decoupling (Tapio 2005)
    assert [d["class"] for d in reg["decoupling"]][4:8] == ["strong-decoupling"] * 4


def test_each_history_year_is_accounted_as_account_does():
    rows = [region(year=y, coal_t=1000.0 * (y - 2000), electricity_mwh=5000.0) for y in (2020, 2021, 2022)]
    reg = trajectory(rows, standard=False)["regions"][0]
    for h, r in zip(reg["history"], rows):
        acc = account(r)
        assert h["emissions_t_co2e"] == pytest.approx(acc["emissions_t_co2e"])
        assert h["sinks_t_co2e"] == pytest.approx(acc["sinks_t_co2e"])


@pytest.mark.parametrize("d_e,d_gdp,expected", [
    (-0.05, 0.10, "strong-decoupling"), (0.05, 0.10, "weak-decoupling"), (0.10, 0.10, "expansive-coupling"),
    (0.20, 0.10, "expansive-negative-decoupling"), (0.05, -0.10, "strong-negative-decoupling"),
    (-0.05, -0.10, "weak-negative-decoupling"), (-0.10, -0.10, "recessive-coupling"),
    (-0.20, -0.10, "recessive-decoupling")])
def test_tapio_classes_follow_the_elasticity_bounds_of_tapio_2005(d_e, d_gdp, expected):
    e, c = tapio_class(load(), d_e, d_gdp)
    assert e == pytest.approx(d_e / d_gdp) and c.key == expected


# ----------------------------------------------------------------------------- projection
def test_projection_starts_where_the_account_of_the_last_year_stands():
    a = coal_only(load(), [(2000, 0.0)])
    r = region(coal_t=50000.0, electricity_mwh=80000.0, cattle_head=1000.0, nitrogen_fertilizer_t=300.0)
    base = by_name(trajectory([r], assumptions=a, standard=False), "baseline")
    acc = account(r)
    first = base["series"][0]
    assert first["year"] == 2023
    assert first["emissions_t_co2e"] == pytest.approx(acc["emissions_t_co2e"])
    assert first["sinks_t_co2e"] == pytest.approx(acc["sinks_t_co2e"])


def test_growing_region_has_no_peak_while_its_drivers_grow_and_peaks_when_they_turn():
    a = load()
    r = region(coal_t=100000.0)
    growing = coal_only(a, [(2000, 0.03)])
    base = by_name(trajectory([r], assumptions=growing, standard=False), "baseline")
    assert base["peak_year"] is None and base["peak_by_2030"] is False
    assert "2060" in base["peak_reason"]["en"] and base["peak_reason"]["zh"]
    turning = coal_only(a, [(2000, 0.03), (2036, -0.02)])
    base = by_name(trajectory([r], assumptions=turning, standard=False), "baseline")
    assert base["peak_year"] == 2035 and base["peak_kind"] == "projected"
    e0 = account(r)["emissions_t_co2e"]
    coal = coal_t_per_year_emissions() * 100000
    assert base["peak_emissions_t_co2e"] == pytest.approx(e0 + coal * (1.03 ** 13 - 1))


def test_low_carbon_levers_move_the_peak_by_what_they_imply():
    # baseline: coal +3 %/yr to 2035, then −2 %/yr → peak 2035. Lever −5 %/yr over 2026–2035: each year
    # 1.03 × 0.95 = 0.9785 < 1, so emissions fall from 2026 on and the peak is 2025 — ten years earlier.
    a = coal_only(load(), [(2000, 0.03), (2036, -0.02)])
    r = region(coal_t=100000.0)
    low = scenario("low", [{"field": "coal_t", "change": "-5%/yr", "from": 2026, "to": 2035}])
    mild = scenario("mild", [{"field": "coal_t", "change": "-2%/yr", "from": 2026, "to": 2035}])
    ans = trajectory([r], scenarios=[low, mild], assumptions=a, standard=False)
    e0, coal = account(r)["emissions_t_co2e"], coal_t_per_year_emissions() * 100000
    other = e0 - coal
    assert by_name(ans, "baseline")["peak_year"] == 2035
    sc = by_name(ans, "low")
    assert sc["peak_year"] == 2025 and sc["peak_by_2030"] is True
    assert sc["peak_emissions_t_co2e"] == pytest.approx(other + coal * 1.03 ** 3)
    # 1.03 × 0.98 > 1: still growing until the baseline turns, the peak stays in 2035, 0.98^10 lower on coal
    m = by_name(ans, "mild")
    assert m["peak_year"] == 2035
    assert m["peak_emissions_t_co2e"] == pytest.approx(other + coal * 1.03 ** 13 * 0.98 ** 10)
    # the wedge of the lever in 2060 is the baseline's coal emissions then × (1 − 0.95^10)
    base_2060 = coal * 1.03 ** 13 * 0.98 ** 25
    assert sc["wedges"] == [{"lever": "coal_t -5%/yr", "reduction_t_co2e": pytest.approx(base_2060 * (1 - 0.95 ** 10)),
                             "year": 2060}]


def test_balance_year_is_the_first_year_the_lines_cross():
    a = coal_only(load(), [(2000, 0.0)])
    r = region(coal_t=50000.0)
    e0, s0 = account(r)["emissions_t_co2e"], account(r)["sinks_t_co2e"]
    coal = coal_t_per_year_emissions() * 50000
    other = e0 - coal
    assert e0 > s0 > other
    sc = scenario("cut", [{"field": "coal_t", "change": "-10%/yr", "from": 2023, "to": 2060}])
    out = by_name(trajectory([r], scenarios=[sc], assumptions=a, standard=False), "cut")
    n = math.ceil(math.log((s0 - other) / coal) / math.log(0.9))      # first n with other + coal·0.9^n ≤ sinks
    assert out["balance_year"] == 2022 + n
    series = {x["year"]: x for x in out["series"]}
    assert series[2022 + n]["sinks_t_co2e"] >= series[2022 + n]["emissions_t_co2e"]
    assert series[2021 + n]["sinks_t_co2e"] < series[2021 + n]["emissions_t_co2e"]


def test_land_lever_with_take_from_moves_area_and_adds_sink():
    a = coal_only(load(), [(2000, 0.0)])
    r = region(coal_t=20000.0)
    sc = scenario("afforest", [{"field": "forest_ha", "change": "+500/yr", "from": 2025, "to": 2034,
                                "take_from": "other_land_ha"}])
    ans = trajectory([r], scenarios=[sc], assumptions=a, standard=False)
    out = by_name(ans, "afforest")
    assert out["problems"] == []
    forest = next(c for c in compile_set().flux if c.line.key == "forest").factor(None, None)[0]
    other = next(c for c in compile_set().flux if c.line.key == "unused_land").factor(None, None)[0]
    gain = 5000 * (-forest + other)          # 5,000 ha moved from other land to forest by 2034
    base = by_name(ans, "baseline")["series"][-1]["sinks_t_co2e"]
    assert out["series"][-1]["sinks_t_co2e"] == pytest.approx(base + gain)


# ----------------------------------------------------------------------------- bad levers
def test_bad_levers_each_get_one_clear_message():
    with pytest.raises(UserError) as exc:
        scenario("bad", [{"field": "coal_tt", "change": "-5%/yr", "from": 2025},
                         {"field": "coal_t", "change": "-120%", "from": 2025},
                         {"field": "coal_t", "change": "minus five", "from": 2025},
                         {"field": "grid_factor", "change": "+5000", "from": 2025},
                         {"field": "coal_t", "change": "-5%/yr", "from": 2035, "to": 2025}])
    lines = str(exc.value).splitlines()
    assert len(lines) == 5
    assert "coal_tt" in lines[0] and "forest_ha" in lines[0]              # names the field and the choices
    assert "-120%" in lines[1] and "impossible" in lines[1] and "不可能" in lines[1]
    assert "minus five" in lines[2] and "-5%/yr" in lines[2]
    assert "grid_factor" in lines[3] and "percentage" in lines[3]
    assert "2025" in lines[4] and "2035" in lines[4]


def test_scenario_driving_land_below_zero_or_above_the_area_is_named_per_region():
    r = region(forest_ha=1000.0, other_land_ha=500.0)
    below = scenario("below", [{"field": "forest_ha", "change": "-200/yr", "from": 2025, "to": 2035}])
    over = scenario("over", [{"field": "forest_ha", "change": "+50000", "from": 2030}])
    ans = trajectory([r], scenarios=[below, over], standard=False)
    b, o = by_name(ans, "below"), by_name(ans, "over")
    assert [p["field"] for p in b["problems"]] == ["forest_ha"] and b["problems"][0]["year"] == 2030
    assert "forest_ha" in b["problems"][0]["message"]["en"] and "T1" in b["problems"][0]["message"]["en"]
    assert b["peak_year"] is None and b["peak_reason"]["en"]
    assert o["problems"][0]["year"] == 2030 and "102" in o["problems"][0]["message"]["en"]


# ----------------------------------------------------------------------------- scenarios and files
def test_turtle_and_json_scenarios_give_the_same_answer(tmp_path):
    js = tmp_path / "s.json"
    js.write_text(json.dumps({"name": "low-carbon-own", "levers": [
        {"field": "coal_t", "change": "-5%/yr", "from": 2025, "to": 2035},
        {"field": "forest_ha", "change": "+800/yr", "from": 2025, "to": 2035, "take_from": "other_land_ha"},
        {"field": "coal_t", "change": "-100%", "from": 2040, "to": 2040}]}), encoding="utf-8")
    ttl = tmp_path / "s.ttl"
    ttl.write_text("""@prefix thx: <https://w3id.org/tanheng/rules#> . @prefix thp: <https://w3id.org/tanheng/profile#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
[] a thx:Scenario ; rdfs:label "low-carbon-own" ;
  thx:lever [ thx:order 1 ; thx:field thp:coal_t ; thx:change "-5%/yr" ; thx:from 2025 ; thx:to 2035 ] ,
            [ thx:order 2 ; thx:field thp:forest_ha ; thx:change "+800/yr" ; thx:from 2025 ; thx:to 2035 ;
              thx:takeFrom thp:other_land_ha ] ,
            [ thx:order 3 ; thx:field thp:coal_t ; thx:change "-100%" ; thx:from 2040 ; thx:to 2040 ] .
""", encoding="utf-8")
    from kg.trajectory import read_scenario

    a, b = read_scenario(js), read_scenario(ttl)
    assert a == b
    r = region(coal_t=50000.0)
    out = by_name(trajectory([r], scenarios=[a], standard=False), "low-carbon-own")
    assert {x["year"]: x for x in out["series"]}[2040]["emissions_t_co2e"] < \
        {x["year"]: x for x in out["series"]}[2039]["emissions_t_co2e"]


def test_standard_scenarios_use_the_recommended_models_top_measures():
    from kg.paths import EXAMPLES_DIR
    from kg.read.profiles import read_profiles

    ans = trajectory(read_profiles(EXAMPLES_DIR / "typical-regions.csv").regions)
    for reg in ans["regions"]:
        names = [s["name"] for s in reg["scenarios"]]
        assert names == ["baseline", "low-carbon", "enhanced"]
        base, low, enh = reg["scenarios"]
        assert low["model"] and 1 <= len(low["measures"]) <= 5 and len(enh["measures"]) >= len(low["measures"])
        assert all(lv["measure"] in low["measures"] for lv in low["levers"])
        # more measures, stronger effects: lower emissions in the target year, step by step
        ends = [s["series"][-1]["emissions_t_co2e"] - s["series"][-1]["sinks_t_co2e"] for s in (base, low, enh)]
        assert ends[0] > ends[1] > ends[2]
        # the wedges add up to the gap between baseline and scenario in the target year
        assert sum(w["reduction_t_co2e"] for w in low["wedges"]) == pytest.approx(ends[0] - ends[1])


# ----------------------------------------------------------------------------- command line
def test_command_line_json_has_the_shape_of_the_issue(tmp_path, capsys):
    out = tmp_path / "t.json"
    code = main(["trajectory", str(LONG), "--to", "2050", "-o", str(out)])
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    reg = data["regions"][0]
    assert {"region_id", "name", "history", "scenarios"} <= set(reg)
    assert set(reg["history"][0]) >= {"year", "emissions_t_co2e", "sinks_t_co2e", "net_t_co2e", "balance_ratio"}
    sc = reg["scenarios"][0]
    assert {"name", "levers", "series", "peak_year", "peak_emissions_t_co2e", "balance_year", "peak_by_2030",
            "wedges"} <= set(sc)
    assert sc["series"][-1]["year"] == 2050
    huaxian = next(r for r in data["regions"] if r["region_id"] == "410526")
    # the default set would take Henan's provincial grid factors (0.6369, 0.6058) for 2021 and 2022 and the
    # Central grid's (0.5257) for 2015-2020: a step in the factor series that made 2021 the peak by 0.1 %.
    # A series is estimated the same way every year (IPCC 2006 Vol. 1 Ch. 5): the default's th:seriesSet,
    # grid-regional, is used throughout, and the answer says so
    assert data["coefficient_set"] == "grid-regional"
    assert any("Time-series consistency" in n and "410526" in n for n in data["notes"])
    assert huaxian["observed_peak"]["year"] == 2019
    pinned = tmp_path / "c.json"
    assert main(["trajectory", str(LONG), "--to", "2050", "-o", str(pinned), "--coefficients", "grid-regional"]) == 0
    data = json.loads(pinned.read_text(encoding="utf-8"))
    assert next(r for r in data["regions"] if r["region_id"] == "410526")["observed_peak"]["year"] == 2019
    assert not any("Time-series consistency" in n for n in data["notes"])


def test_a_series_within_the_provincial_years_keeps_the_provincial_factors():
    """Only a series that would mix scopes switches: 2021 and 2022 alone both have Henan's factors."""
    from kg.read.profiles import read_profiles
    from kg.trajectory import trajectory

    rows = [r.values for r in read_profiles(LONG).regions if r.values["region_id"] == "410526"
            and r.values["year"] in (2021, 2022)]
    answer = trajectory(rows, to=2030)
    assert answer["coefficient_set"] == "default" and not answer["notes"]


def test_command_line_names_bad_levers_and_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "levers": [{"field": "nope", "change": "-5%", "from": 2025}]}))
    code = main(["trajectory", str(LONG), "--scenario", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "nope" in err and "Traceback" not in err


def test_csv_output_keeps_user_text_out_of_formulas(tmp_path):
    src = tmp_path / "f.csv"
    rows = list(csv.DictReader(open(LONG, encoding="utf-8")))
    for r in rows:
        r["name"] = "=HYPERLINK(\"http://x\")" if r["region_id"] == "320117" else r["name"]
    with open(src, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "o.csv"
    assert main(["trajectory", str(src), "--region", "320117", "-o", str(out)]) == 0
    got = list(csv.DictReader(open(out, encoding="utf-8")))
    assert got and all(r["name"].startswith("'=") for r in got)
    assert {r["scenario"] for r in got} == {"history", "baseline", "low-carbon", "enhanced"}


def test_bench_has_the_trajectory_figure():
    from kg import bench

    assert "trajectory" in bench.load_figures()
    lines = []
    fig = bench.FIGURES["trajectory"](lines.append, True)
    assert fig["rc"] == 0 and fig["regions"] == 20 and fig["years"] == 40 and fig["cpu_s"] > 0
    assert "trajectory" in lines[0] and "CPU" in lines[0]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_bundled_scenario_files_run_end_to_end(path, tmp_path):
    out = tmp_path / "t.json"
    assert main(["trajectory", str(LONG), "--scenario", str(path), "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    for reg in data["regions"]:
        own = reg["scenarios"][-1]
        assert own["name"].startswith("县域低碳路径") and len(own["levers"]) == 5 and not own["problems"]
        # no coal from 2040: the coal wedge of the last lever is positive in the target year
        assert own["wedges"][-1]["lever"] == "coal_t -100%" and own["wedges"][-1]["reduction_t_co2e"] > 0


def test_a_region_given_twice_for_one_year_is_refused_and_the_rest_answered(tmp_path, capsys):
    rows = list(csv.DictReader(open(LONG, encoding="utf-8")))
    rows.append(dict(rows[0]))                      # 410526 in 2015 a second time
    src = tmp_path / "dup.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "o.json"
    assert main(["trajectory", str(src), "--lang", "en", "-o", str(out)]) == 1
    assert "same year" in capsys.readouterr().err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {r["region_id"] for r in data["regions"]} == {"410526", "320117"}


def test_every_outlook_path_is_documented_in_model_md():
    """docs/MODEL.md explains every default assumption: each path of rules/trajectory.ttl is in its table."""
    text = (EXAMPLES_DIR.parent / "docs" / "MODEL.md").read_text(encoding="utf-8")
    for key, path in load().paths.items():
        assert f"`{key}`" in text, key
        assert path.sources or key == "path-flat"


def test_the_handed_on_report_has_the_pathway_section(tmp_path):
    out = tmp_path / "r.md"
    # regional grid factors throughout: a consistent series (see test_command_line_json_has_the_shape_of_the_issue)
    assert main(["report", str(LONG), "--region", "410526", "-o", str(out), "--lang", "en",
                 "--coefficients", "grid-regional"]) == 0
    text = out.read_text(encoding="utf-8")
    section = text[text.index("### Pathways to 2030 and 2060"):]
    assert "Observed peak: 2019." in section
    assert "| baseline | 2019 |" in section and "| low-carbon |" in section and "| enhanced |" in section
    figure = section.split("](", 1)[1].split(")", 1)[0]
    assert (tmp_path / figure).read_bytes().startswith(b"\x89PNG")


def test_json_output_follows_the_published_schema(tmp_path):
    import jsonschema

    schema = json.loads((EXAMPLES_DIR.parent / "docs/schema/trajectory-output-1.schema.json").read_text(encoding="utf-8"))
    out = tmp_path / "t.json"
    assert main(["trajectory", str(LONG), "--scenario", str(SCENARIOS[0]), "-o", str(out)]) == 0
    jsonschema.validate(json.loads(out.read_text(encoding="utf-8")), schema)
    bad = scenario("bad", [{"field": "forest_ha", "change": "-90000", "from": 2030}])
    jsonschema.validate(trajectory([region()], scenarios=[bad], standard=False), schema)


def test_monte_carlo_through_time_bands_and_probability_of_peaking_by_2030(tmp_path):
    """--uncertainty N: the observed year's band is the inventory's Monte Carlo interval (same ranges,
    same kind of draws); a region that peaked in 2019 peaks by 2030 in every draw, a growing one in none."""
    from kg.reason import uncertainty as inventory
    from kg.trajectory.input import valid_rows

    rows, _ = valid_rows(LONG)
    ans = trajectory(rows, uncertainty=400, seed=3)
    hx = next(r for r in ans["regions"] if r["region_id"] == "410526")
    base = hx["scenarios"][0]["uncertainty"]
    assert base["draws"] == 400 and base["p_peak_by_2030"] == 1.0
    import jsonschema

    jsonschema.validate(ans, json.loads((EXAMPLES_DIR.parent / "docs/schema/trajectory-output-1.schema.json")
                                        .read_text(encoding="utf-8")))
    last = next(s for s in base["series"] if s["year"] == 2023)
    ref = inventory.monte_carlo([next(r for r in rows if r.region_id == "410526" and r.year == 2023)],
                                draws=4000, seed=5, robustness=False)[0]
    for mine, theirs in zip(last["emissions_t_co2e"], ref["emissions_t_co2e"]):
        assert mine == pytest.approx(theirs, rel=0.03)
    central = next(h for h in hx["history"] if h["year"] == 2023)["emissions_t_co2e"]
    assert last["emissions_t_co2e"][0] < central < last["emissions_t_co2e"][1]
    growing = coal_only(load(), [(2000, 0.03)])
    g = trajectory([region(coal_t=100000.0)], assumptions=growing, standard=False, uncertainty=200, seed=1)
    assert g["regions"][0]["scenarios"][0]["uncertainty"]["p_peak_by_2030"] == 0.0
    # the same seed gives the same bands (reproducible), in the CLI too
    out1, out2 = tmp_path / "a.json", tmp_path / "b.json"
    for out in (out1, out2):
        assert main(["trajectory", str(LONG), "--no-standard", "--uncertainty", "50", "--seed", "9", "-o", str(out)]) == 0
    assert out1.read_text(encoding="utf-8") == out2.read_text(encoding="utf-8")


def test_progress_is_reported_per_scenario():
    seen = []
    trajectory([region(coal_t=1000.0)], progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_scenario_text_never_reaches_the_terminal_as_control_codes():
    with pytest.raises(UserError) as exc:
        scenario("evil\x1b[31m", [{"field": "coal\x1b]0;pwned\x07", "change": "-5%\x1b[2J", "from": 2025}])
    text = str(exc.value)
    assert "\x1b" not in text and "\x07" not in text and "\\x1b" in text


@pytest.mark.parametrize("extra,words", [(["--region", "999999"], ["999999", "410526"]),
                                         (["--to", "2020"], ["2020", "2023"]),
                                         (["--uncertainty", "-5"], ["--uncertainty"])])
def test_wrong_requests_are_one_sentence_and_exit_2(extra, words, capsys):
    assert main(["trajectory", str(LONG), *extra]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and all(w in err for w in words)


def test_incremental_totals_equal_a_full_recount():
    """run_slots updates emissions and sinks only on the lines a lever touches; a full recount agrees."""
    from kg.paths import EXAMPLES_DIR
    from kg.read.profiles import read_profiles
    from kg.trajectory import engine
    from kg.trajectory.coupling import line_factors

    a = load()
    grouped, _ = __import__("kg.trajectory", fromlist=["group_years"]).group_years(
        read_profiles(EXAMPLES_DIR / "typical-regions.csv").regions)
    from kg.trajectory import build_panel

    p = build_panel(grouped, 2060, a)
    lf = line_factors([grouped[rid][-1][1] for rid in p.ids])
    base = engine.project_baseline(p, a, lf)
    sc = scenario("mix", [{"field": "coal_t", "change": "-5%/yr", "from": 2025, "to": 2035},
                          {"field": "other_land_ha", "change": "-2%/yr", "from": 2025, "into": "forest_ha"},
                          {"field": "grid_factor", "change": "-3%/yr", "from": 2026},
                          {"field": "cattle_head", "change": "+100", "from": 2030}])
    from kg.trajectory.scenarios import user_slots

    X, M, E, S, wedges = engine.run_slots(p, a, lf, base, user_slots(sc, len(p.ids)))
    E2, S2 = engine.totals(p, X, M, lf)
    assert np.allclose(E, E2) and np.allclose(S, S2)
    E0, S0 = engine.totals(p, base.X, base.M, lf)
    assert np.allclose(sum(wedges), (E0 - S0) - (E - S))


def test_a_region_without_emissions_has_no_peak_and_says_why():
    out = by_name(trajectory([region()], standard=False), "baseline")     # every source 0, sinks only
    assert out["peak_year"] is None and out["peak_by_2030"] is False and "no emissions" in out["peak_reason"]["en"]
    assert out["balance_year"] == 2022                                      # sinks ≥ emissions from the start
