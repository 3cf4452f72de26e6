"""Policy comparison: the country × dimension matrix and the timeline from
kg.compare, with filters by model, measure, sector and paper-claim vs verified."""
import pandas as pd
import streamlit as st

from app.backend import require
from app.i18n import lang, pick, t

st.title(t("page.compare"))
compare = require("compare", "matrix", "timeline")
if compare is None:
    st.stop()
