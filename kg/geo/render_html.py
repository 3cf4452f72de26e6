"""An interactive map (plotly) of a MapLayer that renders with no internet connection.

Two things would otherwise reach the network: plotly.js itself (embedded in the page instead) and
the world topojson that plotly.js fetches for every geo subplot from its CDN, even when every base
layer is hidden. `topojsonURL` points at a stub topology with empty layers, inlined as a data: URL
(plotly appends "<name>.json" to the URL; after '#', that is only a fragment), so the page asks no
server for anything."""
from __future__ import annotations

import json
import urllib.parse

import plotly.graph_objects as go
from shapely.geometry import LineString, box, mapping

from . import boundaries
from .layers import CONTEXT_COLOUR, MapLayer, frame_title, notes

_LAYERS = ("coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits")
TOPOJSON_STUB = {"type": "Topology", "arcs": [], "transform": {"scale": [1, 1], "translate": [0, 0]},
                 "objects": {name: {"type": "GeometryCollection", "geometries": []} for name in _LAYERS}}
TOPOJSON_URL = "data:application/json;charset=utf-8," + urllib.parse.quote(json.dumps(TOPOJSON_STUB)) + "#"
CONFIG = {"topojsonURL": TOPOJSON_URL, "displaylogo": False, "responsive": True}
FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
MAINLAND_BOX = box(73.0, 17.5, 136.0, 54.0)
SCS_BOX = box(105.5, 3.0, 123.5, 24.5)             # the South China Sea inset (南海诸岛)

HOVER = {"zh": {"type": "类型", "ratio": "碳汇/排放比", "model": "模式", "value": "取值", "id": "代码"},
         "en": {"type": "Type", "ratio": "Sink/emission", "model": "Model", "value": "Value", "id": "Code"}}


def _collection(geoms: dict) -> dict:
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "id": code, "properties": {}, "geometry": mapping(g)}
                         for code, g in geoms.items()]}


def _clipped_lines(frame) -> list[list[tuple]]:
    out = []
    for line in boundaries.maritime_lines():
        part = LineString(line).intersection(frame)
        for piece in getattr(part, "geoms", [part]):
            if not piece.is_empty and piece.geom_type == "LineString":
                out.append(list(piece.coords))
    return out


def _flat(colour: str, n: int) -> dict:
    return dict(z=[0] * n, zmin=0, zmax=1, colorscale=[[0, colour], [1, colour]], showscale=False)


def _hover_rows(layer: MapLayer, lang: str, type_label, model_label) -> list[list]:
    rows = []
    for r in layer.regions:
        ratio = "—" if r.balance_ratio is None else f"{r.balance_ratio:.3f}"
        value = r.value if isinstance(r.value, str) or r.value is None else f"{r.value:,.3g}"
        rows.append([r.name, r.region_id, type_label(r.type_key, lang) if r.type_key else "—", ratio,
                     model_label(r.model_key, lang) if r.model_key else "—", value if value is not None else "—",
                     r.index])
    return rows


def figure(layer: MapLayer, lang: str = "zh", height: int = 640, highlight: str | None = None) -> go.Figure:
    """The plotly figure; `highlight`: a code outlined in black (the region a page is about)."""
    from ..report import model_label, type_label

    codes = [r.code for r in layer.regions]
    geoms = boundaries.geometries(codes + layer.context + [boundaries.NATIONAL])
    context = {c: geoms[c] for c in layer.context if c in geoms and c not in set(codes)}
    if layer.national:      # the main map stops at Hainan; the islands further south are in the inset
        context = {c: g.intersection(MAINLAND_BOX) for c, g in context.items()}
    fig = go.Figure()
    if context:
        fig.add_trace(go.Choropleth(
            geojson=_collection(context), locations=list(context), **_flat(CONTEXT_COLOUR, len(context)),
            marker_line_color="#9e9e9e", marker_line_width=0.4, hoverinfo="skip", showlegend=False,
            name="context"))
    h = HOVER[lang]
    template = ("<b>%{customdata[0]}</b> (%{customdata[1]})<br>" + h["type"] + ": %{customdata[2]}<br>"
                + h["ratio"] + ": %{customdata[3]}<br>" + h["model"] + ": %{customdata[4]}<extra></extra>")
    rows = dict(zip(codes, _hover_rows(layer, lang, type_label, model_label)))
    for cls in layer.classes:
        members = [r for r in layer.regions if r.class_key == cls.key]
        if not members:
            continue
        sub = {r.code: geoms[r.code] for r in members if r.code in geoms}
        fig.add_trace(go.Choropleth(
            geojson=_collection(sub), locations=list(sub), **_flat(cls.colour, len(sub)),
            customdata=[rows[c] for c in sub], hovertemplate=template,
            marker_line_color="white", marker_line_width=0.6, name=cls.label[lang], showlegend=True,
            meta={"class": cls.key, "colour": cls.colour}))
    if layer.national:      # the maritime boundary, dashed, where each map shows it
        for geo, frame in (("geo", MAINLAND_BOX), ("geo2", SCS_BOX)):
            for part in _clipped_lines(frame):
                lon, lat = zip(*part)
                fig.add_trace(go.Scattergeo(lon=lon, lat=lat, mode="lines", hoverinfo="skip", showlegend=False,
                                            line=dict(color="#555", width=1, dash="dash"), geo=geo, name="maritime"))
    if highlight in geoms:
        fig.add_trace(go.Choropleth(geojson=_collection({highlight: geoms[highlight]}), locations=[highlight],
                                    **_flat("rgba(0,0,0,0)", 1), marker_line_color="black", marker_line_width=2.5,
                                    hoverinfo="skip", showlegend=False, name="highlight"))
    geo_common = dict(visible=False, projection_type="mercator", bgcolor="white")
    if layer.national:
        inset = dict(x=[0.80, 0.99], y=[0.02, 0.30])
        fig.update_layout(geo=dict(**geo_common, fitbounds="locations", domain=dict(x=[0, 1], y=[0, 1])),
                          geo2=dict(**geo_common, domain=inset, fitbounds="locations"))
        fig.add_shape(type="rect", xref="paper", yref="paper", x0=inset["x"][0], x1=inset["x"][1],
                      y0=inset["y"][0], y1=inset["y"][1], line=dict(color="#757575", width=1))
        national = geoms.get(boundaries.NATIONAL)
        if national is not None:
            fig.add_trace(go.Choropleth(geojson=_collection({boundaries.NATIONAL: national.intersection(SCS_BOX)}),
                                        locations=[boundaries.NATIONAL], **_flat(CONTEXT_COLOUR, 1),
                                        marker_line_color="#757575", marker_line_width=0.5, geo="geo2",
                                        hoverinfo="skip", showlegend=False, name="scs"))
        fig.add_annotation(text="南海诸岛" if lang == "zh" else "South China Sea Islands", showarrow=False,
                           x=0.895, y=0.005, xref="paper", yref="paper", xanchor="center", yanchor="bottom",
                           font=dict(size=10))
    else:
        fig.update_geos(**geo_common, fitbounds="locations")
    fig.add_annotation(text=("↑ 北" if lang == "zh" else "↑ N"), showarrow=False, x=0.99, y=0.99,
                       xref="paper", yref="paper", xanchor="right", yanchor="top", font=dict(size=14))
    fig.update_layout(
        title=dict(text=frame_title(layer, lang), x=0.01), height=height, font=dict(family=FONT),
        margin=dict(l=5, r=5, t=45, b=20 + 16 * len(notes(layer, lang))),
        legend=dict(title=dict(text=layer.title[lang]), x=0.01, y=0.02, yanchor="bottom", bgcolor="rgba(255,255,255,0.8)"))
    for n, text in enumerate(reversed(notes(layer, lang))):
        fig.add_annotation(text=text, showarrow=False, x=0, y=-0.01 - 0.028 * n, xref="paper", yref="paper",
                           xanchor="left", yanchor="top", font=dict(size=10, color="#555"))
    return fig


def to_html(layer: MapLayer, lang: str = "zh") -> str:
    """A self-contained page: plotly.js embedded, no CDN, no topojson request."""
    return figure(layer, lang).to_html(include_plotlyjs=True, full_html=True, config=CONFIG,
                                       div_id="tanheng-map")
