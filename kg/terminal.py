"""Text bound for a terminal: user text is shown, never obeyed.

A region name may carry control characters (an ANSI escape that recolours or
clears the screen, a carriage return that overwrites the line) or Unicode
bidi controls that reorder what follows (the "Trojan Source" trick). Output
meant for a terminal passes user text through `safe`, which shows each such
character as a visible \\x.. / \\u.... escape and leaves everything else —
Chinese included — as it is."""
from __future__ import annotations

import re

# C0 controls but tab, DEL, C1 controls; bidi embeddings, overrides, isolates and marks;
# line/paragraph separators; zero-width characters and the BOM.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _escape(m: re.Match) -> str:
    c = ord(m.group(0))
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def safe(text) -> str:
    """`text` with every control or bidi character shown as an escape."""
    return _UNSAFE.sub(_escape, str(text))
