"""A big CSV's ordinary rows read as columns (issue 12, session 6).

kg.read.chunked reads a big file twice, row by row through the csv module; at 28,440 generated rows that cost
~36 us a row, of which parsing alone ~7 (two passes) and a Python call or regular expression per cell most of
the rest. Here the body of the file, after the rows kg.read.layout found the header in, is cut into blocks of
~1 MB at line ends, and in a block whose lines are plain — no quote character, no carriage return (then a line
is a row and its cells are the line split at the delimiter, exactly what csv gives) — each cell is classified
by one vectorised test per column:
- a number column (given without a unit factor): empty (spaces and tabs only) or a plain number
  (kg.read.profiles._PLAIN_DECIMAL / _PLAIN_INTEGER) — what make_region converts with float() / int();
- a free text column (an id, a name): empty, or ASCII starting with neither a space nor the first character of a
  not-reported mark (kg.read.profiles._CellWords.free_text: the cell is its value) — and, in the columns
  body_rows looks at, not a possible total row's name nor a possible prefecture total's code, and no cell that
  is its column's unit word (a units row);
- a column of a value scheme (grid region, zone type): each distinct cell read once by make_region's own cell
  reading, simple when that gives a value and no note;
- any other cell (outside the header's columns, unknown columns) empty.
The first pass makes no column of the number cells (session 8: making and testing them was about half its
time): where each line ends, how many cells it has and how many are filled come from the block's bytes (numpy);
polars reads the block once as one column of whole lines, tested by one regular expression (number cells plain
or empty, unknown cells empty, the line exactly as wide as the block's commonest), and once more only in the text
columns and the year (the keys), tested as above. 284,400 generated rows: 5.8 -> ~4 us a row, warm.
A row of simple cells with at least 3 filled (no footnote) is an *ordinary* row: the first pass counts it and
keeps its key from the columns, the pieces make its Region from the columns read typed in bulk (polars' CSV
reader gives float() and int() of a plain number exactly: both round correctly, -0 included) — a
kg.read.profiles.ColumnRegion, whose value dict (~50 cells) is made only when first read (session 9: making them was
~4 of the pieces' ~8 us a row; validation, accounting and reasoning read the columns, kg.read.numbers). A worker of
`--jobs` reads its own piece, told only its span (the blocks are found by how many regions each gives, the lines
within by their ends), with polars too: it was forked before this process first used polars
(kg.pipeline.stream.Workers; polars' thread pool does not survive a fork) and gets the file after its first
pass pickled (a ColumnReader pickles without its module and closures and makes them again where it is loaded).
Such workers also tell the first pass's blocks, several at once (ColumnReader.facts: what a block's lines are,
the ordinary ones' keys and codes, its other lines); this process takes them in file order, as it takes the
blocks it reads itself. Every
other row — a blank cell with non-ASCII spaces, a mark, full-width digits, thousands separators, a total or
footnote, a short row, an unknown cell, a code that changed — goes through the row-by-row reading of today
(TablePlan.region, body_rows, _KeyScan) with the cells csv would give it (the line split at the delimiter).
From the first block that is not plain (a quote, a carriage return, a line longer than a cell may be, more rows
than the limit), the rest of the file is read by the csv module as before, row numbers counting on.

Regions, notes, warnings and mapping reports are the ones the row-by-row reader gives: tests/test_columnar.py
compares both on mixed files. polars is imported only for files of COLUMNS_FROM_BYTES or more (its import is
~0.14 s CPU)."""
from __future__ import annotations

import io
import os
from collections import deque
from itertools import count, repeat
from operator import methodcaller
from dataclasses import dataclass, field
from typing import Any, Iterator

from kg.read import limits as read_limits

COLUMNS_FROM_BYTES = 2_000_000      # ~8,500 generated rows: below, polars' import costs more than it saves
_BLOCK_BYTES = 1 << 20
_HEAD_BYTES = 4 << 20               # where the header's rows must end for the body to be read in blocks
_SPACE_CLASS = "[ \\t\\n\\r\\x0b\\x0c\\x1c-\\x1f]"
ORDINARY, ODD, BLANK = 0, 1, 2      # what a line of a block is
_NUMBER_TYPES = (int, float, type(None))


def body_offset(path, encoding: str, last_row: int) -> int | None:
    """The byte offset where row `last_row` + 1 begins, when every row above it is one line (no quote character,
    no carriage return: row numbers are line numbers) in a UTF-8 file; else None (read by csv)."""
    if encoding not in ("utf-8", "utf-8-sig"):
        return None
    with open(path, "rb") as f:
        head = f.read(_HEAD_BYTES)
    pos = -1
    for _ in range(last_row):
        pos = head.find(b"\n", pos + 1)
        if pos < 0:
            return None
    return pos + 1 if _plain(head[:pos + 1]) else None


def _plain(data: bytes) -> bool:
    """No quote character, and a carriage return only before a line feed: every line is a row, as csv reads it
    (the file is read with universal newlines)."""
    if b'"' in data:
        return False
    if b"\r" not in data:
        return True
    import numpy as np                    # (bytes.count is ~10x slower than numpy on a MB of a CRLF file)

    arr = np.frombuffer(data, dtype=np.uint8)
    cr = arr == 13
    return not cr[-1] and np.count_nonzero(cr) == np.count_nonzero(cr[:-1] & (arr[1:] == 10))


def _blocks(path, offset: int, first_row: int) -> Iterator[tuple[int, int, bytes]]:
    """(byte offset, number of its first row, bytes) of ~1 MB pieces of the file from `offset`, cut after a line."""
    with open(path, "rb") as f:
        f.seek(offset)
        rest = b""
        while True:
            chunk = f.read(_BLOCK_BYTES)
            if not chunk:
                if rest:
                    yield offset, first_row, rest
                return
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            block, rest = data[:cut], data[cut:]
            yield offset, first_row, block
            offset += len(block)
            first_row += _line_ends(block)


def csv_rows_from(path, offset: int, first_row: int, delimiter: str) -> Iterator[tuple[int, list]]:
    """kg.read.chunked._grid's rows from a byte offset where row `first_row` begins (every row above it was one
    line): the csv module's reading of the rest of the file, within the reader's limits, row numbers counting on."""
    import csv

    before = csv.field_size_limit(max(os.path.getsize(path), 1))
    try:
        with open(path, "rb") as raw:
            raw.seek(offset)
            text = io.TextIOWrapper(raw, encoding="utf-8", newline=None)
            rows = read_limits.rows(csv.reader(text, delimiter=delimiter), "CSV", start=first_row - 1)
            for i, r in enumerate(rows, start=first_row):
                if "".join(r).strip():
                    yield i, r
    except csv.Error:
        from kg.read.profiles import UnreadableInput

        raise UnreadableInput("binary") from None
    finally:
        csv.field_size_limit(before)


def _line_ends(data: bytes) -> int:
    import numpy as np

    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 10))


def _joined(lines: list[bytes], rows) -> bytes:
    """The lines at positions `rows` as one text again."""
    return b"\n".join([lines[i] for i in rows.tolist()]) + b"\n"


def _one_of(chars) -> str:
    """A regular expression class of these ASCII characters (each written as \\xNN: no escaping rules)."""
    return "[" + "".join(f"\\x{ord(c):02x}" for c in chars) + "]"


@dataclass
class _Block:
    offset: int
    first_row: int
    size: int
    kinds: Any                      # numpy int8 per line: ORDINARY, ODD, BLANK
    width: int                      # cells per line (the widest line)
    count: int = 0                  # the regions its lines give (what a forked worker finds its piece by)


@dataclass
class _Facts:
    """What the first pass takes of a plain block (ColumnReader.facts; pickled when a worker told them)."""
    kinds: Any                      # numpy int8 per line: ORDINARY, ODD, BLANK
    width: int
    odd: list[bytes]                # the ODD lines, in order
    ids: list                       # of the ordinary lines: ids, years as the rule across rows compares them
    years: list
    codes: list[str]                # their six-digit codes (PrefectureTotals.counties)
    schemes: dict                   # the value schemes' cells the reader learnt (ColumnReader.scheme_cells)


_IN_FLIGHT = 6                      # blocks told by workers at once (~1 MB each, what comes back is ~50 KB)
_READERS: dict = {}                 # in a worker: the ColumnReader it was last sent, by its pickle


def _facts_at(shipped: bytes, path, offset: int, size: int, first_row: int) -> "_Facts | None":
    """A worker's part of the first pass: the facts of the block of `size` bytes at `offset` (a data row was seen
    before it), by the ColumnReader pickled in `shipped`."""
    reader = _READERS.get(shipped)
    if reader is None:
        import pickle

        _READERS.clear()
        reader = _READERS[shipped] = pickle.loads(shipped)
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(size)
    return reader.facts(data, first_row, True)


@dataclass
class ColumnarBody:
    """The body of a big CSV after the first pass: its plain blocks (with what each line is) and where the rest,
    read by csv, begins."""
    path: Any
    delimiter: str
    reader: "ColumnReader"
    head_rows: int                  # non-blank rows of the grid before the blocks (titles, header, first rows)
    blocks: list[_Block] = field(default_factory=list)
    tail: tuple[int, int] | None = None       # (byte offset, first row) read by csv
    last_line: int = 0                        # the last row that is not blank
    head_count: int = 0                       # the regions of the rows before the blocks
    body_row: int = 0                         # the first row of the blocks (or of the tail)
    _ends: Any = None                         # the regions before each block's end (numpy, made when first asked)

    def first_pass(self, offset: int, first_row: int, see, on=None) -> None:
        """Every row from `offset` (row `first_row`): ordinary rows of plain blocks counted and keyed in bulk
        (`see.ordinary`), the others not blank handed to `see.row(n, cells)` in file order, as the csv pass would.
        How many regions the rows before the blocks and each block give is noted from `see.count` (settle takes
        away the prefecture totals found at the end). `on`: an executor whose workers may call polars
        (kg.pipeline.stream.Workers), which then tell the blocks' facts (_Facts), several at once."""
        import numpy as np

        body = see.body
        self.head_count, self.body_row = see.count, first_row
        for off, first_row, size, facts in self._facts(offset, first_row, body, on):
            before = see.count
            if facts is None:
                self.tail = (off, first_row)
                for n, cells in csv_rows_from(self.path, off, first_row, self.delimiter):
                    self.last_line = n
                    see.row(n, cells)
                return
            kinds = facts.kinds
            for i, line in zip(np.flatnonzero(kinds == ODD).tolist(), facts.odd):
                cells = self.reader.cells(line)
                if "".join(cells).strip():    # csv's blank rows are no rows
                    self.last_line = max(self.last_line, first_row + i)
                    see.row(first_row + i, cells)
            ordinary = np.flatnonzero(kinds == ORDINARY)
            if len(ordinary):
                see.ordinary(first_row + ordinary, facts.ids, facts.years, facts.codes)
                body.seen_data = True
                self.last_line = max(self.last_line, first_row + int(ordinary[-1]))
            for key, known in facts.schemes.items():      # what a worker learnt of value schemes' cells
                self.reader.scheme_cells.setdefault(key, {}).update(known)
            self.blocks.append(_Block(off, first_row, size, kinds, facts.width, see.count - before))

    def _facts(self, offset: int, first_row: int, body, on) -> Iterator[tuple[int, int, int, "_Facts | None"]]:
        """(byte offset, first row, size, facts or None when not plain) of each block in file order: told here until
        a data row was seen (footnotes are told only after one), then by `on`'s workers, a few blocks in flight."""
        pending: deque = deque()
        shipped = None
        try:
            for off, row, data in _blocks(self.path, offset, first_row):
                if on is None or not (body.seen_data or pending):
                    yield off, row, len(data), self.reader.facts(data, row, body.seen_data)
                    continue
                if shipped is None:
                    import pickle

                    shipped = pickle.dumps(self.reader, protocol=pickle.HIGHEST_PROTOCOL)
                pending.append((off, row, len(data), on.submit(_facts_at, shipped, self.path, off, len(data), row)))
                if len(pending) >= _IN_FLIGHT:
                    off, row, size, told = pending.popleft()
                    yield off, row, size, told.result()
            while pending:
                off, row, size, told = pending.popleft()
                yield off, row, size, told.result()
        finally:                              # the rest read by csv (or an error): what is still asked is not needed
            for *_, told in pending:
                told.cancel()

    def settle(self, dropped) -> None:
        """The rows counted as regions by the first pass and found to be prefecture totals once every row was seen
        (`dropped`, row numbers) taken off the counts of the rows before the blocks and of the blocks they are in."""
        for n in dropped:
            block = next((b for b in self.blocks if b.first_row <= n < b.first_row + len(b.kinds)), None)
            if block is not None:
                block.count -= 1
            elif n < self.body_row:
                self.head_count -= 1
        self._ends = None

    def before_tail(self) -> int:
        """How many regions come before the rows read by csv (the rows before the blocks and the blocks')."""
        return self.head_count + sum(b.count for b in self.blocks)

    def _place(self, at: int) -> tuple[int, int]:
        """(block, regions of it before) where the blocks' region `at` (counted from the first block's) is; past
        the blocks: (len(blocks), regions of the tail before)."""
        import numpy as np

        if self._ends is None:
            self._ends = np.cumsum([b.count for b in self.blocks], dtype=np.int64)
        k = int(np.searchsorted(self._ends, at, side="right"))
        return k, at - (int(self._ends[k - 1]) if k else 0)

    def regions(self, plan, aside: frozenset[int], used: set[str], runs, at: int = 0, want: int | None = None
                ) -> Iterator:
        """The Regions of the blocks' rows and the tail's, in file order (rows set aside left out), from the blocks'
        region `at` on, and when `want` is given no more lines parsed than that many regions take (a forked worker
        reading its own piece). Each is noted in `runs` for put_numbers: [how many, their number columns or None
        (read one by one), taken]."""
        import numpy as np

        k, skip = self._place(at)
        with open(self.path, "rb") as f:
            for b in self.blocks[k:]:
                if want is not None and want <= 0:
                    return
                if skip >= b.count:          # (a block of no regions)
                    skip -= b.count
                    continue
                f.seek(b.offset)
                data = f.read(b.size)
                kinds = b.kinds
                ordinary = kinds == ORDINARY
                stop = b.count if want is None else min(b.count, skip + want)
                if ordinary.all() and b.count == len(kinds):    # a line a region: only lines asked for parsed
                    if skip or stop < len(kinds):
                        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
                        data = data[int(ends[skip - 1]) + 1 if skip else 0:
                                    int(ends[stop - 1]) + 1 if stop - 1 < len(ends) else len(data)]
                    made, numbers = self.reader.regions(data, range(b.first_row + skip, b.first_row + stop))
                    runs.append([len(made), numbers, 0])
                else:
                    made = self._mixed(plan, aside, used, b, data, skip, stop)
                    runs.extend([1, None, 0] for _ in made)
                if want is not None:
                    want -= len(made)
                skip = 0
                yield from made
            if self.tail is None or (want is not None and want <= 0):
                return
            for n, cells in csv_rows_from(self.path, *self.tail, self.delimiter):
                if n in aside:
                    continue
                region = plan.region(n, cells, used)
                if region is not None:
                    if skip:
                        skip -= 1
                        continue
                    runs.append([1, None, 0])
                    yield region

    def _mixed(self, plan, aside: frozenset[int], used: set[str], b: _Block, data: bytes, skip: int, stop: int
               ) -> list:
        """Regions `skip` to `stop` of a block some of whose lines are not ordinary: the other lines read row by row
        (as far as the regions asked for), the ordinary ones asked for made from columns, in line order."""
        import numpy as np

        lines = data.split(b"\n")
        picked: list = []                     # (line, its Region, or None for an ordinary line)
        at = 0
        for i, kind in enumerate(b.kinds.tolist()):
            if at >= stop:
                break
            if kind == ORDINARY:
                region = None
            elif kind == ODD:
                n = b.first_row + i
                cells = self.reader.cells(lines[i])
                if n in aside or not "".join(cells).strip():
                    continue
                region = plan.region(n, cells, used)
                if region is None:
                    continue
            else:
                continue
            if at >= skip:
                picked.append((i, region))
            at += 1
        rows = np.array([i for i, region in picked if region is None], dtype=np.int64)
        made = iter(self.reader.regions(_joined(lines, rows), (b.first_row + rows).tolist())[0] if len(rows) else ())
        return [next(made) if region is None else region for _, region in picked]

    def put_numbers(self, piece, runs) -> None:
        """Give the piece's number columns (kg.read.numbers, ProfileBatch.numbers) from the blocks' columns
        converted in bulk, the rows read one by one taken from their value dicts, as Numbers makes them: float
        of each cell, NaN and blank where None. A column with another kind of cell is left to Numbers. `runs`:
        what `regions` noted, the runs of earlier pieces taken off."""
        import numpy as np

        regions = piece.regions
        parts = []                            # (first region, how many, columns of their block or None, from)
        i = 0
        while i < len(regions):
            run = runs[0]
            count, numbers, start = run
            take = min(count - start, len(regions) - i)
            parts.append((i, take, numbers, start))
            i += take
            if start + take == count:
                runs.popleft()
            else:
                run[2] = start + take
        if all(numbers is None for _, _, numbers, _ in parts):
            return                            # nothing read in bulk here: Numbers reads the dicts itself
        into = piece.numbers()
        for key in self.reader.number_keys:
            xs, blanks = [], []
            for first, take, numbers, start in parts:
                if numbers is not None:
                    x, blank = numbers[key]
                    xs.append(x[start:start + take])
                    blanks.append(blank[start:start + take])
                    continue
                cells = [r.values[key] for r in regions[first:first + take]]
                if not all(type(c) in _NUMBER_TYPES for c in cells):
                    break
                xs.append(np.array(cells, dtype=float))
                blanks.append(np.array([c is None for c in cells], dtype=bool))
            else:
                into.put(key, np.concatenate(xs), np.concatenate(blanks))


class ColumnReader:
    """A table's cells classified and converted column by column (see the module's text), decided once from its
    TablePlan and the page's layout."""

    def __init__(self, plan, layout, delimiter: str):
        import polars as pl

        from kg.read.gazetteer import code_changes
        from kg.read.headers import _BRACKETS
        from kg.read.layout import total_row_test, total_row_words
        from kg.read.profiles import _PLAIN_DECIMAL, _PLAIN_INTEGER, _CellWords, _norm, column_by_key

        self.pl = pl
        self.plan = plan
        self.delimiter = delimiter
        by_key = column_by_key()
        self.words = _CellWords.now()
        self.width = len(plan.keys)
        self.title_year = getattr(layout, "title_year", None)
        keys = plan.keys
        self.unit_words = {k: frozenset((_norm(by_key[k].unit_zh), _norm(by_key[k].unit_en))) for k in keys if k}
        units = {u for pair in self.unit_words.values() for u in pair}
        units |= {_norm(u) for c in by_key.values() for u in (c.unit_zh, c.unit_en)}
        import re

        plain = re.compile(_PLAIN_DECIMAL)
        # a table whose rows something else decides: derived columns, converted units, a unit written as a number
        self.usable = (not any(plan.inputs) and not plan.factors and not any(plain.fullmatch(u) for u in units)
                       and "region_id" in plan.seen)
        self.name_columns = [j for j, m in enumerate(layout.matches) if m.key in ("name", "region_id")]
        self.code_col = next((j for j, m in enumerate(layout.matches) if m.key == "region_id"), None)
        self.changes = list(code_changes())
        self.is_total = total_row_test()
        labels, endings, _ = total_row_words()
        words = [*labels, *endings]
        if all(words):
            ends = {w[-1] for w in words}
            tails = [chr(c) for c in range(33, 127) if chr(c).lower().translate(_BRACKETS) in ends]
            self.total_tail = _one_of(tails) + _SPACE_CLASS + "*$" if tails else None
        else:
            self.total_tail = ""          # every name is looked at row by row
        starts = self.words.mark_starts
        self.free = "^" + _one_of(chr(c) for c in range(33, 127) if chr(c).lower() not in starts) + "[\\x00-\\x7f]*$"
        self.plain = {"decimal": _PLAIN_DECIMAL, "integer": _PLAIN_INTEGER}     # a number cell: one of these
        self.scheme_cells: dict[str, dict[str, tuple[bool, Any]]] = {}   # key -> cell -> (simple, value)
        # the columns of a Region in file order, and what each is
        self.fields = [(i, k, by_key[k].datatype) for i, k in enumerate(keys) if k]
        self.id_pos = next(i for i, k, _ in self.fields if k == "region_id")
        self.year = next(((i, dt) for i, k, dt in self.fields if k == "year"), None)
        self.template = dict.fromkeys(by_key)
        self.number_keys = [k for _, k, dt in self.fields if dt in self.plain]
        self.number_types = {i: pl.Float64 if dt == "decimal" else pl.Int64 for i, _, dt in self.fields
                             if dt in self.plain}

    def __getstate__(self) -> dict:
        """Sent to a worker (kg.pipeline.stream) without polars' module and the total row test (a closure): both
        made again where it is loaded."""
        state = dict(vars(self))
        del state["pl"], state["is_total"]
        return state

    def __setstate__(self, state: dict) -> None:
        import polars as pl

        from kg.read.layout import total_row_test

        vars(self).update(state, pl=pl, is_total=total_row_test())

    # ----------------------------------------------------------------- parsing

    def typed(self, data: bytes):
        """Ordinary lines' cells as columns c0 …, those of number columns read as Float64 / Int64 by polars' CSV
        reader (an ordinary line's number cells are plain or empty: the same floats and ints as float() and int(),
        both rounding correctly; an empty cell null), the others as text."""
        pl = self.pl
        end = data.find(b"\n")
        width = (data if end < 0 else data[:end]).count(self.delimiter.encode()) + 1
        kinds = self.number_types
        return pl.read_csv(data, has_header=False, separator=self.delimiter, quote_char=None,
                           schema={f"c{i}": kinds.get(i, pl.String) for i in range(width)},
                           empty_string_is_null=False, raise_if_empty=False)

    def cells(self, line: bytes) -> list[str]:
        """A plain line's cells, as csv reads them (no quote, no carriage return: split at the delimiter)."""
        text = line.decode("utf-8")
        if text.endswith("\r"):
            text = text[:-1]
        return text.split(self.delimiter) if text else []

    # ----------------------------------------------------------------- first pass

    def classify(self, data: bytes, first_row: int, seen_data: bool):
        """(kinds per line, cells in the commonest line, the ordinary lines' text columns and year as columns, the
        lines when some are not ordinary), or Nones when the block is not plain and the rest of the file is read by
        csv. What a line is comes from its bytes (numpy: where its cells end, how many are filled), one regular
        expression over the whole line (its number cells plain or empty, its unknown cells empty) and the text
        columns' tests over those columns alone: the number columns are never made into columns of text here."""
        import numpy as np

        if not self.usable or not _plain(data):
            return None, 0, None, None
        if not data.endswith(b"\n"):
            data += b"\n"                       # the file's last line without its line feed: one line still
        arr = np.frombuffer(data, dtype=np.uint8)
        feeds = arr == 10
        ends = np.flatnonzero(feeds)          # each line's end
        if not len(ends) or first_row - 1 + len(ends) > read_limits.max_rows() or \
                int(np.diff(ends, prepend=-1).max()) - 1 > read_limits.MAX_CELL_CHARS:
            return None, 0, None, None
        delimiter = arr == ord(self.delimiter)
        first = int(np.count_nonzero(delimiter[:ends[0]]))
        if np.count_nonzero(delimiter) == first * len(ends) and b"\n\n" not in data and not data.startswith(b"\n"):
            common = counts = first           # (a line wider and one narrower: polars fails, read by csv)
            regular = np.ones(len(ends), dtype=bool)
        else:
            starts = np.empty_like(ends)
            starts[0], starts[1:] = 0, ends[:-1] + 1
            counts = np.add.reduceat(delimiter, starts, dtype=np.int64)
            common = int(np.bincount(counts).argmax())
            regular = counts == common
        # a cell is filled when the byte before its end is not a cell's end (a carriage return only ends a line):
        # a line's cell ends (its delimiters, the line feed, a carriage return before it) less those right after
        # another — few but the \n of \r\n, found at once (a sum per line of a mask as long as the block cost ~2x)
        stops = delimiter | feeds
        n_filled = counts + 1
        if b"\r" in data:
            stops |= arr == 13
            n_filled = n_filled + (arr[ends - 1] == 13)     # (arr[-1], before the first line feed at 0: a \n)
        after = np.flatnonzero(stops[1:] & stops[:-1]) + 1
        n_filled = n_filled - np.bincount(np.searchsorted(ends, after), minlength=len(ends))[:len(ends)]
        n_filled[0] -= int(stops[0])          # (the block's first byte: no cell before it)
        width = common + 1
        kinds = np.full(len(ends), ODD, dtype=np.int8)
        lines = None
        if width < self.width or not regular.all():
            lines = data.split(b"\n")
            lines.pop()                       # (after the last line feed)
        if width < self.width:                # rows shorter than the header: read row by row
            return kinds, width, None, lines
        text = data if lines is None else _joined(lines, np.flatnonzero(regular))
        pl = self.pl
        try:
            whole = self._read(text, None)
            frame = self._read(text, self._projected(width))
        except Exception:                     # anything polars reads otherwise than csv: read by csv
            return None, 0, None, None
        n = int(regular.sum())
        if whole.height != n or frame.height != n or whole.width != 1:
            return None, 0, None, None
        ok = whole.select(pl.first().str.contains(self._line(width))).to_series().to_numpy() & \
            frame.select(self._tests(frame).fill_null(False)).to_series().to_numpy()
        n_filled = n_filled[regular]
        sub = np.full(n, ODD, dtype=np.int8)
        if seen_data:                         # footnotes are told only after a data row: row by row until one
            sub[ok & (n_filled >= 3)] = ORDINARY
        sub[n_filled == 0] = BLANK
        kinds[regular] = sub
        if (sub != ORDINARY).any():
            frame = frame.filter(pl.Series(sub == ORDINARY))
            if lines is None:
                lines = data.split(b"\n")
                lines.pop()
        return kinds, width, frame, lines

    def facts(self, data: bytes, first_row: int, seen_data: bool) -> _Facts | None:
        """What the first pass takes of a block (classify, then the ordinary lines' keys and codes), or None when
        it is not plain and the rest of the file is read by csv."""
        import numpy as np

        kinds, width, frame, lines = self.classify(data, first_row, seen_data)
        if kinds is None:
            return None
        odd = [lines[i] for i in np.flatnonzero(kinds == ODD).tolist()]
        ids, years, codes = [], [], []
        if (kinds == ORDINARY).any():
            ids, years = self.keys(frame)
            codes = self.codes(frame)
        return _Facts(kinds, width, odd, ids, years, codes, self.scheme_cells)

    def _read(self, text: bytes, columns: list[int] | None):
        """The lines whole as one column of text (`columns` None), or those cells of theirs as columns c{i}."""
        pl = self.pl
        if columns is None:                   # (no NUL byte in a file read as text: _encoding)
            return pl.read_csv(text, has_header=False, separator="\x00", quote_char=None, infer_schema=False,
                               empty_string_is_null=False, raise_if_empty=False)
        frame = pl.read_csv(text, has_header=False, separator=self.delimiter, quote_char=None, infer_schema=False,
                            empty_string_is_null=False, raise_if_empty=False, columns=columns)
        return frame.rename(dict(zip(frame.columns, (f"c{i}" for i in columns))))

    def _projected(self, width: int) -> list[int]:
        """The columns classify reads as text: free text, value schemes, and the year (a row's key)."""
        return [i for i in range(min(width, self.width)) if self.plan.keys[i] and
                (self.words.by_key[self.plan.keys[i]].datatype not in self.plain or self.plan.keys[i] == "year")]

    def _line(self, width: int) -> str:
        """One regular expression a line of `width` cells matches when its number cells are plain or empty (one
        plain number in the year's column when the page has a title year: it is read row by row when empty) and its
        cells in no column of the table are empty; its text columns are told by _tests."""
        d = f"\\x{ord(self.delimiter):02x}"
        parts = []
        for i in range(width):
            key = self.plan.keys[i] if i < self.width else None
            if key is None:
                parts.append("")
                continue
            datatype = self.words.by_key[key].datatype
            if datatype in self.plain:
                plain = self.plain[datatype]
                parts.append(plain if key == "year" and self.title_year is not None else f"(?:{plain})?")
            else:
                parts.append(f"[^{d}]*")
        return "^" + d.join(parts) + "$"

    def _tests(self, frame):
        """Every text cell of the row simple, as a polars expression over the block's text columns."""
        pl = self.pl
        plan = self.plan
        simple = [pl.lit(True)]
        for name in frame.columns:
            i = int(name[1:])
            key = plan.keys[i]
            if self.words.by_key[key].datatype in self.plain:
                continue                      # (the year: tested in the line)
            col = pl.col(name)
            empty = col == ""                 # a cell of spaces is read row by row (it is no value, yet not "")
            if key in self.words.free_text:
                ok = col.str.contains(self.free)
                units = [u for u in self.unit_words[key] if u.isascii()]
                if units:
                    ok = ok & ~col.str.to_lowercase().str.replace_all(_SPACE_CLASS, "").is_in(units)
                if i in self.name_columns and self.total_tail == "":
                    ok = pl.lit(False)
                elif i in self.name_columns and self.total_tail is not None:
                    ok = ok & ~col.str.contains(self.total_tail)
                if i == self.code_col:
                    ok = ok & ~col.str.contains(f"^[0-9]{{4}}00{_SPACE_CLASS}*$") & ~col.is_in(self.changes)
                ok = ok | empty
                other = ~col.str.contains("^[\\x00-\\x7f]*$")      # Chinese names, provinces: one by one
                cells = frame.select(col.filter(other).unique()).to_series().to_list()
                if cells:
                    ok = ok | col.is_in([c for c in cells if self._text_simple(key, i, c)])
                simple.append(ok)
            else:
                simple.append(col.is_in(self._scheme_simple(key, frame[name].unique().to_list())))
        return pl.all_horizontal(simple)

    def _text_simple(self, key: str, i: int, cell: str) -> bool:
        """A free text cell that is not ASCII: its value as given (make_region) unless blank or a mark, and no
        unit word, total row's name or possible prefecture code (body_rows, PrefectureTotals)."""
        from kg.read.profiles import _is_empty, _norm

        if _is_empty(cell) or _norm(cell) in self.words.marks or _norm(cell) in self.unit_words[key]:
            return False
        if i in self.name_columns and self.is_total(cell):
            return False
        code = cell.strip()
        return not (i == self.code_col and ((len(code) == 6 and code.isdigit()) or cell in self.changes))

    def _scheme_simple(self, key: str, cells: list[str]) -> list[str]:
        """The cells of a value scheme's column that make_region reads to a value without a note (each distinct
        cell read once, by its own reading)."""
        from kg.read.profiles import _norm, _read_cells

        known = self.scheme_cells.setdefault(key, {})
        for cell in cells:
            if cell in known:
                continue
            values = {key: None}
            raw: dict = {}
            out: list = []
            asks: list = []
            _read_cells([(key, cell)], values, raw, out, asks, {}, self.words)
            simple = (not raw and not out and not asks and (cell == "" or cell.strip() != "")
                      and _norm(cell) not in self.unit_words[key])
            known[cell] = (simple, values[key])
        return [c for c, (simple, _) in known.items() if simple]

    def keys(self, frame) -> tuple[list, list]:
        """(region id, year as the rule across rows compares it) of ordinary rows (kg.read.repeats.rule_key)."""
        pl = self.pl
        col = pl.col(f"c{self.id_pos}")
        ids = frame.select(pl.when(col == "").then(None).otherwise(col)).to_series().to_list()
        if self.year is None:
            return ids, [None] * len(ids)
        i, datatype = self.year
        years = self._numbers(frame, i, datatype)
        from kg.read.profiles import lexical_form

        if None not in years and datatype == "integer":
            return ids, list(map(str, years))
        return ids, [None if y is None else lexical_form(y, datatype) for y in years]

    def codes(self, frame) -> list[str]:
        """The six-digit codes of ordinary rows (PrefectureTotals.counties: none of them ends in 00 here)."""
        if self.code_col is None:
            return []
        pl = self.pl
        return frame.select(pl.col(f"c{self.code_col}").str.extract(f"^([0-9]{{6}}){_SPACE_CLASS}*$", 1)
                            ).to_series().drop_nulls().to_list()

    # ----------------------------------------------------------------- pieces

    def _numbers(self, frame, i: int, datatype: str) -> list:
        pl = self.pl
        return frame[f"c{i}"].cast(pl.Float64 if datatype == "decimal" else pl.Int64, strict=False).to_list()

    def regions(self, data: bytes, rows) -> tuple[list, dict]:
        """The Regions of ordinary lines (`data`, their numbers `rows`), as TablePlan.region makes them, and their
        number columns ({key: (float64, blank)}), read typed in bulk by polars (in a forked worker too: see the
        module's text)."""
        return self._from_frame(self.typed(data), rows)

    def _from_frame(self, frame, rows) -> tuple[list, dict]:
        pl = self.pl
        exprs, schemes = [], {}
        for i, key, datatype in self.fields:
            col = pl.col(f"c{i}")
            if datatype in self.plain:
                exprs.append(col)
            elif key in self.words.free_text:
                exprs.append(pl.when(col == "").then(None).otherwise(col).alias(f"c{i}"))
            else:
                schemes[len(exprs)] = self.scheme_cells[key]
                exprs.append(col)
        typed = frame.select(exprs)
        numbers = {}
        for s, (_, key, datatype) in zip(typed, self.fields):
            if datatype in self.plain:        # as kg.read.numbers makes them: float(v), NaN and blank for None
                numbers[key] = (s.cast(pl.Float64).to_numpy(), s.is_null().to_numpy())
        return self._made(_Columns(typed, [k for _, k, _ in self.fields], schemes, self.template), rows), numbers

    def _made(self, columns: "_Columns", rows) -> list:
        """Regions of these columns' lines, each made with its id, name and row; its values dict when first read."""
        from kg.read.profiles import ColumnRegion

        ids = [v or "" for v in columns.column("region_id")]
        return list(map(ColumnRegion, ids, columns.column("name"), rows, repeat(columns), count()))


class _Columns:
    """Some ordinary lines' cells read typed (a polars frame in ColumnReader.fields' order), what their Regions
    (kg.read.profiles.ColumnRegion) read: a column as a list of values when first asked for (a value scheme's cells
    as their values, an empty free text None, a key the file has not None), a row's values dict (the template's
    keys, as TablePlan.region makes it) by itself for the first few rows asked, then every row's at once."""
    ALONE = 64                        # rows made one by one (e.g. each accounting plan's first) before all at once

    def __init__(self, typed, keys: list[str], schemes: dict[int, dict], template: dict):
        self.typed, self.keys, self.schemes, self.template = typed, keys, schemes, template
        self.n = typed.height
        self.place = {k: j for j, k in enumerate(keys)}
        self.lists: dict[str, list] = {}
        self.alone = 0
        self.dicts: list | None = None

    def column(self, key: str) -> list:
        col = self.lists.get(key)
        if col is None:
            j = self.place.get(key)
            if j is None:
                col = [None] * self.n
            else:
                col = self.typed.to_series(j).to_list()
                known = self.schemes.get(j)
                if known is not None:
                    col = [known[c][1] for c in col]
            self.lists[key] = col
        return col

    def cell(self, key: str, at: int):
        return self.column(key)[at]

    def row(self, at: int) -> dict:
        if self.dicts is not None:
            return self.dicts[at]
        if self.alone < self.ALONE:
            self.alone += 1
            cells = list(self.typed.row(at))
            for j, known in self.schemes.items():
                cells[j] = known[cells[j]][1]
            values = self.template.copy()
            values.update(zip(self.keys, cells))
            return values
        copy = self.template.copy
        self.dicts = values = [copy() for _ in range(self.n)]
        deque(map(dict.update, values, map(zip, repeat(self.keys), zip(*map(self.column, self.keys)))), maxlen=0)
        return values[at]
