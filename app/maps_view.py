"""Maps in the app: the batch on a map beside its table (hover: name, type, ratio, model; a click
opens the region on the diagnosis page) and, on the diagnosis page, the region within its province
coloured by the same measure as the batch's other regions there. Drawn by kg.geo (offline plotly:
the world topojson is a local stub); the app only chooses and reacts. In the app the map is drawn on
plain axes (kg.geo.render_html.planar_figure): there hover and click work inside Streamlit."""
from __future__ import annotations

import streamlit as st

from app.i18n import lang, t
from app.widgets import md
from kg.reason import zoning
from kg.geo import boundaries, layers, render_html


def _layer(analysis: dict, advice: dict, measure: str, province: str | None = None):
    recs = zoning.records(analysis["batch"], advice)
    with st.spinner(t("map.preparing")):
        return layers.build_layer(recs, measure, province=province)


def _measure_picker(key: str, label: str) -> str:
    titles = {m: layers.TITLES[m][lang()] for m in layers.MEASURES}     # bound now: AppTest formats off-thread
    return st.selectbox(label, layers.MEASURES, key=key, format_func=titles.get)


def _clicked_region(fig, event) -> int | None:
    """The batch position of the region a click selected (its trace's location → customdata)."""
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "points", [])
    for p in points or []:
        trace = fig.data[p.get("curve_number", 0)]
        custom = getattr(trace, "customdata", None)
        idx = p.get("point_index", p.get("point_number"))
        if custom is not None and idx is not None and idx < len(custom):
            return int(custom[idx][-1])
    return None


def batch_map(analysis: dict, advice: dict, key: str = "batch") -> None:
    measure = _measure_picker(f"{key}_map_by", t("map.by"))
    layer = _layer(analysis, advice, measure)
    if not layer.regions:
        st.info(t("map.none"))
        return
    fig = render_html.planar_figure(layer, lang(), height=560)
    event = st.plotly_chart(fig, config={"displaylogo": False}, on_select="rerun", selection_mode="points",
                            key=f"{key}_map", width="stretch")
    st.caption(t("map.hint"))
    chosen = _clicked_region(fig, event)
    if chosen is not None:
        st.session_state["diagnosis"] = {**analysis, "source": "batch"}
        st.session_state["diag_region"] = chosen
        st.switch_page("views/diagnosis.py")


def region_map(analysis: dict, advice: dict, index: int, key: str = "diag") -> None:
    rec = zoning.records(analysis["batch"], advice)[index]
    if not rec.code or rec.code not in boundaries.index():
        return
    st.markdown(f"### {t('diag.map')}")
    measure = _measure_picker(f"{key}_map_by", t("diag.map_by"))
    layer = _layer(analysis, advice, measure, province=rec.code[:2])
    fig = render_html.planar_figure(layer, lang(), height=480, highlight=rec.code)
    st.plotly_chart(fig, config={"displaylogo": False}, key=f"{key}_map", width="stretch")
    if layer.missing:
        st.caption(t("map.missing", ids=md(", ".join(m["region_id"] for m in layer.missing))))
