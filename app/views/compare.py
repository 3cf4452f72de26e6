"""Policy comparison: the country × dimension matrix, the timeline and the
policy records from kg.knowledge.compare, filtered by country, model, measure, sector and
by whether the paper's claim differs from the verified fact."""
import pandas as pd
import plotly.express as px
import streamlit as st

from app.i18n import lang, pick, t, t_or
from app.policy_view import records_view
from kg.knowledge import catalog, compare, strategies

st.title(t("page.compare"))

countries = {c["code"]: c["label"] for c in compare.country_concepts(lang())}
ALL = {None: t("kb.filter.all")}
c1, c2, c3, c4 = st.columns(4)
chosen = c1.multiselect(t("kb.filter.country"), list(countries), format_func=countries.get, key="cmp_countries",
                        placeholder=t("kb.filter.all"))
models = {**ALL, **{k: pick(catalog.describe(k), "label") for k in compare.valid_values("model")}}
model = c2.selectbox(t("kb.filter.model"), list(models), format_func=models.get, key="cmp_model")
measures = {**ALL, **{k: pick(catalog.describe(k), "label") for k in compare.valid_values("measure")}}
measure = c3.selectbox(t("compare.filter.measure"), list(measures), format_func=measures.get, key="cmp_measure")
sectors = {**ALL, **{k: t_or(f"sector.{k}", k) for k in compare.valid_values("sector")}}
sector = c4.selectbox(t("compare.filter.sector"), list(sectors), format_func=sectors.get, key="cmp_sector")
disputed = st.toggle(t("compare.filter.disputed"), key="cmp_disputed")

records = compare.compare(countries=chosen or None, model=model, measure=measure, sector=sector)["records"]
if disputed:
    records = [r for r in records if r["discrepancy"]]

tab_matrix, tab_timeline, tab_records, tab_strategy = st.tabs([t("compare.matrix"), t("compare.timeline"),
                                                               t("compare.records", n=len(records)),
                                                               t("strategy.tab")])
with tab_matrix:
    m = compare.matrix(lang())
    rows = [c for c in m["countries"] if not chosen or c["code"] in chosen]
    dims = m["dimensions"]
    cell = lambda c, d: m["cells"][c["code"]][d["code"]]  # noqa: E731
    table = pd.DataFrame([[(f"{x['title']} ({x['year']})" + (f" +{x['count'] - 1}" if x["count"] > 1 else ""))
                           if (x := cell(c, d)) else "—" for d in dims] for c in rows],
                         index=[c["label"] for c in rows], columns=[d["label"] for d in dims])
    counts = [[(x["count"] if (x := cell(c, d)) else 0) for d in dims] for c in rows]
    fig = px.imshow(counts, x=[d["label"] for d in dims], y=[c["label"] for c in rows], text_auto=True,
                    color_continuous_scale="Greens", aspect="auto", labels={"color": t("compare.count")})
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=30, b=10), title=t("compare.heatmap"))
    st.plotly_chart(fig, width="stretch", key="cmp_heatmap")
    st.dataframe(table, width="stretch")
    st.caption(f"{m['rule']['label']}: {m['rule']['definition']}")

with tab_timeline:
    items = compare.timeline(countries=chosen or None)["items"]
    shown_ids = {r["id"] for r in records}
    items = [i for i in items if i["kind"] == "event" or i["id"] in shown_ids]
    frame = pd.DataFrame([{t("kb.col.year"): i["year"], t("kb.col.country"): countries.get(i["country"], "—"),
                           t("kb.col.name"): i.get(f"title_{lang()}") or i["id"],
                           t("compare.kind"): t(f"compare.kind.{i['kind']}")} for i in items])
    if not frame.empty:
        fig = px.scatter(frame, x=t("kb.col.year"), y=t("kb.col.country"), color=t("compare.kind"),
                         hover_name=t("kb.col.name"), height=360)
        fig.update_traces(marker=dict(size=12))
        st.plotly_chart(fig, width="stretch", key="cmp_timeline")
        st.dataframe(frame, hide_index=True, width="stretch")

with tab_records:
    records_view(records)

with tab_strategy:  # a country's approach as first-class knowledge, and what it teaches one region type
    by_country = {s["country"]: s for s in strategies.strategies()}
    types = {k: pick(catalog.describe(k), "label") for k in strategies.type_keys()}
    s1, s2 = st.columns(2)
    names = {c: pick(s, "label") for c, s in by_country.items()}
    code = s1.selectbox(t("kb.filter.country"), list(by_country), key="strategy_country",
                        index=list(by_country).index("DE") if "DE" in by_country else 0, format_func=names.get)
    type_key = s2.selectbox(t("strategy.type"), list(types), format_func=types.get, key="strategy_type",
                            index=list(types).index("agricultural") if "agricultural" in types else 0)
    chosen_strategy = by_country[code]
    st.subheader(pick(chosen_strategy, "label"))
    st.write(pick(chosen_strategy, "characterisation"))
    st.caption(t("strategy.question", country=countries.get(code, code), type=types[type_key]))
    lessons = strategies.lessons_for(code, type_key)
    if not lessons:
        st.info(t("strategy.none"))
    for lesson in lessons:
        with st.container(border=True):
            st.markdown(f"**{pick(lesson, 'label')}** (§{', '.join(lesson['sections'])})")
            st.write(pick(lesson, "text"))
            if lesson["measures_for_type"]:
                st.caption(t("strategy.measures") + ": " + "、".join(
                    pick(catalog.describe(m), "label") for m in lesson["measures_for_type"]))
            if lesson["cases_for_type"]:
                st.caption(t("strategy.cases") + ": " + "、".join(
                    pick(catalog.describe(c), "label") for c in lesson["cases_for_type"]))
            if lesson["reading"] == "project":
                st.caption(t("strategy.reading"))
