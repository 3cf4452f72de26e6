"""Coefficient nodes and sets in the knowledge graph: every number a user may
question carries its source, confidence and labels, and holds the value the
reference data gives (typed here from REFERENCE-DATA, not from the Turtle)."""
import pytest
from rdflib import Literal
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from kg.account import balance, coefficients
from kg.knowledge.graph import knowledge_graph
from kg.namespaces import TH, THR


@pytest.fixture(scope="module")
def graph():
    return knowledge_graph()


@pytest.fixture(scope="module")
def coef_nodes(graph):
    nodes = list(graph.subjects(RDF.type, TH.Coefficient))
    assert len(nodes) >= 50
    return nodes


def _langs(graph, s, p):
    return {o.language for o in graph.objects(s, p) if isinstance(o, Literal)}


def test_every_coefficient_has_value_unit_group_source_confidence_and_labels(graph, coef_nodes):
    for c in coef_nodes:
        assert isinstance(graph.value(c, TH.value), Literal), c
        assert graph.value(c, TH.unitLabel), c
        assert graph.value(c, TH.variantGroup), c
        assert graph.value(c, TH.edition), c
        assert graph.value(c, TH.regionScope), c
        assert str(graph.value(c, TH.confidence)) in {"verified", "derived", "unconfirmed"}, c
        assert {"zh", "en"} <= _langs(graph, c, RDFS.label), c
        assert {"zh", "en"} <= _langs(graph, c, SKOS.definition), c
        source = graph.value(c, DCTERMS.source)
        assert source is not None, c
        # the source is a real node with a readable label (outside sources here, the paper's in references.ttl)
        assert "en" in _langs(graph, source, RDFS.label), (c, source)


def test_derived_coefficients_say_how_they_were_derived(graph, coef_nodes):
    derived = [c for c in coef_nodes if str(graph.value(c, TH.confidence)) == "derived"]
    assert derived
    for c in derived:
        assert {"zh", "en"} <= _langs(graph, c, TH.derivation), c


# Values as REFERENCE-DATA §1–3 states them, with the confidence tag it gives.
REFERENCE = [
    ("coef-landuse-forest-fang2007-1980s-area", -0.644, "derived"),
    ("coef-landuse-forest-fang2007-mean-area", -0.581, "derived"),
    ("coef-landuse-grassland-fang2007", -0.021, "derived"),
    ("coef-landuse-cropland-0497", 0.497, "unconfirmed"),
    ("coef-landuse-cropland-0422", 0.422, "unconfirmed"),
    ("coef-landuse-water-lai2010", -0.253, "unconfirmed"),
    ("coef-landuse-unused-lai2010", -0.005, "unconfirmed"),
    ("coef-ncv-raw-coal-gbt2589", 20_908, "unconfirmed"),
    ("coef-ef-co2-anthracite-ipcc2006", 98_300, "verified"),
    ("coef-ef-co2-other-bituminous-ipcc2006", 94_600, "verified"),
    ("coef-ef-co2-sub-bituminous-ipcc2006", 96_100, "verified"),
    ("coef-ef-co2-lignite-ipcc2006", 101_000, "verified"),
    ("coef-ef-co2-coke-ipcc2006", 107_000, "verified"),
    ("coef-ef-co2-crude-oil-ipcc2006", 73_300, "verified"),
    ("coef-ef-co2-gasoline-ipcc2006", 69_300, "verified"),
    ("coef-ef-co2-diesel-ipcc2006", 74_100, "verified"),
    ("coef-ef-co2-residual-fuel-oil-ipcc2006", 77_400, "verified"),
    ("coef-ef-co2-kerosene-ipcc2006", 71_900, "verified"),
    ("coef-ef-co2-lpg-ipcc2006", 63_100, "verified"),
    ("coef-ef-co2-natural-gas-ipcc2006", 56_100, "verified"),
    ("coef-grid-2021-national", 0.5568, "verified"),
    ("coef-grid-2022-national", 0.5366, "verified"),
    ("coef-grid-2022-national-excl-traded-nonfossil", 0.5856, "verified"),
    ("coef-grid-2022-national-fossil", 0.8325, "verified"),
    ("coef-grid-2022-north", 0.6776, "verified"),
    ("coef-grid-2022-northwest", 0.5857, "verified"),
    ("coef-grid-2022-east", 0.5617, "verified"),
    ("coef-grid-2022-northeast", 0.5564, "verified"),
    ("coef-grid-2022-central", 0.5395, "verified"),
    ("coef-grid-2022-south", 0.3869, "verified"),
    ("coef-grid-2022-southwest", 0.2268, "verified"),
    # MEE/NBS 2022 provincial factors quoted by The Beijing News (the five highest and five lowest)
    ("coef-grid-2022-province-13", 0.7252, "verified"), ("coef-grid-2022-province-14", 0.7096, "verified"),
    ("coef-grid-2022-province-12", 0.7041, "verified"), ("coef-grid-2022-province-15", 0.6849, "verified"),
    ("coef-grid-2022-province-34", 0.6782, "verified"), ("coef-grid-2022-province-35", 0.4092, "verified"),
    ("coef-grid-2022-province-45", 0.4044, "verified"), ("coef-grid-2022-province-63", 0.1567, "verified"),
    ("coef-grid-2022-province-51", 0.1404, "verified"), ("coef-grid-2022-province-53", 0.1073, "verified"),
    # seen in one transcription of the full tables only
    ("coef-grid-2022-province-41", 0.6058, "unconfirmed"), ("coef-grid-2021-province-51", 0.1255, "unconfirmed"),
    ("coef-grid-2021-province-50", 0.4743, "unconfirmed"), ("coef-grid-2021-central", 0.5354, "unconfirmed"),
    ("coef-grid-2021-southwest", 0.2113, "unconfirmed"),
    # 2021 South: 0.3869 (2022) + the reported fall 0.0457
    ("coef-grid-2021-south", 0.4326, "verified"), ("coef-grid-2021-national-fossil", 0.8426, "verified"),
    # MEE/NBS 2023, as Guangming Daily and China Electric Power News quote them
    ("coef-grid-2023-national", 0.5306, "verified"), ("coef-grid-2023-north", 0.6361, "verified"),
    ("coef-grid-2023-northeast", 0.5122, "verified"), ("coef-grid-2023-east", 0.5500, "verified"),
    ("coef-grid-2023-central", 0.5271, "verified"), ("coef-grid-2023-northwest", 0.5543, "verified"),
    ("coef-grid-2023-south", 0.4042, "verified"), ("coef-grid-2023-southwest", 0.2472, "verified"),
    ("coef-grid-2023-national-excl-traded-nonfossil", 0.6096, "verified"),
    ("coef-grid-2023-national-fossil", 0.8273, "verified"),
    ("coef-enteric-dairy-cattle-ipcc2019-asia", 78, "verified"),
    ("coef-enteric-other-cattle-ipcc2019-asia", 54, "verified"),
    ("coef-enteric-buffalo-ipcc2019-asia", 68, "verified"),
    # issue 14: the 2019 sheep and swine defaults are by productivity system, not "Asia" — not checked, so unconfirmed
    ("coef-enteric-sheep-ipcc2019", 5, "unconfirmed"),
    ("coef-enteric-swine-ipcc2019", 1, "unconfirmed"),
    # issue 14 (REFERENCE-DATA §8): IPCC 2006 Table 5.12 single aeration 0.60; Table 11.1 EF1FR 0.003;
    # Table 11.3 indirect N2O; Vol. 3 Ch. 2 clinker and lime; SAR GWPs
    ("coef-rice-water-single-drainage-ipcc2006", 0.60, "verified"),
    ("coef-n2o-ef1fr-ipcc2006", 0.003, "verified"),
    ("coef-frac-gasf-ipcc2006", 0.10, "verified"), ("coef-n2o-ef4-ipcc2006", 0.010, "verified"),
    ("coef-frac-leach-ipcc2006", 0.30, "verified"), ("coef-n2o-ef5-ipcc2006", 0.0075, "verified"),
    ("coef-ef-clinker-ipcc2006", 0.52, "verified"), ("coef-ef-lime-ipcc2006", 0.75, "verified"),
    ("coef-gwp-ch4-sar", 21, "verified"), ("coef-gwp-n2o-sar", 310, "verified"),
    # REFERENCE-DATA §8 tags these [U]: stored, marked unconfirmed
    ("coef-grid-national-enterprise-2022-notice", 0.5810, "unconfirmed"),
    ("coef-grid-national-enterprise-2023-notice", 0.5703, "unconfirmed"),
    ("coef-n2o-ef1fr-ipcc2019", 0.004, "unconfirmed"),
    ("coef-enteric-dairy-cattle-ipcc2006-asia", 68, "unconfirmed"),
    ("coef-enteric-other-cattle-ipcc2006-asia", 47, "unconfirmed"),
    ("coef-enteric-buffalo-ipcc2006-asia", 55, "unconfirmed"),
    ("coef-rice-ef-daily-ipcc2006", 1.30, "verified"),
    ("coef-rice-ef-daily-ipcc2019", 1.19, "derived"),
    ("coef-rice-season-113d-ipcc2019", 113, "derived"),
    ("coef-n2o-ef1-ipcc2006", 0.010, "verified"),
    ("coef-gwp-ch4-ar4", 25, "verified"), ("coef-gwp-n2o-ar4", 298, "verified"),
    ("coef-gwp-ch4-ar5", 28, "verified"), ("coef-gwp-n2o-ar5", 265, "verified"),
    ("coef-gwp-ch4-ar6", 27.9, "verified"), ("coef-gwp-n2o-ar6", 273, "verified"),
    ("coef-gwp-ch4-ar6-fossil", 29.8, "verified"), ("coef-gwp-ch4-ar6-biogenic", 27.0, "verified"),
    ("coef-stock-forest-biomass-fang2007-2000", 41.0, "verified"),
    ("coef-stock-forest-biomass-fang2007-1980s", 36.9, "verified"),
]


@pytest.mark.parametrize("cid, value, confidence", REFERENCE)
def test_graph_holds_the_reference_values(cid, value, confidence):
    c = coefficients.coefficients()[cid]
    assert c.value == pytest.approx(value, rel=1e-12)
    assert c.confidence == confidence


def test_molar_ratios_are_exact_to_double_precision():
    coefs = coefficients.coefficients()
    assert coefs["coef-c-to-co2"].value == pytest.approx(44 / 12, rel=1e-15)
    assert coefs["coef-n2o-n-to-n2o"].value == pytest.approx(44 / 28, rel=1e-15)


def test_fang_forest_variants_follow_from_the_stated_arithmetic():
    coefs = coefficients.coefficients()
    # 0.075 Pg C/a over 116.5 Mha and over the mean area 129.65 Mha (Fang et al. 2007)
    assert -coefs["coef-landuse-forest-fang2007-1980s-area"].value == pytest.approx(0.075e9 / 116.5e6, abs=5e-4)
    assert -coefs["coef-landuse-forest-fang2007-mean-area"].value == pytest.approx(0.075e9 / 129.65e6, abs=5e-3)
    assert coefs["coef-landuse-forest-fang2007-1980s-area"].source == "ref-29"      # the paper's ref. [29]


def test_rice_season_length_is_marked_as_the_projects_assumption():
    c = coefficients.coefficients()["coef-rice-season-120d"]
    assert c.source == "src-tanheng-assumption" and c.confidence == "unconfirmed"


def test_default_set_has_one_choice_per_group_except_regional_and_year_true_members():
    rs = coefficients.resolve("default")
    several = {"grid-electricity", "msw-landfill-share", "msw-incineration-share"} | \
        {f"manure-{gas}-{kind}" for gas in ("ch4", "n2o") for kind in ("cattle", "swine", "sheep")}
    for group, members in rs.by_group.items():
        keys = [(m.scope, m.year) for m in members]
        assert len(keys) == len(set(keys)), group          # scope and year tell every member apart
        if group not in several:
            assert len(members) == 1, group
    scopes = {m.scope for m in rs.members("grid-electricity")}
    assert {s for s in scopes if not s.startswith("province-")} == {
        "national", "north", "northwest", "east", "northeast", "central", "south", "southwest"}
    assert len(scopes) == 8 + 30                         # and the 30 provinces of the MEE/NBS tables
    assert {m.year for m in rs.members("grid-electricity")} == {2012, 2021, 2022, 2023}
    assert {m.scope for m in rs.members("manure-ch4-swine")} == {
        "north", "northeast", "east", "central-south", "southwest", "northwest", "national-mean"}


def test_every_set_is_documented_overrides_the_default_and_compiles(graph):
    sets = coefficients.coefficient_sets()
    assert "default" in sets and len(sets) >= 8
    for key, s in sets.items():
        assert s.label_zh and s.label_en and s.definition_zh and s.definition_en, key
        if key != "default":
            assert s.base == "default" and s.members, key
        cs = balance.compile_set(key)
        assert cs.flux, key


def test_each_alternative_changes_exactly_the_groups_it_names():
    default = coefficients.resolve("default").by_group
    for key, s in coefficients.coefficient_sets().items():
        if key == "default":
            continue
        alt = coefficients.resolve(key).by_group
        changed = {g for g in set(default) | set(alt) if default.get(g) != alt.get(g)}
        named = {coefficients.coefficients()[m].group for m in s.members}
        assert changed == named, key


def test_list_coefficients_command_shows_sets_and_variants(capsys):
    from kg.cli import main

    assert main(["balance", "--list-coefficients", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    for key in ("default", "forest-mean-area", "gwp-ar5", "gwp-ar4", "livestock-ipcc2006", "grid-2021-national"):
        assert key in out
    assert "coef-landuse-forest-fang2007-mean-area" in out and "ref-29" in out


def test_no_coefficient_value_is_restated_in_the_accounting_code():
    from kg.paths import ROOT

    code = "".join((ROOT / "kg" / "account" / name).read_text(encoding="utf-8")
                   for name in ("balance.py", "coefficients.py", "scenario.py"))
    for c in coefficients.coefficients().values():
        digits = f"{abs(c.value):g}"
        if len(digits) >= 3:                # shorter ones ("25", "1") are too common to mean anything
            assert digits not in code, c.id


def test_every_grid_factor_states_its_source_year_scope_and_confidence():
    """What an inventory reviewer checks first: no grid factor without the notice it comes from, the year it
    describes and the territory it covers; a provincial one names a province of GB/T 2260."""
    from kg.account.balance import provinces

    grid = [c for c in coefficients.coefficients().values() if c.group == "grid-electricity"]
    assert len(grid) >= 80
    codes = set(provinces())
    for c in grid:
        assert c.source.startswith("src-") and c.year is not None and c.scope, c.id
        assert c.confidence in ("verified", "unconfirmed", "derived"), c.id
        if c.scope.startswith("province-"):
            assert c.scope.removeprefix("province-") in codes and c.year in (2021, 2022), c.id
    provincial = {c.scope for c in grid if c.scope.startswith("province-") and c.year == 2022}
    assert len(provincial) == 30 and "province-54" not in provincial      # Tibet is not in the tables seen
