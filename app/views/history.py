"""History: the analyses saved in the store (kg.history), listed, opened,
deleted; they survive a restart of the app."""
import pandas as pd
import streamlit as st

from app import session
from app.advice_view import name_of, region_panel
from app.i18n import lang, pick, t
from app.widgets import md
from kg import history
from kg.errors import UserError
from kg.knowledge import catalog


def local_time(created: str, seconds: bool = True) -> str:
    """A stored UTC time (2026-11-30T12:00:00.123Z) in this machine's local time, with its zone."""
    from datetime import datetime

    when = datetime.fromisoformat(created.replace("Z", "+00:00")).astimezone()
    return when.strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else "") + " %Z").strip()


def whatif_text(changes: dict) -> str:
    labels = {f["key"]: f for f in catalog.profile_fields()}
    return "; ".join(f"{pick(labels[k], 'label') if k in labels else k} {v}" for k, v in changes.items())

KEY_FIGURE_ROWS = 10_000          # rows of a saved batch shown on the page (the whole batch is in its files)
KEY_COLUMNS = (("emissions", "emissions_t_co2e"), ("sinks", "sinks_t_co2e"), ("net", "net_t_co2e"),
               ("ratio", "balance_ratio"))

st.title(t("page.history"))

saved = history.list_saved()
if not saved:
    st.info(t("history.empty"))
    st.stop()

st.dataframe(pd.DataFrame([{t("history.col.created"): local_time(a.created),
                            t("history.col.title"): a.title, t("history.col.regions"): ", ".join(a.region_ids)}
                           for a in saved]), hide_index=True, width="stretch",
             column_config={t("history.col.title"): st.column_config.TextColumn(width="large")})
names = {a.id: f"{local_time(a.created, seconds=False)} · {a.title or ', '.join(a.region_ids)}" for a in saved}
chosen = st.selectbox(t("history.open"), list(names), format_func=names.get, key="history_pick")
try:
    item = history.get(chosen)
except UserError as exc:  # deleted meanwhile
    st.error(md(exc.message(lang())))
    st.stop()

left, right = st.columns([4, 1])
if right.button(t("history.delete"), key="history_delete", type="secondary"):
    history.delete(chosen)
    st.session_state.pop("history_pick", None)
    st.toast(t("history.deleted"))
    st.rerun()

if (item.advice or {}).get("trajectory"):   # a saved pathway analysis (the pathways page)
    from app.pathway_view import compare_panel, detail_panel, history_panel

    answer = item.advice["trajectory"]
    for saved_region in answer["regions"]:
        st.markdown(f"### {t('history.trajectory')} · {md(saved_region.get('name') or saved_region['region_id'])}")
        history_panel(saved_region)
        compare_panel(saved_region, saved_region["scenarios"][:3], answer["peak_deadline"], answer["target_year"])
        for sc in saved_region["scenarios"][:3]:
            detail_panel(saved_region, sc, key=f"history_{sc['name']}")
    st.stop()
if (item.advice or {}).get("form") == "key-figures":   # saved by `tanheng advise --save`: the advice is in its files
    saved_advice = item.advice
    st.info(t("history.key-figures", n=saved_advice["summary"]["total"], invalid=saved_advice["summary"]["invalid"]))
    for pointer in ("output", "results"):
        if saved_advice.get(pointer):
            st.markdown(t(f"history.{pointer}", path=md(saved_advice[pointer])))
    shown = saved_advice["regions"][:KEY_FIGURE_ROWS]
    if len(shown) < len(saved_advice["regions"]):
        st.caption(t("history.rows-shown", n=f"{KEY_FIGURE_ROWS:,}"))
    st.dataframe(pd.DataFrame([{
        t("batch.col.region_id"): r["region_id"], t("batch.col.name"): r.get("name"),
        t("batch.col.status"): t("batch.status.valid" if r["valid"] else "batch.status.invalid"),
        t("batch.col.type"): name_of(r["type"]) if r.get("type") else None,
        t("batch.col.model"): name_of(r["model"]) if r.get("model") else None,
        **{t(f"batch.col.{col}"): (r.get("balance") or {}).get(key) for col, key in KEY_COLUMNS}} for r in shown]),
        hide_index=True, width="stretch",
        column_config={t(f"batch.col.{col}"): st.column_config.NumberColumn(format="%.0f" if col != "ratio" else "%.3f")
                       for col, _ in KEY_COLUMNS})
    st.stop()
for region_id, changes in ((item.advice or {}).get("whatif") or {}).items():   # the what-if as it was saved
    st.info(t("history.whatif", region=md(region_id), changes=md(whatif_text(changes))))
regions = (item.advice or {}).get("regions", [])
if item.advice:
    session.report_buttons(item.advice, f"tanheng-{chosen[:8]}", st.columns(3), "history")
if regions:
    choices = session.region_choices(regions)   # by position: an id may repeat, every row is listed
    pick_n = left.selectbox(t("diag.region"), list(choices), format_func=choices.get, key="history_region")
    region_panel(regions[pick_n if pick_n in choices else 0], [], key="history")
