"""Static figures for the handed-on report (matplotlib, Noto Sans CJK): the model's pathway and the
account by line. They draw what the advice and the account hold."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from kg import messages  # noqa: E402
from ..geo.render_static import FONTS  # noqa: E402

SOURCE_RED, SINK_GREEN = "#c62828", "#2e7d32"


def _png(fig) -> bytes:
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    finally:
        plt.close(fig)
    return buf.getvalue()


def pathway_png(model: str, pathway: dict, lang: str) -> bytes:
    """Processes (left) → the model (centre) → pools it protects or enhances (right), as in Fig. 1–3."""
    plt.rcParams["font.family"] = FONTS
    procs = [x["label_" + lang] for x in pathway.get("processes", [])]
    pools = [x["label_" + lang] for x in pathway.get("pools", [])]
    n = max(len(procs), len(pools), 1)
    fig, ax = plt.subplots(figsize=(9, 0.55 * n + 1.4))
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.8, n)
    ax.set_axis_off()
    box = dict(boxstyle="round,pad=0.35", linewidth=0.8)
    mid = (n - 1) / 2
    ax.text(5, mid, model, ha="center", va="center", fontsize=11, fontweight="bold", wrap=True,
            bbox=dict(box, facecolor="#e8f5e9", edgecolor="#1b5e20"))
    head = (messages.text("handover.fig_processes", lang), messages.text("handover.fig_pools", lang))
    for col, items, x, colour in ((0, procs, 1.6, "#fff3e0"), (1, pools, 8.4, "#e3f2fd")):
        ax.text(x, n - 0.35, head[col], ha="center", va="bottom", fontsize=9, color="#555")
        for i, label in enumerate(items):
            y = n - 1 - i * (n - 1) / max(len(items) - 1, 1) if len(items) > 1 else mid
            ax.text(x, y, label, ha="center", va="center", fontsize=9, bbox=dict(box, facecolor=colour, edgecolor="#90a4ae"))
            start, end = ((x + 1.3, y), (3.6, mid)) if col == 0 else ((6.4, mid), (x - 1.3, y))
            ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="-|>", color="#78909c", linewidth=0.8))
    return _png(fig)


def account_png(rows: list[tuple[str, str, float]], lang: str) -> bytes:
    """One bar per account line: sources in red, sinks in green, in 10⁴ t CO₂e (万 t)."""
    plt.rcParams["font.family"] = FONTS
    rows = sorted(rows, key=lambda r: (r[1] != "source", -r[2]))
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(rows) + 1.2))
    names = [r[0] for r in rows]
    values = [r[2] / 1e4 for r in rows]
    ax.barh(range(len(rows)), values, color=[SOURCE_RED if r[1] == "source" else SINK_GREEN for r in rows])
    ax.set_yticks(range(len(rows)), names, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel(messages.text("handover.axis_t_per_year", lang))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 10 else f"{v:g}"))
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:,.1f}" if v < 100 else f" {v:,.0f}", va="center", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
