"""Showing one region's pathways (a `regions[i]` object of kg.trajectory's answer): history, the
scenarios side by side, sinks against emissions, wedges. Used by the pathways and history pages;
it draws what the kg API returned and decides nothing."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app import charts
from kg.present.numbers import number, percent
from app.i18n import lang, pick, t
from app.widgets import md


def scenario_name(sc: dict) -> str:
    return pick(sc, "label") or sc["name"]


def wedge_labels(sc: dict) -> dict[str, str]:
    from kg.present.trajectory import wedge_label

    return {w["lever"]: wedge_label(w, sc, lang()) for w in sc["wedges"]}


def _pct(x) -> str:
    return "—" if x is None else f"{x * 100:+.1f}%"


def history_panel(region: dict) -> None:
    st.markdown(f"#### {t('path.history')}")
    st.dataframe(pd.DataFrame([{t("path.col.year"): h["year"], t("balance.emissions"): number(h["emissions_t_co2e"]),
                                t("balance.sinks"): number(h["sinks_t_co2e"]), t("balance.net"): number(h["net_t_co2e"]),
                                t("balance.ratio"): number(h["balance_ratio"], 3)} for h in region["history"]]),
                 hide_index=True, width="stretch")
    tr = region.get("trends")
    if tr:
        st.caption(t("path.trends", start=tr["from"], end=tr["to"], e=_pct(tr["emissions_avg_change"]),
                     s=_pct(tr["sinks_avg_change"]), pc=_pct(tr["emissions_per_person_avg_change"]),
                     pg=_pct(tr["emissions_per_gdp_avg_change"])))
    if region.get("observed_peak"):
        op = region["observed_peak"]
        st.info(t("path.observed_peak", year=op["year"], value=number(op["emissions_t_co2e"])))
    if region.get("decoupling"):
        st.caption(t("path.tapio") + ": " + "; ".join(
            f"{d['from']}–{d['to']} {pick(d, 'label') or '—'}" for d in region["decoupling"]))


def compare_panel(region: dict, chosen: list[dict], deadline: int, target: int) -> None:
    """Up to three scenarios side by side: their figures in columns, their lines in one chart."""
    names = {sc["name"]: scenario_name(sc) for sc in chosen}
    cols = st.columns(max(1, len(chosen)))
    for col, sc in zip(cols, chosen):
        with col:
            st.markdown(f"**{md(names[sc['name']])}**")
            peak = sc["peak_year"]
            st.metric(t("path.peak_year"), "—" if peak is None else str(peak))
            if peak is None and sc.get("peak_reason"):
                st.caption(md(sc["peak_reason"][lang()]))
            st.metric(t("path.peak_emissions"), number(sc["peak_emissions_t_co2e"]))
            st.metric(t("path.peak_by", year=deadline), t("path.yes") if sc["peak_by_2030"] else t("path.no"))
            st.metric(t("path.balance_year"), "—" if sc["balance_year"] is None else str(sc["balance_year"]))
            end = sc["series"][-1]["emissions_t_co2e"] if sc["series"] else None
            st.metric(t("path.target_emissions", year=target), number(end))
            if sc.get("uncertainty"):
                u = sc["uncertainty"]
                st.metric(t("path.p_peak", year=deadline, n=u["draws"]), percent(u["p_peak_by_2030"], 0))
            for p in sc.get("problems", []):
                st.error(md(p["message"][lang()]))
    st.plotly_chart(charts.pathway_lines(region, chosen, names, deadline), width="stretch",
                    key=f"path_lines_{region['region_id']}")


def detail_panel(region: dict, sc: dict, key: str) -> None:
    """Sinks against emissions and the wedges of one scenario."""
    left, right = st.columns(2)
    with left:
        st.plotly_chart(charts.sinks_against_emissions(sc, region, scenario_name(sc)), width="stretch",
                        key=f"{key}_sinks")
    with right:
        if sc["wedges"]:
            st.plotly_chart(charts.wedges(sc, wedge_labels(sc)), width="stretch", key=f"{key}_wedges")
        else:
            st.caption(t("path.no_wedges"))
    if sc.get("measures") is not None and sc.get("levers"):
        st.caption(t("path.levers") + ": " + "; ".join(
            f"{lv['field']} {lv['change']} ({lv['from']}–{lv['to'] or '…'})" for lv in sc["levers"]))
