"""Text bound for a terminal: user text is shown, never obeyed.

A region name may carry control characters (an ANSI escape that recolours or
clears the screen, a carriage return that overwrites the line) or Unicode
format characters that reorder what follows (bidi overrides, the "Trojan
Source" trick). Output meant for a terminal passes user text through
`printable`, which shows each such character (Unicode category C) as a
visible escape and leaves everything else — Chinese included — as it is."""
from __future__ import annotations

import sys
import unicodedata


def printable(text) -> str:
    """`text` with every control, format or unassigned character shown escaped."""
    return "".join(c.encode("unicode_escape").decode("ascii") if unicodedata.category(c)[0] == "C" else c
                   for c in str(text))


def cell_text(value) -> str:
    """A cell as a planner wrote it: no quotes, whole numbers without ".0", user text shown
    escaped. (An empty cell has a word of its own, in the reader's language.)"""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return printable(value)


def progress_bar(total: int, minimum: int, unit: str = "region"):
    """A progress bar on standard error for `total` items of long work (a terminal only, `minimum` items or
    more): (bar, step(done, total)), or (None, None)."""
    if total < minimum or not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=total, file=sys.stderr, unit=unit, leave=False)

    def step(done, _total):
        bar.update(done - bar.n)
    return bar, step
