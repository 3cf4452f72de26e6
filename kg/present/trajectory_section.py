"""The pathway section of the handed-on report (`tanheng report`, kg.present.handover): for each region
of the report, its observed years and the three standard scenarios — peak year, peak by 2030, balance
year, emissions in the target year — with a figure of the lines and the peaks. The answer is kg.trajectory's
for all the report's valid rows at once (every year of a region in the file), computed by kg.pipeline.handover."""
from __future__ import annotations

from .handover import Context, Heading, Image, Para, Table, register_section
from .handover_figures import _png

TEXT = {
    "title": {"zh": "碳达峰与碳中和路径", "en": "Pathways to 2030 and 2060"},
    "lead": {"zh": "基准情景按本区域历史趋势（≥3年）或全国展望假设外推到{to}年；低碳情景取推荐模式排名前5项措施，强化情景取前10项并加快电网脱碳（方法与假设见 docs/MODEL.md）。",
             "en": "The baseline carries the region's own trend (≥ 3 years) or the national outlook assumptions to {to}; "
                   "low-carbon takes the recommended model's five top measures, enhanced ten with faster grid "
                   "decarbonisation (method and assumptions: docs/MODEL.md)."},
    "h_scenario": {"zh": "情景", "en": "Scenario"}, "h_peak": {"zh": "达峰年", "en": "Peak year"},
    "h_peak_e": {"zh": "峰值排放（t CO₂e）", "en": "Peak emissions (t CO₂e)"},
    "h_by": {"zh": "{y}年前达峰", "en": "Peak by {y}"}, "h_balance": {"zh": "碳平衡年", "en": "Balance year"},
    "h_end": {"zh": "{y}年排放（t CO₂e）", "en": "Emissions {y} (t CO₂e)"},
    "yes": {"zh": "是", "en": "yes"}, "no": {"zh": "否", "en": "no"},
    "caption": {"zh": "图：观测排放（实线）与各情景预测（虚线），★为峰值，竖线为{y}年",
                "en": "Figure: observed emissions (solid) and each scenario (dashed), ★ its peak, the line {y}"},
    "observed_peak": {"zh": "观测到的峰值：{y}年。", "en": "Observed peak: {y}."},
}


def _say(key: str, lang: str, **kw) -> str:
    text = TEXT[key][lang if lang in ("zh", "en") else "en"]
    return text.format(**kw) if kw else text


def _figure(region: dict, lang: str, deadline: int) -> bytes:
    import matplotlib.pyplot as plt

    from ..geo.render_static import FONTS

    plt.rcParams["font.family"] = FONTS
    fig, ax = plt.subplots(figsize=(8, 3.6))
    hist = region["history"]
    ax.plot([h["year"] for h in hist], [(h["emissions_t_co2e"] or 0) / 1e4 for h in hist], color="#212121", lw=2.2)
    for sc, colour in zip(region["scenarios"], ("#616161", "#1e88e5", "#2e7d32")):
        xs = [hist[-1]["year"]] + [s["year"] for s in sc["series"]]
        ys = [(hist[-1]["emissions_t_co2e"] or 0) / 1e4] + [(s["emissions_t_co2e"] or 0) / 1e4 for s in sc["series"]]
        ax.plot(xs, ys, ls="--", color=colour, label=sc.get(f"label_{lang}") or sc["name"])
        if sc["peak_year"] is not None:
            ax.plot([sc["peak_year"]], [sc["peak_emissions_t_co2e"] / 1e4], marker="*", ms=12, color=colour)
    ax.axvline(deadline, color="#c62828", lw=0.8, ls=":")
    ax.set_ylabel("万 t CO₂e" if lang == "zh" else "10⁴ t CO₂e")
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def pathway_section(ctx: Context) -> list | None:
    lang = ctx.lang
    region = ctx.trajectories.get(ctx.region["region_id"])
    if region is None:
        return None
    to = region["scenarios"][0]["series"][-1]["year"] if region["scenarios"][0]["series"] else None
    deadline = 2030
    rows = []
    for sc in region["scenarios"]:
        end = sc["series"][-1]["emissions_t_co2e"] if sc["series"] else None
        peak = "—" if sc["peak_year"] is None else str(sc["peak_year"])
        rows.append([sc.get(f"label_{lang}") or sc["name"], peak,
                     "—" if sc["peak_emissions_t_co2e"] is None else f"{sc['peak_emissions_t_co2e']:,.0f}",
                     _say("yes" if sc["peak_by_2030"] else "no", lang),
                     "—" if sc["balance_year"] is None else str(sc["balance_year"]),
                     "—" if end is None else f"{end:,.0f}"])
    out = [Heading(_say("title", lang), 2), Para(_say("lead", lang, to=to))]
    if region.get("observed_peak"):
        out.append(Para(_say("observed_peak", lang, y=region["observed_peak"]["year"])))
    out.append(Table([_say("h_scenario", lang), _say("h_peak", lang), _say("h_peak_e", lang),
                      _say("h_by", lang, y=deadline), _say("h_balance", lang), _say("h_end", lang, y=to)],
                     rows, numeric=(2, 5)))
    for sc in region["scenarios"]:
        if sc["peak_year"] is None and sc.get("peak_reason"):
            out.append(Para(f"{sc.get(f'label_{lang}') or sc['name']}: {sc['peak_reason'][lang]}", "note"))
    out.append(Image(_figure(region, lang, deadline), _say("caption", lang, y=deadline), 15))
    return out


register_section("pathways", pathway_section, after="whatif")
