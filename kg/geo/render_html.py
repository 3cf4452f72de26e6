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

from kg import messages

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

def _hover_template(lang: str) -> str:
    """Name (code), type, balance ratio and model of the region under the pointer (words: map.hover.*)."""
    def h(key):
        return messages.text(f"map.hover.{key}", lang)

    return ("<b>%{customdata[0]}</b> (%{customdata[1]})<br>" + h("type") + ": %{customdata[2]}<br>"
            + h("ratio") + ": %{customdata[3]}<br>" + h("model") + ": %{customdata[4]}<extra></extra>")


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
    from kg.present.report import model_label, type_label

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
    template = _hover_template(lang)
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
        inset = INSET
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
        fig.add_annotation(text=messages.text("map.note.scs", lang), showarrow=False,
                           x=0.895, y=0.005, xref="paper", yref="paper", xanchor="center", yanchor="bottom",
                           font=dict(size=10))
    else:
        fig.update_geos(**geo_common, fitbounds="locations")
    fig.add_annotation(text="↑ " + messages.text("map.note.north", lang), showarrow=False, x=0.99, y=0.99,
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


# --- the app's map ---------------------------------------------------------------------------------
# Inside Streamlit, plotly's geo subplot draws but neither hovers nor reports clicks (checked in
# chromium: no hover label, no selection event, while the same figure in a page of its own does both).
# The app therefore draws the same layer on plain axes: the polygons as filled lines, and one marker
# per region at a point inside it that carries the hover text and is what a click selects.

def _rings(geom) -> tuple[list, list]:
    xs, ys = [], []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        x, y = poly.exterior.xy
        xs += list(x) + [None]
        ys += list(y) + [None]
    return xs, ys


INSET = dict(x=[0.80, 0.99], y=[0.02, 0.30])       # where the South China Sea inset sits on the page


def _planar_inset(fig: go.Figure, layer: MapLayer, geoms: dict, lang: str) -> None:
    """The South China Sea Islands (南海诸岛) on a second pair of plain axes in the lower right corner: the
    national outline and the batch's regions within the inset's frame, the maritime boundary dashed."""
    import math

    national = geoms.get(boundaries.NATIONAL)
    if national is not None:
        x, y = _rings(national.intersection(SCS_BOX))
        fig.add_trace(go.Scatter(x=x, y=y, fill="toself", fillcolor=CONTEXT_COLOUR, mode="lines",
                                 line=dict(color="#9e9e9e", width=0.5), hoverinfo="skip", showlegend=False,
                                 name="scs", xaxis="x2", yaxis="y2"))
    for r in layer.regions:
        part = geoms[r.code].intersection(SCS_BOX) if r.code in geoms else None
        if part is not None and not part.is_empty:
            x, y = _rings(part)
            fig.add_trace(go.Scatter(x=x, y=y, fill="toself", fillcolor=layer.colour_of(r.class_key), mode="lines",
                                     line=dict(color="white", width=0.5), hoverinfo="skip", showlegend=False,
                                     name="scs-region", xaxis="x2", yaxis="y2"))
    for line in _clipped_lines(SCS_BOX):
        fig.add_trace(go.Scatter(x=[p[0] for p in line], y=[p[1] for p in line], mode="lines",
                                 line=dict(color="#555", width=1, dash="dash"), hoverinfo="skip",
                                 showlegend=False, name="maritime", xaxis="x2", yaxis="y2"))
    minx, miny, maxx, maxy = SCS_BOX.bounds
    fig.update_layout(
        xaxis2=dict(domain=INSET["x"], anchor="y2", visible=False, range=[minx, maxx], fixedrange=True),
        yaxis2=dict(domain=INSET["y"], anchor="x2", visible=False, range=[miny, maxy], fixedrange=True,
                    scaleanchor="x2", scaleratio=1 / math.cos(math.radians((miny + maxy) / 2))))
    fig.add_shape(type="rect", xref="paper", yref="paper", x0=INSET["x"][0], x1=INSET["x"][1],
                  y0=INSET["y"][0], y1=INSET["y"][1], line=dict(color="#757575", width=1), fillcolor="white",
                  layer="below")
    fig.add_annotation(text=messages.text("map.note.scs", lang), showarrow=False, x=sum(INSET["x"]) / 2, y=INSET["y"][0],
                       xref="paper", yref="paper", xanchor="center", yanchor="bottom", font=dict(size=10))


def planar_figure(layer: MapLayer, lang: str = "zh", height: int = 560, highlight: str | None = None) -> go.Figure:
    """The layer on plain axes (equirectangular at the middle latitude): filled polygons in the class
    colours, a marker per region (hover: name, type, ratio, model; customdata ends with the region's
    batch position, for a click), the notes below. A national frame shows the mainland and Hainan, and the
    South China Sea Islands in an inset with the maritime boundary, as the HTML page and the static map do."""
    import math

    from kg.present.report import model_label, type_label

    codes = [r.code for r in layer.regions]
    geoms = boundaries.geometries(codes + layer.context + ([boundaries.NATIONAL] if layer.national else []))
    fig = go.Figure()
    drawn = set(codes)
    xs, ys = [], []
    for c in layer.context:
        if c in geoms and c not in drawn:
            g = geoms[c].intersection(MAINLAND_BOX) if layer.national else geoms[c]
            x, y = _rings(g)
            xs += x
            ys += y
    if xs:
        fig.add_trace(go.Scatter(x=xs, y=ys, fill="toself", fillcolor=CONTEXT_COLOUR, mode="lines",
                                 line=dict(color="#9e9e9e", width=0.5), hoverinfo="skip", showlegend=False,
                                 name="context"))
    rows = dict(zip(codes, _hover_rows(layer, lang, type_label, model_label)))
    template = _hover_template(lang)
    for cls in layer.classes:
        members = [r for r in layer.regions if r.class_key == cls.key and r.code in geoms]
        if not members:
            continue
        xs, ys = [], []
        for r in members:
            x, y = _rings(geoms[r.code])
            xs += x
            ys += y
        fig.add_trace(go.Scatter(x=xs, y=ys, fill="toself", fillcolor=cls.colour, mode="lines",
                                 line=dict(color="white", width=0.8), hoverinfo="skip", showlegend=True,
                                 name=cls.label[lang], legendgroup=cls.key, meta={"class": cls.key}))
        points = [geoms[r.code].representative_point() for r in members]
        fig.add_trace(go.Scatter(x=[p.x for p in points], y=[p.y for p in points], mode="markers",
                                 marker=dict(size=9, color=cls.colour, line=dict(color="#212121", width=1)),
                                 customdata=[rows[r.code] for r in members], hovertemplate=template,
                                 showlegend=False, legendgroup=cls.key, name=cls.label[lang],
                                 meta={"class": cls.key, "regions": [r.code for r in members]}))
    if highlight in geoms:
        x, y = _rings(geoms[highlight])
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color="black", width=2.5), hoverinfo="skip",
                                 showlegend=False, name="highlight"))
    if layer.national:
        minx, miny, maxx, maxy = MAINLAND_BOX.bounds
    else:
        from shapely.ops import unary_union

        minx, miny, maxx, maxy = unary_union([g for g in geoms.values()]).bounds
    mid = (miny + maxy) / 2
    fig.update_xaxes(visible=False, range=[minx - 0.02 * (maxx - minx), maxx + 0.02 * (maxx - minx)])
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(mid)),
                     range=[miny - 0.02 * (maxy - miny), maxy + 0.02 * (maxy - miny)])
    fig.add_annotation(text="↑ " + messages.text("map.note.north", lang), showarrow=False, x=0.99, y=0.99,
                       xref="paper", yref="paper", xanchor="right", yanchor="top", font=dict(size=14))
    if layer.national:
        _planar_inset(fig, layer, geoms, lang)
    lines = notes(layer, lang)
    fig.update_layout(
        title=dict(text=frame_title(layer, lang), x=0.01), height=height, font=dict(family=FONT),
        plot_bgcolor="white", hovermode="closest", dragmode="pan",
        margin=dict(l=5, r=5, t=45, b=20 + 16 * len(lines)),
        legend=dict(title=dict(text=layer.title[lang]), x=0.01, y=0.02, yanchor="bottom",
                    bgcolor="rgba(255,255,255,0.8)"))
    for n, text in enumerate(reversed(lines)):
        fig.add_annotation(text=text, showarrow=False, x=0, y=-0.01 - 0.03 * n, xref="paper", yref="paper",
                           xanchor="left", yanchor="top", font=dict(size=10, color="#555"))
    return fig
