"""Pathways to 2030 and 2060 (碳达峰与碳中和路径): a file of one or more years per region →
history, business-as-usual projection, the three standard scenarios and the user's own (levers with
sliders and years), up to three side by side, sinks against emissions, wedges; saved in history."""
import hashlib
import json

import streamlit as st

from app.i18n import lang, said, t
from app.inputs import example_files, upload_types
from app.pathway_view import compare_panel, detail_panel, history_panel, scenario_name
from app.widgets import download, md

st.title(t("page.pathways"))
st.caption(t("path.intro"))
from kg import history, trajectory  # noqa: E402
from kg.errors import UserError  # noqa: E402
from kg.paths import EXAMPLES_DIR  # noqa: E402
from kg.present.trajectory import render  # noqa: E402
from kg.present.validation import problem_lines  # noqa: E402
from kg.trajectory.input import valid_rows  # noqa: E402
from kg.trajectory.levers import lever_fields  # noqa: E402

EXAMPLES = {p.name: p for p in sorted((EXAMPLES_DIR / "trajectory").glob("*.csv"))} | example_files()
SOURCES = {s: t(f"path.source.{s}") for s in ("example", "upload")}
source = st.radio(t("diag.source"), list(SOURCES), horizontal=True, key="path_source", format_func=SOURCES.get)
request = None
if source == "upload":
    up = st.file_uploader(t("path.upload"), type=upload_types(), key="path_upload")
    if up is not None and st.button(t("path.run"), type="primary", key="path_run_upload"):
        request = (up.getvalue(), up.name)
else:
    names = [n for n in EXAMPLES if "invalid" not in n]
    chosen = st.selectbox(t("diag.example"), names, key="path_example")
    if st.button(t("path.run"), type="primary", key="path_run_example"):
        request = (EXAMPLES[chosen].read_bytes(), chosen)

if request is not None:
    data, filename = request
    try:
        rows, invalid = valid_rows(data, filename=filename)
        problems = [ln for r, results in invalid for ln in problem_lines(r, results, lang())]
        st.session_state["pathways"] = {"filename": filename, "rows": rows, "problems": problems,
                                        "digest": hashlib.sha256(data).hexdigest()[:16]}
    except UserError as exc:  # an unreadable file: one sentence
        st.error(md(said(exc)))

loaded = st.session_state.get("pathways")
if not loaded:
    st.stop()
for line in loaded["problems"]:
    st.warning(md(line))
ids = {}
for r in loaded["rows"]:
    ids.setdefault(r.region_id, f"{r.name or '—'} ({r.region_id})")
if not ids:
    st.info(t("diag.no_regions"))
    st.stop()
c1, c2, c3 = st.columns([3, 1, 1])
rid = c1.selectbox(t("diag.region"), list(ids), format_func=ids.get, key="path_region")
target = c2.number_input(t("path.target"), min_value=2031, max_value=2100, value=2060, step=1, key="path_target")
draws = c3.number_input(t("path.draws"), min_value=0, max_value=5000, value=0, step=100, key="path_draws",
                        help=t("path.draws_help"))
own = st.session_state.setdefault("path_scenarios", [])


def _answer(rid: str, target: int, own: list, coefset: str, draws: int) -> dict:
    key = (loaded["digest"], rid, int(target), json.dumps(own, ensure_ascii=False, sort_keys=True), coefset, draws)
    cache = st.session_state.setdefault("path_cache", {})
    if key not in cache:
        scenarios = [trajectory.scenario_from_dict(s) for s in own]
        cache.clear()     # one answer at a time: a region's answer is small, a batch's is not kept
        cache[key] = trajectory.trajectory(loaded["rows"], to=int(target), scenarios=scenarios, region_id=rid,
                                           coefficient_set=coefset, wedge_years=True, uncertainty=int(draws),
                                           seed=2844)
    return cache[key]


coefset = st.session_state.get("coefficient_set") or "default"
try:
    with st.spinner(t("path.running")):
        answer = _answer(rid, target, own, coefset, int(draws))
except UserError as exc:  # a target before the data's last year, a bad lever: the kg message
    st.error(md(said(exc)))
    st.stop()
region = answer["regions"][0]
history_panel(region)

# ------------------------------------------------------------------ scenario editor
with st.expander(t("path.editor"), expanded=not own):
    st.caption(t("path.editor_help"))
    fields = lever_fields()
    name = st.text_input(t("path.scenario_name"), value=t("path.default_name", n=len(own) + 1), key="path_ed_name")
    n_levers = st.number_input(t("path.n_levers"), 1, 6, 2, key="path_ed_n")
    kinds = {"pct_yr": t("path.kind.pct_yr"), "pct_once": t("path.kind.pct_once"),
             "add_yr": t("path.kind.add_yr"), "add_once": t("path.kind.add_once")}
    first_year = int(region["history"][-1]["year"]) + 1
    levers = []
    for i in range(int(n_levers)):
        a, b, c, d = st.columns([2, 2, 3, 3])
        fld = a.selectbox(t("path.field"), fields, index=min(i, len(fields) - 1), key=f"path_ed_f{i}")
        kind = b.selectbox(t("path.kind"), list(kinds), format_func=kinds.get, key=f"path_ed_k{i}")
        if kind.startswith("pct"):
            amount = c.slider(t("path.amount_pct"), -100 if kind == "pct_once" else -30, 100 if kind == "pct_once" else 30,
                              -5 if kind == "pct_yr" else -20, key=f"path_ed_a{i}_{kind}")
            change = f"{amount:+d}%"
        else:
            amount = c.number_input(t("path.amount_add"), value=0.0, step=100.0, key=f"path_ed_a{i}_{kind}")
            change = f"{amount:+g}"
        years = d.slider(t("path.years"), first_year, int(target), (max(first_year, 2026), min(int(target), 2035)),
                         key=f"path_ed_y{i}")
        per_year = kind.endswith("_yr")
        levers.append({"field": fld, "change": change + ("/yr" if per_year else ""), "from": years[0],
                       "to": years[1] if per_year else years[0]})
    if st.button(t("path.add_scenario"), key="path_ed_add"):
        candidate = {"name": name.strip() or t("path.default_name", n=len(own) + 1), "levers": levers}
        try:
            trajectory.scenario_from_dict(candidate)
        except UserError as exc:  # one message per bad lever
            st.error(md(said(exc)))
        else:
            st.session_state["path_scenarios"] = [s for s in own if s["name"] != candidate["name"]] + [candidate]
            st.rerun()
    if own:
        st.caption(t("path.own_list") + ": " + ", ".join(md(s["name"]) for s in own))
        if st.button(t("path.clear_scenarios"), key="path_ed_clear"):
            st.session_state["path_scenarios"] = []
            st.rerun()

# ------------------------------------------------------------------ comparison and detail
by_name = {sc["name"]: sc for sc in region["scenarios"]}
default = [n for n in ("baseline", "low-carbon", "enhanced") if n in by_name][: 3 - min(len(own), 1)]
default += [s["name"] for s in own][: 3 - len(default)]
shown_as = {scenario_name(sc): sc["name"] for sc in region["scenarios"]}   # display label → scenario name
label_of = {v: k for k, v in shown_as.items()}
picked = st.multiselect(t("path.compare"), list(shown_as), default=[label_of[n] for n in default], max_selections=3,
                        key=f"path_compare_{lang()}_{len(own)}")
chosen = [by_name[shown_as[n]] for n in picked] or [by_name["baseline"]]
compare_panel(region, chosen, answer["peak_deadline"], answer["target_year"])
with_wedges = [i for i, sc in enumerate(chosen) if sc["wedges"]]
detail_label = st.selectbox(t("path.detail"), [label_of[sc["name"]] for sc in chosen],
                            index=with_wedges[-1] if with_wedges else 0, key=f"path_detail_{lang()}")
detail_panel(region, by_name[shown_as[detail_label]], key="path_detail")

# ------------------------------------------------------------------ take away
st.markdown(f"### {t('diag.downloads')}")
c1, c2, c3, c4 = st.columns(4)
language = lang()
stem = f"tanheng-pathways-{''.join(ch if ch.isalnum() else '-' for ch in rid)[:30]}"
download(c1, t("download.json"), lambda: render(answer, "json").encode("utf-8"), f"{stem}.json", "path_dl_json")
download(c2, t("download.csv"), lambda: render(answer, "csv", language).encode("utf-8-sig"), f"{stem}.csv",
         "path_dl_csv")
download(c3, t("download.md"), lambda: render(answer, "md", language).encode("utf-8"), f"{stem}.md", "path_dl_md")
if c4.button(t("history.save"), key="path_save"):
    title = f"{t('page.pathways')} · {region.get('name') or rid} · {answer['target_year']}"
    try:
        history.save(title=title, advice={"trajectory": answer}, region_ids=[rid])
        st.success(t("history.saved", title=md(title)))
    except (UserError, OSError) as exc:  # a locked or unwritable store
        st.error(t("history.save_failed", error=md(said(exc))))
