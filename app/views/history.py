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

regions = (item.advice or {}).get("regions", [])
if item.advice:
    session.report_buttons(item.advice, f"tanheng-{chosen[:8]}", st.columns(3), "history")
if regions:
    choices = session.region_choices(regions)   # by position: an id may repeat, every row is listed
    pick_n = left.selectbox(t("diag.region"), list(choices), format_func=choices.get, key="history_region")
    region_panel(regions[pick_n if pick_n in choices else 0], [], key="history")
