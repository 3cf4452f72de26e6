"""Validation results worded for people, the same way by `tanheng validate`, `balance`,
`scenario`, `import` and `trajectory` and by the app: kg.validate checks, this module words.
The words (severities, "(empty)", "(no region id)", the "field = value: message" pattern)
are in the one catalogue, kg/messages.csv (keys validate.*)."""
from __future__ import annotations

from kg import messages
from kg.account import balance
from kg.read.profiles import column_by_key
from kg.terminal import cell_text, printable


def severity(level: str, lang: str) -> str:
    """"错误" / "error", "警告" / "warning", "提示" / "note"."""
    return messages.text(f"validate.{level}", lang)


def field_label(key, lang: str) -> str:
    """The column's label in ontology/profile.ttl (the key itself if it is not a profile column)."""
    col = column_by_key().get(key or "")
    return col.label(lang) if col else (key or "")


def show_value(value, lang: str) -> str:
    """A cell as a planner wrote it: no quotes, whole numbers without ".0", "(empty)" for nothing."""
    return messages.text("validate.empty", lang) if value is None else cell_text(value)


def format_result(r: dict, lang: str) -> str:
    """One result without its severity: "<field label> = <value>: <message>" (just the message
    when the result names no field). A cross-field rule's value is a derived figure (a sum, a
    percentage of the area); its message says so and states the figure."""
    text = r.get(f"message_{lang}") or r.get("message_en") or ""
    if not r.get("field"):
        return text
    return messages.text("validate.result", lang, field=field_label(r["field"], lang),
                         value=show_value(r.get("value"), lang), message=text)


def region_label(region, lang: str = "zh") -> str:
    """"<id> <name>" as `tanheng validate` titles a region: a placeholder for a missing id, no stray
    spaces, safe for a terminal. region: a kg.read.profiles.Region or anything with region_id and name."""
    rid, name = getattr(region, "region_id", None), getattr(region, "name", None)
    return printable(" ".join(x for x in (rid or messages.text("validate.no-id", lang), name or "") if x))


def problem_lines(region, results, lang: str) -> list[str]:
    """"region … failed validation and was not accounted:" and its violations, worded as `tanheng validate`."""
    return [balance.message("invalid-region", lang, region=region_label(region, lang))] + \
        [f"  - {format_result(r, lang)}" for r in results if r["severity"] == "violation"]
