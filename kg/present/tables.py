"""The one table writer: headers and rows of cells as Markdown, a fixed-width text table, CSV or
XLSX. User text (region ids and names, values, file names) is always made inert on the way out:
no Markdown or HTML in Markdown (md_text), no terminal control sequence in text (printable), no
live formula in a spreadsheet (csv_cell). Commands, reports and the app write tables only here."""
from __future__ import annotations

import csv
import io
import re
import unicodedata

from kg.terminal import printable

# Markdown punctuation that Python-Markdown (and CommonMark) honour a backslash before;
# `<`, `>` and `&` become entities instead, so that no user text turns into raw HTML.
# "(", ")", "!" and "." need no escape once "[" and "]" are escaped (no link, no image);
# "~" and "$" are left alone: Python-Markdown has neither strikethrough nor maths.
_MD_SPECIAL = re.compile(r"([\\`*{}\[\]#|]|_(?!\w)|(?<!\w)_)")
_HTML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def md_text(text, line_start: bool = False) -> str:
    """User text (ids, names, values, messages quoting values, file names) made inert for
    Markdown: it shows literally, with no emphasis, links, headings or HTML. `line_start`:
    the text begins a line (or a list item), where "-", "+" or "1." would start a list."""
    text = re.sub(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+", " ", str(text))   # no line break starts a block
    text = "".join(_HTML_SPECIAL.get(c, c) for c in text)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    if line_start:
        text = re.sub(r"^(\s*)([-+])", r"\1\\\2", text)
        text = re.sub(r"^(\s*\d+)([.)])", r"\1\\\2", text)
    return text


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(v) -> str:
    """A cell a spreadsheet shows as text: a string that would start a formula gets a leading quote
    (numbers are written as numbers, so a negative net stays a number)."""
    if v is None:
        return ""
    if isinstance(v, (int, float)):
        return repr(v) if isinstance(v, float) else str(v)
    s = str(v)
    return "'" + s if s.startswith(_FORMULA_START) else s


def to_csv(headers: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")   # RFC 4180; and a CR inside a cell gets quoted
    w.writerow(headers)
    for row in rows:
        w.writerow([csv_cell(v) for v in row])
    return buf.getvalue()


def to_xlsx(headers: list, rows) -> bytes:
    """A workbook whose text cells are text: openpyxl would store a string starting with "="
    as a live formula, so every string is typed as a string (numbers stay numbers)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    for row in [list(headers), *rows]:
        ws.append([_xlsx_cell(ws, v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_cell(ws, v):
    from openpyxl.cell import WriteOnlyCell

    if v is None or isinstance(v, (int, float, bool)):
        return v
    c = WriteOnlyCell(ws, value=str(v))
    c.data_type = "s"                      # never "f": "=HYPERLINK(…)" stays the text it is
    return c


def to_markdown(headers: list[str], rows: list[list], numbers: dict[int, int] | None = None,
                right: tuple = ()) -> str:
    """`numbers`: column → decimals, right-aligned with thousands separators; `right`: columns right-aligned
    whose cells arrive formatted (kg.present.numbers); every other cell escaped."""
    numbers = numbers or {}

    def cell(i, v):
        if v is None:
            return "—"
        if i in numbers and isinstance(v, (int, float)):
            return f"{v:,.{numbers[i]}f}"
        return md_text(v)
    lines = ["| " + " | ".join(md_text(h) for h in headers) + " |",
             "|" + "|".join("---:" if i in numbers or i in right else "---" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(cell(i, v) for i, v in enumerate(row)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _width(s: str) -> int:
    """Columns a terminal gives the text: wide East-Asian characters count double."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def to_text(headers: list, rows: list[list], width: int = 80, count: bool = False) -> str:
    """A fixed-width text table, each cell cut to `width` columns; `count` adds "(N rows)"."""
    def cut(v) -> str:
        s = printable("" if v is None else str(v)).replace("\n", " ")
        while _width(s) > width:
            s = s[:-2] + "…"
        return s

    heads = [cut(h) for h in headers]
    cells = [[cut(v) for v in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(heads)]
    pad = lambda s, n: s + " " * (n - _width(s))  # noqa: E731
    lines = [" | ".join(pad(h, n) for h, n in zip(heads, widths)), "-+-".join("-" * n for n in widths)]
    lines += [" | ".join(pad(c, n) for c, n in zip(r, widths)) for r in cells]
    if count:
        lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)


def writer(fmt: str):
    """The table writer of an output format: "md" → Markdown, anything else → text (80 columns)."""
    if fmt == "md":
        return lambda headers, rows: to_markdown(headers, rows).rstrip("\n")
    return lambda headers, rows: to_text(headers, rows, width=80, count=True)


def heading(title: str, fmt: str) -> str:
    """A section title: "### …" in Markdown (the title made inert), the line itself in text."""
    return f"### {md_text(title)}" if fmt == "md" else printable(title)
