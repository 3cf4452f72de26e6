"""What-if scenarios: change a region's accounting inputs and compare the
balance before and after. The command line (`tanheng scenario`) and the app's
sliders both call run().

A change is written FIELD=CHANGE:  coal_t=-20%  (relative, sign required),
coal_t=+5000 / coal_t=-5000 (added), coal_t=50000 (new value),
grid_region=south (a grid region key).

Changes apply in the order given; a field changed twice is shown step by step
(coal_t=-20% then coal_t=50000: 80,000 → 64,000 → 50,000), and the result says
that the later change overrides or builds on the earlier one.

The changed profile is validated with the same SHACL shapes as a file
(kg.validate, fast engine). run() reports, under "after_validation", the
violations and warnings the changes bring (those the profile did not already
have); "after_valid" is False when a change breaks a rule (forest larger than
the county). The account after is still computed and shown, always beside a
clear warning naming the rules broken (`tanheng scenario` then exits 1; the app
shows the warning above the figures): a planner exploring "+10% forest" sees
the effect and is told the land must come from another class."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from kg.account.balance import account, compile_set, input_fields, lines, message
from kg.errors import UserError
from kg.account.coefficients import DEFAULT_SET

_RELATIVE = re.compile(r"^([+-])\s*(\d+(?:\.\d*)?|\.\d+)\s*%$")
_SIGNED = re.compile(r"^[+-]")


@dataclass(frozen=True)
class Change:
    field: str
    text: str           # as the user wrote it, for messages and reports
    kind: str           # "relative" | "add" | "set"
    amount: float | str


# the profile reader's bound (kg.read.profiles): no county measures 10^15 of anything
LARGEST_VALUE = 1e15


def split_setting(setting: str) -> tuple[str, str]:
    """"coal_t=-20%" → ("coal_t", "-20%")."""
    field, sep, change = str(setting).partition("=")
    if not sep or not field.strip() or not change.strip():
        raise UserError("account.malformed-setting", value=setting)
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
        raise UserError("account.unknown-field", region=region_id, field=field, choices=", ".join(fields))
    scope_fields = {ln.scope_input for ln in lines() if ln.scope_input}
    if field in scope_fields:
        scopes = _scopes(coefficient_set)
        if str(text) not in scopes:
            raise UserError("account.unknown-scope", region=region_id, field=field, value=text,
                            choices=", ".join(scopes))
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
        raise UserError("account.malformed-change", region=region_id, field=field, value=text)
    return Change(field, text, "add" if _SIGNED.match(text) else "set", x)


def _scopes(coefficient_set: str) -> list[str]:
    fallbacks = {ln.fallback_scope for ln in lines() if ln.fallback_scope}
    return sorted(set(compile_set(coefficient_set).scopes) | fallbacks)


def apply_changes(values: dict, changes: list[Change], region_id: str = "") -> dict:
    """A copy of values with the changes applied in order; never writes into the user's dict."""
    return _apply_steps(values, changes, region_id)[0]


def _apply_steps(values: dict, changes: list[Change], region_id: str = "") -> tuple[dict, list[dict]]:
    """The changed values and one step per change: the field's value before and after that change."""
    out, steps = dict(values), []
    for ch in changes:
        step = {"field": ch.field, "change": ch.text, "before": out.get(ch.field)}
        steps.append(step)
        if ch.kind == "set":
            if isinstance(ch.amount, float) and not abs(ch.amount) < LARGEST_VALUE:
                raise UserError(message("change-out-of-range", region=region_id, field=ch.field, value=ch.text,
                                        result=f"{ch.amount:,.3g}", limit="10¹⁵"))
            out[ch.field] = step["after"] = ch.amount
            continue
        current = out.get(ch.field)
        if current is None or (isinstance(current, float) and math.isnan(current)):
            raise UserError("account.relative-on-missing", region=region_id, field=ch.field, value=ch.text)
        new = float(current) * (1 + ch.amount) if ch.kind == "relative" else float(current) + ch.amount
        if not abs(new) < LARGEST_VALUE:
            raise UserError(message("change-out-of-range", region=region_id, field=ch.field, value=ch.text,
                                    result=f"{new:,.3g}", limit="10¹⁵"))
        if new < 0:
            raise UserError("account.negative-result", region=region_id, field=ch.field, value=ch.text,
                            result=f"{new:,.2f}")
        out[ch.field] = step["after"] = new
    for i, step in enumerate(steps):
        earlier = sum(1 for st in steps[:i] if st["field"] == step["field"])
        if earlier:
            step["step"] = earlier + 1          # the 2nd, 3rd … change of this field, applied to the one before
    return out, steps


def _profile(values: dict, region_id: str):
    """values as a one-region ProfileBatch, every profile column present (None = not reported)."""
    from kg.read.profiles import ProfileBatch, Region, columns

    full = {c.key: values.get(c.key) for c in columns()}
    full["region_id"] = full.get("region_id") or region_id or None
    return ProfileBatch([Region(region_id=full["region_id"] or "", name=full.get("name"), row=1, values=full)])


def _issue_key(r: dict):
    return r["field"], r["severity"], r["message_en"]


def check_after(before_values: dict, after_values: dict, region_id: str = "") -> list[dict]:
    """The validation results (kg.validate dicts) of the changed profile that the profile before did
    not have: what the changes broke. Checked with the fast engine, one region on its own."""
    from kg.validate import validate

    before = {_issue_key(r) for r in validate(_profile(before_values, region_id)).results}
    after = validate(_profile(after_values, region_id)).results
    return [dict(r, region_id=region_id or r["region_id"], row=None) for r in after
            if r.get("row") is not None and _issue_key(r) not in before]


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
        [tuple(s) if isinstance(s, (list, tuple)) and len(s) == 2 else split_setting(s) for s in settings]
    changes = [parse_change(f, c, region_id, coefficient_set) for f, c in pairs]
    if not changes:
        raise UserError("account.no-settings")
    new_values, applied = _apply_steps(values, changes, region_id)
    before = account(values, coefficient_set)
    after = account(new_values, coefficient_set)
    issues = check_after(values, new_values, region_id)
    return {"region_id": region_id, "changes": applied, "before": before, "after": after,
            "after_valid": not any(r["severity"] == "violation" for r in issues), "after_validation": issues,
            **compare(before, after)}


def read_scenario_file(path: str | Path) -> dict:
    """A scenario JSON file: {"changes": {field: change} | ["field=change", …],
    "region": optional id, "coefficients": optional set}, or just the changes."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError("account.bad-scenario-file", name=p.name, reason=exc) from None
    if isinstance(data, list):
        data = {"changes": data}
    if not isinstance(data, dict):
        raise UserError("account.bad-scenario-file", name=p.name, reason="not a JSON object or list")
    if "changes" not in data:
        data = {"changes": data}
    if not isinstance(data["changes"], (dict, list)):
        raise UserError("account.bad-scenario-file", name=p.name, reason="'changes' must be an object or a list")
    return data
