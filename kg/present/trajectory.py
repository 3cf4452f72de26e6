"""Formatting a trajectory answer (kg.trajectory.trajectory) as JSON, Markdown, a text table or CSV.
Formats only: every figure comes computed."""
from __future__ import annotations


import orjson

from kg.present import tables
from kg.present.numbers import number as fmt_number, percent
from ..trajectory.assumptions import say
from kg.terminal import printable

FORMATS = ("table", "md", "json", "csv")


def _h(key: str, lang: str, **kw) -> str:
    return say(f"head-{key}", lang, **kw)


def _pct(x) -> str:
    return "—" if x is None else f"{x * 100:+.1f}%"


def _yes(x: bool, lang: str) -> str:
    return _h("yes" if x else "no", lang)


def _year(x) -> str:
    return "—" if x is None else str(x)


def _title(reg: dict) -> str:
    return printable(" ".join(str(x) for x in (reg["region_id"], reg.get("name") or "") if x))


def scenario_label(sc: dict, lang: str) -> str:
    return sc.get(f"label_{lang}") or sc["name"]


def wedge_label(w: dict, sc: dict, lang: str) -> str:
    """A measure's name for a standard scenario's wedge, else the lever as written."""
    from ..namespaces import THR
    from kg.knowledge.pathway import all_labels

    if " " in w["lever"]:          # a lever as written ("coal_t -5%/yr"), not a measure key
        return w["lever"]
    return all_labels().get(str(THR[f"measure-{w['lever']}"]), {}).get(lang) or w["lever"]


def summary_rows(answer: dict, lang: str):
    to = answer["target_year"]
    headers = [_h("region", lang), _h("scenario", lang), _h("peak-year", lang), _h("peak-emissions", lang),
               _h("peak-by", lang, year=answer.get("peak_deadline", 2030)), _h("target-emissions", lang, year=to),
               _h("balance-year", lang)]
    rows = []
    for reg in answer["regions"]:
        for sc in reg["scenarios"]:
            end = sc["series"][-1]["emissions_t_co2e"] if sc["series"] else None
            peak = _year(sc["peak_year"])
            if sc["peak_year"] is None and sc.get("peak_reason"):
                peak = f"— ({sc['peak_reason'][lang]})"
            rows.append([_title(reg), printable(scenario_label(sc, lang)), peak, fmt_number(sc["peak_emissions_t_co2e"]),
                         _yes(sc["peak_by_2030"], lang), fmt_number(end), _year(sc["balance_year"])])
            if sc.get("uncertainty"):
                u = sc["uncertainty"]
                lo, hi = u["series"][-1]["emissions_t_co2e"]
                rows[-1] += [percent(u["p_peak_by_2030"], 0), f"{fmt_number(lo)}–{fmt_number(hi)}"]
    if any(sc.get("uncertainty") for reg in answer["regions"] for sc in reg["scenarios"]):
        draws = next(sc["uncertainty"]["draws"] for reg in answer["regions"] for sc in reg["scenarios"])
        headers += [_h("p-peak", lang, year=answer.get("peak_deadline", 2030), n=draws), _h("band", lang, year=to)]
    return headers, rows


def _history_rows(reg: dict, lang: str):
    headers = [_h("year", lang), _h("emissions", lang), _h("sinks", lang), _h("net", lang), _h("ratio", lang)]
    rows = [[str(h["year"]), fmt_number(h["emissions_t_co2e"]), fmt_number(h["sinks_t_co2e"]),
             fmt_number(h["net_t_co2e"]), fmt_number(h["balance_ratio"], 3)] for h in reg["history"]]
    return headers, rows


def _series_rows(reg: dict, lang: str, every: int = 5):
    """Observed years, then every `every`-th projected year of each scenario (and the peak, 2030, the target)."""
    scs = reg["scenarios"]
    headers = [_h("year", lang)] + [printable(scenario_label(sc, lang)) for sc in scs]
    years = sorted({r["year"] for sc in scs for r in sc["series"]})
    keep = {y for y in years if y % every == 0} | {2030} | ({years[-1]} if years else set())
    keep |= {sc["peak_year"] for sc in scs if sc["peak_year"]}
    by = [{r["year"]: r["emissions_t_co2e"] for r in sc["series"]} for sc in scs]
    rows = [[str(y)] + [fmt_number(b.get(y)) for b in by] for y in years if y in keep]
    return headers, rows


def _wedge_rows(sc: dict, lang: str, to: int):
    headers = [_h("lever", lang), _h("wedge", lang, year=to)]
    return headers, [[printable(wedge_label(w, sc, lang)), fmt_number(w["reduction_t_co2e"])] for w in sc["wedges"]]


def render(answer: dict, fmt: str = "table", lang: str = "zh", detail: bool | None = None) -> str:
    if fmt == "json":
        # orjson (as `advise` writes): indented for a few regions, read by people; compact for batches
        opt = orjson.OPT_INDENT_2 if len(answer["regions"]) <= 20 else 0
        return orjson.dumps(answer, option=opt | orjson.OPT_SERIALIZE_NUMPY).decode("utf-8")
    if fmt == "csv":
        return to_csv(answer, lang)
    table = tables.writer(fmt)
    parts = [table(*summary_rows(answer, lang))]
    if detail is None:
        detail = len(answer["regions"]) == 1
    for reg in answer["regions"] if detail else []:
        parts.append(f"### {_title(reg)}" if fmt == "md" else _title(reg))
        parts.append(_h("history", lang))
        parts.append(table(*_history_rows(reg, lang)))
        t = reg.get("trends")
        if t:
            parts.append(_h("trends", lang, start=t["from"], end=t["to"], e=_pct(t["emissions_avg_change"]),
                            s=_pct(t["sinks_avg_change"]), pc=_pct(t["emissions_per_person_avg_change"]),
                            pg=_pct(t["emissions_per_gdp_avg_change"])))
        if reg.get("observed_peak"):
            op = reg["observed_peak"]
            parts.append(_h("observed-peak", lang, year=op["year"], value=fmt_number(op["emissions_t_co2e"])))
        if reg.get("decoupling"):
            parts.append(_h("decoupling", lang))
            parts.append(table([_h("period", lang), _h("elasticity", lang), _h("class", lang)],
                               [[f"{d['from']}–{d['to']}", fmt_number(d["elasticity"], 2),
                                 d.get(f"label_{lang}") or "—"] for d in reg["decoupling"]]))
        parts.append(table(*_series_rows(reg, lang)))
        for sc in reg["scenarios"]:
            if sc["wedges"]:
                parts.append(_h("wedges", lang, scenario=printable(scenario_label(sc, lang))))
                parts.append(table(*_wedge_rows(sc, lang, answer["target_year"])))
    notes = [p["message"][lang] for reg in answer["regions"] for sc in reg["scenarios"] for p in sc["problems"]]
    notes += answer.get("notes", [])
    if notes:
        parts.append("\n".join(printable(n) for n in notes))
    return "\n\n".join(parts)


def to_csv(answer: dict, lang: str = "zh") -> str:
    """One row per region, scenario and year: observed years (scenario "history"), then each scenario's
    projected years; columns in English keys, the same as the JSON. Written by the one table writer
    (kg.present.tables.to_csv: formula-safe cells, RFC 4180 line ends)."""
    rows = []
    for reg in answer["regions"]:
        for h in reg["history"]:
            rows.append([reg["region_id"], reg.get("name"), "history", h["year"], "observed", h["emissions_t_co2e"],
                         h["sinks_t_co2e"], h["net_t_co2e"], h["balance_ratio"], "", "", ""])
        for sc in reg["scenarios"]:
            for s in sc["series"]:
                rows.append([reg["region_id"], reg.get("name"), sc["name"], s["year"], "projected",
                             s["emissions_t_co2e"], s["sinks_t_co2e"], s["net_t_co2e"], s["balance_ratio"],
                             sc["peak_year"], sc["balance_year"], str(sc["peak_by_2030"]).lower()])
    return tables.to_csv(["region_id", "name", "scenario", "year", "kind", "emissions_t_co2e", "sinks_t_co2e",
                          "net_t_co2e", "balance_ratio", "peak_year", "balance_year", "peak_by_2030"], rows)
