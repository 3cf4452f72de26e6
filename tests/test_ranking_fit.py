"""Issue 15, item 5: a ranking that fits the county. Each fix is checked on the bundled typical regions or a
variant of one, as a planner would read the list: top measures, demotions with their reasons, no misapplied
threshold."""
import pytest

from kg.pipeline.advice import advise
from kg.bench import batch_from_rows
from kg.reason.indicators import compute
from kg.paths import EXAMPLES_DIR
from kg.read.profiles import read_profiles


def typical() -> dict[str, dict]:
    rows = read_profiles(EXAMPLES_DIR / "typical-regions.csv").regions
    return {r.region_id: {k: v for k, v in r.values.items() if v is not None} for r in rows}


def advised(*rows: dict) -> dict[str, dict]:
    return {r["region_id"]: r for r in advise(batch_from_rows(list(rows)))["regions"]}


def variant(base: str, new_id: str, **changes) -> dict:
    return {**typical()[base], "region_id": new_id, "name": new_id, **changes}


def order(region) -> list[str]:
    return [m["id"] for m in region["measures"]]


def reasons(measure) -> list[str]:
    return [r["en"] for r in measure["reasons"]] + [r["zh"] for r in measure["reasons"]]


@pytest.fixture(scope="module")
def regions():
    base = typical()
    extra = [variant("410526", "coal-county", coal_t=6_000_000),
             variant("410526", "fertilizer-county", sown_area_ha=200_000, chemical_fertilizer_t=90_000),
             variant("152528", "desert-banner", grassland_ha=150_000, other_land_ha=333_000)]
    return advised(*base.values(), *extra)


def test_coal_dominated_county_gets_clean_energy_in_its_top_three(regions):
    r = regions["coal-county"]
    assert r["indicators"]["coal_emission_share"] > 50
    top = order(r)[:3]
    assert {"common-clean-energy", "pwc-clean-energy-share"} & set(top), top
    # the common requirement competes on equal terms with the model's own measures (same base)
    assert order(r)[0] == "common-clean-energy"


def test_a_county_without_grassland_never_reads_about_grazing(regions):
    for rid, r in regions.items():
        grass = r["indicators"].get("grassland_share")
        if grass is None or grass >= 5:
            continue
        for m in r["measures"]:
            text = " ".join(reasons(m)).lower()
            assert "grazing" not in text and "放牧" not in text, (rid, m["id"])
    # 滑县: 154 cattle and sheep per km² on 0.7 % grassland — livestock is about manure, not grazing
    assert regions["410526"]["indicators"]["grazing_livestock_density"] > 120


def test_grazing_lives_where_grassland_is_and_is_demoted_elsewhere(regions):
    pastoral = regions["152528"]
    assert order(pastoral).index("bgs-ext-grazing-balance") < 3
    forest = regions["361130"]                         # 婺源: 0.5 % grassland
    ids = order(forest)
    assert ids.index("bgs-ext-grazing-balance") >= len(ids) - 3
    demoted = next(m for m in forest["measures"] if m["id"] == "bgs-ext-grazing-balance")
    assert any(x.startswith("Demoted: grassland is only") for x in reasons(demoted))


def test_pastoral_banner_gets_the_marked_extension_measures_for_its_livestock(regions):
    r = regions["152528"]
    assert r["indicators"]["livestock_emission_share"] > 15
    ext = {m["id"]: m for m in r["measures"] if m["extension"]}
    assert set(ext) == {"bgs-ext-grazing-balance", "bgs-ext-livestock-methane"}
    assert order(r).index("bgs-ext-livestock-methane") < 6
    assert all("project extension" in m["label_en"] and "本项目扩展" in m["label_zh"] for m in ext.values())
    assert not any(m["extension"] for m in r["measures"] if not m["id"].startswith("bgs-ext-"))


def test_high_transit_district_is_not_told_to_build_transit_first(regions):
    r = regions["310115"]                              # 浦东: public transport 48 % of trips
    assert r["indicators"]["public_transport_share"] >= 45
    ids = order(r)
    assert ids.index("lcu-public-transport") > 5
    m = next(m for m in r["measures"] if m["id"] == "lcu-public-transport")
    assert any(x.startswith("Demoted: public transport already carries") for x in reasons(m))


def test_urban_agriculture_does_not_fit_a_rural_grain_county(regions):
    r = regions["410526"]                              # 滑县: 38.5 % urbanized
    ids = order(r)
    assert ids.index("pwc-urban-agriculture") >= len(ids) - 3
    m = next(m for m in r["measures"] if m["id"] == "pwc-urban-agriculture")
    assert any("does not fit" in x for x in reasons(m))


def test_courtyard_greening_is_demoted_on_desert_land(regions):
    desert, pastoral = regions["desert-banner"], regions["152528"]
    assert desert["indicators"]["other_land_share"] > 50
    assert order(desert).index("bgs-courtyard-greening") > order(pastoral).index("bgs-courtyard-greening")
    m = next(m for m in desert["measures"] if m["id"] == "bgs-courtyard-greening")
    assert any("courtyard greening needs irrigation" in x for x in reasons(m))


def test_fertilizer_intensity_is_per_sown_hectare(regions):
    ind = compute({"chemical_fertilizer_t": 90_000, "sown_area_ha": 200_000, "nitrogen_fertilizer_t": 45_000,
                   "cropland_ha": 110_000})
    assert ind["fertilizer_per_sown_area"] == pytest.approx(450.0)      # kg per sown ha, all nutrients
    plain, fertilized = regions["410526"], regions["fertilizer-county"]
    # 滑县 has 409 kg N per ha of cropland, which the old rule read against the 225 limit: no reason any more
    assert plain["indicators"]["nitrogen_per_cropland"] > 225
    assert not any("fertilizer" in x.lower() for m in plain["measures"] for x in reasons(m))
    agri = next(m for m in fertilized["measures"] if m["id"] == "pwc-low-carbon-agriculture")
    assert any("of sown area" in x for x in reasons(agri))
    assert order(fertilized).index("pwc-low-carbon-agriculture") == 0


def test_the_largest_account_lines_drive_the_order():
    few = variant("152528", "few-livestock", cattle_head=6000, sheep_head=60000)
    many = variant("152528", "many-livestock")
    r = advised(few, many)
    # the same measure, acting on agricultural non-CO2: a large line lifts it, a small one does not
    assert r["many-livestock"]["indicators"]["livestock_emission_share"] > 15 > \
        r["few-livestock"]["indicators"]["livestock_emission_share"]
    assert order(r["many-livestock"]).index("bgs-ext-livestock-methane") < \
        order(r["few-livestock"]).index("bgs-ext-livestock-methane")
