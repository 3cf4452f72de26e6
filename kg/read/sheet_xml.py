"""A read-only sheet's rows from its XML, as openpyxl's read-only mode gives them, ~3x cheaper (issue 12).

openpyxl's read-only `ws.iter_rows()` costs ~6 µs a cell on this machine (5,000 generated rows of 35 cells: 1.05 s
CPU), ~80 % of it parsing: an element tree per cell, a dict per cell, a ReadOnlyCell per cell. A statistical
table's sheet is written plainly — `<row r="2"><c r="A2" t="n"><v>1439.4</v></c>…</row>` — so `rows(ws)` reads
each row's cells with one regular expression (C-level) and converts only the values, as openpyxl's
WorkSheetParser.parse_cell and ReadOnlyWorksheet._cells_by_row / _get_row do:
- a number (t="n" or none) is an int unless its text has ".", "e" or "E"; a date-formatted one is converted by
  openpyxl's own from_excel; t="s" a shared string, t="b" a bool, t="d" openpyxl's from_ISO8601, "str", "e" and
  any other type the text; an inline string (t="inlineStr", <is><t>…</t></is>) its text; a formula's saved value
  (data_only, the only mode Tanheng opens workbooks in) the <v>, the formula itself ignored; an empty <v> None;
- rows are numbered by their r (else the one before + 1), missing rows are blank rows, a row past the sheet's
  declared last row ends the sheet; each row as wide as the declared columns (else up to its last cell), cells
  past them dropped;
- a number in a percent-formatted cell is the percent the sheet shows (kg.read.profiles._percent_shown).
What the expression does not know — CDATA or an entity other than XML's five and character references in a text,
rich text, a cell without its reference,
attributes other than r, s and t, a carriage return, whitespace between cells, a namespace prefix, a date
openpyxl refuses — makes the rest of the sheet, from the row where it was met, read by openpyxl
(`ws.iter_rows(min_row=…)` gives exactly the rows a whole iteration gives from there). tests/test_sheet_xml.py
compares both readers on sheets written by openpyxl (normal and write-only), xlsxwriter-like shared strings,
dates, percents, booleans, errors, formulas, sparse and missing rows and cells, and on the fallbacks."""
from __future__ import annotations

import re
from operator import itemgetter
from typing import Iterator

_BLOCK = 1 << 20
_TEXT = rb'([^<\r]*)'
# a cell: (the whole of it, column letters, style, type, style when written after the type, <v> text, <is> element)
_CELLS = re.compile(rb'(<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="([a-zA-Z]+)")?(?: s="(\d+)")?'
                    rb'(?:/>|>(?:(?:<f(?: [^>]*)?(?:/>|>[^<]*</f>))?(?:<v>' + _TEXT + rb'</v>|<v/>)?'
                    rb'|(<is><t(?: xml:space="preserve")?>[^<\r]*</t></is>))</c>))')
# what XML may write in a text: the five named entities and character references (openpyxl writes every character
# past ASCII as one: 中 is &#20013;)
_ENTITY = re.compile(r'&(?:#([0-9]+)|#x([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));')
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ROW_TAG = re.compile(rb'<row((?: [\w:.-]+="[^"]*")*)(/?)>')     # Excel: <row r="2" spans="1:35" x14ac:dyDescent="0.25">
_MERGED = re.compile(rb'<mergeCell ref="([^"]*)"/>')
_ROW_NUMBER = re.compile(rb' r="([^"]*)"')
_SHEET_DATA = re.compile(rb'<sheetData(/>|>)')
_MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_INLINE_END = len(b"</t></is>")
_SPACE = b' \t\n'
_WHOLE, _LETTERS = itemgetter(0), itemgetter(1)


class Unknown(Exception):
    """Something in the sheet's XML this reader does not read as openpyxl would: openpyxl reads on from there."""


_COLUMNS: dict[bytes, int] = {}     # column letters → number, as met


def _column(letters: bytes) -> int:
    n = _COLUMNS.get(letters)
    if n is None:
        n = 0
        for ch in letters:
            n = n * 26 + ch - 64
        _COLUMNS[letters] = n
    return n


def _number(v: bytes) -> int | float:
    """A number cell's text as openpyxl's _cast_number reads it."""
    return float(v) if (b"." in v or b"e" in v or b"E" in v) else int(v)


def _cells(content: bytes) -> list[tuple]:
    """A row's cells (_CELLS' groups); Unknown unless they tile the row (no two overlap: their lengths add up to the
    row's only then)."""
    cells = _CELLS.findall(content)
    if sum(map(len, map(_WHOLE, cells))) != len(content):
        raise Unknown
    return cells


class _Values:
    """A cell's value from its type, style and text, as openpyxl's parse_cell gives it and the sheet shows it."""

    def __init__(self, ws):
        from openpyxl.cell.read_only import ReadOnlyCell

        wb = ws.parent
        self.ws, self.cell = ws, ReadOnlyCell
        self.shared = ws._shared_strings
        self.dates, self.timedeltas, self.epoch = wb._date_formats, wb._timedelta_formats, wb.epoch
        self.percent: dict[int, bool] = {}
        self.plain = 0 not in self.dates and not self.is_percent(0)    # style 0 shows numbers as they are

    def is_percent(self, style: int) -> bool:
        p = self.percent.get(style)
        if p is None:        # ReadOnlyCell's own number_format: the same tables openpyxl looks a cell's format up in
            p = self.percent[style] = (self.cell(self.ws, 1, 1, None, "n", style).number_format or "").endswith("%")
        return p

    def __call__(self, s1: bytes, t: bytes, s2: bytes, v: bytes, inline: bytes):
        style = int(s1 or s2) if (s1 or s2) else 0
        if t == b"inlineStr":      # openpyxl: the text of <is> ("" for an empty <t></t>), None without one
            return _text(inline[inline.index(b">", 6) + 1:-_INLINE_END]) if inline else None
        if not v:
            return None
        if not t or t == b"n":
            x = _number(v)
            if style in self.dates:
                from openpyxl.utils.datetime import from_excel
                try:
                    return from_excel(x, self.epoch, timedelta=style in self.timedeltas)
                except (OverflowError, ValueError):
                    raise Unknown from None       # openpyxl warns and makes it an error cell: let it
            if self.is_percent(style):
                from kg.read.profiles import _percent_shown

                return _percent_shown(x)
            return x
        if t == b"s":
            return self.shared[int(v)]
        if t == b"b":
            return bool(int(v))
        if t == b"d":
            from openpyxl.utils.datetime import from_ISO8601

            return from_ISO8601(_text(v))
        return _text(v)


def _character(m: re.Match) -> str:
    if m.group(3):
        return _NAMED[m.group(3)]
    code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
        return chr(code)
    raise Unknown                  # no XML character: openpyxl's parser refuses the sheet, in its words


def _text(raw: bytes) -> str:
    """An XML text's characters (UTF-8, its references resolved); Unknown for an "&" that is no reference."""
    text = raw.decode()
    if "&" not in text:
        return text
    resolved = _ENTITY.sub(_character, text)
    if resolved.count("&") != text.count("&amp;"):
        raise Unknown
    return resolved


def _row_elements(src, tail: list | None = None) -> Iterator[tuple[bytes, bytes | None]]:
    """(attributes, content or None for <row …/>) of each <row> of the sheet's data, in order; Unknown where
    anything else stands between them. `tail`: given the XML after the rows."""
    buf = b""
    at = None
    while at is None:
        more = src.read(_BLOCK)
        if not more:
            raise Unknown                  # no <sheetData> as this reader spells it (a prefix, another encoding)
        buf += more
        m = _SHEET_DATA.search(buf)
        if m is None:
            continue
        head = buf[:m.start()]
        # UTF-8 (no BOM of another encoding, no other encoding declared) and the main namespace as the default one
        if buf.startswith((b"\xff\xfe", b"\xfe\xff")) or _MAIN not in head or \
                re.search(rb'encoding="(?!(?i:utf-8)")', head[:200]):
            raise Unknown
        at = m.end()
        if m.group(1) == b"/>":
            if tail is not None:
                tail.append(buf[at:] + src.read())
            return
    ended = False
    while True:
        while at < len(buf) and buf[at] in _SPACE:
            at += 1
        m = _ROW_TAG.match(buf, at)
        if m is not None:
            if b"xmlns" in m.group(1):
                raise Unknown
            if m.group(2):                          # <row …/>
                yield m.group(1), None
                at = m.end()
                continue
            end = buf.find(b"</row>", m.end())
            if end != -1:
                yield m.group(1), buf[m.end():end]
                at = end + 6
                continue
        elif buf.startswith(b"</sheetData>", at):
            if tail is not None:
                tail.append(buf[at:] + src.read())
            return
        elif len(buf) - at > 256:                   # room for any row's start tag: something else stands here
            raise Unknown
        if ended:
            raise Unknown
        more = src.read(_BLOCK)
        if not more:
            ended = True
        buf = buf[at:] + more
        at = 0


def rows(ws) -> Iterator[list]:
    """Each row of a read-only sheet (kg.read.profiles.sheet_rows' rows: blank ones too) as a list of the values
    it shows; openpyxl reads the rest from the first row this reader does not know."""
    max_row, max_col = ws.max_row, ws.max_column
    empty = [None] * max_col if max_col else []
    value = _Values(ws)
    counter, idx, number = 1, 1, 0          # as _cells_by_row's counter and idx, parse_row's row_counter
    try:
        with ws._get_source() as src:
            for attrs, content in _row_elements(src):
                m = _ROW_NUMBER.search(attrs)
                if m is None:
                    number += 1
                elif m.group(1).isdigit():
                    number = int(m.group(1))
                else:
                    raise Unknown
                idx = number
                if max_row is not None and idx > max_row:
                    break
                cells = _cells(content) if content else []
                while counter < idx:
                    counter += 1
                    yield list(empty)
                if counter <= idx:
                    yield _row(cells, max_col, value)
                    counter += 1
    except Unknown:
        from kg.read.profiles import shown_rows

        yield from shown_rows(ws, min_row=counter)
        return
    if max_row is not None and max_row < idx:
        for _ in range(counter, max_row + 1):
            yield list(empty)


def _row(cells: list[tuple], max_col: int | None, value: _Values) -> list:
    if not cells and not max_col:
        return []
    width = max_col or _column(cells[-1][1])
    out = [None] * width
    plain = value.plain
    columns = _COLUMNS
    try:
        for _, letters, s1, t, s2, v, inline in cells:   # a later cell of the same column wins, as in _get_row
            col = columns.get(letters) or _column(letters)
            if col > width:
                continue
            if plain and v and not s1 and not s2 and (t == b"n" or not t):    # a number of style 0: most cells
                out[col - 1] = _number(v)
            else:
                out[col - 1] = value(s1, t, s2, v, inline)
    except (ValueError, IndexError):      # a number or shared string openpyxl would refuse: it says so itself
        raise Unknown from None
    return out


def scan(src) -> tuple[list[tuple[int, int, int, int]], list[str], int]:
    """What kg.read.chunked._sheet_scan finds in a sheet's XML — its merged ranges, the cells with a formula and no
    saved value, the width of the sheet as opened in full — by the expressions of `rows`; Unknown for what they do
    not read (the caller then scans with an XML parser)."""
    from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

    missing, width, tail = [], 0, []
    for _, content in _row_elements(src, tail):
        if not content:
            continue
        cells = _cells(content)
        width = max(width, max(map(_column, map(_LETTERS, cells)), default=0))
        if b"<f" in content:
            missing += [whole[6:whole.index(b'"', 6)].decode() for whole, _, _, _, _, v, inline in cells
                        if not v and not inline and whole.find(b"<f", 6) != -1]
    rest = tail[0] if tail else b""
    found = _MERGED.findall(rest)
    if len(found) != rest.count(b"<mergeCell "):
        raise Unknown
    merged = [range_boundaries(ref.decode()) for ref in found if ref]
    for rng in merged:
        width = max(width, rng[2])
    missing.sort(key=coordinate_to_tuple)
    return merged, missing, width
