"""Issue 16: the rough edges seen in the app, one test each (Streamlit's AppTest, the real kg API).
The ones only a browser shows (a direct /diagnosis link, the map in the page, the menu) are in
tests/test_browser.py."""
import io
import json
import re

import pandas as pd
import pytest

from test_app import _analyse_example, _pick_region, no_exception, open_page

from kg.paths import EXAMPLES_DIR


def texts(at) -> str:
    out = []
    for kind in ("markdown", "caption", "dataframe", "table", "info", "warning", "error", "success"):
        for e in at.get(kind):
            if kind in ("dataframe", "table"):
                out.append(e.value.to_string())
            else:
                out.append(str(e.value))
    out += [e.label for e in at.get("expander")]
    return "\n".join(out)


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


# ------------------------------------------------------------------ policy comparison
def test_policy_comparison_in_chinese_shows_labels_not_codes():
    at = open_page("compare", "zh")
    no_exception(at)
    records = next(d.value for d in at.dataframe if "状态" in d.value.columns)
    assert set(records["国家"]) <= {"美国", "英国", "德国", "日本", "中国"}
    assert not set(records["状态"]) & {"in-force", "ended", "superseded", "planned", "pilot"}
    assert not set(records["类别"]) & {"law", "plan", "programme", "standard", "guideline", "strategy"}
    blob = texts(at)
    assert not re.search(r"\b(US|GB|DE|JP|CN) \d{4} ·", blob)          # expander titles


# ------------------------------------------------------------------ SPARQL console
def test_sparql_named_query_caption_is_chinese_and_title_clears_when_edited():
    at = open_page("sparql", "zh")
    at.selectbox(key="sparql_example").set_value("model-for-type").run()
    no_exception(at)
    assert any("每种城乡融合类型推荐哪种发展模式" in c.value for c in at.caption)
    at.text_area(key="sparql_text").input("SELECT ?m WHERE { ?m a th:IntegrationModel }").run()
    assert at.selectbox(key="sparql_example").value is None
    assert not any("每种城乡融合类型" in c.value for c in at.caption)


@pytest.mark.parametrize("lang, query, said, not_said", [
    ("zh", "SELEC ?x WHERE {}", "查询不是有效的 SPARQL", "not valid"),
    ("en", "SELEC ?x WHERE {}", "The query is not valid SPARQL", "有效"),
    ("zh", "DELETE WHERE { ?s ?p ?o }", "不允许更新", "updates are not allowed"),
])
def test_sparql_errors_are_one_sentence_in_the_pages_language(lang, query, said, not_said):
    at = open_page("sparql", lang)
    at.text_area(key="sparql_text").input(query).run()
    at.button(key="sparql_run").click().run()
    error = at.error[0].value.replace("\\", "")
    assert said in error and not_said not in error and " / " not in error


def test_sparql_results_show_labels_and_link_the_iris():
    at = open_page("sparql", "zh")
    at.text_area(key="sparql_text").input(
        'SELECT ?model WHERE { ?model a th:IntegrationModel } ORDER BY ?model').run()
    at.button(key="sparql_run").click().run()
    frame = at.dataframe[0].value
    assert "低碳单元集约布局模式" in set(frame["model"])
    assert all(v.startswith("https://w3id.org/tanheng/resource/model-") for v in frame["model (IRI)"])
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["model (IRI)"]["type_config"]["type"] == "link"


# ------------------------------------------------------------------ batch
@pytest.fixture(scope="module")
def batch_page():
    at = open_page("batch", "zh")
    at.selectbox(key="batch_example").set_value("invalid-regions.csv").run()
    at.button(key="batch_run").click().run()
    no_exception(at)
    return at


def test_batch_numbers_are_rounded_and_shown_with_separators(batch_page):
    frame = batch_page.dataframe[0].value
    net = frame["净排放（吨CO2e）"].dropna()
    assert len(net) and all(float(v).is_integer() for v in net)              # not 54532582.0147
    assert all(round(v, 3) == v for v in frame["碳平衡比"].dropna())
    config = json.loads(batch_page.dataframe[0].proto.columns)
    assert config["净排放（吨CO2e）"]["type_config"]["format"] == "localized"


def test_batch_histograms_count_whole_regions(batch_page):
    histograms = [c for c in charts(batch_page) if c["data"] and c["data"][0]["type"] == "histogram"]
    assert len(histograms) == 2
    for h in histograms:
        assert h["layout"]["yaxis"]["tickformat"] == "d" and h["layout"]["yaxis"].get("dtick") == 1


def test_batch_problem_messages_are_shown_whole(batch_page):
    table = next(t.value for t in batch_page.table if "说明" in t.value.columns)
    assert any(len(m) > 40 for m in table["说明"])                          # a static table: wrapped, never cut


def test_batch_export_holds_every_row_with_its_problems(batch_page):
    button = next(b for b in batch_page.get("download_button") if b.proto.label == "下载 CSV")
    assert button is not None
    outcome = batch_page.session_state["batch"]
    from app.batch_table import full_table

    table = full_table(outcome, outcome["advice"]["default"])         # what the CSV and Excel downloads hold
    summary = outcome["advice"]["default"]["summary"]
    assert len(table) == summary["total"] == 16 and summary["invalid"] > 10       # invalid rows too
    assert {"状态", "问题", "排放（吨CO2e）", "碳汇（吨CO2e）", "碳平衡分区"} <= set(table.columns)
    bad = table[table["状态"] == "无效"]
    assert len(bad) == summary["invalid"] and bad["问题"].str.len().min() > 5
    csv_text = table.to_csv(index=False)
    assert not re.search(r"\d\.\d{4,}", csv_text)                            # no full float precision


def test_batch_takes_several_files_and_keeps_each_files_rows():
    from app import session

    files = [((EXAMPLES_DIR / n).read_bytes(), n) for n in ("typical-regions.csv", "invalid-regions.csv")]
    outcome = session.analyse_many(files)
    advice = outcome["advice"]["default"]
    assert advice["summary"]["total"] == 7 + 16 and advice["summary"]["valid"] >= 7 + 2
    assert outcome["filename"] == "typical-regions.csv, invalid-regions.csv"
    bad = next(r for r in advice["regions"] if r["region_id"] == "900005")
    assert {v["row"] for v in bad["violations"]} == {bad["row"]}               # rows of its own file


# ------------------------------------------------------------------ diagnosis
def test_form_heading_keeps_its_asterisk_and_is_bold_not_italic():
    at = open_page("diagnosis", "zh")
    at.radio(key="diag_source").set_value("form").run()
    assert any(m.value == r"**必填项（\* 号）**" for m in at.markdown)


def test_account_chart_numbers_in_full_sources_red_sinks_green():
    at = _analyse_example("zh")
    _pick_region(at, "361130")
    bars = next(c for c in charts(at) if c["data"] and c["data"][0]["type"] == "bar"
                and c["layout"].get("title", {}).get("text", "").startswith("按表"))
    axis = bars["layout"]["xaxis"]
    assert axis["tickformat"] == ",~r" and axis["exponentformat"] == "none"
    colours = dict(zip(bars["data"][0]["y"], bars["data"][0]["marker"]["color"]))
    assert colours["植物光合作用"] == "#43a047" and colours["化石燃料燃烧"] == "#e53935"


def test_sankey_spreads_the_sinks_so_their_labels_do_not_overlap():
    at = _analyse_example("zh")
    _pick_region(at, "361130")
    sankey = next(c for c in charts(at) if c["data"] and c["data"][0]["type"] == "sankey")["data"][0]["node"]
    right = sorted(y for x, y in zip(sankey["x"], sankey["y"]) if x > 0.9)
    assert len(right) >= 3 and min(b - a for a, b in zip(right, right[1:])) >= 0.15


def test_html_report_lists_each_reason_on_its_own_line():
    from app import session
    from kg.pipeline.advice import advise
    from kg.read.profiles import read_profiles

    html = session.report_html(advise(read_profiles(EXAMPLES_DIR / "typical-regions.csv")), "zh").decode("utf-8")
    first = html.split("<ol>")[1].split("</ol>")[0]
    assert first.count("<li>") >= 4 and "<ul>" in first                      # a measure, then its reasons


def test_diagnosis_offers_the_report_of_the_region_shown_with_its_whatif():
    at = _analyse_example("zh", "xianyu-henan.csv")
    _pick_region(at, "410526")
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"下载报告（Word）", "下载报告（PDF）", "下载报告（HTML）"} <= set(labels)
    at.slider(key="whatif_410526_coal_t").set_value(-20).run()
    no_exception(at)
    assert at.session_state["whatif_changes"]["410526"] == {"coal_t": "-20%"}
    from app import session

    outcome = at.session_state["diagnosis"]
    data = session.region_report(outcome["batch"], outcome["advice"]["default"], 2, {"coal_t": "-20%"}, "zh", "html")
    html = data.decode("utf-8")
    assert "滑县 (410526)" in html and "金水区" not in html.split("区位与同省比较地图")[0]   # this region only
    assert "情景模拟（what-if）" in html and "-20%" in html


# ------------------------------------------------------------------ knowledge base
def test_sunburst_shows_three_rings_at_a_time_and_graph_labels_whole():
    at = open_page("knowledge", "zh")
    no_exception(at)
    specs = charts(at)
    sunburst = next(c for c in specs if c["data"] and c["data"][0]["type"] == "sunburst")["data"][0]
    assert sunburst["maxdepth"] == 3 and sunburst["insidetextfont"]["size"] >= 12
    graphs = [c for c in specs if c["data"] and c["data"][0]["type"] == "scatter" and len(c["data"]) > 1]
    for g in graphs:
        for trace in g["data"][1:]:
            assert not any(str(s).endswith("…") for s in trace.get("text", []))
            assert [s.replace("<br>", "") for s in trace["text"]] == [s.replace("<br>", "") for s in trace["hovertext"]]


# ------------------------------------------------------------------ history
def test_history_local_time_whole_title_and_saved_whatif(tmp_path, monkeypatch):
    monkeypatch.setenv("TANHENG_STORE", str(tmp_path / "store"))
    at = _analyse_example("zh")
    _pick_region(at, "361130")
    at.slider(key="whatif_361130_coal_t").set_value(-30).run()
    at.button(key="dl_save").click().run()
    no_exception(at)
    at.switch_page("views/history.py").run()
    no_exception(at)
    frame = at.dataframe[0].value
    created = frame.iloc[0, 0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+", created)      # local time and its zone
    assert "保存时间（本地时间）" in frame.columns
    title = frame.iloc[0, 1]
    for name in ("浦东新区", "婺源县", "溧水区"):                               # all seven regions, not three
        assert name in title
    assert any("煤炭消费量（吨）" in i.value and "30%" in i.value for i in at.info)
