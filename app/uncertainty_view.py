"""Uncertainty of a region's account: kg.reason.uncertainty.monte_carlo (IPCC Approach 2) on demand, shown as error bars
on emissions and sinks with the 95 % interval of the ratio and how often the type changes across draws. The app
computes nothing itself; a fragment, so running it reruns only this panel."""
from __future__ import annotations

import streamlit as st

from kg.present.numbers import number, ratio
from app import charts
from app.i18n import t
from kg.reason import uncertainty

DRAWS = 1000


def interval_chart(point: dict, interval: dict):
    """Emissions and sinks (t CO2e) as bars with their 95 % interval as error bars."""
    keys = ("emissions_t_co2e", "sinks_t_co2e")
    return charts.error_bars([t("balance.emissions"), t("balance.sinks")], [point.get(k) or 0.0 for k in keys],
                             [interval[k][0] for k in keys], [interval[k][1] for k in keys], t("uncertainty.chart"),
                             colors=["#e53935", "#43a047"], y_title=t("balance.unit"))


@st.fragment
def uncertainty_panel(analysis: dict, region: dict) -> None:
    st.markdown(f"### {t('uncertainty.title')}")
    st.caption(t("uncertainty.caption", draws=f"{DRAWS:,}"))
    profile = analysis["batch"].get(region["region_id"])
    key = f"mc_{region['region_id']}"
    if profile is None:
        return
    if st.button(t("uncertainty.run"), key=f"{key}_run"):
        coefficient_set = st.session_state.get("coefficient_set") or "default"
        with st.spinner(t("uncertainty.running")):
            st.session_state[key] = uncertainty.monte_carlo([dict(profile.values)], coefficient_set,
                                                            draws=DRAWS, seed=2844)[0]
    interval = st.session_state.get(key)
    if not interval:
        return
    balance = region.get("balance") or {}
    st.plotly_chart(interval_chart(balance, interval), width="stretch", key=f"{key}_chart")
    c1, c2, c3 = st.columns(3)
    for col, k, label in ((c1, "emissions_t_co2e", "balance.emissions"), (c2, "sinks_t_co2e", "balance.sinks")):
        lo, hi = interval[k]
        col.metric(t(label), f"{number(lo)} – {number(hi)}")
    r = interval.get("balance_ratio")
    c3.metric(t("balance.ratio"), "—" if not r else f"{ratio(r[0])} – {ratio(r[1])}")
    share = interval.get("type_change_share")
    if share is not None:
        st.caption(t("uncertainty.type_changes", share=f"{100 * share:.1f}"))
