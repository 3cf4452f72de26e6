"""What-if scenarios: change a region's accounting inputs and compare the
balance before and after. The command line (`tanheng scenario`) and the app's
sliders both call run().

A change is written FIELD=CHANGE:  coal_t=-20%  (relative, sign required),
coal_t=+5000 / coal_t=-5000 (added), coal_t=50000 (new value),
grid_region=south (a grid region key)."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from .balance import account, compile_set, input_fields, lines, message
from .cli import UserError
from .coefficients import DEFAULT_SET

_RELATIVE = re.compile(r"^([+-])\s*(\d+(?:\.\d*)?|\.\d+)\s*%$")
_SIGNED = re.compile(r"^[+-]")


@dataclass(frozen=True)
class Change:
    field: str
    text: str           # as the user wrote it, for messages and reports
    kind: str           # "relative" | "add" | "set"
    amount: float | str


def split_setting(setting: str) -> tuple[str, str]:
    """"coal_t=-20%" → ("coal_t", "-20%")."""
    field, sep, change = str(setting).partition("=")
    if not sep or not field.strip() or not change.strip():
        raise UserError(message("malformed-setting", value=setting))
    return field.strip(), change.strip()


def _finite(text: str) -> float | None:
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def parse_change(field: str, text, region_id: str = "", coefficient_set: str = DEFAULT_SET) -> Change:
    """Read one change for one field; an unknown field or unreadable change is a UserError."""
    fields = input_fields()
    if field not in fields:
        raise UserError(message("unknown-field", region=region_id, field=field, choices=", ".join(fields)))
    scope_fields = {ln.scope_input for ln in lines() if ln.scope_input}
    if field in scope_fields:
        scopes = _scopes(coefficient_set)
        if str(text) not in scopes:
            raise UserError(message("unknown-scope", region=region_id, field=field, value=text,
                                    choices=", ".join(scopes)))
        return Change(field, str(text), "set", str(text))
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = repr(text)
    text = str(text).strip()
    m = _RELATIVE.match(text)
    if m:
        pct = float(m.group(2)) * (1 if m.group(1) == "+" else -1)
        return Change(field, text, "relative", pct / 100.0)
    x = _finite(text.replace(",", "")) if "%" not in text else None
    if x is None:
        raise UserError(message("malformed-change", region=region_id, field=field, value=text))
    return Change(field, text, "add" if _SIGNED.match(text) else "set", x)


def _scopes(coefficient_set: str) -> list[str]:
    fallbacks = {ln.fallback_scope for ln in lines() if ln.fallback_scope}
    return sorted(set(compile_set(coefficient_set).scopes) | fallbacks)


def apply_changes(values: dict, changes: list[Change], region_id: str = "") -> dict:
    """A copy of values with the changes applied in order; never writes into the user's dict."""
    out = dict(values)
    for ch in changes:
        if ch.kind == "set":
            out[ch.field] = ch.amount
            continue
        current = out.get(ch.field)
        if current is None or (isinstance(current, float) and math.isnan(current)):
            raise UserError(message("relative-on-missing", region=region_id, field=ch.field, value=ch.text))
        new = float(current) * (1 + ch.amount) if ch.kind == "relative" else float(current) + ch.amount
        if new < 0:
            raise UserError(message("negative-result", region=region_id, field=ch.field, value=ch.text,
                                    result=f"{new:,.2f}"))
        out[ch.field] = new
    return out


def _diff(a, b):
    return None if a is None or b is None else b - a


def compare(before: dict, after: dict) -> dict:
    """Line by line and total differences of two accounts (after − before)."""
    keys = ("emissions_t_co2e", "sinks_t_co2e", "net_t_co2e", "balance_ratio")
    out_lines = {}
    for part in ("by_source", "by_sink"):
        for k in list(before[part]) + [k for k in after[part] if k not in before[part]]:
            b, a = before[part].get(k), after[part].get(k)
            out_lines[k] = {"kind": part[3:], "before": b, "after": a, "change": _diff(b, a)}
    return {"totals": {k: {"before": before[k], "after": after[k], "change": _diff(before[k], after[k])}
                       for k in keys},
            "lines": out_lines}


def run(values: dict, settings, region_id: str = "", coefficient_set: str = DEFAULT_SET) -> dict:
    """Account a region before and after the changes. settings: ["coal_t=-20%", …] or
    [(field, change), …] or {field: change}."""
    pairs = settings.items() if isinstance(settings, dict) else \
        [split_setting(s) if isinstance(s, str) else tuple(s) for s in settings]
    changes = [parse_change(f, c, region_id, coefficient_set) for f, c in pairs]
    if not changes:
        raise UserError(message("no-settings"))
    new_values = apply_changes(values, changes, region_id)
    before = account(values, coefficient_set)
    after = account(new_values, coefficient_set)
    applied = [{"field": ch.field, "change": ch.text, "before": values.get(ch.field), "after": new_values.get(ch.field)}
               for ch in changes]
    return {"region_id": region_id, "changes": applied, "before": before, "after": after,
            **compare(before, after)}


def read_scenario_file(path: str | Path) -> dict:
    """A scenario JSON file: {"changes": {field: change} | ["field=change", …],
    "region": optional id, "coefficients": optional set}, or just the changes."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(message("bad-scenario-file", name=p.name, reason=exc)) from None
    if isinstance(data, list):
        data = {"changes": data}
    if not isinstance(data, dict):
        raise UserError(message("bad-scenario-file", name=p.name, reason="not a JSON object or list"))
    if "changes" not in data:
        data = {"changes": data}
    if not isinstance(data["changes"], (dict, list)):
        raise UserError(message("bad-scenario-file", name=p.name, reason="'changes' must be an object or a list"))
    return data


def _fmt_change(x, digits: int) -> str:
    return "—" if x is None else f"{x:+,.{digits}f}"


def table_rows(result: dict, lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """Headers and rows of one scenario: each changed field, each line, then the totals."""
    from .balance import fmt_number

    h = lambda k: message(f"head-{k}", lang)
    labels = {ln.key: ln.label(lang) for ln in lines()}
    rows = [[f"{h('field')}: {c['field']} ({c['change']})", fmt_number(_num(c["before"]), 1),
             fmt_number(_num(c["after"]), 1), ""] for c in result["changes"]]
    for key, d in result["lines"].items():
        rows.append([labels.get(key, key), fmt_number(d["before"], 1), fmt_number(d["after"], 1), _fmt_change(d["change"], 1)])
    for key, head, digits in (("emissions_t_co2e", "emissions", 1), ("sinks_t_co2e", "sinks", 1),
                              ("net_t_co2e", "net", 1), ("balance_ratio", "ratio", 4)):
        t = result["totals"][key]
        rows.append([h(head), fmt_number(t["before"], digits), fmt_number(t["after"], digits), _fmt_change(t["change"], digits)])
    return [h("line"), h("before"), h("after"), h("change")], rows


def _num(x):
    return x if isinstance(x, (int, float)) else None


def render(named_results, fmt: str = "table", lang: str = "zh") -> str:
    """Scenario results [(region label, result)] as text table, Markdown or JSON."""
    from .balance import markdown_table, text_table

    if fmt == "json":
        return json.dumps([{"region": n, "scenario": r} for n, r in named_results], ensure_ascii=False, indent=1)
    table = markdown_table if fmt == "md" else text_table
    parts = []
    for name, r in named_results:
        title = f"{name} — {message('head-coefficient-set', lang)}: {r['after']['coefficient_set']}"
        parts.append(f"### {title}" if fmt == "md" else title)
        parts.append(table(*table_rows(r, lang)))
        if r["after"]["missing"]:
            parts.append(message("incomplete", lang, fields=", ".join(r["after"]["missing"])))
    return "\n\n".join(parts)
