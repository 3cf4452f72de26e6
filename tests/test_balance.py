"""Carbon-balance accounting: checked against figures worked by hand from
REFERENCE-DATA (IPCC 2006 EFs, GB/T 2589 NCVs, MEE/NBS grid factors, IPCC 2019
livestock, Fang et al. 2007 sinks, AR6 GWPs), not against the code's output."""
import json

import pytest

from kg.account import balance
from kg.present import balance as balance_view

# A made-up county (Henan, so the guideline's Central-South manure factors) with every accounting input reported.
COUNTY = {
    "region_id": "T001", "name": "hand-worked county", "year": 2022, "province": "河南省",
    "coal_t": 100_000, "gasoline_t": 10_000, "diesel_t": 20_000, "lpg_t": 1_000,
    "natural_gas_10k_m3": 500, "electricity_mwh": 200_000, "grid_region": "central",
    "cattle_head": 10_000, "pigs_head": 100_000, "sheep_head": 20_000,
    "rice_paddy_ha": 5_000, "sown_area_ha": 60_000, "nitrogen_fertilizer_t": 3_000,
    "clinker_t": 200_000, "lime_t": 50_000,
    "msw_t": 100_000, "msw_landfill_pct": 40, "msw_incineration_pct": 55,
    "cropland_ha": 30_000, "forest_ha": 50_000, "grassland_ha": 2_000, "wetland_ha": 500,
    "water_ha": 4_000, "other_land_ha": 1_000, "built_up_ha": 6_000,
}

# Worked by hand (t CO2e per year), consumption boundary, default set:
# coal      1e8 kg × 20,908 kJ/kg = 2,090.8 TJ × 94,600 kg/TJ (other bituminous)   = 197,789.68
# gasoline  1e7 kg × 43,070 kJ/kg =   430.7 TJ × 69,300                           =  29,847.51
# diesel    2e7 kg × 42,652 kJ/kg =  853.04 TJ × 74,100                           =  63,210.264
# LPG       1e6 kg × 50,179 kJ/kg = 50.179 TJ × 63,100                            =   3,166.2949
# gas       5e6 m³ × 38,931 kJ/m³ = 194.655 TJ × 56,100                           =  10,920.1455
# power     2e8 kWh × 0.6058 kg/kWh (2022 Henan provincial factor, MEE/NBS)     = 121,160
# enteric   cattle 10,000 × 54 kg = 540 t CH4 × 27.9 = 15,066; pigs 100 t → 2,790; sheep 100 t → 2,790
# manure CH4 (guideline, Central-South): cattle 10,000 × 4.72 = 47.2 t × 27.9 = 1,316.88;
#           pigs 100,000 × 5.85 = 585 t → 16,321.5; sheep 20,000 × 0.34 = 6.8 t → 189.72
# manure N2O: cattle 10,000 × 0.805 = 8.05 t × 273 = 2,197.65; pigs 100,000 × 0.157 = 15.7 t → 4,286.1;
#           sheep 20,000 × 0.106 = 2.12 t → 578.76
# rice      5,000 ha × 1.30 kg/ha/d × 120 d × 0.60 (single drainage) = 468 t CH4 × 27.9 = 13,057.2
# N on rice = 3,000 t × 5,000/60,000 = 250 t; upland 2,750 t
# N2O direct upland 2,750 × 0.010 × 44/28 = 43.214286 t × 273 = 11,797.5; rice 250 × 0.003 × 44/28 × 273 = 321.75
# N2O indirect: 3,000 × 0.10 × 0.010 × 44/28 × 273 = 1,287; 3,000 × 0.30 × 0.0075 × 44/28 × 273 = 2,895.75
# clinker   200,000 t × 0.52 = 104,000; lime 50,000 × 0.75 = 37,500
# landfill  100,000 t × 40 % = 40,000 t × MCF 1.0 × DOC 0.138 × DOCf 0.5 × F 0.5 × 16/12 = 1,840 t CH4 × 27.9 = 51,336
# incin.CO2 100,000 × 55 % = 55,000 t × 0.20 C × 0.39 fossil × 0.95 × 44/12                = 14,943.5
# incin.N2O 55,000 t × 50 g = 2.75 t N2O × 273                                              =    750.75
# emissions = 426,093.8944 (energy) + 74,895.81 (agriculture) + 141,500 (processes) + 67,030.25 (waste)
#           = 709,519.9544
# forest    50,000 ha × 0.644 t C × 44/12 (tree_forest_ha not given: all forest land) = 118,066.667
# grassland 2,000 × 0.021 × 44/12 = 154; water 4,000 × 0.253 × 44/12 = 3,710.667; unused 1,000 × 0.005 × 44/12 = 18.333
# sinks = 121,949.667 ; net = 587,570.288 ; ratio = 0.171876 ; forest biomass stock 50,000 × 41.0 = 2,050,000 t C
HAND = {
    "coal": 197_789.68, "gasoline": 29_847.51, "diesel": 63_210.264, "lpg": 3_166.2949,
    "natural_gas": 10_920.1455, "electricity": 121_160, "enteric_cattle": 15_066,
    "enteric_pigs": 2_790, "enteric_sheep": 2_790,
    "manure_ch4_cattle": 1_316.88, "manure_ch4_pigs": 16_321.5, "manure_ch4_sheep": 189.72,
    "manure_n2o_cattle": 2_197.65, "manure_n2o_pigs": 4_286.1, "manure_n2o_sheep": 578.76,
    "rice_ch4": 13_057.2, "fertilizer_n2o": 11_797.5, "fertilizer_n2o_rice": 321.75,
    "indirect_n2o_volatilisation": 1_287, "indirect_n2o_leaching": 2_895.75,
    "clinker": 104_000, "lime": 37_500, "landfill_ch4": 51_336, "incineration_co2": 14_943.5,
    "incineration_n2o": 750.75,
}
HAND_SINKS = {"forest": 118_066.667, "grassland": 154, "water": 3_710.667, "unused_land": 18.333}
HAND_EMISSIONS = 709_519.9544


def rel(x):
    return pytest.approx(x, rel=1e-3)


def test_hand_worked_county_matches_to_a_tenth_of_a_percent():
    r = balance.account(COUNTY)
    assert r["complete"] is True and r["missing"] == [] and r["missing_lines"] == []
    assert r["emissions_t_co2e"] == rel(HAND_EMISSIONS)
    assert r["sinks_t_co2e"] == rel(121_949.667)
    assert r["net_t_co2e"] == rel(HAND_EMISSIONS - 121_949.667)
    assert r["balance_ratio"] == rel(121_949.667 / HAND_EMISSIONS)
    assert set(r["by_source"]) == set(HAND)
    for key, value in HAND.items():
        assert r["by_source"][key] == rel(value), key
    for key, value in HAND_SINKS.items():
        assert r["by_sink"][key] == rel(value), key
    assert r["stocks"]["forest_biomass_t_c"] == rel(2_050_000)
    assert r["gwp_set"] == "AR6" and r["coefficient_set"] == "default"
    assert r["boundary"] == "consumption" and r["year_of_factors"] == {"grid-electricity": 2022}


def test_result_has_exactly_the_documented_keys():
    r = balance.account(COUNTY)
    assert set(r) == {"emissions_t_co2e", "sinks_t_co2e", "net_t_co2e", "balance_ratio", "complete",
                      "missing", "missing_lines", "by_source", "by_sink", "by_table1", "stocks", "memo",
                      "boundary", "gwp_set", "coefficient_set", "year_of_factors", "assumptions",
                      "ipcc_categories", "coefficients", "factor_choices", "not_counted"}
    for c in r["coefficients"]:
        assert {"id", "value", "unit", "source", "edition", "confidence", "valid_year"} <= set(c)


def test_parts_add_up_to_the_totals():
    r = balance.account(COUNTY)
    assert r["emissions_t_co2e"] == pytest.approx(sum(r["by_source"].values()), rel=1e-12)
    assert r["sinks_t_co2e"] == pytest.approx(sum(r["by_sink"].values()), rel=1e-12)
    assert sum(r["by_table1"].values()) == pytest.approx(r["emissions_t_co2e"] + r["sinks_t_co2e"], rel=1e-12)
    assert r["net_t_co2e"] == pytest.approx(r["emissions_t_co2e"] - r["sinks_t_co2e"], rel=1e-12)
    assert all(v >= 0 for v in r["by_sink"].values())


def test_table1_classes_follow_the_paper_and_non_co2_gases_get_the_marked_extension():
    t1 = balance.account(COUNTY)["by_table1"]
    # electricity counts as fossil fuel combustion at the grid's plants (consumption boundary: no local plant)
    fuels = sum(HAND[k] for k in ("coal", "gasoline", "diesel", "lpg", "natural_gas", "electricity"))
    assert t1["FossilFuelCombustion"] == rel(fuels)
    agri = ("enteric_cattle", "enteric_pigs", "enteric_sheep", "manure_ch4_cattle", "manure_ch4_pigs",
            "manure_ch4_sheep", "manure_n2o_cattle", "manure_n2o_pigs", "manure_n2o_sheep", "rice_ch4",
            "fertilizer_n2o", "fertilizer_n2o_rice", "indirect_n2o_volatilisation", "indirect_n2o_leaching")
    assert t1["AgriculturalNonCO2Emission"] == rel(sum(HAND[k] for k in agri))
    assert t1["IndustrialProductionEmission"] == rel(104_000 + 37_500 + 14_943.5)
    assert t1["WasteNonCO2Emission"] == rel(51_336 + 750.75)
    assert t1["PlantPhotosynthesis"] == rel(118_066.667 + 154 + 18.333)
    assert t1["WaterBodyCarbonAbsorption"] == rel(3_710.667)
    # Table 1's respiration fluxes are natural CO2: no livestock or paddy gas is filed there
    assert "HumanAndAnimalRespiration" not in t1 and "SoilRespiration" not in t1


def test_every_line_carries_its_ipcc_2006_category():
    r = balance.account(COUNTY)
    codes = r["ipcc_categories"]
    assert set(codes) == set(r["by_source"]) | set(r["by_sink"])
    assert codes["coal"] == "1.A" and codes["enteric_pigs"] == "3.A.1" and codes["manure_ch4_pigs"] == "3.A.2"
    assert codes["fertilizer_n2o"] == "3.C.4" and codes["indirect_n2o_leaching"] == "3.C.5"
    assert codes["rice_ch4"] == "3.C.7" and codes["clinker"] == "2.A.1" and codes["lime"] == "2.A.2"
    assert codes["landfill_ch4"] == "4.A" and codes["incineration_co2"] == "4.C.1" and codes["forest"] == "3.B.1.a"
    sectors = {k: v["sector"] for k, v in balance.ipcc_categories().items()}
    assert sectors["ipcc-3A2"] == "agriculture" and sectors["ipcc-4A"] == "waste"
    assert sectors["ipcc-2A1"] == "industrial-processes" and sectors["ipcc-3B1a"] == "lucf"


# ----------------------------------------------------------------------------- boundary
PLANT_COAL = 60_000


def test_a_county_plant_gives_the_same_consumption_total_whether_reported_or_left_out():
    # the plant's coal reported inside coal_t and in power_heat_coal_t …
    reported = balance.account(dict(COUNTY, coal_t=COUNTY["coal_t"] + PLANT_COAL, power_heat_coal_t=PLANT_COAL))
    # … or simply left out of coal_t
    left_out = balance.account(COUNTY)
    assert reported["emissions_t_co2e"] == pytest.approx(left_out["emissions_t_co2e"], rel=1e-12)
    assert reported["by_source"]["coal"] == pytest.approx(197_789.68, rel=1e-9)
    assert "coal_power_heat" not in reported["by_source"]


def test_territorial_minus_consumption_is_the_plant_combustion_minus_the_electricity_line():
    county = dict(COUNTY, coal_t=COUNTY["coal_t"] + PLANT_COAL, power_heat_coal_t=PLANT_COAL)
    cons = balance.account(county)
    terr = balance.account(county, boundary="territorial")
    # 60,000 t × 20,908 kJ/kg × 94,600 kg/TJ = 118,673.808 t; electricity 121,160 t
    plant = 118_673.808
    assert terr["emissions_t_co2e"] - cons["emissions_t_co2e"] == pytest.approx(plant - 121_160, rel=1e-9)
    assert terr["by_source"]["coal_power_heat"] == pytest.approx(plant, rel=1e-9)
    assert terr["by_source"]["coal"] == pytest.approx(197_789.68, rel=1e-9)
    assert "electricity" not in terr["by_source"] and terr["memo"]["electricity"] == pytest.approx(121_160)
    assert terr["by_table1"]["FossilFuelCombustion"] == pytest.approx(
        cons["by_table1"]["FossilFuelCombustion"] + plant - 121_160, rel=1e-9)
    assert terr["boundary"] == "territorial" and terr["ipcc_categories"]["coal_power_heat"] == "1.A.1.a"


def test_process_lines_are_counted_where_given_without_making_the_account_incomplete():
    r = balance.account(dict(COUNTY, clinker_t=None, lime_t=None))
    assert r["complete"] is True and r["emissions_t_co2e"] == rel(HAND_EMISSIONS - 141_500)
    assert [(m["key"], m["counted_where_given"]) for m in r["missing_lines"]] == [("clinker", True), ("lime", True)]
    text = balance_view.render([("T001", r)], "md", "en")
    assert "cement clinker process CO2, lime process CO2 not reported: counted where given" in text
    assert "≥" not in text


def test_unknown_boundary_is_a_user_error():
    from kg.cli import UserError

    with pytest.raises(UserError, match="nowhere"):
        balance.account(COUNTY, boundary="nowhere")


# ----------------------------------------------------------------------------- year-true factors
def test_a_2015_profile_uses_the_grid_factor_of_its_time_and_a_pinned_set_overrides_it():
    r2015 = balance.account(dict(COUNTY, year=2015))
    # no provincial factor before 2021: the grid region's
    # the newest factor not after 2015 for the Central grid: 2012 (NDRC), 0.5257 kg/kWh
    assert r2015["by_source"]["electricity"] == pytest.approx(2e8 * 0.5257 / 1000, rel=1e-9)
    assert r2015["year_of_factors"]["grid-electricity"] == 2012
    pinned = balance.account(dict(COUNTY, year=2015), "grid-2022-national")
    assert pinned["by_source"]["electricity"] == pytest.approx(2e8 * 0.5366 / 1000, rel=1e-9)
    # 2021 without a province: the 2021 Central factor (0.5354) is closer in time than the 2012 one
    r2021 = balance.account(dict(COUNTY, year=2021, province=None))
    assert r2021["by_source"]["electricity"] == pytest.approx(2e8 * 0.5354 / 1000, rel=1e-9)


def test_before_2021_sichuan_chongqing_count_with_the_central_grid():
    r = balance.account(dict(COUNTY, year=2015, grid_region="southwest", province=None))
    assert r["by_source"]["electricity"] == pytest.approx(2e8 * 0.5257 / 1000, rel=1e-9)
    r22 = balance.account(dict(COUNTY, year=2022, grid_region="southwest", province=None))
    assert r22["by_source"]["electricity"] == pytest.approx(2e8 * 0.2268 / 1000, rel=1e-9)


def test_manure_factors_follow_the_province_and_fall_back_to_the_mean_of_the_six_regions():
    north_east = balance.account(dict(COUNTY, province="黑龙江省"))
    assert north_east["by_source"]["manure_ch4_pigs"] == pytest.approx(100_000 * 1.12 / 1000 * 27.9, rel=1e-9)
    unknown = balance.account(dict(COUNTY, province=None))
    mean = (3.12 + 1.12 + 5.08 + 5.85 + 4.18 + 1.38) / 6
    assert unknown["by_source"]["manure_ch4_pigs"] == pytest.approx(100_000 * mean / 1000 * 27.9, rel=1e-4)
    assert any(a["key"] == "assume-province" for a in unknown["assumptions"])


def test_default_waste_shares_follow_the_year_and_are_stated():
    r = balance.account(dict(COUNTY, msw_landfill_pct=None, msw_incineration_pct=None, year=2016))
    # 2015 national urban shares (landfill 63.7 %, incineration 34.3 %) are the closest before 2016
    assert r["by_source"]["landfill_ch4"] == pytest.approx(100_000 * 0.637 * 0.046 * 27.9, rel=1e-9)
    assert r["year_of_factors"]["msw-landfill-share"] == 2015
    assert r["complete"] is True
    texts = " ".join(a["en"] for a in r["assumptions"])
    assert "share of municipal solid waste landfilled" in texts and "msw_landfill_pct" not in texts


def test_forest_sink_counts_tree_stands_only_when_they_are_reported():
    r = balance.account(dict(COUNTY, tree_forest_ha=30_000))
    assert r["by_sink"]["forest"] == pytest.approx(30_000 * 0.644 * 44 / 12, rel=1e-9)
    assert not any(a["key"] == "assume-all-forest" for a in r["assumptions"])
    assert any(a["key"] == "assume-all-forest" for a in balance.account(COUNTY)["assumptions"])


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
    # CH4 in the county: enteric 740 + manure 639 + rice 468 + landfill 1,840 = 3,687 t;
    # N2O: manure 25.87 + direct 44.392857 + indirect 15.321429 + incineration 2.75 = 88.334286 t
    # AR5: 3,687 × (28 − 27.9) = +368.7; 88.334286 × (265 − 273) = −706.674286
    ("gwp-ar5", "emissions_t_co2e", 368.7 - 706.674286, "coef-gwp-ch4-ar5"),
    # AR4: 3,687 × (25 − 27.9) = −10,692.3; 88.334286 × (298 − 273) = +2,208.357143
    ("gwp-ar4", "emissions_t_co2e", -10_692.3 + 2_208.357143, "coef-gwp-n2o-ar4"),
    # SAR (the provincial guideline): 3,687 × (21 − 27.9) = −25,440.3; 88.334286 × (310 − 273) = +3,268.368571
    ("gwp-sar", "emissions_t_co2e", -25_440.3 + 3_268.368571, "coef-gwp-ch4-sar"),
    # continuous flooding instead of single drainage: 5,000 × 1.30 × 120 × (1.0 − 0.60) = 312 t CH4 × 27.9
    ("rice-continuous", "emissions_t_co2e", 8_704.8, "coef-rice-water-continuous"),
    # IPCC 2006 livestock: cattle 47 instead of 54 kg → 70 t CH4 less × 27.9 = −1,953 (pigs, sheep unchanged)
    ("livestock-ipcc2006", "emissions_t_co2e", -1_953.0, "coef-enteric-other-cattle-ipcc2006-asia"),
    # grid 2021 national 0.5568 instead of 2022 Henan 0.6058: 2e8 kWh × −0.0490 = −9,800 t
    ("grid-2021-national", "emissions_t_co2e", -9_800.0, "coef-grid-2021-national"),
    # regional factors only: 2022 Central 0.5395 instead of 2022 Henan 0.6058: 2e8 kWh × −0.0663 = −13,260 t
    ("grid-regional", "emissions_t_co2e", -13_260.0, "coef-grid-2022-central"),
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
    south = balance.account(dict(COUNTY, grid_region="south", province=None))["by_source"]["electricity"]
    none = balance.account(dict(COUNTY, grid_region=None, province=None))
    assert south == pytest.approx(2e8 * 0.3869 / 1000, rel=1e-9)
    assert none["by_source"]["electricity"] == pytest.approx(2e8 * 0.5366 / 1000, rel=1e-9)
    assert "coef-grid-2022-national" in _ids(none)


def test_profile_without_energy_data_is_a_lower_bound_naming_the_missing_lines():
    energy = ["coal_t", "gasoline_t", "diesel_t", "lpg_t", "natural_gas_10k_m3", "electricity_mwh"]
    r = balance.account({k: (None if k in energy else v) for k, v in COUNTY.items()})
    assert r["complete"] is False
    assert set(energy) <= set(r["missing"])
    # the lines that are known still add up: a lower bound, not "unknown"
    assert r["emissions_t_co2e"] == rel(HAND_EMISSIONS - 426_093.8944)
    assert {m["key"] for m in r["missing_lines"]} == {"coal", "gasoline", "diesel", "lpg", "natural_gas",
                                                       "electricity"}
    assert "coal" not in r["by_source"]
    assert r["sinks_t_co2e"] == rel(121_949.667)


def test_one_missing_minor_fuel_keeps_the_headline_as_a_lower_bound_named_by_label():
    r = balance.account(dict(COUNTY, lpg_t=None))
    assert r["complete"] is False and r["missing"] == ["lpg_t"]
    assert r["emissions_t_co2e"] == rel(HAND_EMISSIONS - 3_166.2949)
    assert r["net_t_co2e"] is not None and r["balance_ratio"] is not None
    assert r["missing_lines"] == [{"key": "lpg", "label_zh": "液化石油气燃烧", "label_en": "LPG combustion",
                                   "field": "lpg_t", "direction": "source", "counted_where_given": False}]
    zh = balance_view.render([("T001", r)], "table", "zh")
    en = balance_view.render([("T001", r)], "md", "en")
    assert "≥ 706,354" in zh and "—" not in zh.splitlines()[2]
    assert "lower bound: LPG combustion not reported" in en and "lpg_t" not in en


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
    text = balance_view.render([("T001", r)], "md", "en")
    assert "wetland" in text.lower() and "no sourced" in text.lower()


def test_batch_of_2844_regions_equals_single_accounts():
    # speed is measured by `tanheng bench` (advise end to end, accounting included), not by a timed test
    regions = [dict(COUNTY, coal_t=1000 * i, forest_ha=10 * i, year=2010 + i % 14) for i in range(2844)]
    results = balance.account_many(regions)
    for i in (0, 123, 2843):
        assert results[i] == balance.account(regions[i])
    # Henan: the 2012 Central factor before 2021, the provincial ones for 2021 and 2022, the 2023 Central one after
    assert {r["year_of_factors"]["grid-electricity"] for r in results} == {2012, 2021, 2022, 2023}


def _varied_regions(n: int, seed: int) -> list[dict]:
    """Generated regions (kg.bench, read back through the CSV reader) that differ in what decides an account
    besides the numbers: which inputs are missing (a few shared patterns and some of their own), province given
    or only in the region code or neither, grid region given or inferred, years before, between and after the
    factor years, designations."""
    import random

    from kg.bench import batch_from_rows, generate

    rnd = random.Random(seed)
    codes = ["41", "44", "65"]          # Henan (Central grid), Guangdong (South), Xinjiang (Northwest)
    optional = ["power_heat_coal_t", "lpg_t", "clinker_t", "lime_t", "rice_paddy_ha", "sown_area_ha",
                "msw_landfill_pct", "msw_incineration_pct", "tree_forest_ha", "garden_ha"]
    patterns = [(), ("electricity_mwh", "cattle_head", "pigs_head", "sheep_head"), ("nitrogen_fertilizer_t", "coal_t")]
    rows = generate(n, seed)
    for r in rows:
        given = rnd.choice([optional[::2], optional[1::2]])
        code = rnd.choice(codes)
        if rnd.random() < 0.5:
            r["region_id"] = f"{code}0{rnd.randint(1, 9)}0{rnd.randint(1, 9)}"
        r["province"] = rnd.choice(["", "", balance.provinces()[code]["zh"], balance.provinces()[code]["short"]])
        r["grid_region"] = rnd.choice(["central", "east", ""])
        r["year"] = rnd.choice([2005, 2020, 2022, 2030]) if rnd.random() < 0.95 else ""
        r["designation"] = rnd.choice(["", "NP2010-opt", "HEN2014-agri"])
        for k in optional:
            r[k] = round(rnd.uniform(0, 100), 1) if k.endswith("pct") or k in given else ""
        blank = rnd.choice(patterns) if rnd.random() < 0.9 else rnd.sample(balance.input_fields(), 3)
        for k in blank:
            r[k] = ""
    return [x.values for x in batch_from_rows(rows).regions]


@pytest.mark.parametrize(("coefficient_set", "boundary"), [("default", "consumption"),
                                                           ("gwp-ar5,forest-mean-area", "territorial")])
def test_a_varied_batch_accounts_each_region_as_account_does(coefficient_set, boundary):
    import orjson

    regions = _varied_regions(900, 12)
    batch = balance.account_many(regions, coefficient_set, boundary)
    single = [balance.account(r, coefficient_set, boundary) for r in regions]
    assert batch == single
    assert [orjson.dumps(b) for b in batch] == [orjson.dumps(s) for s in single]      # same floats, key order
    # the batch holds both kinds of plan: regions accounted together over columns, and regions alone
    sizes = [len(idx) for idx, _ in balance.plans(regions, balance.compile_set(coefficient_set), boundary)]
    assert sum(n for n in sizes if n >= balance._MIN_COLUMNS) >= 300 and sizes.count(1) >= 100
    # and what the plans differ in: grid regions inferred from provinces, factors of several years, missing lines
    assert any("assume-grid-region" in {a["key"] for a in b["assumptions"]} for b in batch)
    assert len({b["year_of_factors"].get("grid-electricity") for b in batch}) >= 3
    assert sum(not b["complete"] for b in batch) >= 50


def test_a_value_that_is_not_a_number_fails_in_a_batch_as_for_one_region():
    regions = [dict(COUNTY, coal_t=1000 * i) for i in range(10)]
    regions[7]["lime_t"] = "fifty"
    with pytest.raises(ValueError, match="fifty"):
        balance.account(regions[7])
    with pytest.raises(ValueError, match="fifty"):
        balance.account_many(regions)


def test_renderers_show_totals_in_both_languages():
    r = balance.account(COUNTY)
    zh = balance_view.render([("T001 县", r)], "table", "zh")
    en = balance_view.render([("T001 county", r)], "md", "en")
    assert "709,520" in zh and "排放" in zh and "煤炭燃烧" in zh
    assert "| T001 county | 709,520 |" in en and "coal combustion" in en
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
    from kg.read.profiles import read_profiles
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


# ----------------------------------------------------------------------------- provincial grid factors
SICHUAN = dict(COUNTY, region_id="510104", province=None, grid_region="southwest")


@pytest.mark.parametrize("year, factor, coefficient", [
    (2021, 0.1255, "coef-grid-2021-province-51"),    # MEE/NBS 2021, Sichuan
    (2022, 0.1404, "coef-grid-2022-province-51"),    # MEE/NBS 2022, Sichuan
    (2023, 0.2472, "coef-grid-2023-southwest"),      # no 2023 provincial table held: the 2023 Southwest factor
    (2015, 0.5257, "coef-grid-2012-southwest"),      # before 2021 Sichuan was in the Central grid (NDRC 2012)
])
def test_a_sichuan_county_gets_the_provincial_factor_of_its_year_and_the_account_names_it(year, factor,
                                                                                          coefficient):
    r = balance.account(dict(SICHUAN, year=year))
    assert r["by_source"]["electricity"] == pytest.approx(2e8 * factor / 1000, rel=1e-9)
    (choice,) = r["factor_choices"]
    assert choice["coefficient"] == coefficient and choice["line"] == "electricity"
    assert choice["value"] == factor and choice["valid_year"] == int(coefficient[10:14])
    if year in (2021, 2022):
        assert choice["scope"] == "province-51" and "四川" in choice["zh"] and "Sichuan" in choice["en"]
        assert ("公告2024年第12号" if year == 2021 else "2024年12月20日") in choice["zh"]
    assert choice["confidence"] in choice["en"]


def test_the_province_comes_from_the_region_code_else_from_the_province_name():
    by_name = balance.account(dict(COUNTY, region_id="T9", province="四川省", grid_region=None, year=2022))
    by_code = balance.account(dict(COUNTY, region_id="510104", province=None, grid_region=None, year=2022))
    assert by_name["by_source"]["electricity"] == by_code["by_source"]["electricity"] == pytest.approx(28_080)
    # a township code (9 digits) names its province too; a code that is not a province's falls back to the name
    assert balance.province_code({"region_id": "510104001"}) == "51"
    assert balance.province_code({"region_id": "990104", "province": "河南"}) == "41"
    assert balance.province_code({"region_id": "T1"}) is None
    # the code also gives the manure region when the province name is missing (Sichuan → Southwest)
    assert by_code["by_source"]["manure_ch4_pigs"] == balance.account(
        dict(COUNTY, province="四川省"))["by_source"]["manure_ch4_pigs"]


def test_a_pinned_or_regional_set_overrides_the_provincial_factor():
    pinned = balance.account(dict(SICHUAN, year=2022), "grid-2022-national")
    assert pinned["by_source"]["electricity"] == pytest.approx(2e8 * 0.5366 / 1000, rel=1e-9)
    regional = balance.account(dict(SICHUAN, year=2022), "grid-regional")
    assert regional["by_source"]["electricity"] == pytest.approx(2e8 * 0.2268 / 1000, rel=1e-9)
    assert not any(c["scope"].startswith("province-") for c in regional["coefficients"])


def test_a_factor_later_than_the_profile_year_is_stated():
    # Inner Mongolia is split between two grids, so no grid region is inferred; neither the province nor the
    # national average has a factor for 2015 or before: the 2021 Inner Mongolia one, said so
    r = balance.account(dict(COUNTY, region_id="150102", province=None, grid_region=None, year=2015))
    assert r["factor_choices"][0]["coefficient"] == "coef-grid-2021-province-15"
    assert any(a["key"] == "assume-later-factor" and "2021" in a["en"] and "electricity use" in a["en"]
               for a in r["assumptions"])


@pytest.mark.parametrize("region_id, year, factor, coefficient", [
    ("410526", 2023, 0.5271, "coef-grid-2023-central"),      # Henan → Central China grid, 2023
    ("410526", 2015, 0.5257, "coef-grid-2012-central"),      # … and the 2012 NDRC factor before 2021
    ("510104", 2015, 0.5257, "coef-grid-2012-southwest"),    # Sichuan: Central grid before 2021
    ("510104", 2023, 0.2472, "coef-grid-2023-southwest"),    # … the Southwest grid from 2021
])
def test_without_a_grid_region_the_provinces_grid_is_inferred_and_said(region_id, year, factor, coefficient):
    r = balance.account(dict(COUNTY, region_id=region_id, province=None, grid_region=None, year=year))
    assert r["by_source"]["electricity"] == pytest.approx(2e8 * factor / 1000, rel=1e-9)
    assert r["factor_choices"][0]["coefficient"] == coefficient
    (said,) = [a for a in r["assumptions"] if a["key"] == "assume-grid-region"]
    assert ("河南省" if region_id == "410526" else "四川省") in said["zh"] and "grid region not reported" in said["en"]
    # where the province's own factor is used, the grid region is not needed and nothing is said about it
    own = balance.account(dict(COUNTY, region_id=region_id, province=None, grid_region=None, year=2022))
    assert own["factor_choices"][0]["scope"] == f"province-{region_id[:2]}"
    assert not any(a["key"] == "assume-grid-region" for a in own["assumptions"])
    # a reported grid region is never overridden, and none is inferred
    given = balance.account(dict(COUNTY, region_id=region_id, province=None, grid_region="east", year=year))
    assert not any(a["key"] == "assume-grid-region" for a in given["assumptions"])


def test_the_rendered_account_lists_the_factor_used():
    r = balance.account(dict(SICHUAN, year=2022))
    zh = balance_view.render([("成都", r)], "table", "zh")
    en = balance_view.render([("Chengdu", r)], "md", "en")
    assert "所用因子" in zh and "2022年四川省电力平均二氧化碳排放因子" in zh and "0.1404" in zh
    assert "factors used" in en and "2022 Sichuan provincial electricity CO2 emission factor" in en


def test_reservoir_methane_and_outgassing_are_named_as_not_counted_with_the_reason_when_water_is_reported():
    r = balance.account(COUNTY)
    (water,) = [n for n in r["not_counted"] if n["key"] == "water_outgassing"]
    assert water["field"] == "water_ha" and "upper bound" in water["reason_en"] and "上限" in water["reason_zh"]
    assert "water_outgassing" not in r["by_source"] and "water_outgassing" not in r["memo"]
    dry = balance.account(dict(COUNTY, water_ha=None))
    assert not any(n["key"] == "water_outgassing" for n in dry["not_counted"])


def test_every_account_with_a_landfill_line_states_its_method():
    r = balance.account(COUNTY)
    (method,) = [a for a in r["assumptions"] if a["key"] == "assume-method"]
    assert method["en"].startswith("landfill CH4: mass balance") and "first-order decay" in method["en"]
    assert method["zh"].startswith("垃圾填埋甲烷的方法：质量平衡法") and "一阶衰减" in method["zh"]
    no_waste = balance.account(dict(COUNTY, msw_t=None))
    assert not any(a["key"] == "assume-method" for a in no_waste["assumptions"])


def test_a_batch_gives_each_region_its_own_amounts_and_reads_codes_as_given():
    """account_many shares a plan's lines and texts, but each region's amounts are its own dicts; an id
    given as a number (410526) names Henan by its code, the same number as a float (410526.0) does not."""
    import orjson

    regions = [dict(COUNTY, coal_t=1000 * i, region_id=rid, province=None)
               for i, rid in enumerate([410526, 410526.0, "410526", 410526, 410526.0, "410526"] * 3)]
    batch = balance.account_many(regions)
    assert [orjson.dumps(b) for b in batch] == [orjson.dumps(balance.account(r)) for r in regions]
    assert len({b["balance_ratio"] for b in batch}) == len(batch)                    # the numbers are each region's
    line = next(iter(batch[3]["by_source"]))
    batch[3]["by_source"][line] = -1.0
    assert batch[9]["by_source"][line] != -1.0
