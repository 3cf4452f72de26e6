"""kg.knowledge.catalog, the knowledge-base browsing API of the app, over the real graph.
Expected facts come from the paper (Table 1, §4.1–4.2) and PROFILE.md, not from the code."""
from kg.knowledge import catalog


def _find(nodes, key):
    for n in nodes:
        if n["key"] == key:
            return n
        found = _find(n["children"], key)
        if found:
            return found
    return None


def _keys(nodes):
    out = []
    for n in nodes:
        out.append(n["key"])
        out += _keys(n["children"])
    return out


def test_table1_tree_has_the_papers_two_trees_with_chinese_labels():
    pools, fluxes = catalog.table1()
    assert (pools["label_zh"], fluxes["label_zh"]) == ("碳储量（碳库）", "碳通量")
    natural = _find([pools], "NaturalCarbonPool")
    assert natural["label_zh"] == "自然碳库"
    # Table 1 lists soil, water bodies, rural vegetation under natural pools, in that order
    assert [c["label_zh"] for c in natural["children"]] == ["城乡土壤碳库", "城乡水域碳库", "乡村植被碳库"]
    assert len(_find([pools], "AnthropogenicCarbonPool")["children"]) == 5


def test_table1_places_each_flux_once_under_input_or_output():
    pools, fluxes = catalog.table1()
    keys = _keys([fluxes])
    assert len(keys) == len(set(keys)), "a class with two parents must appear once"
    assert [c["key"] for c in fluxes["children"]] == ["CarbonInputFlux", "CarbonOutputFlux"]
    vertical_in = _find([fluxes], "VerticalCarbonInputFlux")
    # the paper puts river (or water-supply network) input in the vertical input column
    assert "RiverCarbonInput" in [c["key"] for c in vertical_in["children"]]
    assert _find([fluxes], "FossilFuelCombustion")["label_zh"] == "化石燃料燃烧"


def test_table1_leaves_count_and_path():
    leaves = catalog.table1_leaves()
    # Table 1: 3 natural + 5 anthropogenic pools; inputs 6 horizontal + 3 vertical; outputs 2 + 6
    assert len(leaves) == 8 + 6 + 3 + 2 + 6
    soil = next(leaf for leaf in leaves if leaf["key"] == "SoilCarbonPool")
    assert soil["path_zh"] == ["碳储量（碳库）", "自然碳库"]
    assert all(leaf["label_en"] and leaf["label_zh"] != leaf["label_en"] for leaf in leaves)
    assert all(leaf["sources"] for leaf in leaves), "every Table 1 class cites its source"


def test_profile_fields_follow_the_profile_contract():
    fields = catalog.profile_fields()
    keys = [f["key"] for f in fields]
    assert keys[:3] == ["region_id", "name", "year"]
    required = {f["key"] for f in fields if f["required"]}
    assert required == {"region_id", "name", "year", "area_km2", "population", "urbanization_rate_pct",
                        "gdp_100m_cny", "primary_industry_pct", "secondary_industry_pct",
                        "tertiary_industry_pct", "cropland_ha", "forest_ha", "grassland_ha", "wetland_ha",
                        "water_ha", "built_up_ha", "other_land_ha", "ecological_redline_pct"}
    area = next(f for f in fields if f["key"] == "area_km2")
    assert (area["label_zh"], area["unit_en"], area["datatype"]) == ("国土面积（平方千米）", "km²", "decimal")
    assert next(f for f in fields if f["key"] == "population")["datatype"] == "integer"
    grid = next(f for f in fields if f["key"] == "grid_region")
    assert {"north", "east", "national"} <= set(grid["choices"])


def test_types_recommend_the_papers_models():
    by_key = {t["key"]: t for t in catalog.types()}
    assert set(by_key) == {"urbanized", "agricultural", "ecological"}
    assert by_key["urbanized"]["model_key"] == "low-carbon-unit-layout"
    assert by_key["agricultural"]["model_key"] == "production-waste-cycle"
    assert by_key["ecological"]["model_key"] == "blue-green-sink"
    assert by_key["agricultural"]["label_zh"] == "农产品主产区"
    assert all(t["characteristics"] for t in by_key.values())


def test_models_have_their_own_measures_common_requirements_and_a_pathway():
    models = {m["key"]: m for m in catalog.models()}
    assert len(models) == 3
    lcu, bgs = models["low-carbon-unit-layout"], models["blue-green-sink"]
    assert lcu["measures"] and all(m["key"].startswith("lcu-") for m in lcu["measures"])
    assert bgs["measures"] and all(m["key"].startswith("bgs-") for m in bgs["measures"])
    assert lcu["common"] and all(m["key"].startswith("common-") for m in lcu["common"])
    # §4.1: the ecological pathway keeps the natural pools (water, vegetation) and
    # makes transport and community construction more efficient
    keys = {catalog.local_name(i) for i in bgs["pathway"]["pools"] + bgs["pathway"]["processes"]}
    assert "WaterBodyCarbonPool" in keys and "process-community-construction" in keys
    assert lcu["types"] == ["urbanized"]


def test_describe_resolves_keys_and_iris_and_tolerates_unknowns():
    assert catalog.describe("agricultural")["label_zh"] == "农产品主产区"
    assert catalog.describe(str(catalog.TH.SoilCarbonPool))["label_zh"] == "城乡土壤碳库"
    odd = catalog.describe("no-such-thing <script>")
    assert odd["iri"] is None and odd["label_en"] == "no-such-thing <script>"


def test_model_graph_links_cases_to_measures_of_the_model():
    g = catalog.model_graph("production-waste-cycle")
    kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert {"model", "measure", "case"} <= kinds
    for case, measure in g.edges():
        if g.nodes[case]["kind"] == "case":
            assert g.nodes[measure]["kind"] == "measure"


def test_coefficient_sets_offer_the_default_first_with_bilingual_labels():
    sets = catalog.coefficient_sets()
    assert sets[0]["key"] == "default"
    keys = {s["key"] for s in sets}
    # REFERENCE-DATA: the forest sink has a variant per mean forest area (0.581 instead of 0.644)
    assert "forest-mean-area" in keys
    assert all(s["label_zh"] != s["label_en"] and s["definition_zh"] and s["definition_en"] for s in sets)
