"""Showing one region's advice (the `regions[i]` object of kg.advice.advise):
validation, type scores and drivers, model and pathway, ranked measures with
their reasons and cases, and the carbon account. Used by the diagnosis and
history pages."""
from __future__ import annotations

import networkx as nx
import pandas as pd
import streamlit as st

from app import charts
from app.backend import kg_module
from app.i18n import lang, pick, t


def name_of(ref) -> str:
    """The label, in the current language, of whatever the kg API returned for a
    thing: a dict with label_zh/label_en (or name_*), an IRI or a key."""
    if isinstance(ref, dict):
        for field in ("label", "name", "message", "text"):
            if pick(ref, field):
                return pick(ref, field)
        for field in ("label", "name", "key", "id", "iri"):
            if ref.get(field):
                return name_of(ref[field])
        return ", ".join(f"{k}: {v}" for k, v in ref.items())
    catalog = kg_module("catalog")
    return pick(catalog.describe(ref), "label") if catalog and ref is not None else str(ref)


def key_of(ref) -> str | None:
    if isinstance(ref, dict):
        return ref.get("key") or ref.get("id") or ref.get("iri")
    return ref


def text_of(item) -> str:
    """A reason, driver or message: a string, or a dict with *_zh / *_en texts."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        for field in ("message", "text", "reason", "label", "description"):
            if pick(item, field):
                extra = item.get("value")
                return pick(item, field) + (f" ({extra})" if extra not in (None, "") else "")
    return name_of(item)


def issues_table(results: list[dict]) -> None:
    """Validation results (region_id, field, value, severity, message_zh/en) as a table."""
    if not results:
        st.success(t("valid.ok"))
        return
    st.dataframe(pd.DataFrame([{
        t("valid.col.severity"): t(f"severity.{str(r.get('severity', 'violation')).lower()}")
        if f"severity.{str(r.get('severity', 'violation')).lower()}" in _severities() else r.get("severity"),
        t("valid.col.region"): r.get("region_id"), t("valid.col.field"): r.get("field"),
        t("valid.col.value"): "" if r.get("value") is None else str(r.get("value")),
        t("valid.col.message"): pick(r, "message")} for r in results]), hide_index=True, width="stretch")


def _severities() -> set[str]:
    from app.i18n import strings
    return {k for k in strings() if k.startswith("severity.")}


def number(value, digits: int = 0) -> str:
    if value is None:
        return "—"
    try:
        return f"{float(value):,.{digits}f}"
    except (TypeError, ValueError):
        return str(value)


def _amounts(mapping) -> dict[str, float]:
    """{label: t CO2e} from a by_source / by_sink / by_table1 mapping whose values are
    numbers or dicts with a value ("t_co2e" / "value") and labels."""
    out: dict[str, float] = {}
    for key, v in (mapping or {}).items():
        amount = v
        if isinstance(v, dict):
            amount = next((v[f] for f in ("t_co2e", "value", "amount", "total") if v.get(f) is not None), None)
        if isinstance(amount, (int, float)):
            label = name_of(v) if isinstance(v, dict) and (pick(v, "label") or v.get("label")) else line_label(key)
            out[label] = out.get(label, 0.0) + float(amount)
    return out


def line_label(key: str) -> str:
    """An accounting line (kg.balance.lines()) or a Table 1 class, by key."""
    balance = kg_module("balance")
    line = next((ln for ln in balance.lines() if ln.key == key), None) if balance else None
    return line.label(lang()) if line else name_of(key)


def balance_panel(balance: dict, key: str) -> None:
    """Emissions, sinks, net and balance ratio; a Sankey of sources → sinks; bars by Table 1 class."""
    if not balance:
        st.info(t("balance.none"))
        return
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("balance.emissions"), number(balance.get("emissions_t_co2e")))
    c2.metric(t("balance.sinks"), number(balance.get("sinks_t_co2e")))
    c3.metric(t("balance.net"), number(balance.get("net_t_co2e")))
    c4.metric(t("balance.ratio"), number(balance.get("balance_ratio"), 2))
    st.caption(t("balance.unit"))
    if not balance.get("complete", True):
        st.warning(t("balance.incomplete", fields=", ".join(name_of(m) for m in balance.get("missing", []))))
    sources, sinks = _amounts(balance.get("by_source")), _amounts(balance.get("by_sink"))
    if sources or sinks:
        st.plotly_chart(charts.sankey(sources, sinks), width="stretch", key=f"sankey_{key}")
    by_class = _amounts(balance.get("by_table1"))
    if by_class:
        st.plotly_chart(charts.bars(by_class, t("balance.by_table1")), width="stretch", key=f"t1_{key}")


def pathway_graph(region: dict) -> nx.DiGraph:
    """The region's pathway: from kg.pathway when it offers a graph, else the model's
    pools and processes as returned in the advice."""
    pathway_mod = kg_module("pathway")
    for fn in ("region_graph", "graph_for", "pathway_graph", "graph"):
        if pathway_mod is not None and hasattr(pathway_mod, fn):
            try:
                return getattr(pathway_mod, fn)(region)
            except TypeError:
                continue
    g = nx.DiGraph()
    model = region.get("model")
    model_id = key_of(model) or "model"
    g.add_node(model_id, kind="model", label=name_of(model))
    pathway = region.get("pathway") or {}
    for kind, slot in (("process", "processes"), ("pool", "pools"), ("flux", "fluxes")):
        for item in pathway.get(slot, []) or []:
            node = key_of(item)
            g.add_node(node, kind=kind, label=name_of(item))
            g.add_edge(model_id, node)
    return g


def region_panel(region: dict, report_results: list[dict], key: str) -> None:
    """Everything Tanheng says about one region."""
    st.subheader(f"{region.get('name') or ''} ({region.get('region_id')})")
    issues = list(report_results) + [v for v in region.get("violations") or [] if v not in report_results]
    if not region.get("valid", True):
        st.error(t("valid.invalid"))
    with st.expander(t("valid.title", n=len(issues)), expanded=bool(issues)):
        issues_table(issues)
    if not region.get("valid", True) or not region.get("type"):
        return

    c1, c2 = st.columns(2)
    c1.metric(t("advice.type"), name_of(region["type"]))
    c2.metric(t("advice.model"), name_of(region.get("model")))
    left, right = st.columns(2)
    with left:
        scores = {name_of(k): float(v) for k, v in (region.get("type_scores") or {}).items()
                  if isinstance(v, (int, float))}
        if scores:
            st.plotly_chart(charts.bars(scores, t("advice.type_scores")), width="stretch", key=f"scores_{key}")
        st.markdown(f"**{t('advice.drivers')}**")
        for d in region.get("drivers") or []:
            st.markdown(f"- {text_of(d)}")
    with right:
        g = pathway_graph(region)
        st.markdown(f"**{t('advice.pathway')}**")
        st.plotly_chart(charts.graph(g, height=380), width="stretch", key=f"pathway_{key}")

    st.markdown(f"### {t('advice.measures')}")
    for i, m in enumerate(region.get("measures") or [], start=1):
        score = m.get("score")
        title = f"{i}. {name_of(m)}" + (f" — {number(score, 2)}" if isinstance(score, (int, float)) else "")
        with st.expander(title, expanded=i <= 3):
            for r in m.get("reasons") or []:
                st.markdown(f"- {text_of(r)}")
            cases = m.get("cases") or []
            if cases:
                st.markdown(f"**{t('advice.cases')}**: " + "；".join(_case_line(c) for c in cases))

    st.markdown(f"### {t('advice.balance')}")
    balance_panel(region.get("balance") or {}, key)


def _case_line(case) -> str:
    catalog = kg_module("catalog")
    if catalog and not isinstance(case, dict):
        rec = next((c for c in catalog.cases() if case in (c["key"], c["iri"])), None)
        if rec:
            case = rec
    if isinstance(case, dict):
        where = " ".join(str(x) for x in (case.get("country"), case.get("year")) if x)
        return name_of(case) + (f" ({where})" if where else "")
    return name_of(case)


