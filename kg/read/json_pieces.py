"""A big JSON profile file read in pieces (issue 12: memory at any batch size).

Read whole, a JSON file of 284,400 regions is parsed into 284,400 dicts at once before a region is made. Here the
file's text is held (it is what the user gave) and its items are parsed one at a time with json's own decoder, at
each pass: a first pass for the header (every key any item has, in the order first seen — as read whole) and the
row and cell limits, a second for what is batch-wide (kg.read.chunked's key scan: repeated ids, unknown cells),
then the pieces as kg.read.chunked.PiecedFile reads any table's. The regions, warnings and advice are those of
reading the file whole (kg.read.profiles._read_json + from_table). A file that is not a list of objects (or
`{"regions": [...]}`), or breaks a limit, is left to be read whole, which says what is wrong in its words."""
from __future__ import annotations

import codecs
import json
import os
from array import array
from pathlib import Path
from typing import Iterator

import orjson

from kg.knowledge.cache import one_source
from kg.read import limits as read_limits
from kg.read.chunked import STREAM_FROM_BYTES, PiecedFile, _KeyScan
from kg.read.profiles import (UnreadableInput, _decode_text, _is_empty, _json_cell, _sniff, _whole_text,
                              table_plan)
from kg.read.repeats import Companions

_SPACE = " \t\n\r"
_BLOCK = 2_000          # items read from the file at once


def _is_utf8(data: bytes) -> bool:
    """Whether the bytes are UTF-8, checked a megabyte at a time (decoding them whole would hold a second text)."""
    decoder, view = codecs.getincrementaldecoder("utf-8")(), memoryview(data)
    try:
        for at in range(0, len(data), 1 << 20):
            decoder.decode(view[at:at + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def streamable_json(path: str | Path) -> bool:
    """A .json file big enough that reading it in pieces pays (the size CSV files are streamed from)."""
    p = Path(path)
    return p.suffix.lower() == ".json" and p.is_file() and os.path.getsize(p) >= STREAM_FROM_BYTES


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _SPACE:
        at += 1
    return at


def _list_start(text: str, decode) -> int | None:
    """Where the list of regions begins: the document itself, or the value of its "regions" key (the last one,
    as json.loads keeps it). None when it is neither."""
    at = _skip(text, 0)
    if text.startswith("[", at):
        return at
    if not text.startswith("{", at):
        return None
    found, at = None, _skip(text, at + 1)
    if text.startswith("}", at):
        return None
    while True:
        key, at = decode(text, at)
        at = _skip(text, at)
        if not text.startswith(":", at):
            return None
        at = _skip(text, at + 1)
        value_at = at
        _, at = decode(text, at)             # the value parsed to find its end (a big list: once more below)
        if key == "regions":
            found = value_at
        at = _skip(text, at)
        if text.startswith("}", at):
            return found if found is not None and text.startswith("[", found) else None
        if not text.startswith(",", at):
            return None
        at = _skip(text, at + 1)


def _items(text: str, start: int, decode) -> Iterator[tuple[dict, int, int]]:
    """The list's items one at a time, each with where it begins and ends in the text; ValueError for anything read
    whole would refuse."""
    at = _skip(text, start + 1)
    if text.startswith("]", at):
        return
    while True:
        begin = at
        item, at = decode(text, at)
        if not isinstance(item, dict):
            raise ValueError("not an object")
        yield item, begin, at
        at = _skip(text, at)
        if text.startswith("]", at):
            return
        if not text.startswith(",", at):
            raise ValueError("no comma")
        at = _skip(text, at + 1)


_NESTED = (dict, list)
_LOOKED_AT = (float, dict, list)
# orjson reads an integer past 64 bits as a float (json reads it whole, and the limits refuse it past 100 digits):
# a float this big, or a nested value (which may hold one), is read again by json
_BIGGEST = 9.2e18


def _loads(raw: bytes, loads):
    """An item's UTF-8 text parsed as `loads` (json with the limits' number hooks) parses it: by orjson (~10×
    cheaper) when both give the same — orjson refuses what it reads otherwise (NaN, Infinity, a number past a
    double, half a surrogate pair), and an item with a float past _BIGGEST or a nested value is read by json."""
    try:
        item = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return loads(raw.decode("utf-8"))
    for v in item.values():
        if type(v) in _LOOKED_AT and (type(v) is not float or not -_BIGGEST < v < _BIGGEST):
            return loads(raw.decode("utf-8"))
    return item


def open_json_pieces(path: str | Path) -> PiecedFile | None:
    """The passes over a JSON file before its pieces (see the module's text); None: read it whole."""
    path = Path(path)
    try:
        data = read_limits.read_file(path)
        text = _decode_text(data)
    except (UnreadableInput, OSError):
        return None
    if _sniff(data, text) != "json":
        return None                           # JSON-LD is RDF
    # where each item lies in the file, when it is UTF-8 (as good as always): the passes after the first read
    # the items from the file, and the text is let go — held, it would be in every forked worker's memory too
    # (284,400 regions: the process tree's peak 1,065 MB with it)
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    utf8 = not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _is_utf8(data)
    del data
    places = (array("q"), array("q")) if utf8 else None
    # the first pass needs no numbers: json's own parse, without the hooks that check each number (a third of
    # the time); the passes after it parse as read whole does, and a number it refuses sends the file there
    plain = json.JSONDecoder().raw_decode
    decode = json.JSONDecoder(parse_int=read_limits.json_int, parse_float=read_limits.json_float).raw_decode
    header: dict[str, None] = {}

    def strings() -> Iterator[list]:
        at, byte = 0, skip
        for item, begin, end in _items(text, start, plain):
            header.update(dict.fromkeys(map(_whole_text, item) if text.find("\\u", begin, end) >= 0 else item))
            if places is not None:
                byte += len(text[at:begin].encode("utf-8"))
                places[0].append(byte)
                byte += len(text[begin:end].encode("utf-8"))
                places[1].append(byte)
                at = end
            yield [v for v in item.values() if isinstance(v, str)]
    try:
        start = _list_start(text, plain)
        if start is None:
            return None
        for _ in read_limits.rows(strings(), "JSON"):     # the row and cell limits, as read whole
            pass
        plan = table_plan(list(header))
    except (ValueError, RecursionError, UnreadableInput):
        return None
    keys = list(header)
    if places is not None:
        text = None
    loads = json.JSONDecoder(parse_int=read_limits.json_int, parse_float=read_limits.json_float).decode

    def items() -> Iterator[tuple[dict, bool]]:
        """Each item, and whether its text holds a \\u escape (only such text can hold half a surrogate pair)."""
        if text is not None:
            yield from ((item, text.find("\\u", begin, end) >= 0) for item, begin, end in _items(text, start, decode))
            return
        begins, ends = places
        with open(path, "rb") as f:
            for a in range(0, len(begins), _BLOCK):
                b = min(a + _BLOCK, len(begins))
                f.seek(begins[a])
                block, base = f.read(ends[b - 1] - begins[a]), begins[a]
                for x, y in zip(begins[a:b], ends[a:b]):
                    raw = block[x - base:y - base]
                    yield _loads(raw, loads), b"\\u" in raw

    def rows(progress: bool = False) -> Iterator[tuple[int, list]]:
        """Every item that is not blank, as (its number, its cells in the header's order)."""
        for i, (item, escaped) in enumerate(items(), start=1):
            if escaped:
                item = {_whole_text(k): v for k, v in item.items()}
                cells = [_json_cell(item.get(h)) for h in keys]
            else:                               # no text to mend: only nested values to write out
                cells = [v if type(v) not in _NESTED else _json_cell(v) for v in map(item.get, keys)]
            if not all(map(_is_empty, cells)):       # TablePlan.region gives no region for a blank one
                yield i, cells

    scan = _KeyScan(plan)
    try:
        with one_source():
            for n, cells in rows():
                scan.row(n, cells, False)
            paired = scan.finish([])
            companions = scan.companions(paired, rows()) if paired else Companions(())
    except (ValueError, RecursionError, UnreadableInput):
        return None
    return PiecedFile(path, rows, "json", None, 0, plan, frozenset(), scan.count, plan.read_warnings(scan.used_extra),
                      path.name, companions, scan)
