"""Carbon-balance accounting: checked against figures worked by hand from
REFERENCE-DATA (IPCC 2006 EFs, GB/T 2589 NCVs, MEE/NBS grid factors, IPCC 2019
livestock, Fang et al. 2007 sinks, AR6 GWPs), not against the code's output."""
import json
import time

import pytest

from kg import balance

# A made-up county with every accounting input reported.
COUNTY = {
    "region_id": "T001", "name": "hand-worked county",
    "coal_t": 100_000, "gasoline_t": 10_000, "diesel_t": 20_000, "lpg_t": 1_000,
    "natural_gas_10k_m3": 500, "electricity_mwh": 200_000, "grid_region": "central",
    "cattle_head": 10_000, "pigs_head": 100_000, "sheep_head": 20_000,
    "rice_paddy_ha": 5_000, "nitrogen_fertilizer_t": 3_000,
    "cropland_ha": 30_000, "forest_ha": 50_000, "grassland_ha": 2_000, "wetland_ha": 500,
    "water_ha": 4_000, "other_land_ha": 1_000, "built_up_ha": 6_000,
}

# Worked by hand (t CO2e per year):
# coal      1e8 kg × 20,908 kJ/kg = 2,090.8 TJ × 94,600 kg/TJ (other bituminous)   = 197,789.68
# gasoline  1e7 kg × 43,070 kJ/kg =   430.7 TJ × 69,300                           =  29,847.51
# diesel    2e7 kg × 42,652 kJ/kg =  853.04 TJ × 74,100                           =  63,210.264
# LPG       1e6 kg × 50,179 kJ/kg = 50.179 TJ × 63,100                            =   3,166.2949
# gas       5e6 m³ × 38,931 kJ/m³ = 194.655 TJ × 56,100                           =  10,920.1455
# power     2e8 kWh × 0.5395 kg/kWh (2022 Central grid)                           = 107,900
# cattle    10,000 × 54 kg = 540 t CH4 × 27.9                                     =  15,066
# pigs      100,000 × 1 kg = 100 t CH4 × 27.9                                     =   2,790
# sheep     20,000 × 5 kg = 100 t CH4 × 27.9                                      =   2,790
# rice      5,000 ha × 1.30 kg/ha/d × 120 d × 1.0 = 780 t CH4 × 27.9              =  21,762
# N2O       3,000 t N × 0.010 × 44/28 = 47.142857 t N2O × 273                     =  12,870
# emissions                                                                        = 468,111.8944
# forest    50,000 ha × 0.644 t C × 44/12                                         = 118,066.667
# grassland 2,000 × 0.021 × 44/12                                                 =     154
# water     4,000 × 0.253 × 44/12                                                 =   3,710.667
# unused    1,000 × 0.005 × 44/12                                                 =      18.333
# sinks                                                                            = 121,949.667
# net = 346,162.228 ; ratio = 0.260514 ; forest biomass stock 50,000 × 41.0 = 2,050,000 t C
HAND = {
    "coal": 197_789.68, "gasoline": 29_847.51, "diesel": 63_210.264, "lpg": 3_166.2949,
    "natural_gas": 10_920.1455, "electricity": 107_900, "enteric_cattle": 15_066,
    "enteric_pigs": 2_790, "enteric_sheep": 2_790, "rice_ch4": 21_762, "fertilizer_n2o": 12_870,
}
HAND_SINKS = {"forest": 118_066.667, "grassland": 154, "water": 3_710.667, "unused_land": 18.333}


def rel(x):
    return pytest.approx(x, rel=1e-3)


def test_hand_worked_county_matches_to_a_tenth_of_a_percent():
    r = balance.account(COUNTY)
    assert r["complete"] is True and r["missing"] == []
    assert r["emissions_t_co2e"] == rel(468_111.8944)
    assert r["sinks_t_co2e"] == rel(121_949.667)
    assert r["net_t_co2e"] == rel(346_162.228)
    assert r["balance_ratio"] == rel(0.260514)
    for key, value in HAND.items():
        assert r["by_source"][key] == rel(value), key
    for key, value in HAND_SINKS.items():
        assert r["by_sink"][key] == rel(value), key
    assert r["stocks"]["forest_biomass_t_c"] == rel(2_050_000)
    assert r["gwp_set"] == "AR6" and r["coefficient_set"] == "default"


def test_result_has_exactly_the_documented_keys():
    r = balance.account(COUNTY)
    assert set(r) == {"emissions_t_co2e", "sinks_t_co2e", "net_t_co2e", "balance_ratio", "complete",
                      "missing", "by_source", "by_sink", "by_table1", "stocks", "gwp_set",
                      "coefficient_set", "coefficients"}
    for c in r["coefficients"]:
        assert {"id", "value", "unit", "source"} <= set(c)


def test_parts_add_up_to_the_totals():
    r = balance.account(COUNTY)
    assert r["emissions_t_co2e"] == pytest.approx(sum(r["by_source"].values()), rel=1e-12)
    assert r["sinks_t_co2e"] == pytest.approx(sum(r["by_sink"].values()), rel=1e-12)
    assert sum(r["by_table1"].values()) == pytest.approx(r["emissions_t_co2e"] + r["sinks_t_co2e"], rel=1e-12)
    assert r["net_t_co2e"] == pytest.approx(r["emissions_t_co2e"] - r["sinks_t_co2e"], rel=1e-12)
    assert all(v >= 0 for v in r["by_sink"].values())


def test_table1_classes_follow_the_paper():
    t1 = balance.account(COUNTY)["by_table1"]
    fuels = sum(HAND[k] for k in ("coal", "gasoline", "diesel", "lpg", "natural_gas", "electricity"))
    assert t1["FossilFuelCombustion"] == rel(fuels)
    assert t1["HumanAndAnimalRespiration"] == rel(15_066 + 2_790 + 2_790)
    assert t1["PlantPhotosynthesis"] == rel(118_066.667 + 154 + 18.333)
    assert t1["WaterBodyCarbonAbsorption"] == rel(3_710.667)
    assert t1["SoilRespiration"] == rel(21_762)
    assert t1["IndustrialProductionEmission"] == rel(12_870)


def test_more_coal_adds_exactly_ipcc_ef_times_ncv():
    base = balance.account(COUNTY)["emissions_t_co2e"]
    more = balance.account(dict(COUNTY, coal_t=COUNTY["coal_t"] + 100_000))["emissions_t_co2e"]
    # 100,000 t = 1e8 kg × 20,908 kJ/kg = 2,090.8 TJ × 94,600 kg CO2/TJ = 197,789.68 t CO2
    assert more - base == pytest.approx(197_789.68, rel=1e-9)


def test_more_forest_adds_what_fang_2007_implies():
    base = balance.account(COUNTY)["sinks_t_co2e"]
    more = balance.account(dict(COUNTY, forest_ha=COUNTY["forest_ha"] + 10_000))["sinks_t_co2e"]
    assert more - base == pytest.approx(0.644 * 44 / 12 * 10_000, rel=1e-9)


def _ids(r):
    return {c["id"] for c in r["coefficients"]}


@pytest.mark.parametrize("name, changed_key, expected_change, coefficient_id", [
    # forest 0.581 instead of 0.644: 50,000 × 0.063 × 44/12 = 11,550 t less sink
    ("forest-mean-area", "sinks_t_co2e", -11_550.0, "coef-landuse-forest-fang2007-mean-area"),
    # AR5: CH4 1,520 t × (28 − 27.9) = +152; N2O 47.142857 t × (265 − 273) = −377.142857
    ("gwp-ar5", "emissions_t_co2e", 152 - 377.142857, "coef-gwp-ch4-ar5"),
    # AR4: CH4 1,520 × (25 − 27.9) = −4,408; N2O 47.142857 × (298 − 273) = +1,178.571
    ("gwp-ar4", "emissions_t_co2e", -4_408 + 1_178.571429, "coef-gwp-n2o-ar4"),
    # IPCC 2006 livestock: cattle 47 instead of 54 kg → 70 t CH4 less × 27.9 = −1,953 (pigs, sheep unchanged)
    ("livestock-ipcc2006", "emissions_t_co2e", -1_953.0, "coef-enteric-other-cattle-ipcc2006-asia"),
    # grid 2021 national 0.5568 instead of 2022 Central 0.5395: 2e8 kWh × 0.0173 = +3,460 t
    ("grid-2021-national", "emissions_t_co2e", 3_460.0, "coef-grid-2021-national"),
    # cultivated land as a source: 30,000 ha × 0.497 × 44/12 = +54,670 t
    ("cropland-0497", "emissions_t_co2e", 54_670.0, "coef-landuse-cropland-0497"),
])
def test_switching_a_variant_changes_the_result_by_the_expected_amount(name, changed_key, expected_change,
                                                                       coefficient_id):
    before = balance.account(COUNTY)
    after = balance.account(COUNTY, name)
    assert after[changed_key] - before[changed_key] == pytest.approx(expected_change, rel=1e-6)
    assert coefficient_id in _ids(after) and coefficient_id not in _ids(before)
    assert after["coefficient_set"] == name


def test_sets_combine_and_gwp_set_is_reported():
    r = balance.account(COUNTY, "gwp-ar5,forest-mean-area")
    assert r["gwp_set"] == "AR5"
    assert {"coef-gwp-ch4-ar5", "coef-landuse-forest-fang2007-mean-area"} <= _ids(r)
    assert r["sinks_t_co2e"] == pytest.approx(121_949.667 - 11_550, rel=1e-5)


def test_conflicting_or_unknown_sets_are_user_errors():
    from kg.cli import UserError

    with pytest.raises(UserError, match="gwp-ar4"):
        balance.account(COUNTY, "gwp-ar5,gwp-ar4")
    with pytest.raises(UserError, match="no-such-set"):
        balance.account(COUNTY, "no-such-set")


def test_grid_region_picks_the_regional_factor_and_falls_back_to_national():
    south = balance.account(dict(COUNTY, grid_region="south"))["by_source"]["electricity"]
    none = balance.account(dict(COUNTY, grid_region=None))
    assert south == pytest.approx(2e8 * 0.3869 / 1000, rel=1e-9)
    assert none["by_source"]["electricity"] == pytest.approx(2e8 * 0.5366 / 1000, rel=1e-9)
    assert "coef-grid-2022-national" in _ids(none)


def test_profile_without_energy_data_is_incomplete_not_undercounted():
    energy = ["coal_t", "gasoline_t", "diesel_t", "lpg_t", "natural_gas_10k_m3", "electricity_mwh"]
    r = balance.account({k: (None if k in energy else v) for k, v in COUNTY.items()})
    assert r["complete"] is False
    assert set(energy) <= set(r["missing"])
    assert r["emissions_t_co2e"] is None and r["net_t_co2e"] is None and r["balance_ratio"] is None
    assert "coal" not in r["by_source"]
    assert r["sinks_t_co2e"] == rel(121_949.667)        # the land part is still known


def test_zero_is_a_value_and_empty_text_is_missing():
    zero = balance.account(dict(COUNTY, sheep_head=0))
    assert zero["complete"] and zero["by_source"]["enteric_sheep"] == 0
    blank = balance.account(dict(COUNTY, sheep_head=""))
    assert blank["missing"] == ["sheep_head"]


def test_no_emissions_gives_no_ratio():
    zeros = {k: (0 if isinstance(v, (int, float)) else v) for k, v in COUNTY.items()}
    r = balance.account(dict(zeros, forest_ha=1000))
    assert r["emissions_t_co2e"] == 0 and r["balance_ratio"] is None and r["complete"]


def test_wetland_is_reported_as_not_counted_rather_than_given_a_number():
    r = balance.account(COUNTY)
    assert "wetland" not in r["by_sink"]
    text = balance.render([("T001", r)], "md", "en")
    assert "wetland" in text.lower() and "no sourced" in text.lower()


def test_batch_of_2844_regions_is_fast_and_equal_to_single_accounts():
    regions = [dict(COUNTY, coal_t=1000 * i, forest_ha=10 * i) for i in range(2844)]
    balance.account_many(regions[:1])              # load and compile once
    t0 = time.perf_counter()
    results = balance.account_many(regions)
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, elapsed
    assert results[123] == balance.account(regions[123])


def test_renderers_show_totals_in_both_languages():
    r = balance.account(COUNTY)
    zh = balance.render([("T001 县", r)], "table", "zh")
    en = balance.render([("T001 county", r)], "md", "en")
    assert "468,112" in zh and "排放" in zh and "煤炭燃烧" in zh
    assert "| T001 county | 468,112 |" in en and "coal combustion" in en
    # one region: its coefficients are listed with confidence and source
    assert "| coef-landuse-forest-fang2007-1980s-area | -0.644 | t C/ha/a | derived | ref-29 |" in en


# ----------------------------------------------------------------------------- the command line
def _examples(name):
    from kg.paths import EXAMPLES_DIR

    return str(EXAMPLES_DIR / name)


def test_cli_balance_all_valid_exits_0_and_accounts_every_region(capsys):
    from kg.cli import main

    assert main(["balance", _examples("typical-regions.csv"), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 7
    wuyuan = next(i["balance"] for i in out if i["region_id"] == "361130")
    # 婺源县 forest 240,000 ha × 0.644 × 44/12 = 566,720 t CO2 removed
    assert wuyuan["by_sink"]["forest"] == pytest.approx(566_720, rel=1e-9)


def test_cli_balance_same_result_from_the_chinese_gb18030_file(capsys):
    from kg.cli import main

    main(["balance", _examples("typical-regions.csv"), "--format", "json"])
    utf8 = json.loads(capsys.readouterr().out)
    main(["balance", _examples("typical-regions-zh-gb18030.csv"), "--format", "json"])
    gbk = json.loads(capsys.readouterr().out)
    assert [i["balance"]["net_t_co2e"] for i in gbk] == pytest.approx([i["balance"]["net_t_co2e"] for i in utf8])


def test_cli_balance_with_invalid_regions_exits_1_and_still_accounts_valid_ones(capsys):
    from kg.cli import main

    assert main(["balance", _examples("invalid-regions.csv"), "--format", "md", "--lang", "en"]) == 1
    captured = capsys.readouterr()
    assert "| region |" in captured.out and "900001" not in captured.out
    assert "900001" in captured.err and "primary industry share (%) = 90: " in captured.err


def test_cli_balance_unreadable_or_wrong_request_exits_2(tmp_path, capsys):
    from kg.cli import main

    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02 not a table")
    assert main(["balance", str(junk)]) == 2
    assert main(["balance", _examples("typical-regions.csv"), "--coefficients", "gwp-ar9"]) == 2
    assert "gwp-ar9" in capsys.readouterr().err
    assert main(["balance"]) == 2


def test_cli_balance_coefficient_switch_is_visible(capsys):
    from kg.cli import main

    main(["balance", _examples("typical-regions.csv"), "--format", "json", "--coefficients", "forest-mean-area"])
    out = json.loads(capsys.readouterr().out)
    wuyuan = next(i["balance"] for i in out if i["region_id"] == "361130")
    assert wuyuan["by_sink"]["forest"] == pytest.approx(240_000 * 0.581 * 44 / 12, rel=1e-9)
    assert "coef-landuse-forest-fang2007-mean-area" in {c["id"] for c in wuyuan["coefficients"]}


def test_cli_balance_json_lists_every_region_with_id_name_validity_and_violations(capsys):
    from kg.cli import main
    from kg.profiles import read_profiles
    from kg.validate import validate

    assert main(["balance", _examples("invalid-regions.csv"), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    batch = read_profiles(_examples("invalid-regions.csv"))
    assert [i["region_id"] for i in out] == batch.ids()          # invalid regions are in the JSON too
    for item in out:
        assert set(item) == {"region_id", "name", "year", "valid", "violations", "balance"}
    bad = next(i for i in out if i["region_id"] == "900003")
    assert bad["name"] == "示例县丙（永久基本农田大于耕地）" and bad["valid"] is False and bad["balance"] is None
    # the validation results of that row, as kg.validate gives them
    assert bad["violations"] == [r for r in validate(batch).results if r["row"] == 6]
    assert bad["violations"][0]["field"] == "permanent_basic_farmland_ha"
    ok = next(i for i in out if i["region_id"] == "310115")
    assert ok["valid"] is True and ok["violations"] == [] and ok["balance"]["emissions_t_co2e"] > 0
    warned = next(i for i in out if i["region_id"] == "900012")   # a warning does not make it invalid
    assert warned["valid"] is True and warned["balance"] is not None
    assert [v["severity"] for v in warned["violations"]] == ["warning"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cli_balance_problems_are_worded_as_tanheng_validate(capsys, lang):
    from kg.cli import main

    main(["validate", _examples("invalid-regions.csv"), "--lang", lang])
    validate_out = capsys.readouterr().out
    assert main(["balance", _examples("invalid-regions.csv"), "--lang", lang]) == 1
    err = capsys.readouterr().err
    listed = [ln[4:] for ln in err.splitlines() if ln.startswith("  - ")]
    assert len(listed) == 13                  # 12 invalid regions, 900008 twice
    for text in listed:                       # each line is the one tanheng validate prints
        assert text in validate_out, text
    for raw in ("None", "'", "= 90.0", "primary_industry_pct =", "area_km2 ="):
        assert raw not in err, raw
    empty = "（空）" if lang == "zh" else "(empty)"
    assert (f"区域名称 = {empty}" if lang == "zh" else f"region name = {empty}") in err
    assert ("电网区域 = north-china" if lang == "zh" else "grid region = north-china") in err


def test_cli_balance_region_without_id_has_no_double_space(tmp_path, capsys):
    from kg.cli import main

    header, *rows = open(_examples("typical-regions.csv"), encoding="utf-8").read().splitlines()
    row = next(r for r in rows if r.startswith("361130,"))
    f = tmp_path / "noid.csv"
    f.write_text(header + "\n" + row.replace("361130,婺源县", ",无代码", 1) + "\n", encoding="utf-8")
    assert main(["balance", str(f)]) == 1
    err = capsys.readouterr().err
    assert "区域 （无区域代码） 无代码 未通过校验" in err and "  无代码" not in err
    assert "区域代码 = （空）" in err
