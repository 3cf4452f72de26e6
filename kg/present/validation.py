"""Validation results worded for people, the same way by `tanheng validate`, `balance`,
`scenario` and `trajectory`."""
from __future__ import annotations

from kg.account import balance
from kg.validate import format_result, region_title


def region_label(region, lang: str = "zh") -> str:
    """"<id> <name>" as `tanheng validate` titles a region (no stray spaces, a placeholder for no id)."""
    return region_title(region, lang)


def problem_lines(region, results, lang: str) -> list[str]:
    """"region … failed validation and was not accounted:" and its violations, worded as `tanheng validate`."""
    return [balance.message("invalid-region", lang, region=region_label(region, lang))] + \
        [f"  - {format_result(r, lang)}" for r in results if r["severity"] == "violation"]
