"""The pathways page (issue 17) through Streamlit's AppTest: a long-format example → history with the
observed peak, standard scenarios side by side, a scenario of the user's own from the editor, a bad
lever as one message, saving to history. Real kg API, real store."""
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

MAIN = str(Path(__file__).resolve().parent.parent / "app" / "main.py")


def open_pathways(lang: str) -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=180)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("views/pathways.py").run()
    return at


def run_example(at: AppTest, name: str = "two-counties-2015-2023.csv", region: str = "410526") -> AppTest:
    at.selectbox(key="path_example").set_value(name).run()
    at.button(key="path_run_example").click().run()
    at.selectbox(key="path_region").set_value(region).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def observed_peak_year(region: str = "410526") -> int:
    """The peak year kg.trajectory finds in the example's history (it moves with the year-true factors)."""
    from kg.paths import EXAMPLES_DIR
    from kg.read.profiles import read_profiles
    from kg.trajectory import trajectory

    rows = [r.values for r in read_profiles(EXAMPLES_DIR / "trajectory" / "two-counties-2015-2023.csv").regions]
    answer = next(r for r in trajectory(rows)["regions"] if r["region_id"] == region)
    return answer["observed_peak"]["year"]


@pytest.mark.parametrize("lang,title,peak", [("zh", "碳达峰与碳中和路径", "观测到的峰值：{y}年"),
                                             ("en", "Pathways", "Observed peak: {y}")])
def test_pathways_page_shows_history_peak_and_standard_scenarios(lang, title, peak):
    year = observed_peak_year()
    at = run_example(open_pathways(lang))
    assert at.title[0].value == title
    assert any(peak.format(y=year) in i.value for i in at.info)
    metrics = {m.label: m.value for m in at.metric}
    assert any(str(year) == v for v in metrics.values())        # the baseline peak is the observed one
    assert len(at.multiselect[0].value) == 3


def test_own_scenario_from_the_editor_is_compared_and_saved(tmp_path, monkeypatch):
    monkeypatch.setenv("TANHENG_STORE", str(tmp_path / "store"))
    at = run_example(open_pathways("en"), region="320117")
    at.text_input(key="path_ed_name").set_value("coal out").run()
    at.number_input(key="path_ed_n").set_value(1).run()
    at.selectbox(key="path_ed_f0").set_value("coal_t").run()
    at.selectbox(key="path_ed_k0").set_value("pct_once").run()
    at.slider(key="path_ed_a0_pct_once").set_value(-100).run()
    at.button(key="path_ed_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "coal out" in at.multiselect[0].value
    assert any(m.label == "Peak year" for m in at.metric)
    at.button(key="path_save").click().run()
    assert any("Saved" in s.value for s in at.success)
    from kg import history

    saved = history.list_saved()
    assert saved and saved[0].region_ids == ["320117"]
    assert history.get(saved[0].id).advice["trajectory"]["regions"][0]["scenarios"][-1]["name"] == "coal out"


def test_a_bad_lever_is_one_message_on_the_page():
    at = run_example(open_pathways("en"))
    at.number_input(key="path_ed_n").set_value(1).run()
    at.selectbox(key="path_ed_f0").set_value("grid_factor").run()
    at.selectbox(key="path_ed_k0").set_value("add_once").run()
    at.number_input(key="path_ed_a0_add_once").set_value(500.0).run()
    at.button(key="path_ed_add").click().run()
    assert not at.exception
    text = re.sub(r"\\(.)", r"\1", at.error[0].value)          # as displayed (markdown escapes rendered)
    assert len(at.error) == 1 and "grid_factor" in text and "percentage" in text and "+500" in text


def test_monte_carlo_draws_give_a_probability_of_peaking_by_2030():
    at = run_example(open_pathways("en"))
    at.number_input(key="path_draws").set_value(100).run()
    assert not at.exception, [e.value for e in at.exception]
    probs = [m.value for m in at.metric if m.label.startswith("P(peak by 2030)")]
    assert probs == ["100%", "100%", "100%"]              # 滑县 peaked in 2019 in every draw
