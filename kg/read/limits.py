"""Limits on what a profile file may make the reader do, checked before or
while it reads, so that a hostile or broken file is one clear sentence
instead of an exhausted machine or an internal error.

  size      a file bigger than TANHENG_MAX_INPUT_MB (default 512) is refused;
            /dev/zero and other devices are not files at all
  unpacked  an XLSX whose parts unpack to more than 2 GiB, or more than 200
            times their packed size beyond 50 MB (a zip bomb: 1.5 MB → 1.5 GB)
  rows      more than TANHENG_MAX_ROWS rows (default 1,000,000: every county
            and township of China for decades, yet less than a full Excel
            sheet), refused from the sheet's declared size before reading where
            the XLSX says it; big legitimate tables show a progress bar on a
            terminal
  cells     a cell longer than 32,767 characters (Excel's own limit)
  JSON      nesting deeper than Python can parse, numbers of more than 100
            digits or beyond the float range

These are engineering limits, not domain knowledge, so they live here and
not in ontology/ or rules/; the sentences are th:ReadProblems in
ontology/profile.ttl like every other reading problem."""
from __future__ import annotations

import math
import os
import stat
import sys
import zipfile
from io import BytesIO
from itertools import chain, islice
from pathlib import Path
from typing import Iterable, Iterator

MAX_CELL_CHARS = 32_767
MAX_NUMBER_DIGITS = 100
MAX_UNPACKED_BYTES = 2 * 1024 ** 3
BOMB_RATIO, BOMB_FLOOR = 200, 50 * 1024 ** 2
PROGRESS_FROM_ROWS = 20_000
_CHUNK = 1024 * 1024


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def max_input_bytes() -> int:
    return int(_env_number("TANHENG_MAX_INPUT_MB", 512) * 1024 * 1024)


def max_rows() -> int:
    return int(_env_number("TANHENG_MAX_ROWS", 1_000_000))


def _refuse(problem: str, **params):
    from kg.read.profiles import UnreadableInput

    return UnreadableInput(problem, **params)


def _mb(n: int) -> str:
    return f"{n / 1024 ** 2:,.1f}"


def read_file(path: Path) -> bytes:
    """The bytes of a profile file, read at most up to the size limit; a device
    (/dev/zero, /dev/urandom) or folder is refused before anything is read."""
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(21, "it is a folder, not a file", str(path))
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        raise _refuse("not-a-file")
    limit = max_input_bytes()
    if stat.S_ISREG(mode) and os.stat(path).st_size > limit:
        raise _refuse("too-large", size=_mb(os.stat(path).st_size), limit=_mb(limit))
    buf = bytearray()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            buf += chunk
            if len(buf) > limit:
                raise _refuse("too-large", size=f"> {_mb(limit)}", limit=_mb(limit))
    return bytes(buf)


def check_size(data: bytes) -> None:
    if len(data) > max_input_bytes():
        raise _refuse("too-large", size=_mb(len(data)), limit=_mb(max_input_bytes()))


def check_xlsx(data: bytes | Path) -> None:
    """Refuse a workbook (its bytes, or a file read as it unpacks) whose parts would unpack to too much
    (read from the zip's directory; zipfile stops at the declared size, so a part cannot lie bigger)."""
    try:
        with zipfile.ZipFile(BytesIO(data) if isinstance(data, bytes) else data) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return                                 # openpyxl says what is wrong with it
    unpacked = sum(p.file_size for p in parts)
    packed = max(sum(p.compress_size for p in parts), 1)
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > BOMB_FLOOR and unpacked > BOMB_RATIO * packed):
        size = len(data) if isinstance(data, bytes) else os.path.getsize(data)
        raise _refuse("unpacked-too-large", packed=_mb(size), unpacked=_mb(unpacked), limit=_mb(MAX_UNPACKED_BYTES))


def check_declared_rows(n: int | None, sheet: str) -> None:
    if n is not None and n > max_rows():
        raise _refuse("too-many-rows", rows=f"{n:,}", limit=f"{max_rows():,}", sheet=sheet)


_BLOCK_ROWS = 256      # rows checked together: one C loop over their cells' lengths, not one per row


_IS_TEXT = str.__instancecheck__


def rows(source: Iterable[list], sheet: str, total: int | None = None, start: int = 0) -> Iterator[list]:
    """The rows of a table, each cell within the length limit, at most max_rows()
    of them; a progress bar on a terminal for big tables. Rows are taken _BLOCK_ROWS at a time and a block
    of CSV rows (strings only) whose longest cell is within the limit is passed on whole; a block of a
    sheet's rows, or one with a cell too long, is looked at row by row (the refusal names the row). `start`: the
    table's rows before `source`'s first (kg.read.columnar reads the rest of a file from a row on)."""
    limit = max_rows()
    bar = None
    if total and total >= PROGRESS_FROM_ROWS and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, file=sys.stderr, unit="row", desc=f"reading {sheet}", leave=False)
    source = iter(source)
    n = start
    try:
        while block := list(islice(source, _BLOCK_ROWS)):
            try:
                longest = max(map(len, chain.from_iterable(block)), default=0)
            except TypeError:                                    # a sheet's rows: their strings (at C level)
                longest = max(map(len, filter(_IS_TEXT, chain.from_iterable(block))), default=0)
            if longest <= MAX_CELL_CHARS and n + len(block) <= limit:
                if bar is not None and (n + len(block)) // 1000 > n // 1000:
                    bar.update(1000 * ((n + len(block)) // 1000 - n // 1000))
                n += len(block)
                yield from block
                continue
            for row in block:
                n += 1
                if n > limit:
                    raise _refuse("too-many-rows", rows=f"> {limit:,}", limit=f"{limit:,}", sheet=sheet)
                for c in row:
                    if isinstance(c, str) and len(c) > MAX_CELL_CHARS:
                        raise _refuse("cell-too-long", row=n, length=f"{len(c):,}", limit=f"{MAX_CELL_CHARS:,}")
                if bar is not None and n % 1000 == 0:
                    bar.update(1000)
                yield row
    finally:
        if bar is not None:
            bar.close()


def json_int(text: str) -> int:
    """parse_int for json.loads: a number of more than 100 digits is no count of anything."""
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _refuse("number-out-of-range", value=f"{text[:12]}… ({len(text.lstrip('-')):,} digits)")
    return int(text)


def json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _refuse("number-out-of-range", value=text[:24])
    return value
