"""Knowledge base: Table 1, integration types, models, measures, cases, and a
graph view of a model's pathway with its cases (all from kg.knowledge.catalog)."""
from collections import Counter

import pandas as pd
import streamlit as st

from app import charts
from app.i18n import join, lang, pick, t
from app.policy_view import records_view
from app.widgets import sources_line
from kg.knowledge import catalog, compare

st.title(t("page.knowledge"))

label = lambda rec: pick(rec, "label")  # noqa: E731
model_names = {m["key"]: label(m) for m in catalog.models()}

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
    cases_per_measure = Counter(m["id"] for r in compare.compare()["records"] for m in r["measures"])
    st.dataframe(pd.DataFrame([{
        t("kb.col.name"): label(ms),
        t("kb.col.model"): t("kb.common") if ms["common"] else join(model_names.get(k, k) for k in ms["models"]),
        t("kb.col.definition"): pick(ms, "definition"),
        t("kb.col.acts_on"): join(label(catalog.texts(i)) for i in ms["pools"] + ms["fluxes"] + ms["processes"]),
        t("kb.col.cases"): cases_per_measure[ms["key"]],
        t("kb.col.source"): "; ".join(label(s) for s in ms["sources"])} for ms in catalog.measures()]),
        hide_index=True, width="stretch")

with tab_cases:
    c1, c2 = st.columns(2)
    countries = {c["code"]: c["label"] for c in compare.country_concepts(lang())}
    chosen = c1.multiselect(t("kb.filter.country"), list(countries), format_func=countries.get,
                            key="kb_countries", placeholder=t("kb.filter.all"))
    model_filter = c2.selectbox(t("kb.filter.model"), [None, *model_names], key="kb_case_model",
                                format_func={None: t("kb.filter.all"), **model_names}.get)
    records_view(compare.compare(countries=chosen or None, model=model_filter)["records"])

with tab_graph:
    keys = list(model_names)
    if keys:
        left, right = st.columns([1, 2])
        key = left.selectbox(t("kb.graph.model"), keys, format_func=model_names.get, key="kb_graph_model")
        g = catalog.model_graph(key)
        kinds = {k: t(f"kind.{k}") for k in ("model", "measure", "process", "flux", "pool", "case")}
        shown = right.multiselect(t("kb.graph.kinds"), list(kinds), default=list(kinds), format_func=kinds.get,
                                  key="kb_graph_kinds")
        g = g.subgraph([n for n, kind in g.nodes(data="kind") if kind in shown])
        st.plotly_chart(charts.graph(g), width="stretch")
        st.caption(t("kb.graph.caption", nodes=g.number_of_nodes(), edges=g.number_of_edges()))
    else:
        st.info(t("kb.empty"))
