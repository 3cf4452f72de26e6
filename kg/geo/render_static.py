"""A static map (PNG or SVG, matplotlib) of a MapLayer, for reports and print: title, legend, north
arrow, scale bar, the boundary source and the notes every map carries; a national map has the South
China Sea islands inset with the dashed maritime boundary. Chinese text is set in Noto Sans CJK
(Debian's fonts-noto-cjk, installed by ./run)."""
from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")          # no display: files only
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch, PathPatch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402
from shapely.geometry import LineString, box  # noqa: E402
from shapely.geometry.polygon import orient  # noqa: E402

from kg import messages  # noqa: E402

from . import boundaries  # noqa: E402
from .layers import CONTEXT_COLOUR, MapLayer, frame_title, notes  # noqa: E402

_WANTED_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", "DejaVu Sans")


def _installed_fonts() -> list[str]:
    """The wanted families that are installed, in order (asking for a missing one prints a warning)."""
    from matplotlib import font_manager

    have = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in _WANTED_FONTS if f in have] or ["DejaVu Sans"]


FONTS = _installed_fonts()
MAINLAND = box(73.0, 17.5, 136.0, 54.0)
SCS = box(105.5, 3.0, 123.5, 24.5)
KM_PER_DEG = 111.32


def _polygons(geom):
    return getattr(geom, "geoms", [geom]) if geom.geom_type in ("MultiPolygon", "GeometryCollection") else [geom]


def _path(geom) -> MplPath | None:
    """One compound path per geometry: exteriors counter-clockwise, holes clockwise (nonzero rule)."""
    verts, codes = [], []
    for poly in _polygons(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        poly = orient(poly, 1.0)
        for ring in [poly.exterior, *poly.interiors]:
            xy = list(ring.coords)
            verts += xy
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
    return MplPath(verts, codes) if verts else None


def _draw(ax, geom, face: str, edge: str, width: float, z: int = 1, gid: str | None = None):
    path = _path(geom)
    if path is not None:
        ax.add_patch(PathPatch(path, facecolor=face, edgecolor=edge, linewidth=width, zorder=z, gid=gid))


def _maritime(ax, frame):
    for line in boundaries.maritime_lines():
        part = LineString(line).intersection(frame)
        for piece in getattr(part, "geoms", [part]):
            if not piece.is_empty and piece.geom_type == "LineString":
                x, y = piece.xy
                ax.plot(x, y, color="#555555", linewidth=0.9, linestyle=(0, (4, 2)), zorder=4)


def _nice_km(span_km: float) -> float:
    target = span_km / 5
    p = 10 ** math.floor(math.log10(target))
    return max(m * p for m in (1, 2, 5) if m * p <= target)


def _scale_bar(ax, lang: str):
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    lat = (y0 + y1) / 2
    km_per_deg = KM_PER_DEG * math.cos(math.radians(lat))
    length_km = _nice_km((x1 - x0) * km_per_deg)
    length_deg = length_km / km_per_deg
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot([bx, bx + length_deg], [by, by], color="black", linewidth=2.5, solid_capstyle="butt", zorder=6)
    label = messages.text("map.note.scale", lang, km=f"{length_km:g}", lat=f"{lat:.0f}")
    ax.text(bx, by + 0.015 * (y1 - y0), label, fontsize=8, zorder=6)


def _north_arrow(ax, lang: str):
    ax.annotate(messages.text("map.note.north", lang), xy=(0.96, 0.97), xytext=(0.96, 0.87), xycoords="axes fraction",
                ha="center", va="center", fontsize=11, fontweight="bold",
                arrowprops=dict(arrowstyle="-|>", color="black", linewidth=1.2))


def _frame(ax, bounds, pad: float = 0.04):
    minx, miny, maxx, maxy = bounds
    dx, dy = (maxx - minx) * pad, (maxy - miny) * pad
    ax.set_xlim(minx - dx, maxx + dx)
    ax.set_ylim(miny - dy, maxy + dy)
    # equirectangular with the aspect of the middle latitude: true shape at county-to-province scale
    ax.set_aspect(1 / math.cos(math.radians((miny + maxy) / 2)))
    ax.set_axis_off()


def figure(layer: MapLayer, lang: str = "zh", highlight: str | None = None):
    """The matplotlib Figure and its main Axes (tests read pixels back through ax.transData);
    `highlight`: a code outlined in black (the region a report is about)."""
    plt.rcParams["font.family"] = FONTS             # a list: glyphs missing from the first (₂) come from the next
    plt.rcParams["svg.fonttype"] = "none"          # SVG keeps its text as text
    codes = [r.code for r in layer.regions]
    geoms = boundaries.geometries(codes + layer.context + [layer.frame, boundaries.NATIONAL])
    fig = plt.figure(figsize=(10, 8.2), dpi=150)
    ax = fig.add_axes((0.02, 0.14, 0.96, 0.78))
    drawn = set(codes)
    for c in layer.context:
        if c in geoms and c not in drawn:
            g = geoms[c].intersection(MAINLAND) if layer.national else geoms[c]
            _draw(ax, g, CONTEXT_COLOUR, "#9e9e9e", 0.4, z=1)
    colours = {cl.key: cl.colour for cl in layer.classes}
    for r in layer.regions:
        if r.code in geoms:
            _draw(ax, geoms[r.code], colours[r.class_key], "white", 0.5, z=2, gid=f"region-{r.code}")
    if highlight in geoms:
        ax.add_patch(PathPatch(_path(geoms[highlight]), facecolor="none", edgecolor="black", linewidth=2.2, zorder=5))
    if layer.national:
        _maritime(ax, MAINLAND)
        _frame(ax, MAINLAND.bounds, pad=0.0)
    else:
        frame_geom = geoms.get(layer.frame)
        bounds = frame_geom.bounds if frame_geom is not None else None
        if bounds is None or not layer.context:
            from shapely.ops import unary_union
            bounds = unary_union([geoms[c] for c in codes if c in geoms]).bounds
        if frame_geom is not None:
            ax.add_patch(PathPatch(_path(frame_geom), facecolor="none", edgecolor="#424242", linewidth=1.0, zorder=3))
        _frame(ax, bounds)
    if layer.national:          # the South China Sea islands inset, bottom right
        inset = fig.add_axes((0.80, 0.15, 0.17, 0.24))
        national = geoms.get(boundaries.NATIONAL)
        if national is not None:
            _draw(inset, national.intersection(SCS), CONTEXT_COLOUR, "#757575", 0.4)
        _maritime(inset, SCS)
        _frame(inset, SCS.bounds, pad=0.0)
        inset.set_axis_on()
        inset.set_xticks([])
        inset.set_yticks([])
        inset.text(0.5, 0.02, messages.text("map.note.scs", lang), transform=inset.transAxes, ha="center", va="bottom", fontsize=8)
    _north_arrow(ax, lang)
    _scale_bar(ax, lang)
    handles = [Patch(facecolor=c.colour, edgecolor="#757575", label=c.label[lang]) for c in layer.classes]
    ax.legend(handles=handles, title=layer.title[lang], loc="lower left", bbox_to_anchor=(0.0, 0.08),
              fontsize=9, title_fontsize=10, frameon=True, framealpha=0.9)
    fig.suptitle(frame_title(layer, lang), x=0.02, y=0.975, ha="left", fontsize=15)
    lines = notes(layer, lang)
    for n, text in enumerate(lines):
        fig.text(0.02, 0.11 - 0.022 * n, text, fontsize=8, color="#424242", ha="left", va="top", wrap=True)
    return fig, ax


def render(layer: MapLayer, fmt: str = "png", lang: str = "zh", highlight: str | None = None) -> bytes:
    fig, _ = figure(layer, lang, highlight)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format=fmt, dpi=150)
    finally:
        plt.close(fig)
    return buf.getvalue()
