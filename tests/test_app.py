"""The Streamlit app through Streamlit's AppTest: every page in both languages,
the language toggle, the translation table, an example profile → advice, bad
input → messages, the SPARQL console. Real kg API, real store, no stubs."""
import csv
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
MAIN = str(ROOT / "app" / "main.py")
PAGES = ["diagnosis", "batch", "knowledge", "compare", "sparql", "history"]
TITLES = {"diagnosis": ("区域诊断", "Region diagnosis"), "batch": ("批量分析", "Batch analysis"),
          "knowledge": ("知识库", "Knowledge base"), "compare": ("政策比较", "Policy comparison"),
          "sparql": ("SPARQL 查询", "SPARQL console"), "history": ("历史记录", "History")}


def open_page(page: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    if page != "diagnosis":
        at.switch_page(f"views/{page}.py").run()
    return at


def shown(markdown: str) -> str:
    """What a markdown source displays once its backslash escapes are rendered."""
    return re.sub(r"\\(.)", r"\1", markdown)


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_both_languages(page, lang):
    at = open_page(page, lang)
    no_exception(at)
    assert at.title[0].value == TITLES[page][0 if lang == "zh" else 1]


def test_language_toggle_switches_the_whole_interface():
    at = AppTest.from_file(MAIN, default_timeout=60).run()
    assert at.title[0].value == "区域诊断"          # Chinese by default
    at.sidebar.radio(key="lang").set_value("en").run()
    no_exception(at)
    assert at.title[0].value == "Region diagnosis"
    assert at.radio(key="diag_source").options == ["Bundled example", "Upload a file", "Fill in the form"]
    at.sidebar.radio(key="lang").set_value("zh").run()
    assert at.radio(key="diag_source").options == ["示例档案", "上传文件", "填写表单"]


def _table() -> dict[str, dict[str, str]]:
    with (ROOT / "kg" / "messages.csv").open(encoding="utf-8", newline="") as f:
        return {r["key"]: r for r in csv.DictReader(f)}


def test_translation_table_covers_every_string_the_app_asks_for():
    table = _table()
    used, prefixes = set(), set()
    for path in (ROOT / "app").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\(\s*\"([a-z0-9_.]+)\"", text))
        prefixes |= set(re.findall(r"\bt\(\s*f\"([a-z0-9_.]+)\{", text))
    assert used, "the scan found no t() calls"
    assert not used - set(table), f"keys missing from kg/messages.csv: {sorted(used - set(table))}"
    for p in prefixes:
        assert any(k.startswith(p) for k in table), f"no key starts with {p!r}"
    for key, row in table.items():
        assert row["zh"].strip() and row["en"].strip(), f"{key} lacks a translation"
        assert set(re.findall(r"\{(\w+)\}", row["zh"])) == set(re.findall(r"\{(\w+)\}", row["en"])), key
    # the Chinese column really is Chinese (language names and codes the same in both languages, such as
    # ECC, excepted; a pattern of fields and punctuation, "{field} = {value}：{message}", has no words)
    def words(zh):
        return re.search(r"[A-Za-z]", re.sub(r"\{\w+\}", "", zh))

    assert all(re.search(r"[\u4e00-\u9fff]", r["zh"]) or not words(r["zh"]) or r["zh"] == r["en"]
               for k, r in table.items() if k not in ("lang.en", "account.head-value") and not k.startswith("download.json"))


def test_sparql_console_runs_a_query_and_reports_a_bad_one():
    at = open_page("sparql", "en")
    at.text_area(key="sparql_text").set_value(
        "SELECT ?m WHERE { ?m a th:IntegrationModel }").run()
    at.button(key="sparql_run").click().run()
    no_exception(at)
    assert at.dataframe[0].value.shape[0] == 3          # §4.2: three integration models
    at.text_area(key="sparql_text").set_value("SELECT ?x WHERE { oops").run()
    at.button(key="sparql_run").click().run()
    no_exception(at)
    assert any("The query failed" in e.value for e in at.error)


def test_knowledge_graph_view_switches_models():
    at = open_page("knowledge", "zh")
    box = at.selectbox(key="kb_graph_model")
    assert len(box.options) == 3
    box.set_value("blue-green-sink").run()
    no_exception(at)
    caption = next(c.value for c in at.caption if "个节点" in c.value)
    at.multiselect(key="kb_graph_kinds").set_value(["model", "measure"]).run()
    no_exception(at)
    # a model with only its measures: every edge runs from the model to one of them
    fewer = next(c.value for c in at.caption if "个节点" in c.value)
    nodes, edges = map(int, re.findall(r"\d+", fewer)[:2])
    assert nodes == edges + 1 and fewer != caption


def _analyse_example(lang: str, name: str = "typical-regions.csv") -> AppTest:
    at = open_page("diagnosis", lang)
    at.selectbox(key="diag_example").set_value(name).run()
    at.button(key="diag_analyse_example").click().run()
    no_exception(at)
    return at


def _pick_region(at: AppTest, region_id: str) -> None:
    """Choose a region in the diagnosis picker (its options are positions: an id may repeat)."""
    regions = at.session_state["diagnosis"]["advice"]["default"]["regions"]
    at.selectbox(key="diag_region").set_value(next(n for n, r in enumerate(regions)
                                                    if r["region_id"] == region_id)).run()


def test_example_profile_gets_a_type_model_and_ranked_measures():
    at = _analyse_example("zh")
    # 浦东新区 (91.8 % urban, tertiary 74.7 %) is an urbanized area → low-carbon unit layout (§4.1, §4.2.1)
    _pick_region(at, "310115")
    no_exception(at)
    headings = [h.value for h in at.subheader]
    assert "城市化地区" in headings and "低碳单元集约布局模式" in headings
    assert len([e for e in at.expander if re.match(r"\d+\. ", e.label)]) >= 3
    assert at.get("download_button"), "report and JSON downloads are offered"
    indicators = next(d.value for d in at.dataframe if "指标" in d.value.columns).set_index("指标")
    # examples/typical-regions.csv: 5,781,000 people on 1,210.4 km²
    assert indicators.loc["人口密度", "取值"] == f"{5_781_000 / 1210.4:,.2f}"


def test_the_account_names_the_provincial_grid_factor_it_used():
    at = _analyse_example("zh")
    _pick_region(at, "410526")          # 滑县, Henan, 2022: the 2022 Henan provincial factor (MEE/NBS)
    no_exception(at)
    used = [shown(c.value) for c in at.caption if c.value.startswith("所用因子")]
    assert used and "2022年河南省电力平均二氧化碳排放因子" in used[0] and "0.6058" in used[0], used


def test_upload_of_an_unreadable_file_is_one_clear_message():
    at = open_page("diagnosis", "en")
    at.radio(key="diag_source").set_value("upload").run()
    at.file_uploader(key="diag_upload").set_value(("broken.csv", b"\x00\x01\x02binary", "text/csv")).run()
    no_exception(at)                                 # said on upload, before any analysis is asked for
    assert any("broken.csv" in shown(e.value) for e in at.error)
    assert "diag_analyse_upload" not in [b.key for b in at.button]


def test_upload_shows_the_header_mapping_first_and_no_stale_results():
    at = open_page("diagnosis", "en")
    at.radio(key="diag_source").set_value("upload").run()
    data = (ROOT / "examples" / "yearbook-2022.xlsx").read_bytes()
    at.file_uploader(key="diag_upload").set_value(("yearbook-2022.xlsx", data, "application/octet-stream")).run()
    no_exception(at)
    assert any("17 columns recognised, 19 converted, 5 used to derive a field, 1 ignored; 7 rows" in i.value
               for i in at.info)
    converted = at.table[0].value                        # converted columns come first
    assert "年末常住人口（万人）" in set(converted["Header"]) and "10000" in set(converted["Factor"])
    assert "diag_region" not in [s.key for s in at.selectbox]                    # nothing analysed yet
    at.button(key="diag_analyse_upload").click().run()
    no_exception(at)
    assert at.selectbox(key="diag_region").value is not None
    # another file: the first file's results leave the page
    at.file_uploader(key="diag_upload").set_value(("broken.csv", b"\x00\x01binary", "text/csv")).run()
    no_exception(at)
    assert "diag_region" not in [s.key for s in at.selectbox]
    assert any("broken.csv" in shown(e.value) for e in at.error)


def test_form_shows_validation_messages_beside_the_fields():
    at = open_page("diagnosis", "en")
    at.radio(key="diag_source").set_value("form").run()
    at.text_input(key="form_region_id").input("T-1")
    at.text_input(key="form_name").input("Test county")
    at.number_input(key="form_year").set_value(2022)
    at.number_input(key="form_urbanization_rate_pct").set_value(140.0)     # outside 0–100
    next(b for b in at.button if b.label == "Analyse").click().run()
    no_exception(at)
    captions = [shown(c.value) for c in at.caption]
    # the rate is named with its value, and a required field left blank is named too
    assert any("urbanization_rate_pct" in c and "140" in c for c in captions), captions
    assert any("area_km2" in c and "missing" in c for c in captions), captions
    assert at.number_input(key="form_urbanization_rate_pct").value == 140.0   # the user's entry is kept


def test_policy_comparison_filters_disputed_german_records():
    at = open_page("compare", "en")
    no_exception(at)
    at.multiselect(key="cmp_countries").set_value(["DE"]).run()
    at.toggle(key="cmp_disputed").set_value(True).run()
    no_exception(at)
    titles = [e.label for e in at.expander]
    # REFERENCE-DATA §7: the Hanns Seidel Foundation was founded in 1966, not the paper's 1950
    assert any("Hanns Seidel" in x for x in titles), titles
    assert titles and all(x.startswith("Germany ") and x.endswith("⚠") for x in titles)   # labels, not DE
    matrix = at.dataframe[0].value       # the matrix tab comes first
    assert list(matrix.index) == ["Germany"]
    assert len(matrix.columns) == 7          # the seven comparison dimensions of the conventions


def test_sparql_console_loads_a_named_example_query():
    at = open_page("sparql", "zh")
    at.selectbox(key="sparql_example").set_value("model-for-type").run()
    assert "th:recommendedModel" in at.text_area(key="sparql_text").value
    at.button(key="sparql_run").click().run()
    no_exception(at)
    table = at.dataframe[0].value
    # §4.1–4.2: each of the three types recommends one model
    assert dict(zip(table["type_key"], table["model_key"])) == {
        "urbanized": "low-carbon-unit-layout", "agricultural": "production-waste-cycle",
        "ecological": "blue-green-sink"}
    assert [b.label for b in at.get("download_button")] == ["下载 CSV", "下载 JSON"]


def test_history_lists_a_saved_analysis_and_deletes_it():
    from kg import history
    from kg.read import profiles

    batch = profiles.read_profiles(ROOT / "examples" / "typical-regions.csv")
    saved_id = history.save(profiles=batch, title="AppTest 历史 · typical-regions")
    at = open_page("history", "zh")
    no_exception(at)
    listing = at.dataframe[0].value
    assert "AppTest 历史 · typical-regions" in set(listing["标题"])
    assert "310115" in " ".join(listing["区域"])            # the regions of the saved file are named
    at.selectbox(key="history_pick").set_value(saved_id).run()
    at.button(key="history_delete").click().run()
    no_exception(at)
    assert saved_id not in {a.id for a in history.list_saved()}


def test_form_filled_from_an_example_region_passes_validation():
    at = open_page("diagnosis", "en")
    at.radio(key="diag_source").set_value("form").run()
    at.selectbox(key="form_prefill").set_value("410526").run()      # 滑县, Henan
    at.button(key="form_prefill_go").click().run()
    assert at.text_input(key="form_name").value == "滑县"
    assert at.number_input(key="form_population").value == 1092000
    assert at.selectbox(key="form_grid_region").value == "central"
    next(b for b in at.button if b.label == "Analyse").click().run()
    no_exception(at)
    assert not [c.value for c in at.caption if ":red[" in c.value]   # a real county's numbers are valid
    assert not at.error


def test_batch_lists_every_invalid_row_with_its_message():
    at = open_page("batch", "zh")
    at.selectbox(key="batch_example").set_value("invalid-regions.csv").run()
    at.button(key="batch_run").click().run()
    no_exception(at)
    # problems are a static table (issue 16: messages wrap, never cut off)
    issues = next(df.value.reset_index() for df in at.table if "说明" in df.value.columns)
    # examples/README.md: rows 900001–900013 each carry one deliberate mistake
    assert {f"9000{i:02d}" for i in range(1, 14)} <= set(issues["区域"].dropna())
    row = issues[issues["区域"] == "900005"].iloc[0]
    assert row["字段"] == "城镇化率（%）" and row["取值"] == "120" and "0–100" in row["说明"]
    metrics = {m.label: m.value for m in at.metric}
    # valid: 310115, 152528, and 900012 whose only problem is a warning
    assert metrics["有效"] == "3"
    assert int(metrics["无效"]) == int(metrics["区域总数"]) - 3 >= 12


def test_batch_upload_shows_each_files_mapping_in_the_users_language_and_no_stale_results():
    at = open_page("batch", "en")
    page = (ROOT / "examples" / "yearbook-2022.xlsx").read_bytes()
    towns = ("2022年滑县各乡镇主要指标\n乡镇,行政区域土地面积（平方公里）,年末常住人口（万人）\n"
             "全县,1814,109.2\n道口镇,62,12.1\n城关镇,58,8.3\n").encode("gb18030")
    at.file_uploader(key="batch_upload").set_value([("yearbook-2022.xlsx", page, "application/octet-stream"),
                                                    ("towns.csv", towns, "text/csv")]).run()
    no_exception(at)
    assert [shown(tab.label) for tab in at.tabs] == ["yearbook-2022.xlsx", "towns.csv"]   # one mapping per file
    assert any("19 converted" in i.value for i in at.tabs[0].info)
    converted = at.tabs[0].table[0].value
    row = converted[converted["Header"] == "年末常住人口（万人）"].iloc[0]
    assert row["Unit in the file"] == "10^4 persons (万人)" and row["Profile unit"] == "persons"   # English words
    said = " ".join(m.value for m in at.tabs[1].markdown)
    assert "total rows (全县)" in shown(said)                                         # the 全县 row: skipped, said
    at.button(key="batch_run").click().run()
    no_exception(at)
    assert {m.label: m.value for m in at.metric}["Regions"] == "9"                    # 7 counties + 2 towns
    at.file_uploader(key="batch_upload").set_value([("towns.csv", towns, "text/csv")]).run()
    no_exception(at)
    assert "Regions" not in {m.label for m in at.metric}                               # the old results left


def _metrics(at: AppTest) -> list[tuple[str, float | None, str]]:
    def num(text):
        try:
            return float(text.replace(",", ""))
        except ValueError:
            return None
    return [(m.label, num(m.value), m.delta) for m in at.metric]


def test_whatif_slider_and_coefficient_set_recompute_the_balance():
    at = _analyse_example("en")
    _pick_region(at, "361130")      # 婺源县, a forest county
    before = dict((label, value) for label, value, _ in _metrics(at)[:4])
    advice = at.session_state["diagnosis"]["advice"]["default"]
    balance = next(r for r in advice["regions"] if r["region_id"] == "361130")["balance"]
    coal, forest = balance["by_source"]["coal"], balance["by_sink"]["forest"]
    at.slider(key="whatif_361130_coal_t").set_value(-50).run()
    no_exception(at)
    after = dict((label, (value, delta)) for label, value, delta in _metrics(at)[4:8])
    # half the coal burnt: emissions fall by half the coal line, sinks do not move
    assert after["Emissions"][0] == pytest.approx(before["Emissions"] - coal / 2, abs=1)
    assert after["Sinks"][0] == pytest.approx(before["Sinks"], abs=1)
    assert after["Emissions"][1].startswith("-")
    # REFERENCE-DATA: forest sink per mean area of 1981–2000 is 0.581 t C/ha, below the default 0.644
    at.sidebar.selectbox(key="coefficient_set").set_value("forest-mean-area").run()
    no_exception(at)
    switched = dict((label, value) for label, value, _ in _metrics(at)[:4])
    assert switched["Sinks"] == pytest.approx(before["Sinks"] - forest * (1 - 0.581 / 0.644), abs=1)
    assert switched["Emissions"] == before["Emissions"]


def test_hostile_names_and_ids_are_shown_as_text_not_markup():
    rows = (ROOT / "examples" / "typical-regions.csv").read_text(encoding="utf-8").splitlines()
    header, first = rows[0], rows[1].split(",")
    first[0], first[1] = "<b>1</b>", "**粗体**[点我](javascript:alert(1)) :red[x] $x$"
    data = (header + "\n" + ",".join(first) + "\n").encode("utf-8")
    at = open_page("diagnosis", "en")
    at.radio(key="diag_source").set_value("upload").run()
    at.file_uploader(key="diag_upload").set_value(("hostile.csv", data, "text/csv")).run()
    at.button(key="diag_analyse_upload").click().run()
    no_exception(at)
    heading = next(h.value for h in at.subheader if "粗体" in h.value)
    assert shown(heading) == "**粗体**[点我](javascript:alert(1)) :red[x] $x$ (<b>1</b>)"
    assert not re.search(r"(?<!\\)[*\[\]()<>$:]", heading), heading     # every markup character escaped


def test_an_empty_form_asks_for_the_required_fields():
    at = open_page("diagnosis", "zh")
    at.radio(key="diag_source").set_value("form").run()
    next(b for b in at.button if b.label == "开始诊断").click().run()
    no_exception(at)
    assert any("必填项" in w.value for w in at.warning)
    assert "diagnosis" not in at.session_state


def test_monte_carlo_shows_the_accounts_95_percent_interval_as_error_bars():
    at = _analyse_example("en")
    _pick_region(at, "361130")
    at.button(key="mc_361130_run").click().run()
    no_exception(at)
    interval = at.session_state["mc_361130"]
    region = next(r for r in at.session_state["diagnosis"]["advice"]["default"]["regions"]
                  if r["region_id"] == "361130")
    lo, hi = interval["emissions_t_co2e"]
    assert lo < region["balance"]["emissions_t_co2e"] < hi
    chart = next(c for c in at.get("plotly_chart") if "95 % interval" in c.proto.spec)
    spec = json.loads(chart.proto.spec)
    bars = spec["data"][0]
    assert bars["error_y"]["array"][0] == pytest.approx(hi - region["balance"]["emissions_t_co2e"])
    assert any(m.label == "Emissions" and " – " in m.value for m in at.metric)


def test_history_shows_an_analysis_saved_by_advise_save(tmp_path):
    """A batch saved by `tanheng advise --save` keeps key figures, not the whole advice: the page shows them as a
    table with the files that hold the advice."""
    import contextlib
    import io

    from kg import history
    from kg.cli import main

    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["advise", str(ROOT / "examples" / "typical-regions.csv"), "--save", "--title", "AppTest 批量保存",
                     "-o", str(tmp_path / "a.json"), "--jobs", "1"]) == 0
    saved_id = next(a.id for a in history.list_saved() if a.title == "AppTest 批量保存")
    at = open_page("history", "zh")
    at.selectbox(key="history_pick").set_value(saved_id).run()
    no_exception(at)
    table = at.dataframe[1].value
    assert len(table) == len(json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["regions"])
    assert "城市化地区" in set(table["类型"]) and any(m.value.startswith("建议文件") and "a" in m.value and "json" in m.value for m in at.markdown)
    history.delete(saved_id)
