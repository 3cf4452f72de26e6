"""A carbon account (kg.account.balance) for people: the one-line-per-region summary, each region's
lines with their IPCC category, the Monte Carlo intervals and the coefficients used, as a text table,
Markdown or JSON. Formats only: every figure comes computed in the account."""
from __future__ import annotations

import json

from kg.account.balance import lines, message
from kg.present import tables
from kg.present.numbers import number, percent, significant


def _line_labels(lang: str) -> dict[str, str]:
    return {ln.key: ln.label(lang) for ln in lines()}


def _bound(r: dict, direction: str, x) -> str:
    """A total, marked "≥" when lines of its direction are missing (a lower bound)."""
    low = any(m.get("direction") == direction and not m.get("counted_where_given")
              for m in r.get("missing_lines") or [])
    return ("≥ " if low and x is not None else "") + number(x)


def summary_rows(named_results, lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the one-line-per-region summary; named_results = [(label, result)]."""
    h = lambda k: message(f"head-{k}", lang)
    headers = [h("region"), h("emissions"), h("sinks"), h("net"), h("ratio"), h("complete")]
    rows = [[name, _bound(r, "source", r["emissions_t_co2e"]), _bound(r, "sink", r["sinks_t_co2e"]),
             number(r["net_t_co2e"]), number(r["balance_ratio"], 3), h("yes") if r["complete"] else h("no")]
            for name, r in named_results]
    return headers, rows


def detail_rows(result: dict, lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """Headers and rows of one region's lines (with their IPCC category): sources, sinks, memo items,
    lines not counted, stocks."""
    h = lambda k: message(f"head-{k}", lang)
    labels = _line_labels(lang)
    codes = result.get("ipcc_categories") or {}
    rows = [[h("sources"), labels[k], codes.get(k) or "", number(v, 1)] for k, v in result["by_source"].items()]
    rows += [[h("sink-lines"), labels[k], codes.get(k) or "", number(v, 1)] for k, v in result["by_sink"].items()]
    rows += [[h("memo"), labels[k], codes.get(k) or "", number(v, 1)] for k, v in result.get("memo", {}).items()]
    rows += [[message("not-counted", lang), ln.label(lang), "", ln.note(lang)]
             for ln in lines() if ln.kind == "omitted"]
    rows += [[h("stocks"), labels[k], "", number(v, 0)] for k, v in result["stocks"].items()]
    return [h("line"), "", h("ipcc"), h("value")], rows


def interval_rows(named_results, lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the Monte Carlo 95 % intervals (kg.reason.uncertainty) and how often the type changes."""
    h = lambda k: message(f"head-{k}", lang)
    iv = lambda u, k, d=0: "—" if not u.get(k) else f"{number(u[k][0], d)} – {number(u[k][1], d)}"
    headers = [h("region"), f"{h('emissions')} {h('interval')}", f"{h('sinks')} {h('interval')}",
               f"{h('ratio')} {h('interval')}", message("type-changes", lang)]
    rows = []
    for name, r in named_results:
        u = r.get("uncertainty")
        if u:
            share = u.get("type_change_share")
            rows.append([name, iv(u, "emissions_t_co2e"), iv(u, "sinks_t_co2e"), iv(u, "balance_ratio", 3),
                         percent(share)])
    return headers, rows


def coefficient_rows(result: dict, lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the coefficients one account used, with unit, confidence and source."""
    h = lambda k: message(f"head-{k}", lang)
    rows = [[c["id"], significant(c["value"]), c["unit"], c["confidence"], c["source"]] for c in result["coefficients"]]
    return [h("coefficients"), h("coefficient-value"), h("unit"), h("confidence"), h("source")], rows


def render(named_results, fmt: str = "table", lang: str = "zh", detail: bool | None = None) -> str:
    """Results of one or more regions as text table, Markdown or JSON; details (the lines) are shown
    by default when there is one region."""
    named_results = list(named_results)
    if fmt == "json":
        return json.dumps([{"region": n, "balance": r} for n, r in named_results], ensure_ascii=False, indent=1)
    table = tables.writer(fmt)
    parts = [table(*summary_rows(named_results, lang))]
    if any("uncertainty" in r for _, r in named_results):
        parts.append(table(*interval_rows(named_results, lang)))
    if detail is None:
        detail = len(named_results) == 1
    for name, r in named_results if detail else []:
        years = ", ".join(f"{y}" for y in sorted(set(r.get("year_of_factors", {}).values()))) or "—"
        title = f"{name} — {message('head-boundary', lang)}: {message('boundary-' + r['boundary'], lang)}; " \
                f"{message('head-coefficient-set', lang)}: {r['coefficient_set']}, " \
                f"{message('head-gwp', lang)}: {r['gwp_set']}, {message('head-year-of-factors', lang)}: {years}"
        parts.append(tables.heading(title, fmt))
        parts.append(table(*detail_rows(r, lang)))
        parts.append(table(*coefficient_rows(r, lang)))
        names = "、".join if lang == "zh" else ", ".join
        bound = [m["label_" + lang] for m in r.get("missing_lines", []) if not m["counted_where_given"]]
        given = [m["label_" + lang] for m in r.get("missing_lines", []) if m["counted_where_given"]]
        if bound:
            parts.append(message("lower-bound", lang, lines=names(bound)))
        if given:
            parts.append(message("where-given", lang, lines=names(given)))
        if r.get("factor_choices"):
            parts.append(f"{message('head-factor-choices', lang)}: " + "; ".join(c[lang] for c in r["factor_choices"]))
        if r.get("assumptions"):
            parts.append(f"{message('head-assumptions', lang)}: " + "; ".join(a[lang] for a in r["assumptions"]))
    return "\n\n".join(parts)

