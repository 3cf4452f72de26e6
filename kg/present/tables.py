"""Rows to CSV (safe to open in a spreadsheet) and Markdown (user text made inert), for the roll-up
and zoning commands. (To be folded into the present layer's one table writer.)"""
from __future__ import annotations

import csv
import io

from kg.report import md_text

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


def to_markdown(headers: list[str], rows: list[list], numbers: dict[int, int] | None = None) -> str:
    """`numbers`: column → decimals, right-aligned with thousands separators; other cells escaped."""
    numbers = numbers or {}

    def cell(i, v):
        if v is None:
            return "—"
        if i in numbers and isinstance(v, (int, float)):
            return f"{v:,.{numbers[i]}f}"
        return md_text(v)
    lines = ["| " + " | ".join(md_text(h) for h in headers) + " |",
             "|" + "|".join("---:" if i in numbers else "---" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(cell(i, v) for i, v in enumerate(row)) + " |" for row in rows]
    return "\n".join(lines) + "\n"
