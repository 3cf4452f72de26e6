"""History: the analyses saved in the store (kg.history), listed, opened,
deleted; they survive a restart of the app."""
import pandas as pd
import streamlit as st

from app import session
from app.advice_view import region_panel
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
for region_id, changes in ((item.advice or {}).get("whatif") or {}).items():   # the what-if as it was saved
    st.info(t("history.whatif", region=md(region_id), changes=md(whatif_text(changes))))
regions = (item.advice or {}).get("regions", [])
if item.advice:
    session.report_buttons(item.advice, f"tanheng-{chosen[:8]}", st.columns(3), "history")
if regions:
    choices = session.region_choices(regions)   # by position: an id may repeat, every row is listed
    pick_n = left.selectbox(t("diag.region"), list(choices), format_func=choices.get, key="history_region")
    region_panel(regions[pick_n if pick_n in choices else 0], [], key="history")
