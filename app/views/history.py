"""History: the analyses saved in the store (kg.history), listed, opened,
deleted; they survive a restart of the app."""
import pandas as pd
import streamlit as st

from app import session
from app.advice_view import region_panel
from app.backend import require, user_error
from app.i18n import t
from app.widgets import md

st.title(t("page.history"))
history = require("history", "list_saved", "get", "delete")
if history is None:
    st.stop()

saved = history.list_saved()
if not saved:
    st.info(t("history.empty"))
    st.stop()

st.dataframe(pd.DataFrame([{t("history.col.created"): a.created[:19].replace("T", " "),
                            t("history.col.title"): a.title, t("history.col.regions"): ", ".join(a.region_ids)}
                           for a in saved]), hide_index=True, width="stretch")
names = {a.id: f"{a.created[:16].replace('T', ' ')} · {a.title or ', '.join(a.region_ids)}" for a in saved}
chosen = st.selectbox(t("history.open"), list(names), format_func=names.get, key="history_pick")
try:
    item = history.get(chosen)
except Exception as exc:  # deleted meanwhile, or an unreadable entry
    st.error(md(user_error(exc)))
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
regions = (item.advice or {}).get("regions", [])
if item.advice:
    session.report_buttons(item.advice, f"tanheng-{chosen[:8]}", st.columns(3), "history")
if regions:
    choices = session.region_choices(regions)   # by position: an id may repeat, every row is listed
    pick_n = left.selectbox(t("diag.region"), list(choices), format_func=choices.get, key="history_region")
    region_panel(regions[pick_n if pick_n in choices else 0], [], key="history")
