"""Plotly figures for the app. They draw what the kg API returns; they compute
nothing but positions and colours."""
from __future__ import annotations

from collections import Counter

import networkx as nx
import plotly.graph_objects as go

from app.i18n import lang, t

KIND_COLOURS = {"model": "#1b5e20", "measure": "#43a047", "pool": "#1e88e5", "flux": "#8e24aa",
                "process": "#fb8c00", "case": "#6d4c41", "type": "#00897b"}
KIND_COLUMNS = {"case": 0, "model": 1, "measure": 2, "process": 3, "flux": 3, "pool": 4, "type": 0}


def _layout(fig: go.Figure, height: int = 360) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10),
                      font=dict(family="Noto Sans CJK SC, Microsoft YaHei, sans-serif"))
    return fig


SOURCE_RED, SINK_GREEN = "#e53935", "#43a047"


def bars(values: dict[str, float], title: str, horizontal: bool = True, colours: list[str] | None = None,
         unit: str | None = None) -> go.Figure:
    """A bar per label (values already labelled in the current language); `colours` one per bar
    (sources red, sinks green); numbers in full with thousands separators, never 20M/200k."""
    names, numbers = list(values), list(values.values())
    marker = dict(color=colours) if colours else {}
    bar = go.Bar(y=names, x=numbers, orientation="h", marker=marker) if horizontal else \
        go.Bar(x=names, y=numbers, marker=marker)
    fig = go.Figure(bar)
    fig.update_layout(title=title)
    axis = dict(tickformat=",~r", separatethousands=True, exponentformat="none", title_text=unit)
    if horizontal:
        fig.update_yaxes(autorange="reversed")
        fig.update_xaxes(**axis)
    else:
        fig.update_yaxes(**axis)
    return _layout(fig, height=max(220, 60 + 34 * len(names)) if horizontal else 360)


def sankey(sources: dict[str, float], sinks: dict[str, float]) -> go.Figure:
    """Sources → the region's emissions → sinks and the net emission left in the atmosphere
    (labels already in the current language; values in t CO2e)."""
    emitted = sum(v for v in sources.values() if v > 0)
    absorbed = sum(v for v in sinks.values() if v > 0)
    nodes = list(sources) + [t("balance.emissions")] + list(sinks) + [t("balance.net_atmosphere")]
    hub, net_node = len(sources), len(nodes) - 1
    links = [(i, hub, v) for i, v in enumerate(sources.values()) if v > 0]
    links += [(hub, hub + 1 + j, v) for j, v in enumerate(sinks.values()) if v > 0]
    if emitted > absorbed:
        links.append((hub, net_node, emitted - absorbed))
    # fixed positions: sources left, the hub in the middle, sinks and the net right, spread evenly — left
    # to plotly, small sinks stack on each other and their labels overlap
    right = [n for n in range(hub + 1, len(nodes))]
    xs = [0.01] * len(sources) + [0.45] + [0.99] * (len(nodes) - hub - 1)
    ys = [(i + 0.5) / max(len(sources), 1) for i in range(len(sources))] + [0.5] + \
         [(i + 0.5) / len(right) for i in range(len(right))]
    fig = go.Figure(go.Sankey(
        arrangement="fixed",
        node=dict(label=nodes, pad=18, thickness=16, x=xs, y=ys,
                  color=[SOURCE_RED] * len(sources) + ["#757575"] + [SINK_GREEN] * len(sinks) + ["#9e9e9e"]),
        link=dict(source=[a for a, _, _ in links], target=[b for _, b, _ in links],
                  value=[v for _, _, v in links])))
    return _layout(fig, height=420)


def wrap(label: str, width: int = 12) -> str:
    """A long label on several lines (<br>) rather than cut: lines of about `width` CJK characters
    (2·width Latin ones, broken at spaces)."""
    import unicodedata

    lines, line, used = [], "", 0
    for ch in label:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > 2 * width and (w == 2 or ch == " "):
            lines.append(line.rstrip())
            line, used = "", 0
            if ch == " ":
                continue
        line += ch
        used += w
    return "<br>".join(lines + [line])


def graph(g: nx.DiGraph, height: int = 560, columns: dict[str, int] | None = None) -> go.Figure:
    """A knowledge graph view: nodes in columns by kind (by default cases → model →
    measures → processes/fluxes → pools), edges as lines, hover shows the label."""
    g = g.copy()
    columns = columns or KIND_COLUMNS
    for n, data in g.nodes(data=True):
        data["layer"] = columns.get(data.get("kind"), 2)
    pos = nx.multipartite_layout(g, subset_key="layer") if g.number_of_nodes() else {}
    edge_x, edge_y = [], []
    for a, b in g.edges():
        edge_x += [pos[a][0], pos[b][0], None]
        edge_y += [pos[a][1], pos[b][1], None]
    fig = go.Figure(go.Scatter(x=edge_x, y=edge_y, mode="lines", hoverinfo="none",
                               line=dict(width=0.7, color="#b0bec5"), showlegend=False))
    for kind, colour in KIND_COLOURS.items():
        nodes = [n for n, d in g.nodes(data=True) if d.get("kind") == kind]
        if not nodes:
            continue
        labels = [g.nodes[n].get(f"label_{lang()}") or g.nodes[n].get("label") or str(n) for n in nodes]
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes], mode="markers+text",
            name=t(f"kind.{kind}"), text=[wrap(s) for s in labels],
            hovertext=labels, hoverinfo="text", textposition="middle right", textfont=dict(size=10),
            marker=dict(size=14, color=colour, line=dict(width=1, color="white"))))
    xs = [x for x, _ in pos.values()] or [0]
    width = (max(xs) - min(xs)) or 1
    # room on the right for the last column's labels (whole, wrapped), none cut off
    fig.update_xaxes(visible=False, range=[min(xs) - 0.03 * width, max(xs) + 0.45 * width])
    fig.update_yaxes(visible=False)
    fig.update_layout(legend=dict(orientation="h"))
    tallest = max(Counter(d["layer"] for _, d in g.nodes(data=True)).values(), default=1)
    return _layout(fig, height=max(height, 36 * tallest))  # up to two lines of text per node in the longest column


def sunburst(trees: list[dict], label_of) -> go.Figure:
    """Table 1 as a sunburst: pools and fluxes, their groups and leaves."""
    ids, labels, parents, sizes = [], [], [], []

    def walk(node, parent) -> int:  # each leaf counts 1, so every ring closes
        at = len(ids)
        ids.append(node["iri"])
        labels.append(label_of(node))
        parents.append(parent)
        sizes.append(0)
        sizes[at] = sum(walk(child, node["iri"]) for child in node["children"]) or 1
        return sizes[at]

    for tree in trees:
        walk(tree, "")
    # three rings at a time (click a group to see its leaves): with all five, 25 leaves share the outer
    # ring and their labels shrink below reading size
    fig = go.Figure(go.Sunburst(ids=ids, labels=[wrap(x, 8) for x in labels], parents=parents, values=sizes,
                                branchvalues="total", maxdepth=3, insidetextorientation="horizontal",
                                insidetextfont=dict(size=12), hovertext=labels, hoverinfo="text"))
    return _layout(fig, height=620)


# ----------------------------------------------------------------------------- pathways (issue 17)
SCENARIO_COLOURS = ["#616161", "#1e88e5", "#2e7d32", "#f4511e", "#8e24aa", "#00897b"]


def pathway_lines(region: dict, scenarios: list[dict], names: dict[str, str], deadline: int) -> go.Figure:
    """Observed emissions (solid) and each scenario's projection (dashed), the peak of each marked,
    sinks as a dotted line, the peak deadline as a vertical line."""
    fig = go.Figure()
    hist = region["history"]
    fig.add_trace(go.Scatter(x=[h["year"] for h in hist], y=[h["emissions_t_co2e"] for h in hist],
                             mode="lines+markers", name=t("path.observed"), line=dict(color="#212121", width=3)))
    for i, sc in enumerate(scenarios):
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        xs = [hist[-1]["year"]] + [s["year"] for s in sc["series"]] if hist else [s["year"] for s in sc["series"]]
        ys = ([hist[-1]["emissions_t_co2e"]] if hist else []) + [s["emissions_t_co2e"] for s in sc["series"]]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=names[sc["name"]],
                                 line=dict(color=colour, dash="dash")))
        band = [b for b in (sc.get("uncertainty") or {}).get("series", []) if b["year"] >= xs[0]]
        if band:        # the Monte Carlo 95 % interval of emissions, as a shaded band
            fig.add_trace(go.Scatter(x=[b["year"] for b in band] + [b["year"] for b in band][::-1],
                                     y=[b["emissions_t_co2e"][1] for b in band]
                                     + [b["emissions_t_co2e"][0] for b in band][::-1],
                                     fill="toself", fillcolor=colour, opacity=0.15, line=dict(width=0),
                                     hoverinfo="skip", name=f"{names[sc['name']]} · 95 %"))
        fig.add_trace(go.Scatter(x=[s["year"] for s in sc["series"]], y=[s["sinks_t_co2e"] for s in sc["series"]],
                                 mode="lines", name=f"{names[sc['name']]} · {t('balance.sinks')}",
                                 line=dict(color=colour, dash="dot", width=1)))
        if sc["peak_year"] is not None:
            fig.add_trace(go.Scatter(x=[sc["peak_year"]], y=[sc["peak_emissions_t_co2e"]], mode="markers+text",
                                     marker=dict(size=13, color=colour, symbol="star"), showlegend=False,
                                     text=[t("path.peak_marker", year=sc["peak_year"])], textposition="top center"))
    fig.add_vline(x=deadline, line=dict(color="#c62828", width=1, dash="dot"))
    fig.update_layout(yaxis_title="t CO2e", legend=dict(orientation="h"))
    return _layout(fig, height=440)


def sinks_against_emissions(scenario: dict, region: dict, name: str) -> go.Figure:
    """One scenario: emissions and sinks as areas over the observed and projected years, the balance
    year (first year sinks ≥ emissions) marked."""
    rows = region["history"] + scenario["series"]
    years = [r["year"] for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=years, y=[r["emissions_t_co2e"] for r in rows], fill="tozeroy",
                             name=t("balance.emissions"), line=dict(color="#e53935")))
    fig.add_trace(go.Scatter(x=years, y=[r["sinks_t_co2e"] for r in rows], fill="tozeroy",
                             name=t("balance.sinks"), line=dict(color="#43a047")))
    if scenario["balance_year"] is not None:
        fig.add_vline(x=scenario["balance_year"], line=dict(color="#2e7d32", dash="dash"),
                      annotation_text=t("path.balance_marker", year=scenario["balance_year"]))
    fig.update_layout(title=name, yaxis_title="t CO2e", legend=dict(orientation="h"))
    return _layout(fig, height=380)


def wedges(scenario: dict, labels: dict[str, str]) -> go.Figure:
    """The reduction each lever adds, stacked over the projected years (a wedge chart)."""
    fig = go.Figure()
    for w in scenario["wedges"]:
        fig.add_trace(go.Scatter(x=[p["year"] for p in w.get("series", [])],
                                 y=[p["reduction_t_co2e"] for p in w.get("series", [])],
                                 stackgroup="one", mode="lines", name=labels.get(w["lever"], w["lever"])))
    fig.update_layout(yaxis_title="t CO2e", legend=dict(orientation="h"))
    return _layout(fig, height=400)


def error_bars(names: list[str], values: list[float], lows: list[float], highs: list[float], title: str,
               colors: list[str] | None = None, y_title: str = "") -> go.Figure:
    """Bars with asymmetric error bars from lows to highs (e.g. the 95 % interval of a Monte Carlo)."""
    fig = go.Figure(go.Bar(
        x=names, y=values, marker_color=colors,
        error_y=dict(type="data", symmetric=False, array=[h - v for h, v in zip(highs, values)],
                     arrayminus=[v - lo for v, lo in zip(values, lows)], thickness=2, width=12)))
    fig.update_layout(title=title, yaxis_title=y_title)
    return _layout(fig, height=360)
