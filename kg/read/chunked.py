"""A CSV or XLSX file too big to hold as Region objects, read in pieces (issue 12).

`read_profiles` holds a whole file: its text, its grid of cells and one Region (~6 KB) per row — 284,400
rows ≈ 1.7 GB before anything is advised. `open_pieces(path)` reads it twice instead, streamed from disk
(CSV as text, a workbook's sheet through openpyxl's read-only mode), never whole:
1. a first pass over the rows finds the header (kg.read.layout.find_header), sets aside footnotes and
   total rows, and reads only what is batch-wide: the (region id, year) key of every row, as hashes (the
   one rule across rows: a region given twice for one year), the county codes under a prefecture total,
   the names of unknown cells, how many regions there are;
2. when keys repeat, the rows of those ids are read once more, only their id and year: the companions
   (kg.read.repeats) each piece is validated with, so that a repeat across pieces is flagged as it is in
   the whole file;
3. `pieces(spans)` reads the rows again into ProfileBatch pieces of the sizes asked for, each
   the regions `read_profiles` would give for those rows, code look-ups done, the file's warnings on the
   first piece only (the whole batch says them once), its companions.
Cells are read by the same code as `read_profiles` (kg.read.profiles.TablePlan, sheet_rows), so both give
the same regions, notes and warnings.

A workbook of 250 KB or more is read in pieces through openpyxl's read-only mode, the one that streams.
read_profiles opens a workbook of FULL_WORKBOOK_BYTES (5 MB) or less in full — its merged header cells
filled, its formulas without a saved value named — which read-only mode does not give (merged ranges are
written after the rows; a formula and its saved value are two readings of the sheet); for such a workbook
one scan of the sheet's XML comes first (_sheet_scan) and the rows are filled as they are read
(_MergedFill), so both readers give the same rows and notes. A bigger workbook read_profiles reads
read-only too, without either. Still read whole: a workbook of one sheet per year (its sheets are stacked)
and a sheet that does not say its size.

The rows of the header's search and the first rows below are read by the csv module (their cells as text:
header finding, footnotes, totals and units rows look at text, bad cells are kept as given). Below them, a big
CSV's plain blocks are read as columns by polars (kg.read.columnar, session 6): what decided against a columnar
reader in session 5 — typed columns must still become per-row Regions, and the first pass's rules read text rows —
is answered there by telling ordinary rows with one vectorised test per column (only the other rows go through the
row-by-row reading here, as text) and by making the ordinary rows' Regions from columns converted in bulk: 28,440
generated rows ~40 -> ~23 us a row for both passes, ~5 of it polars' import (figures in the commit)."""
from __future__ import annotations

import codecs
import copy
import csv
import os
from array import array
from collections import deque
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import Any, Callable, Iterator

from kg.knowledge.cache import one_source
from kg.read import limits as read_limits
from kg.read import profiles
from kg.read.profiles import (ProfileBatch, Region, TablePlan, UnreadableInput, note_looked_up,
                              resolve_and_note, table_plan)
from kg.read.repeats import Companions, paired_hashes, paired_ids, rule_key

_LOOK_UP = 2_500                  # rows whose codes the first pass looks up together
STREAM_FROM_BYTES = 1_000_000     # smaller files (~4,000 rows) are read whole: one pass is less work
# a workbook read whole in full is ~700 MB a MB of it (22,500 generated rows, 4.9 MB: 3.5 GB peak with --jobs 2)
WORKBOOK_FROM_BYTES = 250_000     # ~1,100 rows
_SUFFIXES = (".csv", ".tsv", ".txt")
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_KEY_COLUMNS = ("region_id", "name", "province", "year")   # what a row's key and its code look-up read
_BLOCK = 1 << 20


def streamable(source) -> bool:
    """A CSV file of 1 MB or more, or a workbook read_profiles reads read-only (by its name, as read_profiles
    decides its format): big enough to be read in pieces."""
    if not isinstance(source, (str, Path)):
        return False
    path = Path(source)
    suffix = path.suffix.lower()
    try:
        if suffix not in _SUFFIXES + _WORKBOOK_SUFFIXES or not path.is_file():
            return False
        size = path.stat().st_size
        with open(path, "rb") as f:
            zipped = f.read(4).startswith(b"PK\x03\x04")
    except OSError:
        return False
    if suffix in _SUFFIXES:
        return size >= STREAM_FROM_BYTES and not zipped
    return size >= WORKBOOK_FROM_BYTES and zipped


def read_as_columns(source) -> bool:
    """A CSV file read in pieces and big enough for its plain rows to be read as columns by polars (kg.read.columnar):
    its first pass will use polars."""
    from kg.read import columnar

    return streamable(source) and Path(source).suffix.lower() in _SUFFIXES and \
        os.path.getsize(source) >= columnar.COLUMNS_FROM_BYTES


def _encoding(path: Path) -> str:
    """kg.read.profiles._decode_text's choice, decided on the file streamed: a BOM, else UTF-8 if the whole
    file decodes as UTF-8, else GB18030; text with NUL bytes or many control characters is not a table."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "gb18030"]
    for enc in encodings:
        decoder = codecs.getincrementaldecoder(enc)()
        sample, clean = "", True
        try:
            with open(path, "rb") as f:
                while clean and (block := f.read(_BLOCK)):
                    text = decoder.decode(block)
                    sample += text[:4096 - len(sample)]
                    clean = "\x00" not in text
                clean = clean and "\x00" not in decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
        if clean and controls <= max(2, len(sample) // 100):
            return enc
    raise UnreadableInput("binary")


def _lines(path: Path, encoding: str) -> Iterator[str]:
    """The file's lines, every line ending (CRLF, CR, LF) read as LF, as kg.read.profiles._read_csv reads."""
    with open(path, encoding=encoding, newline=None) as f:
        first = f.readline()
        if first:
            yield first.lstrip("\ufeff")
            yield from f


def _delimiter(path: Path, encoding: str) -> str:
    first = next((line for line in _lines(path, encoding) if line.strip(" ,;\t\r\n")), "")
    return max([",", "\t", ";"], key=first.count)


def _grid(path: Path, encoding: str, delimiter: str, progress: bool = False) -> Iterator[tuple[int, list]]:
    """Every non-blank row with its line number, within the reader's limits (rows, cell length); no bar."""
    before = csv.field_size_limit(max(os.path.getsize(path), 1))
    try:
        rows = read_limits.rows(csv.reader(_lines(path, encoding), delimiter=delimiter), "CSV")
        for i, r in enumerate(rows, start=1):
            if "".join(r).strip():           # a cell not blank (csv gives text only)
                yield i, r
    except csv.Error:
        raise UnreadableInput("binary") from None
    finally:
        csv.field_size_limit(before)


def _workbook(path: Path, notes: list[dict], sheet: str | None = None) -> Callable[..., Iterator[tuple[int, list]]] | None:
    """The rows of a workbook's sheet as read_profiles reads them, read anew at each call through openpyxl's
    read-only mode; for a workbook read_profiles opens in full (FULL_WORKBOOK_BYTES or less), its merged cells
    filled and its formulas without a saved value named as it does, from one scan of the sheet's XML first
    (_sheet_scan). `sheet`: that sheet (one of a workbook of one sheet per year, kg.read.several); else None for
    a workbook of one sheet per year, or a cell without its reference (read whole).
    Warnings (a hidden first sheet, formulas without values) go to `notes`, in read_profiles' order.
    The workbook stays open for every pass: opening a sheet that does not state its size (openpyxl's
    write-only mode writes none) parses the whole sheet to find it (2,844 rows: 4.5 -> 3.2 s CPU to read)."""
    import openpyxl

    read_limits.check_xlsx(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise UnreadableInput("xlsx") from None
    chosen = profiles.chosen_sheets(wb, sheet, notes)
    part = getattr(chosen[0], "_worksheet_path", None) if len(chosen) == 1 else None
    scanned = ([], [], None) if part is None or os.path.getsize(path) > profiles.FULL_WORKBOOK_BYTES else \
        _sheet_scan(path, part)
    if part is None or scanned is None:
        wb.close()
        return None
    ws = chosen[0]
    merged, missing, width = scanned             # width None: read-only rows as they come, as read_profiles
    if missing:
        notes.append(profiles._warning(None, missing[0], "formula-without-value", sheet=ws.title,
                                       count=len(missing), cell=missing[0]))

    def rows(progress: bool = False) -> Iterator[tuple[int, list]]:
        fill = _MergedFill(merged)
        for i, r in enumerate(profiles.sheet_rows(ws, progress), start=1):
            if width is not None:                 # a full sheet's rows are as wide as its widest
                r = r[:width] + [None] * (width - len(r))
            fill.row(i, r)
            if any(not profiles._is_empty(c) for c in r):
                yield i, r
    return rows


def _sheet_scan(path: Path, part: str) -> tuple[list[tuple[int, int, int, int]], list[str], int] | None:
    """One pass over a sheet's XML (streamed, each row let go as it ends): its merged ranges (min col, min row,
    max col, max row) — written after the rows, so openpyxl's read-only mode never gives them —, the cells
    with a formula and no saved value, row by row (what profiles._formulas_without_values finds reading the
    workbook twice in full), and the width of the sheet as opened in full (its rightmost cell or merged cell).
    None for a cell without its reference (read whole)."""
    import zipfile

    from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
    from openpyxl.xml.functions import iterparse     # defusedxml's when installed, as openpyxl reads

    from kg.read import sheet_xml

    with zipfile.ZipFile(path) as z, z.open(part) as xml:
        try:
            return sheet_xml.scan(xml)          # a plainly written sheet: by its expressions, ~10x cheaper
        except sheet_xml.Unknown:
            pass
    merged, missing, width = [], [], 0
    with zipfile.ZipFile(path) as z, z.open(part) as xml:
        for _, el in iterparse(xml):
            tag = el.tag.rpartition("}")[2]
            if tag == "c":
                ref = el.get("r")
                if not ref:
                    return None
                width = max(width, coordinate_to_tuple(ref)[1])
                children = {c.tag.rpartition("}")[2]: c for c in el}
                value = children.get("v")
                if "f" in children and not (value is not None and value.text) and "is" not in children:
                    missing.append(ref)
            elif tag == "row":
                el.clear()
            elif tag == "mergeCell" and el.get("ref"):
                merged.append(range_boundaries(el.get("ref")))
                width = max(width, merged[-1][2])
    missing.sort(key=coordinate_to_tuple)
    return merged, missing, width


class _MergedFill:
    """A merged cell's value in every cell it covers, row by row (profiles._fill_merged on the whole sheet)."""

    def __init__(self, ranges: list[tuple[int, int, int, int]]):
        self.ranges = ranges
        self.values: dict[tuple[int, int, int, int], Any] = {}

    def row(self, i: int, cells: list) -> None:
        for rng in self.ranges:
            min_col, min_row, max_col, max_row = rng
            if min_row <= i <= max_row:
                if i == min_row:
                    self.values[rng] = cells[min_col - 1]
                value = self.values[rng]
                for c in range(min_col - 1, min(max_col, len(cells))):
                    cells[c] = value


@dataclass
class PiecedFile:
    """A big file after its first pass: how many regions it holds and how to read them in pieces."""
    path: Path
    rows: Callable[..., Iterator[tuple[int, list]]]   # its non-blank rows with their numbers, read anew each call
    fmt: str
    layout: Any                  # kg.read.layout.Layout before the body (for the second pass)
    start: int                   # non-blank rows above the data (titles, header)
    plan: TablePlan
    aside: frozenset[int]        # rows the first pass set aside: units row, footnotes, total rows (all known
                                 # only once every row was seen: prefecture totals), not looked at again
    count: int                   # regions
    warnings: list[dict]         # the file's warnings, as read_profiles gives them
    source_name: str
    companions: Companions = field(default_factory=lambda: Companions(()))   # rows of repeated ids, by row
    scan: Any = None             # the first pass (_KeyScan): its key hashes and last row, for kg.read.several
    notes: int = 0               # how many of `warnings` are the file's own notes (a sheet's formulas without values)
    last_line: int = 0           # the number of its last row that is not blank (where a next sheet's rows count on)
    columns: Any = None          # kg.read.columnar.ColumnarBody: the rows below the first rows, read as columns

    def __len__(self) -> int:
        return self.count

    def _regions(self, runs, at: int = 0, want: int | None = None) -> Iterator[Region]:
        """The regions in file order from region `at` on (`want`: at most that many lines parsed past it, for a
        forked worker's own piece); what the columnar body hands out is noted in `runs` (its put_numbers)."""
        columns = self.columns
        used: set[str] = set()
        aside = self.aside
        if columns is None or at < columns.head_count:
            grid = islice(self.rows(), self.start, None if columns is None else columns.head_rows)
            for n, cells in grid:
                if n in aside:
                    continue
                region = self.plan.region(n, cells, used)
                if region is not None:
                    if at:
                        at -= 1
                        continue
                    if columns is not None:
                        runs.append([1, None, 0])
                        if want is not None:
                            want -= 1
                    yield region
            if columns is None:
                return
            at = columns.head_count
        yield from columns.regions(self.plan, aside, used, runs, at - columns.head_count, want)

    def sent(self) -> "PiecedFile":
        """What a worker reading its own pieces needs of it (pickled): all but the first pass's keys."""
        return replace(self, scan=None)

    def own_pieces(self) -> int:
        """How many of the regions, from the first, a process can read by itself (`piece`) as cheaply as in turn:
        those of a big CSV's rows before the blocks and of its blocks (kg.read.columnar), found by their counts;
        0 for any other file (rows read by csv or openpyxl are found only by reading every row before)."""
        return 0 if self.columns is None else self.columns.before_tail()

    def piece(self, span: range) -> tuple[ProfileBatch, int]:
        """The piece of region positions `span` (within own_pieces) read here from the file, as `pieces` gives it,
        and how many of its codes were looked up by name (for `noted`): what a forked worker reads for itself
        instead of having it pickled and sent (kg.pipeline.stream)."""
        runs: deque = deque()
        return self._piece(self._regions(runs, span.start, len(span)), span, runs)

    def read(self, spans: list[range]) -> Iterator[tuple[ProfileBatch, int]]:
        """(piece, codes looked up by name) for consecutive spans of region positions, read in turn from the
        first span's start."""
        runs: deque = deque()
        regions = self._regions(runs, spans[0].start if spans else 0)
        for span in spans:
            yield self._piece(regions, span, runs)

    def _piece(self, regions: Iterator[Region], span: range, runs) -> tuple[ProfileBatch, int]:
        with one_source():           # one store per piece (~20,000 look-ups per 2,844 rows)
            piece = ProfileBatch(list(islice(regions, len(span))), self.warnings if span.start == 0 else [],
                                 self.source_name, self.fmt, self.plan.report)
            found = resolve_and_note(piece, self.plan)
        piece.companions = self.companions.of(piece.regions, {r.row for r in piece.regions})
        if len(piece.regions) != len(span):
            raise RuntimeError(f"{self.path}: {len(piece.regions)} regions where the first pass counted "
                               f"{len(span)}")
        if self.columns is not None:
            self.columns.put_numbers(piece, runs)
        return piece, found

    def noted(self, found: int) -> None:
        """The file's mapping report told how many codes its pieces looked up by name (once, all pieces read)."""
        note_looked_up(self.plan.report, found)

    def pieces(self, spans: list[range]) -> Iterator[ProfileBatch]:
        """One ProfileBatch per span of region positions (consecutive, from 0, covering all regions)."""
        found = 0
        for piece, n in self.read(spans):
            found += n
            yield piece
        self.noted(found)


def _fresh(layout):
    """The layout as find_header left it: body_rows adds to it as it reads."""
    out = copy.copy(layout)
    out.data, out.footnote_rows, out.total_rows = [], [], []
    return out


def open_pieces(path: str | Path, sheet: str | None = None, sheet_year: int | None = None,
                row_offset: int = 0, on=None) -> PiecedFile | None:
    """The first pass over a CSV or XLSX file (see the module's text). None when the file is better read whole
    by read_profiles: no header among its first rows, no data, a workbook of one sheet per year. A file that
    is not a table raises what read_profiles raises. One sheet of a workbook of one sheet per year
    (kg.read.several): `sheet`, the year its name gives, and the number its rows count on from (the sheets
    before it), as read_profiles reads such a workbook. `on`: an executor whose workers may call polars (forked
    before this process first did), to read a big CSV's blocks in parallel (kg.read.columnar.ColumnarBody.first_pass)."""
    from kg.read import columnar           # here, not at import: a command on a small file never needs it
    from kg.read.layout import _HEADER_SEARCH_ROWS, Body, PrefectureTotals, find_header

    path = Path(path)
    size = os.path.getsize(path)
    if size > read_limits.max_input_bytes():
        return None                       # read_profiles refuses it, in its words
    notes: list[dict] = []
    encoding = delimiter = offset = None
    if path.suffix.lower() in _WORKBOOK_SUFFIXES:
        rows, fmt = _workbook(path, notes, sheet), "xlsx"
        if rows is None:
            return None
        if row_offset:
            rows = partial(_counted_on, rows, row_offset)
    else:
        encoding = _encoding(path)
        delimiter = _delimiter(path, encoding)
        rows, fmt = partial(_grid, path, encoding, delimiter), "csv"
    last = [0]
    grid = _noting_last(rows(progress=True), last)
    top = list(islice(grid, _HEADER_SEARCH_ROWS))
    found = find_header(top)
    if found is None:
        return None
    layout, start = found
    if sheet_year is not None and layout.title_year is None:
        layout.title_year, layout.year_source = sheet_year, f"sheet:{sheet}"
    header_layout = _fresh(layout)
    if (fmt == "csv" and size >= columnar.COLUMNS_FROM_BYTES and len(top) == _HEADER_SEARCH_ROWS
            and len(top) > start):
        # the rows below the first ones read as columns where they are plain (kg.read.columnar)
        offset = columnar.body_offset(path, encoding, top[-1][0])
    if offset is not None:
        grid.close()
        grid = iter(())
    body = Body(layout)
    data = ((n, cells) for n, cells in chain(top[start:], grid) if body.row(n, cells))
    first = next(data, None)              # a units row under the header changes the matches: read it first
    if first is None:
        return None
    plan = table_plan(layout.header, layout, sheet)
    scan = _KeyScan(plan)
    totals = PrefectureTotals(layout)
    blocks = None
    with one_source():                      # one store for the whole pass (a look-up per cell read)
        for n, cells in chain([first], data):
            scan.row(n, cells, totals.see(n, cells))
        if offset is not None:
            reader = columnar.ColumnReader(plan, layout, delimiter)
            if reader.usable:
                blocks = columnar.ColumnarBody(path, delimiter, reader, len(top))
                blocks.first_pass(offset, top[-1][0] + 1, _Seen(body, scan, totals, reader), on)
                last[0] = max(last[0], blocks.last_line)
            else:                           # the rest row by row, as csv reads it
                for n, cells in _noting_last(columnar.csv_rows_from(path, offset, top[-1][0] + 1, delimiter), last):
                    if body.row(n, cells):
                        scan.row(n, cells, totals.see(n, cells))
        total_rows = totals.totals()
        paired = scan.finish(total_rows)
        companions = scan.companions(paired, rows()) if paired else Companions(())
    if blocks is not None:                  # the rows counted as regions until found to be totals
        blocks.settle(set(scan.maybe_total) & {n for n, _ in total_rows})
    layout.total_rows = sorted(layout.total_rows + total_rows)
    warnings = notes + plan.read_warnings(scan.used_extra)
    plan.layout = header_layout             # what TablePlan.region reads of the page: its title's year
    aside = {n for n, _ in layout.total_rows} | set(layout.footnote_rows) | {layout.units_row}
    return PiecedFile(path, rows, fmt, header_layout, start, plan, frozenset(aside - {None}),
                      scan.count, warnings, path.name, companions, scan, len(notes), last[0], blocks)


def _counted_on(rows: Callable[..., Iterator[tuple[int, list]]], offset: int, progress: bool = False
                ) -> Iterator[tuple[int, list]]:
    return ((n + offset, cells) for n, cells in rows(progress))


def _noting_last(grid: Iterator[tuple[int, list]], last: list[int]) -> Iterator[tuple[int, list]]:
    for n, cells in grid:
        last[0] = n
        yield n, cells


class _Seen:
    """What the first pass does with the rows below the first ones (kg.read.columnar.ColumnarBody.first_pass):
    a row read by csv goes through body_rows' test and _KeyScan as before; ordinary rows are counted and keyed
    from their columns (their codes noted as counties of PrefectureTotals)."""

    def __init__(self, body, scan: "_KeyScan", totals, reader):
        self.body, self.scan, self.totals, self.reader = body, scan, totals, reader

    @property
    def count(self) -> int:
        """The regions counted so far."""
        return self.scan.count

    def row(self, n: int, cells: list) -> None:
        if self.body.row(n, cells):
            self.scan.row(n, cells, self.totals.see(n, cells))

    def ordinary(self, rows, ids: list, years: list, codes: list[str]) -> None:
        """Ordinary rows: their numbers, ids and years (ColumnReader.keys), codes (ColumnReader.codes)."""
        self.scan.keyed(rows, ids, years)
        self.totals.counties.update(codes)


class _KeyScan:
    """Pass 1 over the data rows: only what is batch-wide (28,440 rows: 1.1 s CPU; reading them whole 2.8 s)."""

    def __init__(self, plan: TablePlan):
        from kg.read.profiles import _is_empty, _norm, _text, column_by_key

        self.plan = plan
        width = len(plan.keys)
        self.width = width
        self.unmapped = [i for i in range(width) if not plan.keys[i] and not plan.inputs[i]]
        self.mapped = [i for i in range(width) if plan.keys[i]]
        by_key = column_by_key()
        self.unit_words = {i: (_norm(by_key[plan.keys[i]].unit_zh), _norm(by_key[plan.keys[i]].unit_en))
                           for i in self.mapped}
        self.key_cols = [(plan.keys[i], i) for i in self.mapped if plan.keys[i] in _KEY_COLUMNS]
        self.is_empty, self.norm, self.text = _is_empty, _norm, _text
        self.used_extra: set[str] = set()
        self.count = 0
        # each region row's number and the hashes of its id and (id, year), as the rule across rows compares
        # them (kg.read.repeats.rule_key), 8 bytes each: a set of 284,400 (id, year) tuples kept ~46 MB in this
        # process, which every forked worker then maps again. Two equal hashes only read more companions
        self.rows, self.ids, self.keys = array("q"), array("q"), array("q")
        self.no_year = array("b")
        self.light: list[Region] = []
        self.maybe_total: dict[int, Region] = {}       # rows that may be prefecture totals: keys decided last
        self.last = 0                                  # the last region row (known once the totals are)

    def _is_region(self, cells: list) -> bool:
        """Not a row TablePlan.region skips (the grid has no blank rows; a units row is every filled cell
        its column's unit), and the names of its unknown cells noted."""
        empty, extras, has_extra = self.is_empty, self.plan.extras, False
        for i in self.unmapped:
            if i < len(cells) and not empty(cells[i]):
                self.used_extra.add(extras[i] or f"column {i + 1}")
                has_extra = True
        for i in range(self.width, len(cells)):
            if not empty(cells[i]):
                self.used_extra.add(f"column {i + 1}")
                has_extra = True
        if has_extra:
            return True
        for i in self.mapped:
            if i >= len(cells) or empty(cells[i]):
                continue
            if self.norm(self.text(cells[i])) not in self.unit_words[i]:
                return True                               # the common case: a data row
            from kg.read.profiles import _is_units_row
            return not _is_units_row(self.plan.split(cells, set())[0])
        return True

    def row(self, n: int, cells: list, maybe_total: bool) -> None:
        if not self._is_region(cells):
            return
        self.count += 1
        light = self.plan.key_region(n, cells, self.key_cols)
        if maybe_total:
            self.maybe_total[n] = light
        else:
            self.last = n
        self.light.append(light)
        if len(self.light) >= _LOOK_UP:
            self._keys()

    def keyed(self, rows, ids: list, years: list) -> None:
        """Ordinary rows read as columns (kg.read.columnar): their ids (None: no id) and years as rule_key gives
        them — no code of theirs is one kg.read.gazetteer changes."""
        self.count += len(ids)
        rows = rows.tolist()
        if rows:
            self.last = max(self.last, rows[-1])
        if None in ids:
            kept = [(n, i, y) for n, i, y in zip(rows, ids, years) if i is not None]
            rows, ids, years = zip(*kept) if kept else ((), (), ())
        self.rows.extend(rows)
        self.ids.extend(map(hash, ids))
        self.keys.extend(map(hash, zip(ids, years)))
        self.no_year.extend([y is None for y in years])

    def _keys(self) -> None:
        resolve_and_note(ProfileBatch(self.light), self.plan)
        for r in self.light:
            if r.row not in self.maybe_total:
                self._add(r)
        self.light = []

    def _add(self, r: Region) -> None:
        key = rule_key(r)
        if key[0] is not None:
            self.rows.append(r.row)
            self.ids.append(hash(key[0]))
            self.keys.append(hash(key))
            self.no_year.append(key[1] is None)

    def finish(self, total_rows: list[tuple[int, str]]) -> set[int]:
        """Every row seen: the rows of the ids the rule across rows may flag (kg.read.repeats.paired_ids, on
        hashes: a collision only adds rows)."""
        self._keys()
        dropped = {n for n, _ in total_rows}
        for n, r in self.maybe_total.items():
            if n in dropped:
                self.count -= 1
            else:
                self._add(r)
        self.last = max([self.last, *(n for n in self.maybe_total if n not in dropped)])
        rows, ids, keys, no_year = self.hashes()
        return set(rows[paired_hashes(ids, keys, no_year)].tolist())

    def hashes(self) -> tuple:
        """The region rows with an id: their numbers, the hashes of their id and of (id, year), and whether the year
        is missing, as numpy arrays."""
        import numpy as np

        return (np.frombuffer(self.rows, dtype=np.int64), np.frombuffer(self.ids, dtype=np.int64),
                np.frombuffer(self.keys, dtype=np.int64), np.frombuffer(self.no_year, dtype=np.int8).astype(bool))

    def read_keys(self, rows: set[int], grid: Iterator[tuple[int, list]]) -> list[Region]:
        """The regions at `rows`, read again as far as their key (codes looked up)."""
        light = ProfileBatch([self.plan.key_region(n, cells, self.key_cols) for n, cells in grid if n in rows])
        resolve_and_note(light, self.plan)
        return light.regions

    def companions(self, rows: set[int], grid: Iterator[tuple[int, list]]) -> Companions:
        """The rows of ids that repeat, read again (their key only, codes looked up), as companions by row."""
        light = self.read_keys(rows, grid)
        paired = paired_ids(rule_key(r) for r in light)
        return Companions((r.row, r) for r in light if rule_key(r)[0] in paired)
