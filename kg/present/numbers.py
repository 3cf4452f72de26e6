"""The one number formatter: every figure a person reads — a command's table, a Markdown
or HTML report, a page of the app — is written by these functions, so that the same
figure looks the same everywhere. They format; they never compute (a figure arrives
computed in the verdict, the account or the trajectory)."""
from __future__ import annotations

import math

from kg.terminal import cell_text

NONE = "—"          # a figure that is unknown (not reported, not counted), never shown as 0


def _known(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def number(x, digits: int = 0) -> str:
    """1,234,567 (with `digits` decimals); "—" for unknown; text as given."""
    if not _known(x):
        return NONE
    try:
        return f"{float(x):,.{digits}f}"
    except (TypeError, ValueError):
        return str(x)


def change(x, digits: int = 0) -> str:
    """A difference with its sign: +1,234 / -56."""
    return f"{x:+,.{digits}f}" if _known(x) else NONE


def ratio(x) -> str:
    """A ratio to three significant digits: 0.000766 stays readable, so does 2.41."""
    return f"{x:.3g}" if _known(x) else NONE


def percent(fraction, digits: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: 0.123 → 12.3% (+12.3% when signed)."""
    if not _known(fraction):
        return NONE
    return f"{fraction:+.{digits}%}" if signed else f"{fraction:.{digits}%}"


def plain(x) -> str:
    """A value as the user wrote it: 120 rather than 120.0, "" for not reported (kg.terminal.cell_text, which
    the validation stage also uses to fill a message's {?value})."""
    return cell_text(x) if _known(x) else ""


def significant(x) -> str:
    """A coefficient as published: 0.5703, 2.0, 1.5e-05 (no padding, no rounding to a grid)."""
    return f"{x:g}" if _known(x) else NONE


def in_words(x) -> str:
    """A figure inside a sentence: 1,234 from 100 up, 12.3 from 1, 0.0766 below 1 (three digits)."""
    if not _known(x):
        return NONE
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}" if abs(x) < 1 else f"{x:.1f}"
