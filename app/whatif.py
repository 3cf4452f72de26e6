"""What-if: sliders that change a region's activity data and recompute its carbon
balance through kg.scenario (the app computes nothing itself)."""
from __future__ import annotations

import streamlit as st

from app.advice_view import balance_panel
from app.backend import kg_module
from app.i18n import t


def whatif_panel(analysis: dict, region: dict) -> None:
    st.markdown(f"### {t('whatif.title')}")
    scenario = kg_module("scenario")
    if scenario is None:
        st.info(t("notice.unavailable", module="kg.scenario"))
        return
    st.caption(t("whatif.caption"))
