"""A what-if scenario (kg.account.scenario.run) for people: the changes, each line and the totals
before and after, what the changes broke (worded as `tanheng validate`), as a text table, Markdown or
JSON. Formats only: every figure comes computed in the scenario result."""
from __future__ import annotations

import json
import re

from kg import messages
from kg.account.balance import lines, message
from kg.present import tables
from kg.present.numbers import change, number
from kg.terminal import printable


def text(key: str, lang: str | None = None, **fields) -> str:
    """A scenario message of the catalogue in one language, or "zh / en" when lang is None."""
    if lang in ("zh", "en"):
        return messages.text(f"scenario.{key}", lang, **fields)
    return messages.both(f"scenario.{key}", **fields)


def changes_text(result: dict, lang: str | None = None) -> str:
    """"forest_ha=+10%, coal_t=-20%": the changes of a result as the user wrote them; with `lang`,
    by the fields' names ("林地（公顷） +10%") for a page where nobody typed a key."""
    if lang not in ("zh", "en"):
        return ", ".join(f"{c['field']}={c['change']}" for c in result["changes"])
    from kg.read.profiles import column_by_key

    cols = column_by_key()
    sep = "；" if lang == "zh" else "; "
    return sep.join(f"{cols[c['field']].label(lang) if c['field'] in cols else c['field']} {c['change']}"
                    for c in result["changes"])


# The land-total checks show the percentage where the area would be, and say so first; on a what-if
# page no value is shown beside the message, so that first clause would only mislead.
_SHOWN_VALUE_NOTE = re.compile(r"报告值是百分比而非平方千米：|the value shown is a percentage, not km²(: | — )")


def validation_lines(result: dict, region: str, lang: str | None = None, labelled: bool = False) -> list[str]:
    """What the changes broke, worded as `tanheng validate` (both languages when lang is None):
    a heading, then one line per violation or warning. `labelled` (the app): changes by the fields'
    names, each problem as its field's name and message, without internal keys or raw values."""
    from kg.present.validation import field_label, format_result, severity

    issues = result.get("after_validation") or []
    if not issues:
        return []
    key = "warning-after" if result.get("after_valid", True) else "invalid-after"
    out = [text(key, lang, region=region, changes=changes_text(result, lang if labelled else None))]
    for r in issues:
        if labelled and lang in ("zh", "en"):
            from kg.read.profiles import column_by_key

            col = column_by_key().get(r.get("field"))
            message = _SHOWN_VALUE_NOTE.sub("", r[f"message_{lang}"])
            if col is not None and col.key == "area_km2" and message != r[f"message_{lang}"]:
                message = message[:1].upper() + message[1:] if lang == "en" else message
                out.append(f"  - [{severity(r['severity'], lang)}] {message}")
            else:
                out.append(f"  - [{severity(r['severity'], lang)}] {field_label(r.get('field'), lang)}: {message}")
        elif lang in ("zh", "en"):
            out.append(f"  - [{severity(r['severity'], lang)}] {format_result(r, lang)}")
        else:
            out.append(f"  - [{severity(r['severity'], 'zh')}] {format_result(r, 'zh')} / "
                       f"[{severity(r['severity'], 'en')}] {format_result(r, 'en')}")
    return out


def repeated_fields(result: dict, lang: str | None = None) -> list[str]:
    """One note per field changed more than once: its values step by step."""
    out, done = [], set()
    for c in result["changes"]:
        f = c["field"]
        steps = [s for s in result["changes"] if s["field"] == f]
        if f in done or len(steps) < 2:
            continue
        done.add(f)
        show = lambda x: number(x, 1)
        path = " → ".join([show(steps[0]["before"])] + [f"{show(s['after'])} ({s['change']})" for s in steps])
        out.append(text("repeated-field", lang, field=f, n=len(steps), path=path))
    return out


def table_rows(result: dict, lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """Headers and rows of one scenario: each changed field, each line, then the totals."""
    h = lambda k: message(f"head-{k}", lang)
    labels = {ln.key: ln.label(lang) for ln in lines()}
    rows = [[f"{h('field')}: {c['field']} ({c['change']})", number(_num(c["before"]), 1),
             number(_num(c["after"]), 1), ""] for c in result["changes"]]
    for key, d in result["lines"].items():
        rows.append([labels.get(key, key), number(d["before"], 1), number(d["after"], 1), change(d["change"], 1)])
    for key, head, digits in (("emissions_t_co2e", "emissions", 1), ("sinks_t_co2e", "sinks", 1),
                              ("net_t_co2e", "net", 1), ("balance_ratio", "ratio", 4)):
        t = result["totals"][key]
        rows.append([h(head), number(t["before"], digits), number(t["after"], digits), change(t["change"], digits)])
    return [h("line"), h("before"), h("after"), h("change")], rows


def _num(x):
    return x if isinstance(x, (int, float)) else None


def render(named_results, fmt: str = "table", lang: str = "zh") -> str:
    """Scenario results [(region label, result)] as text table, Markdown or JSON. When the changed
    profile fails validation the warning (the rules broken) comes right under the title, before the
    figures; warnings of the changed profile follow the table."""
    if fmt == "json":
        return json.dumps([json_item(n, r) for n, r in named_results], ensure_ascii=False, indent=1)
    table = tables.writer(fmt)
    inert = (lambda line: tables.md_text(line, line_start=True)) if fmt == "md" else printable
    parts = []
    for name, r in named_results:
        title = f"{name} — {message('head-coefficient-set', lang)}: {r['after']['coefficient_set']}"
        parts.append(tables.heading(title, fmt))
        checks = [inert(line) for line in validation_lines(r, name, lang)]
        if checks and not r.get("after_valid", True):
            parts.append("\n".join(checks))
        parts.append(table(*table_rows(r, lang)))
        if r["after"]["missing"]:
            parts.append(message("incomplete", lang, fields=", ".join(r["after"]["missing"])))
        notes = [inert(n) for n in repeated_fields(r, lang)] + (checks if r.get("after_valid", True) else [])
        if notes:
            parts.append("\n".join(notes))
    return "\n\n".join(parts)


def json_item(label: str, result: dict, **more) -> dict:
    """One region of the JSON output ("scenario" holds after_valid and after_validation too)."""
    return {"region": label, **more, "scenario": result}
