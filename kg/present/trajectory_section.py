"""The pathway section of the handed-on report (`tanheng report`, kg.present.handover): for each region
of the report, its observed years and the three standard scenarios — peak year, peak by 2030, balance
year, emissions in the target year — with a figure of the lines and the peaks. The answer is kg.trajectory's
for all the report's valid rows at once (every year of a region in the file), computed by kg.pipeline.handover."""
from __future__ import annotations

from kg import messages
from kg.present.numbers import number

from .handover import Context, Heading, Image, Para, Table, register_section
from .handover_figures import _png


def _say(key: str, lang: str, **kw) -> str:
    """kg/messages.csv, keys traj.report.* (yes and no: word.*)."""
    key = f"word.{key}" if key in ("yes", "no") else f"traj.report.{key}"
    return messages.text(key, lang if lang in messages.LANGS else "en", **kw)


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
    ax.set_ylabel(_say("axis", lang))
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
                     number(sc["peak_emissions_t_co2e"]),
                     _say("yes" if sc["peak_by_2030"] else "no", lang),
                     "—" if sc["balance_year"] is None else str(sc["balance_year"]),
                     number(end)])
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
