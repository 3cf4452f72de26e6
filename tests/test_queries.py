"""Every named competency question in kg/queries answers what the paper says (real Oxigraph store), and
`tanheng query` prints it as table, JSON and CSV."""
from __future__ import annotations

import csv
import io
import json
import subprocess

import pytest

from conftest import VENV_BIN
from kg.knowledge.query import named_queries, run

TH = "https://w3id.org/tanheng/ontology#"
THR = "https://w3id.org/tanheng/resource/"


def answer(name: str) -> list[dict]:
    result = run(named_queries()[name].text)
    return [dict(zip(result.variables, row)) for row in result.rows]


def column(name: str, var: str) -> list:
    return [row[var] for row in answer(name)]


def test_there_are_at_least_twelve_named_questions_each_with_bilingual_titles():
    queries = named_queries()
    assert len(queries) >= 12
    for q in queries.values():
        assert q.title_en and q.title_zh and q.question, q.name
        assert q.title_en != q.name and any("\u4e00" <= ch <= "\u9fff" for ch in q.title_zh), q.name


def test_every_named_question_returns_rows():
    for name in named_queries():
        assert answer(name), name


def test_table1_tree_lists_every_pool_and_flux_once_under_its_column():
    rows = answer("table1-tree")
    by_class = {r["class"].split("#")[1]: r for r in rows}
    assert len(by_class) == len(rows)
    # Table 1 has 8 pools (depth 2) and 17 fluxes (depth 4, under the four columns)
    leaves = [c for c, r in by_class.items() if r["depth"] in ("2", "4")]
    assert len([c for c in leaves if c.endswith("Pool")]) == 8
    assert len([c for c in leaves if not c.endswith("Pool")]) == 17
    assert by_class["RiverCarbonInput"]["parents"] == "Vertical carbon input flux"
    assert by_class["HorizontalCarbonInputFlux"]["parents"] in (
        "Carbon input flux + Horizontal carbon flux", "Horizontal carbon flux + Carbon input flux")
    assert by_class["FossilFuelCombustion"]["label_zh"] == "化石燃料燃烧"
    # pools come first, as in the table
    assert rows[0]["class"].endswith("CarbonPool")


def test_natural_pools_are_soil_water_and_rural_vegetation_with_water_and_vegetation_protected():
    rows = answer("natural-pools")
    assert [r["label_zh"] for r in rows] == ["城乡土壤碳库", "城乡水域碳库", "乡村植被碳库"]
    protected = {r["label_zh"]: set(filter(None, (r["protected_by"] or "").split(", "))) for r in rows}
    all_models = {"low-carbon-unit-layout", "production-waste-cycle", "blue-green-sink"}
    # §4.1: every type keeps water and vegetation pools; the paper names no model for soil
    assert protected["城乡水域碳库"] == all_models and protected["乡村植被碳库"] == all_models
    assert protected["城乡土壤碳库"] == set()


def test_model_for_each_type_goes_through_the_restriction():
    rows = answer("model-for-type")
    assert [(r["type_key"], r["model_key"]) for r in rows] == [
        ("urbanized", "low-carbon-unit-layout"),
        ("agricultural", "production-waste-cycle"),
        ("ecological", "blue-green-sink")]
    assert rows[2]["model_zh"] == "蓝绿协同生态增汇模式"


def test_pathway_of_the_ecological_model_is_water_vegetation_transport_community():
    rows = [r for r in answer("model-pathway") if r["model_key"] == "blue-green-sink"]
    assert {(r["role"], r["label_zh"]) for r in rows} == {
        ("protects natural pool", "城乡水域碳库"), ("protects natural pool", "乡村植被碳库"),
        ("more efficient fluxes of process", "交通运输"), ("more efficient fluxes of process", "社区建造")}
    urban = {r["label_zh"] for r in answer("model-pathway")
             if r["model_key"] == "low-carbon-unit-layout" and r["role"] == "enhances anthropogenic pool"}
    assert urban == {"城乡建筑物碳库", "家具和图书碳库", "城乡垃圾碳库"}


def test_measures_on_transport_include_slow_travel_and_public_transport_but_not_native_plants():
    keys = set(column("measures-on-transport", "key"))
    assert {"lcu-slow-travel-system", "lcu-public-transport", "lcu-jobs-housing-balance",
            "pwc-three-sector-layout", "common-green-transport"} <= keys
    assert "bgs-native-plants" not in keys
    models = {r["key"]: r["model_key"] for r in answer("measures-on-transport")}
    assert models["common-green-transport"] == "common"
    assert models["pwc-urban-agriculture"] == "production-waste-cycle"


def test_cases_per_measure_lists_every_measure_with_all_its_cases():
    rows = {r["key"]: r for r in answer("cases-per-measure")}
    assert len(rows) == len(set(rows)) >= 35          # every measure appears, even one without a case
    # Milton Keynes couples housing and jobs; the London Plan promotes jobs-housing mixed communities (§2.2)
    assert set(rows["lcu-jobs-housing-balance"]["case_keys"].split(", ")) == {"milton-keynes", "london-plan-2021"}
    # the Chicago plan's five strategies include clean and renewable energy (§2.1)
    assert "chicago-climate-action-plan" in rows["common-clean-energy"]["case_keys"]
    assert int(rows["common-clean-energy"]["cases"]) == len(rows["common-clean-energy"]["case_keys"].split(", "))


def test_cases_by_country_covers_the_four_countries_and_china():
    rows = {r["country"]: r for r in answer("cases-by-country")}
    assert set(rows) == {"US", "GB", "DE", "JP", "CN"}
    # §3: three Chongming islands, Nanxun, Dayawan
    assert rows["CN"]["cases"] == "5"
    assert "milton-keynes" in rows["GB"]["case_keys"]
    assert sum(int(r["cases"]) for r in rows.values()) == len(set(
        k for r in rows.values() for k in r["case_keys"].split(", ")))


def test_measures_per_model_have_five_common_requirements_each():
    rows = {r["model_key"]: r for r in answer("measures-per-model")}
    assert set(rows) == {"low-carbon-unit-layout", "production-waste-cycle", "blue-green-sink"}
    for r in rows.values():
        assert r["common_requirements"] == "5"      # §4.2 names five shared requirements
        assert int(r["own_measures"]) >= 8


def test_common_requirements_are_the_five_of_section_4_2():
    rows = answer("common-requirements")
    assert [r["label_zh"] for r in rows] == ["三生空间的科学集约布局", "清洁能源和技术的推广使用",
                                             "绿色高效交通体系的编织", "碳的全生命周期监测智慧平台的构建",
                                             "相应法律法规标准的制定"]
    assert all(r["models"] == "3" for r in rows)


def test_processes_driving_fossil_fuel_combustion():
    keys = column("processes-fossil-combustion", "key")
    # fuel burnt by vehicles, factories, buildings and households is the core of this flux
    assert {"transport", "industrial-production", "building-construction", "daily-consumption"} <= set(keys)
    assert "waste-treatment" not in keys
    transport = next(r for r in answer("processes-fossil-combustion") if r["key"] == "transport")
    assert int(transport["measures"]) >= 5


def test_discrepancies_show_paper_and_verified_years():
    rows = {r["key"]: r for r in answer("discrepancies")}
    assert (rows["hanns-seidel-equivalence"]["paper_year"], rows["hanns-seidel-equivalence"]["verified_year"]) == ("1950", "1966")
    assert (rows["japan-energy-rational-use-act"]["paper_year"], rows["japan-energy-rational-use-act"]["verified_year"]) == ("2008", "1979")
    assert (rows["japan-rps-law"]["paper_year"], rows["japan-rps-law"]["verified_year"]) == ("2003", "2002")
    uk = {r["verified_year"]: r for r in answer("discrepancies") if r["key"] == "uk-green-infrastructure-guidance"}
    assert uk[None]["confidence"] == "unconfirmed"                               # NE176: year not confirmed
    assert "eco-town" in uk["2009"]["verified_fact"]                            # the 40 % is the eco-towns statement's
    assert all(r["source"].startswith(THR + "src-") for r in rows.values())


def test_timeline_runs_from_goldschmidt_to_the_20th_congress_in_order():
    rows = answer("timeline")
    years = [int(r["year"]) for r in rows]
    assert years == sorted(years)
    assert rows[0]["label_zh"].startswith("戈尔斯施米特") and years[0] == 1934
    assert rows[-1]["label_zh"].startswith("党的二十大") and years[-1] == 2022
    assert any("碳达峰" in r["label_zh"] and r["year"] == "2020" for r in rows)


def test_coefficients_from_reference_29_are_the_fang_2007_sinks():
    rows = answer("coefficients-from-ref29")
    values = {r["variant_group"]: set() for r in rows}
    for r in rows:
        values[r["variant_group"]].add(float(r["value"]))
    # REFERENCE-DATA §1: 0.075 Pg C/a ÷ 116.5 Mha = 0.644 t C/ha/a (sink, negative); grassland 0.007 / ~333 Mha
    assert any(abs(v + 0.075e9 / 116.5e6) < 0.001 for v in values["landuse-forest"])
    assert any(abs(v + 0.021) < 0.001 for v in values["landuse-grassland"])
    assert all(r["confidence"] in ("verified", "derived", "unconfirmed") for r in rows)


def test_reference_7_carries_table_1_and_reference_29_the_coefficients():
    rows = {r["reference"].rsplit("/", 1)[1]: int(r["items"]) for r in answer("sources-of-knowledge")}
    assert len(rows) == 29
    assert rows["ref-07"] >= 35            # every Table 1 class and the concepts built on it
    assert rows["ref-29"] >= 2             # the forest/grassland sink coefficients and the trees-and-shrubs measure


# ------------------------------------------------------------------ the command line
def tanheng(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "tanheng"), "query", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_cli_query_formats_table_json_csv(tanheng_env):
    table = tanheng("model-for-type", env=tanheng_env)
    assert table.returncode == 0, table.stderr
    assert "城市化地区" in table.stdout and "(3 rows)" in table.stdout

    js = tanheng("model-for-type", "--format", "json", env=tanheng_env)
    data = json.loads(js.stdout)
    assert data["head"]["vars"][:2] == ["type", "type_key"]
    first = data["results"]["bindings"][0]
    assert first["type_zh"] == {"type": "literal", "value": "城市化地区", "xml:lang": "zh"}
    assert first["model"]["type"] == "uri"

    c = tanheng("cases-by-country", "--format", "csv", env=tanheng_env)
    rows = list(csv.DictReader(io.StringIO(c.stdout)))
    assert {r["country"] for r in rows} == {"US", "GB", "DE", "JP", "CN"}


def test_cli_lists_named_questions_and_rejects_unknown_ones(tanheng_env):
    listing = tanheng("--list", env=tanheng_env)
    assert listing.returncode == 0
    assert "table1-tree" in listing.stdout and "表1" in listing.stdout
    bad = tanheng("no-such-question", env=tanheng_env)
    assert bad.returncode == 2
    assert "no-such-question" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_runs_an_expression_over_the_knowledge_graph(tanheng_env):
    out = tanheng("-e", "SELECT (COUNT(?m) AS ?n) WHERE { ?m a th:CommonRequirement }", "--format", "csv",
                  env=tanheng_env)
    assert out.stdout.splitlines() == ["n", "5"]


def test_pathway_measures_follow_each_model_along_its_processes():
    rows = answer("pathway-measures")
    assert {(r["model_key"], r["process_key"]) for r in rows} == {
        ("low-carbon-unit-layout", p) for p in
        ("transport", "building-construction", "industrial-production", "daily-consumption")} | {
        ("production-waste-cycle", p) for p in
        ("agricultural-production", "transport", "building-construction", "waste-treatment")} | {
        ("blue-green-sink", p) for p in ("transport", "community-construction")}
    keys = {(r["model_key"], r["process_key"]): set(r["measure_keys"].split(", ")) for r in rows}
    # §4.2.3: courtyard greening belongs to new living units (community construction); §4.2.2: urban agriculture
    assert "bgs-courtyard-greening" in keys[("blue-green-sink", "community-construction")]
    assert "pwc-urban-agriculture" in keys[("production-waste-cycle", "agricultural-production")]
    # a model's pathway only gathers its own measures and the common requirements
    for (model, _), ks in keys.items():
        own = {"low-carbon-unit-layout": "lcu-", "production-waste-cycle": "pwc-", "blue-green-sink": "bgs-"}[model]
        assert all(k.startswith((own, "common-")) for k in ks), (model, ks)


def test_timeline_places_the_us_milestones_of_section_2_1():
    rows = answer("timeline")
    us = [(r["year"], r["label_en"]) for r in rows if r["country"] == "US"]
    assert ("2007", "US carbon emissions peak") in us          # §2.1: peaked in 2007
    assert {r["country"] for r in rows} >= {"CN", "US"}
