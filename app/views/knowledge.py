"""Knowledge base: Table 1, integration types, models, measures, cases, and a
graph view of a model's pathway with its cases (all from kg.catalog)."""
import pandas as pd
import streamlit as st

from app import charts
from app.backend import require
from app.i18n import join, lang, pick, t
from app.widgets import sources_line

st.title(t("page.knowledge"))
catalog = require("catalog", "table1", "types", "models", "measures", "cases", "model_graph")
if catalog is None:
    st.stop()

label = lambda rec: pick(rec, "label")  # noqa: E731
model_names = {m["key"]: label(m) for m in catalog.models()}
measure_names = {m["key"]: label(m) for m in catalog.measures()}

tab_t1, tab_types, tab_models, tab_measures, tab_cases, tab_graph = st.tabs(
    [t("kb.table1"), t("kb.types"), t("kb.models"), t("kb.measures"), t("kb.cases"), t("kb.graph")])

with tab_t1:
    st.caption(t("kb.table1.caption"))
    trees = catalog.table1()
    left, right = st.columns([3, 2])
    left.plotly_chart(charts.sunburst(trees, label), width="stretch")
    leaves = catalog.table1_leaves()
    right.dataframe(pd.DataFrame([{
        t("kb.col.group"): " › ".join(leaf[f"path_{lang()}"]), t("kb.col.name"): label(leaf),
        t("kb.col.definition"): pick(leaf, "definition")} for leaf in leaves]),
        hide_index=True, width="stretch", height=540)
    st.caption(t("kb.count", n=len(leaves)))

with tab_types:
    for ty in catalog.types():
        with st.container(border=True):
            st.subheader(label(ty))
            st.write(pick(ty, "definition"))
            if ty["model_key"]:
                st.markdown(f"**{t('kb.recommended_model')}**: {model_names.get(ty['model_key'], ty['model_key'])}")
            for ch in ty["characteristics"]:
                values = ch[lang()] or ch["en" if lang() == "zh" else "zh"]
                st.markdown(f"**{pick(ch, 'label')}**: " + join(values))
            sources_line(ty["sources"])

with tab_models:
    for m in catalog.models():
        with st.expander(label(m), expanded=True):
            st.write(pick(m, "definition"))
            st.markdown(f"**{t('kb.for_types')}**: " + join(
                label(ty) for ty in catalog.types() if ty["key"] in m["types"]))
            for slot in ("pools", "fluxes", "processes"):
                names = [label(catalog.texts(i)) for i in m["pathway"][slot]]
                if names:
                    st.markdown(f"**{t('kb.pathway.' + slot)}**: " + join(names))
            st.markdown(f"**{t('kb.measures')}**")
            for ms in m["measures"]:
                st.markdown(f"- {label(ms)}")
            if m["common"]:
                st.markdown(f"**{t('kb.common')}**: " + join(label(c) for c in m["common"]))
            sources_line(m["sources"])

with tab_measures:
    st.dataframe(pd.DataFrame([{
        t("kb.col.name"): label(ms),
        t("kb.col.model"): t("kb.common") if ms["common"] else join(model_names.get(k, k) for k in ms["models"]),
        t("kb.col.definition"): pick(ms, "definition"),
        t("kb.col.acts_on"): join(label(catalog.texts(i)) for i in ms["pools"] + ms["fluxes"] + ms["processes"]),
        t("kb.col.cases"): len(catalog.cases_for(measure_key=ms["key"])),
        t("kb.col.source"): "; ".join(label(s) for s in ms["sources"])} for ms in catalog.measures()]),
        hide_index=True, width="stretch")

with tab_cases:
    all_cases = catalog.cases()
    c1, c2 = st.columns(2)
    countries = sorted({c["country"] for c in all_cases if c["country"]})
    chosen = c1.multiselect(t("kb.filter.country"), countries, default=countries, key="kb_countries")
    model_filter = c2.selectbox(t("kb.filter.model"), [None, *model_names], key="kb_case_model",
                                format_func={None: t("kb.filter.all"), **model_names}.get)
    shown = [c for c in all_cases if (c["country"] in chosen or not c["country"])
             and (model_filter is None or model_filter in c["models"])]
    st.dataframe(pd.DataFrame([{
        t("kb.col.name"): label(c), t("kb.col.country"): c["country"], t("kb.col.year"): c["year"],
        t("kb.col.status"): c["status"],
        t("kb.col.measures"): join(measure_names.get(k, k) for k in c["measures"]),
        t("kb.col.discrepancy"): "⚠" if c["discrepancies"] else ""} for c in shown]),
        hide_index=True, width="stretch")
    for c in shown:
        with st.expander(f"{c['country'] or ''} {c['year'] or ''} · {label(c)}" + (" ⚠" if c["discrepancies"] else "")):
            st.write(pick(c, "definition"))
            if pick(c, "target"):
                st.markdown(f"**{t('kb.target')}**: {pick(c, 'target')}")
            for d in c["discrepancies"]:
                st.warning(f"**{t('kb.paper_claim')}**: {pick(d, 'paper_claim')}\n\n"
                           f"**{t('kb.verified_fact')}**: {pick(d, 'verified_fact')}")
                sources_line(d["sources"])
            sources_line(c["sources"])

with tab_graph:
    keys = list(model_names)
    if keys:
        key = st.selectbox(t("kb.graph.model"), keys, format_func=model_names.get, key="kb_graph_model")
        g = catalog.model_graph(key)
        st.plotly_chart(charts.graph(g), width="stretch")
        st.caption(t("kb.graph.caption", nodes=g.number_of_nodes(), edges=g.number_of_edges()))
    else:
        st.info(t("kb.empty"))
