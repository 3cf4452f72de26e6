"""History: the analyses saved in the store (kg.history), listed, opened, deleted;
they survive a restart of the app."""
import streamlit as st

from app.backend import require
from app.i18n import t

st.title(t("page.history"))
history = require("history")
if history is None:
    st.stop()
