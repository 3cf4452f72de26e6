"""Showing one region's advice (a `regions[i]` object of the advice JSON):
validation, type scores and drivers, model and pathway, ranked measures with
their reasons and cases, and the carbon account. Used by the diagnosis and
history pages; it draws what the kg API returned and decides nothing."""
from __future__ import annotations

import networkx as nx
import pandas as pd
import streamlit as st

from app import charts
from app.i18n import join, lang, pick, t, t_or
from app.widgets import md
from kg.account import balance
from kg.knowledge import catalog
from kg.knowledge import rules as rule_data
from kg.present.numbers import number, plain, ratio
from kg.present.validation import field_label
from kg.account import balance as kg_balance  # balance_panel takes a dict named balance


def name_of(ref) -> str:
    """The label, in the current language, of a key or IRI (types, models, Table 1
    classes …) or of a dict that carries label_zh/label_en or title_zh/title_en."""
    if isinstance(ref, dict):
        return pick(ref, "label") or pick(ref, "title") or str(ref.get("id") or ref.get("key") or "")
    return "—" if ref is None else pick(catalog.describe(ref), "label")


def text_of(item) -> str:
    """A reason or message: a string or {"zh": …, "en": …}."""
    if isinstance(item, dict):
        return item.get(lang()) or item.get("en") or item.get("zh") or pick(item, "message")
    return str(item)


TABLE_MAX = 100    # up to this many problems are shown in full; more in a scrolling, sortable grid


def issues_table(results: list[dict]) -> None:
    """Validation results (region_id, field, value, severity, message_zh/en) as a table."""
    if not results:
        st.success(t("valid.ok"))
        return
    table = pd.DataFrame([{
        t("valid.col.severity"): t_or(f"severity.{r.get('severity')}", str(r.get("severity"))),
        t("valid.col.region"): plain(r.get("region_id")),
        t("valid.col.field"): field_label(r["field"], lang()) if r.get("field") else "",
        t("valid.col.value"): plain(r.get("value")),
        t("valid.col.message"): pick(r, "message")} for r in results])
    if len(table) <= TABLE_MAX:      # a static table wraps the messages: none is cut off
        st.table(table.set_index(t("valid.col.severity")))
    else:
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={t("valid.col.message"): st.column_config.TextColumn(width="large")})


def line_label(key: str) -> str:
    """An accounting line (kg.account.balance.lines()) or a Table 1 class, by key."""
    line = next((ln for ln in balance.lines() if ln.key == key), None)
    return line.label(lang()) if line else name_of(key)


def _labelled(amounts: dict | None) -> dict[str, float]:
    return {line_label(k): float(v) for k, v in (amounts or {}).items() if isinstance(v, (int, float))}


def balance_panel(balance: dict, key: str) -> None:
    """Emissions, sinks, net and balance ratio; a Sankey of sources → sinks; bars by Table 1 class."""
    if not balance:
        st.info(t("balance.none"))
        return
    # lines whose input is not reported are left out: the totals of that direction are lower bounds (issue 14)
    gaps = [m for m in balance.get("missing_lines") or [] if not m.get("counted_where_given")]
    low = lambda direction: "≥ " if any(m.get("direction") == direction for m in gaps) else ""  # noqa: E731
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("balance.emissions"), low("source") + number(balance.get("emissions_t_co2e")))
    c2.metric(t("balance.sinks"), low("sink") + number(balance.get("sinks_t_co2e")))
    c3.metric(t("balance.net"), number(balance.get("net_t_co2e")))
    c4.metric(t("balance.ratio"), ratio(balance.get("balance_ratio")))
    st.caption(t("balance.unit") + (f" · {t('balance.boundary.' + balance['boundary'])}" if balance.get("boundary") else ""))
    for choice in balance.get("factor_choices") or []:     # which grid factor: province, region or national, year
        st.caption(f"{t('balance.factor_used')}: {md(choice.get(lang()) or choice['coefficient'])}")
    if gaps:
        st.warning(t("balance.incomplete", fields=join(m.get(f"label_{lang()}") or m["key"] for m in gaps)))
    elif not balance.get("complete", True):
        st.warning(t("balance.incomplete", fields=join(field_label(m, lang()) for m in balance.get("missing", []))))
    sources, sinks = _labelled(balance.get("by_source")), _labelled(balance.get("by_sink"))
    left, right = st.columns(2)
    if sources or sinks:
        left.plotly_chart(charts.sankey(sources, sinks), width="stretch", key=f"sankey_{key}")
    by_class = _labelled(balance.get("by_table1"))
    if by_class:
        sinks_of = {ln.table1 for ln in kg_balance.lines() if ln.direction == "sink"}
        colours = [charts.SINK_GREEN if k in sinks_of else charts.SOURCE_RED
                   for k, v in (balance.get("by_table1") or {}).items() if isinstance(v, (int, float))]
        right.plotly_chart(charts.bars(by_class, t("balance.by_table1"), colours=colours, unit=t("balance.unit_axis")),
                           width="stretch", key=f"t1_{key}")


PATHWAY_COLUMNS = {"process": 0, "model": 1, "pool": 2}  # processes left, the model, pools right


def pathway_graph(region: dict) -> nx.DiGraph:
    """The region's model and its pathway (pools and processes of Fig. 1–3) as a graph."""
    g = nx.DiGraph()
    model = region.get("model") or "model"
    g.add_node(model, kind="model", label=name_of(region.get("model")))
    pathway = region.get("pathway") or {}
    for kind, slot in (("process", "processes"), ("pool", "pools")):
        for item in pathway.get(slot) or []:
            g.add_node(item["id"], kind=kind, label=name_of(item))
            g.add_edge(model, item["id"])
    return g


def _indicators_table(values: dict) -> None:
    """The derived indicators and account shares Tanheng computed (rules/indicators.ttl, rules/measure-ranking.ttl)."""
    rows = [{t("advice.col.indicator"): rule_data.indicator_label(k)[lang()],
             t("valid.col.value"): number(v, 2), t("advice.col.unit"): rule_data.indicator_unit(k)[lang()]}
            for k, v in values.items() if v is not None]
    if rows:
        with st.expander(t("advice.indicators", n=len(rows))):
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _driver_line(d: dict) -> str:
    unit = pick(d, "unit")
    value = f"{number(d.get('value'), 2)}{(' ' + unit) if unit else ''}"
    return f"**{pick(d, 'label')}** = {value} — {pick(d, 'rationale')}"


def _case_line(case: dict) -> str:
    where = " ".join(str(x) for x in (case.get("country"), case.get("year")) if x)
    return name_of(case) + (f" ({where})" if where else "")


def region_panel(region: dict, report_results: list[dict], key: str) -> None:
    """Everything Tanheng says about one region."""
    st.subheader(md(f"{region.get('name') or ''} ({region.get('region_id')})"), anchor=False)
    issues = list(report_results) or list(region.get("violations") or [])
    if not region.get("valid", True):
        st.error(t("valid.invalid"))
    with st.expander(t("valid.title", n=len(issues)), expanded=bool(issues)):
        issues_table(issues)
    if not region.get("type"):
        return

    c1, c2 = st.columns(2)
    for col, label, value in ((c1, "advice.type", region["type"]), (c2, "advice.model", region.get("model"))):
        with col.container(border=True):  # not st.metric: it cuts long model names short
            st.caption(t(label))
            st.subheader(name_of(value), anchor=False)
    st.caption(t("advice.basis_designation") if region.get("type_basis") == "designation"
               else t("advice.basis_indicators"))
    secondary = region.get("secondary")
    if secondary and secondary.get("why") == "designation-disagrees":
        st.warning(text_of(secondary["explanation"]))
    elif region.get("zone_agreement") is False:
        st.warning(t("advice.zone_disagrees", official=name_of(region.get("official_zone_type")),
                     inferred=name_of(region.get("inferred_type") or region["type"])))
    close = region.get("close_call")
    if close:
        st.info(t("advice.close_call", runner_up=name_of(close.get("runner_up_type")),
                  model=name_of(close.get("runner_up_model")), margin=number(close.get("margin"), 3)))
    left, right = st.columns(2)
    with left:
        scores = {name_of(k): float(v) for k, v in (region.get("type_scores") or {}).items() if v is not None}
        if scores:
            st.plotly_chart(charts.bars(scores, t("advice.type_scores")), width="stretch", key=f"scores_{key}")
        st.markdown(f"**{t('advice.drivers')}**")
        for d in region.get("drivers") or []:
            st.markdown(f"- {_driver_line(d)}")
        _indicators_table(region.get("indicators") or {})
    with right:
        st.markdown(f"**{t('advice.pathway')}**")
        st.plotly_chart(charts.graph(pathway_graph(region), height=380, columns=PATHWAY_COLUMNS),
                        width="stretch", key=f"pathway_{key}")

    st.markdown(f"### {t('advice.measures')}")
    for i, m in enumerate(region.get("measures") or [], start=1):
        tag = f" · {t('kb.common')}" if m.get("common") else ""
        with st.expander(f"{i}. {name_of(m)} — {number(m.get('score'), 2)}{tag}", expanded=i <= 3):
            for r in m.get("reasons") or []:
                st.markdown(f"- {text_of(r)}")
            if m.get("cases"):
                st.markdown(f"**{t('advice.cases')}**: " + join(_case_line(c) for c in m["cases"]))
    if secondary:      # mixed regions: the second model's best measures, labelled as secondary
        st.markdown(f"### {t('advice.secondary', model=name_of(secondary['model']))}")
        st.caption(text_of(secondary["explanation"]))
        for i, m in enumerate(secondary["measures"], start=1):
            with st.expander(f"{i}. {name_of(m)} — {number(m.get('score'), 2)}", expanded=False):
                for r in m.get("reasons") or []:
                    st.markdown(f"- {text_of(r)}")

    st.markdown(f"### {t('advice.balance')}")
    balance_panel(region.get("balance") or {}, key)
