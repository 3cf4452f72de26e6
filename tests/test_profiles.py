"""Reading regional profiles: every format and encoding, the vocabulary in
ontology/profile.ttl, hostile ids, and one clear sentence for unreadable input."""
import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, RDFS, SKOS, XSD

from kg.namespaces import QUDT, REGION, SH, THP, region_iri, region_id_of
from kg.errors import UserError
from kg.read.profiles import UnreadableInput, allowed_values, columns, read_profiles

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"

# The contract of PROFILE.md, restated independently of profile.ttl.
REQUIRED = ["region_id", "name", "year", "area_km2", "population", "urbanization_rate_pct", "gdp_100m_cny",
            "primary_industry_pct", "secondary_industry_pct", "tertiary_industry_pct", "cropland_ha",
            "forest_ha", "grassland_ha", "wetland_ha", "water_ha", "built_up_ha", "other_land_ha",
            "ecological_redline_pct"]
OPTIONAL = ["province", "official_zone_type", "garden_ha", "permanent_basic_farmland_ha",
            "urban_green_coverage_pct", "public_transport_share_pct", "grain_output_t", "rice_paddy_ha",
            "nitrogen_fertilizer_t", "cattle_head", "pigs_head", "sheep_head", "coal_t", "gasoline_t",
            "diesel_t", "lpg_t", "natural_gas_10k_m3", "electricity_mwh", "grid_region", "msw_t",
            "industry_energy_pct", "transport_energy_pct", "building_energy_pct",
            # PROFILE.md "additions the open issues bring" (issue 14: boundary, processes, waste, crops, forest)
            "power_heat_coal_t", "power_heat_natural_gas_10k_m3", "clinker_t", "lime_t", "msw_landfill_pct",
            "msw_incineration_pct", "sown_area_ha", "tree_forest_ha",
            # issue 15: fertilizer per sown hectare, the zoning's decisive evidence
            "chemical_fertilizer_t", "energy_base", "development_axis", "eco_importance_high_pct",
            "eco_fragility_high_pct", "usable_construction_land_pct", "water_per_person_m3"]
TYPICAL_IDS = ["310115", "410526", "152528", "361130", "310151", "230184", "320117"]


def values(batch):
    return [r.values for r in batch.regions]


# ---------------------------------------------------------------- vocabulary

def test_every_contract_column_is_a_property_with_labels_units_and_order():
    cols = columns()
    assert [c.key for c in cols] == REQUIRED + OPTIONAL
    assert [c.order for c in cols] == list(range(1, len(cols) + 1))
    for c in cols:
        assert c.required == (c.key in REQUIRED), c.key
        assert c.label_zh and c.label_en and c.unit_zh and c.unit_en, c.key
        assert c.definition_zh and c.definition_en, c.key
    by_key = {c.key: c for c in cols}
    assert by_key["area_km2"].label_zh == "国土面积（平方千米）"
    assert by_key["water_ha"].label_zh == "水域及水利设施用地（公顷）"
    assert by_key["population"].datatype == "integer"
    assert by_key["area_km2"].datatype == "decimal"


def test_profile_ttl_declares_qudt_units_and_sources():
    g = Graph().parse(ROOT / "ontology" / "profile.ttl")
    unit = lambda key: str(g.value(THP[key], QUDT.unit))
    assert unit("area_km2").endswith("/KiloM2")
    assert unit("forest_ha").endswith("/HA")
    assert unit("urbanization_rate_pct").endswith("/PERCENT")
    assert unit("coal_t").endswith("/TONNE")
    assert unit("electricity_mwh").endswith("/MegaW-HR")
    for c in columns():
        assert g.value(THP[c.key], DCTERMS.source) is not None, c.key
        assert g.value(THP[c.key], RDFS.range) in (XSD.string, XSD.integer, XSD.decimal)


def test_enumerations_are_skos_concepts_and_the_shapes_allow_exactly_them():
    g = Graph().parse(ROOT / "ontology" / "profile.ttl")
    shapes = Graph().parse(ROOT / "rules" / "profile-shapes.ttl")
    for key in ("grid_region", "official_zone_type"):
        notations = set(allowed_values()[key].values())
        in_list = {str(x) for s in shapes.subjects(SH.path, THP[key])
                   for lst in shapes.objects(s, SH["in"]) for x in Collection(shapes, lst)}
        assert in_list == notations
        for n in notations:
            concept = g.value(predicate=SKOS.notation, object=Literal(n))
            langs = {lab.language for lab in g.objects(concept, RDFS.label)}
            assert {"zh", "en"} <= langs
    assert set(allowed_values()["grid_region"].values()) == {
        "north", "northeast", "east", "central", "northwest", "south", "southwest", "national"}


# ---------------------------------------------------------------- formats

@pytest.mark.parametrize("name", ["typical-regions-zh-gb18030.csv", "typical-regions.xlsx", "typical-regions.json"])
def test_every_bundled_format_reads_like_the_utf8_csv(name):
    reference = read_profiles(EX / "typical-regions.csv")
    other = read_profiles(EX / name)
    assert other.ids() == reference.ids() == TYPICAL_IDS
    assert values(other) == values(reference)
    assert other.warnings == []


def test_examples_have_the_promised_character():
    b = read_profiles(EX / "typical-regions.csv")
    r = {x.region_id: x for x in b.regions}
    share = lambda reg, key: reg.values[key] / (reg.values["area_km2"] * 100)
    assert r["310115"].values["urbanization_rate_pct"] >= 90 and share(r["310115"], "built_up_ha") > 0.4
    assert share(r["410526"], "cropland_ha") > 0.5 and 20 <= r["410526"].values["primary_industry_pct"] <= 30
    assert share(r["152528"], "grassland_ha") > 0.6 and share(r["152528"], "forest_ha") < 0.1
    assert share(r["361130"], "forest_ha") > 0.65
    assert 0.35 <= share(r["230184"], "forest_ha") <= 0.45 and 0.3 <= share(r["230184"], "cropland_ha") <= 0.4
    assert r["310151"].values["ecological_redline_pct"] >= 30 and r["310151"].name.endswith("区")
    assert {x.values["official_zone_type"] for x in b.regions} >= {"urbanized", "agricultural", "ecological", None}


@pytest.mark.parametrize("name", ["regions-utf8-bom.csv", "regions-gbk-zh.csv", "regions-utf16.txt"])
def test_encodings_bom_gbk_utf16(name):
    b = read_profiles(DATA / name)
    assert b.ids() == TYPICAL_IDS[:3]
    assert values(b) == values(read_profiles(EX / "typical-regions.csv"))[:3]
    assert b.regions[0].name == "浦东新区"


def test_named_xlsx_sheet_and_missing_sheet():
    b = read_profiles(DATA / "regions-named-sheet.xlsx", sheet="县域")
    assert b.ids() == TYPICAL_IDS[3:6]
    assert b.regions[0].values["forest_ha"] == 240000
    with pytest.raises(UnreadableInput) as e:
        read_profiles(DATA / "regions-named-sheet.xlsx", sheet="nope")
    assert "nope" in str(e.value) and "县域" in str(e.value)


def test_bytes_with_and_without_filename():
    data = (EX / "typical-regions.json").read_bytes()
    assert read_profiles(data).format == "json"
    assert read_profiles(data, filename="upload.json").ids() == TYPICAL_IDS
    assert read_profiles((EX / "typical-regions.xlsx").read_bytes()).ids() == TYPICAL_IDS


def test_json_list_and_object_forms():
    rows = json.loads((EX / "typical-regions.json").read_text(encoding="utf-8"))["regions"]
    as_list = read_profiles(json.dumps(rows[:2], ensure_ascii=False).encode(), "x.json")
    assert as_list.ids() == TYPICAL_IDS[:2]


@pytest.mark.parametrize("fmt,ext", [("turtle", "ttl"), ("json-ld", "jsonld")])
def test_rdf_round_trip(fmt, ext):
    b = read_profiles(EX / "invalid-regions.csv")
    text = b.to_rdf().serialize(format=fmt).encode()
    back = read_profiles(text, f"regions.{ext}")
    assert back.format == fmt
    assert back.ids() == b.ids()                 # row order kept through th:sourceRow
    assert values(back) == values(b)
    assert back.regions[8].raw == {"area_km2": "约一千八"}


# ---------------------------------------------------------------- cells

def test_empty_cell_is_not_reported_and_zero_is_zero():
    b = read_profiles(EX / "typical-regions.csv")
    wuyuan = b.get("361130")
    assert wuyuan.values["official_zone_type"] is None     # empty cell
    assert b.get("152528").values["garden_ha"] == 0         # a real 0
    assert b.get("152528").values["rice_paddy_ha"] == 0


def test_numbers_with_separators_full_width_digits_and_units_row():
    b = read_profiles(DATA / "filled-template-zh.csv")
    assert len(b) == 1                                      # the units row of the template is skipped
    r = b.regions[0]
    assert r.values["population"] == 1092000               # "1,092,000"
    assert r.values["area_km2"] == 1814                     # full-width "１８１４"
    assert r.raw == {}


def test_unparseable_cells_and_unknown_columns_are_kept():
    text = "region_id,name,area_km2,population,备注,colour\nA1,甲县,about 1200,12.5,见附表,red\n"
    b = read_profiles(text.encode(), "x.csv")
    r = b.regions[0]
    assert r.values["area_km2"] is None and r.raw["area_km2"] == "about 1200"
    assert r.raw["population"] == "12.5"                    # a population is a whole number
    assert r.extra == {"备注": "见附表", "colour": "red"}
    fields = {w["field"] for w in b.warnings}
    assert fields == {"备注", "colour"}
    for w in b.warnings:
        assert w["severity"] == "warning" and w["message_zh"] and w["message_en"]


def test_enumerations_accept_labels():
    text = "region_id,name,grid_region,official_zone_type\nA1,甲县,华北电网,农产品主产区\nA2,乙县, South ,mars\n"
    b = read_profiles(text.encode(), "x.csv")
    assert b.regions[0].values["grid_region"] == "north"
    assert b.regions[0].values["official_zone_type"] == "agricultural"
    assert b.regions[1].values["grid_region"] == "south"
    assert b.regions[1].values["official_zone_type"] == "mars"   # kept; validation names it


# ---------------------------------------------------------------- hostile ids

HOSTILE = ["<script>alert(1)</script>", "../../etc/passwd", 'a "quoted" id', "x>y<z", "浦东 新区",
           "a#b?c&d=e", " lead and trail ", "}; DROP ALL; {", "tab\there"]


def test_hostile_ids_come_back_exactly_and_stay_inside_their_iri():
    b = read_profiles(DATA / "hostile-ids.csv")
    assert b.ids() == HOSTILE
    for r, node in zip(b.regions, b.node_iris()):
        assert node == region_iri(r.region_id)
        tail = str(node)[len(REGION):]
        assert not set(tail) & set('<>" {}|\\^`/#?&\t'), tail
        assert region_id_of(node) == r.region_id
    back = read_profiles(b.to_rdf().serialize(format="turtle").encode(), "x.ttl")
    assert back.ids() == HOSTILE
    store = b.to_store()
    ids = {s["id"].value for s in store.query(
        "SELECT ?id WHERE { ?r <https://w3id.org/tanheng/profile#region_id> ?id }")}
    assert ids == set(HOSTILE)


def test_hostile_ids_in_json_and_xlsx():
    rows = [{"region_id": h, "name": "x"} for h in HOSTILE]
    assert read_profiles(json.dumps(rows).encode(), "h.json").ids() == HOSTILE
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.append(["区域代码", "区域名称"])
    for h in HOSTILE:
        wb.active.append([h, "x"])
    buf = io.BytesIO()
    wb.save(buf)
    assert read_profiles(buf.getvalue(), "h.xlsx").ids() == HOSTILE


# ---------------------------------------------------------------- RDF output

def test_to_rdf_uses_the_vocabulary_and_typed_literals():
    b = read_profiles(EX / "typical-regions.csv")
    g = b.to_rdf()
    pudong = region_iri("310115")
    assert g.value(pudong, THP.area_km2).datatype == XSD.decimal
    assert float(g.value(pudong, THP.area_km2)) == 1210.4
    assert g.value(pudong, THP.population).datatype == XSD.integer
    assert str(g.value(region_iri("361130"), THP.grid_region)) == "central"
    assert g.value(region_iri("361130"), THP.official_zone_type) is None    # not reported: no triple
    quads = b.to_quads(ox.NamedNode("urn:x"))
    assert len(quads) == len(g) and all(q.graph_name == ox.NamedNode("urn:x") for q in quads)


# ---------------------------------------------------------------- unreadable input

@pytest.mark.parametrize("data,filename", [
    (b"", "empty.csv"),
    (b"  \n\n ", "blank.csv"),
    ((DATA / "binary.csv").read_bytes(), "binary.csv"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None),
    (b"PK\x03\x04 not really a workbook", "x.xlsx"),
    (b"PK\x03\x04 not really a workbook", "x.csv"),
    (b"[1, 2, 3]", "x.json"),
    (b'{"regions": [', "x.json"),
    (b"foo,bar\n1,2\n", "x.csv"),
    (b"@prefix : <urn:x#> . :a :b :c .", "x.ttl"),
    (b"@prefix : <urn:x#> . :a :b", "x.ttl"),
    (b"whatever", "old.xls"),
    (b'{"@context": "https://example.org/ctx.jsonld", "@id": "urn:a"}', "x.jsonld"),
])
def test_unreadable_input_gets_one_sentence_in_both_languages(data, filename):
    with pytest.raises(UnreadableInput) as e:
        read_profiles(data, filename)
    en, zh = e.value.message("en"), e.value.message("zh")
    for msg in (en, zh):
        assert msg and "\n" not in msg and "Traceback" not in msg
    assert zh != en and isinstance(e.value, UserError) and e.value.exit_code == 2


def test_missing_file_is_an_os_error_the_cli_reports():
    with pytest.raises(FileNotFoundError):
        read_profiles(DATA / "no-such-file.csv")


def test_csv_written_by_the_csv_module_with_semicolons():
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    w.writerow(["region_id", "name", "area_km2"])
    w.writerow(["A1", "甲县", "1200,5"])                     # a decimal comma is not a number here
    b = read_profiles(buf.getvalue().encode("gb18030"), "x.csv")
    assert b.ids() == ["A1"] and b.regions[0].name == "甲县"
    assert b.regions[0].raw == {"area_km2": "1200,5"}
    grouped = read_profiles("region_id,area_km2\nA1,\"1,200.5\"\n".encode(), "y.csv")
    assert grouped.regions[0].values["area_km2"] == 1200.5


def test_json_half_surrogates_cannot_break_the_store():
    b = read_profiles(b'[{"region_id": "A\\ud800", "name": "x\\udc00y"}]', "x.json")
    assert b.ids() == ["A\ufffd"] and b.regions[0].name == "x\ufffdy"
    assert len(b.to_store()) > 0


def test_xlsx_percent_cells_read_as_shown():
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.append(["region_id", "urbanization_rate_pct", "population"])
    wb.active.append(["A1", 0.918, 1000])
    wb.active["B2"].number_format = "0.0%"               # the sheet shows 91.8%
    buf = io.BytesIO()
    wb.save(buf)
    r = read_profiles(buf.getvalue(), "p.xlsx").regions[0]
    assert r.values["urbanization_rate_pct"] == 91.8 and r.values["population"] == 1000


def test_repeated_header_keeps_the_first_column_and_warns():
    b = read_profiles("region_id,area_km2,国土面积（平方千米）\nA1,100,200\n".encode(), "x.csv")
    assert b.regions[0].values["area_km2"] == 100
    assert b.regions[0].extra == {"国土面积（平方千米） (3)": "200"}
    assert [w["field"] for w in b.warnings] == ["area_km2"]


def test_every_read_problem_the_reader_names_has_both_messages_with_the_same_blanks():
    import re
    import string
    from kg.read.profiles import read_problems
    source = (ROOT / "kg" / "read" / "profiles.py").read_text(encoding="utf-8")
    used = set(re.findall(r'UnreadableInput\("([\w-]+)"', source))
    used |= set(re.findall(r'_warning\([^)]*?"([\w-]+)"', source))
    problems = read_problems()
    assert used and used <= set(problems), used - set(problems)
    blanks = lambda t: {f for _, f, _, _ in string.Formatter().parse(t) if f}
    for key, (zh, en) in problems.items():
        assert zh and en and blanks(zh) == blanks(en), key


def _typical_rows_with_grid(value: str) -> bytes:
    rows = list(csv.DictReader(io.StringIO((ROOT / "examples" / "typical-regions.csv").read_text("utf-8-sig"))))
    rows = [r for r in rows if r.get("region_id")][:1]
    rows[0]["grid_region"] = value
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode()


@pytest.mark.parametrize("value", ["华中", "华中电网", "Central China", "central china grid", "central"])
def test_grid_region_accepts_chinese_and_english_labels_and_validates(value):
    from kg.validate import validate
    b = read_profiles(_typical_rows_with_grid(value), "x.csv")
    region = b.regions[0]
    assert region.values["grid_region"] == "central"
    report = validate(b)
    assert not [r for r in report.for_region(region.region_id) if "grid_region" in json.dumps(r, ensure_ascii=False)]


def test_unknown_grid_region_is_still_refused_with_its_message():
    from kg.validate import validate
    b = read_profiles(_typical_rows_with_grid("华中地区"), "x.csv")
    region = b.regions[0]
    assert region.values["grid_region"] == "华中地区"                     # kept as given
    found = [r for r in validate(b).for_region(region.region_id) if "grid_region" in json.dumps(r, ensure_ascii=False)]
    assert found and "must be one of north" in json.dumps(found, ensure_ascii=False)


# ---------------------------------------------------------------- a table's rows read alike by either path

ROW_HEADER = ["region_id", "name", "year", "population", "area_km2", "年末常住人口（万人）", "grid_region",
              "第一产业增加值（亿元）", "第二产业增加值（亿元）", "第三产业增加值（亿元）", "备注"]


@pytest.mark.parametrize("cells, by_positions", [
    (["A1", "甲县", "2022", "12345", "1234.5", "12.5", "华北电网", "10", "20", "70", ""], True),   # plain numbers
    (["A1", "甲县", "2022", "12345", "1234.5", "12.5", "south", "10", "20", "70", "见附表", "stray"], True),
    (["A1", "甲县", "2022", "12345.0", "-0", "", "", "", "", "", ""], False),   # a whole number with a point
    (["A1", "甲县", "2022", "1\x1f2", "3", "", "", "", "", "", ""], False),     # the separator inside a cell
    (["A1", "甲县", "2022", "123456789012345", "0.1234567891", "", "", "", "", "", ""], False),
    (["A1", "—", "２０２２", "1,234", " 5 ", "—", "/", "x", "", "", ""], False),
    (["A1", "甲县", "2022", "12345", "1234.5"], False),                             # a short row
    # a sheet's or a JSON item's cells, numbers already (issue 12: read by positions too, when plain)
    (["A1", "甲县", 2022, 12345, 1234.5, 12.5, "south", 10, 20.25, 70, None], True),
    (["A1", "甲县", 2022.0, 12345.0, 1234, None, None, None, None, None, None], True),   # floats whole, an int
    (["A1", "甲县", 2022, None, -0.0, 0.1, None, None, None, None, "见附表"], True),
    (["A1", "甲县", None, None, None, None, None, None, None, None, None], False),       # no number at all
    (["A1", "甲县", 2022, 12345.5, 1.0, None, None, None, None, None, None], False),     # not whole: an integer column
    (["A1", "甲县", 2022, 12345, 0.1234567891, None, None, None, None, None, None], False),   # ten decimals
    (["A1", "甲县", 2022, 12345, 2.675, 1e-9, None, None, None, None, None], True),
    (["A1", "甲县", 2022, 12345, 1e15, None, None, None, None, None, None], False),      # past any county
    (["A1", "甲县", 2022, 10**15, 1.0, None, None, None, None, None, None], False),
    (["A1", "甲县", 2022, 12345, float("nan"), None, None, None, None, None, None], False),
    (["A1", "甲县", 2022, True, 1.0, None, None, None, None, None, None], False),        # a bool is no number
    (["A1", "甲县", 2022, "12345", 1.5, None, None, None, None, None, None], False),     # text among numbers
])
def test_a_row_is_read_as_its_cells_one_by_one(cells, by_positions):
    """TablePlan.region reads a row of plain numbers by positions decided once for the table (issue 12);
    what it gives is what make_region gives the row's cells one by one: values and their types, bad cells,
    unknown cells, notes, derived columns."""
    import dataclasses

    from kg.read.derive import derive
    from kg.read.profiles import make_region, table_plan

    plan = table_plan(ROW_HEADER)
    used, used_one_by_one = set(), set()
    got = plan.region(7, cells, used)
    row_cells, row_inputs, extra = plan.split(cells, used_one_by_one)
    want = make_region(row_cells, 7, extra, plan.factors)
    derive(want, row_inputs, plan.input_factors)
    assert repr(dataclasses.asdict(got)) == repr(dataclasses.asdict(want))    # 1 and 1.0 told apart
    assert used == used_one_by_one
    assert (plan._rows.region(plan, 7, cells, set()) is not None) == by_positions


@pytest.mark.parametrize("cell, value", [
    ("grain-7", "grain-7"), (" 甲县 ", " 甲县 "), ("Ｘ县", "Ｘ县"), ("n.a.", "n.a."), ("-1", "-1"),
    ("-", None), (" - ", None), ("－", None), ("...", None), ("……", None), ("空", None), ("  ", None), ("", None),
])
def test_a_text_cell_is_its_value_unless_blank_or_a_not_reported_mark(cell, value):
    from kg.read.profiles import make_region

    assert make_region({"name": cell}, 2).values["name"] == value
