"""A big RDF profile file (Turtle, N-Triples, JSON-LD) read in pieces (issue 12: peak memory at any batch size).

Read whole (kg.read.profiles._read_rdf), the file becomes an rdflib graph: ~2 KB of Python objects a triple, so a
file of 28,440 regions (1 million triples) needs gigabytes before a region is made. Here the file is parsed by
pyoxigraph's streaming parser (Rust; a triple at a time, nothing kept but what a pass needs) at each pass:

1. the subjects: each one's number of triples, whether it is a region (typed th:RegionProfile or carrying a thp:
   property, as read whole), its th:sourceRow, and the predicates that become extra columns — from these the
   regions' order (source row, then subject, as read whole) and the header (the profile's columns, then the extra
   names sorted);
2. the rows, in that order: each region's triples gathered until its count is reached, then its row given and let
   go. A file written region by region (as any serializer and `tanheng export` write it) holds one region at a
   time; one whose triples are scattered holds the regions begun and not finished (at worst, all: still far less
   than rdflib's graph).

Then kg.read.chunked's key scan and pieces, as for a JSON file (kg.read.json_pieces): the regions, warnings and advice
are those of reading the file whole. What reading whole does not do either way: a subject's several values of one
column are warned about in the file's order (rdflib's is a hash order), and a literal keeps its lexical form as
written (rdflib writes some canonically: "01"^^xsd:integer as "1"; the number read is the same). Anything this
module does not read as read whole would — text not UTF-8, a relative IRI, a remote JSON-LD context (pyoxigraph
loads none), a th:sourceRow that is not one integer, a syntax error — sends the file to be read whole, which says
what is wrong in its words. No pass makes a network request."""
from __future__ import annotations

import codecs
from pathlib import Path
from typing import Iterator

from kg.knowledge.cache import one_source
from kg.namespaces import RDF, TH, THP, XSD
from kg.read import limits as read_limits
from kg.read.chunked import STREAM_FROM_BYTES, PiecedFile, _KeyScan
from kg.read.profiles import (_EXTENSIONS, UnreadableInput, _decode_text, _is_empty, _sniff, column_by_key, columns,
                              rdf_cell, rdf_column, table_plan)
from kg.read.repeats import Companions

# as text: a term of kg.namespaces is an rdflib URIRef, and advising a CSV imports no rdflib (test_cli_startup)
_TYPE, _REGION, _ROW = RDF + "type", TH + "RegionProfile", TH + "sourceRow"
_THP = str(THP)
# the datatypes rdflib's toPython gives an int for (a th:sourceRow of another datatype: read whole)
_INTEGERS = frozenset(str(XSD) + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
    "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"))
_SNIFF_BYTES = 4096


def _after_bom(path: Path, skip: int, syntax) -> Iterator:
    """The triples of a file that begins with a byte-order mark (pyoxigraph's parser reads none)."""
    import pyoxigraph as ox

    with open(path, "rb") as f:
        f.seek(skip)
        yield from ox.parse(f, syntax)


class _NotHere(Exception):
    """The file is to be read whole."""


def rdf_format(path: str | Path) -> str | None:
    """"turtle" or "json-ld" when read_profiles would read the file as RDF (by its name, else by its first bytes)."""
    p = Path(path)
    fmt = _EXTENSIONS.get(p.suffix.lower())
    if fmt in ("turtle", "json-ld"):
        return fmt
    if fmt not in (None, "json"):
        return None
    try:
        with open(p, "rb") as f:
            head = f.read(_SNIFF_BYTES)
        found = _sniff(head, _decode_text(head))
    except (OSError, UnreadableInput, UnicodeDecodeError):
        return None
    return found if found in ("turtle", "json-ld") else None


def streamable_rdf(path: str | Path) -> bool:
    """An RDF file big enough that reading it in pieces pays (the size CSV and JSON files are streamed from)."""
    p = Path(path)
    try:
        if not p.is_file() or p.stat().st_size < STREAM_FROM_BYTES:
            return False
    except OSError:
        return False
    return rdf_format(p) is not None


class _Subjects:
    """The first pass: what each subject is (see the module's text)."""

    def __init__(self):
        self.count: dict[str, int] = {}          # triples of each subject
        self.region: set[str] = set()            # subjects that are regions
        self.row: dict[str, str] = {}            # th:sourceRow's lexical form (an integer datatype)
        self.extra: dict[str, set[str] | None] = {}   # a predicate outside the profile: its subjects (None: thp:)

    def read(self, triples) -> None:
        """The pass (one loop, names bound locally: it runs once a triple)."""
        count, region, row, extra = self.count, self.region, self.row, self.extra
        known = column_by_key()
        for q in triples:
            subject, predicate, obj = q.subject.value, q.predicate.value, q.object
            value = obj.value                     # a quoted triple has none: read whole
            count[subject] = count.get(subject, 0) + 1
            if predicate == _TYPE:
                if value == _REGION:
                    region.add(subject)
            elif predicate == _ROW:
                if subject in row or getattr(obj, "datatype", None) is None or obj.datatype.value not in _INTEGERS:
                    raise _NotHere                # several rows, or not an integer: rdflib's choice, read whole
                row[subject] = value
            elif predicate.startswith(_THP):
                region.add(subject)
                if predicate not in extra and predicate[len(_THP):] not in known:
                    extra[predicate] = None
            else:                                 # (rdflib's str() of a term is its .value)
                extra.setdefault(predicate, set()).add(subject)

    def order(self) -> list[tuple[str, int | None]]:
        """The regions in read whole's order, each with its source row (None: none given)."""
        rows = []
        for s in self.region:
            lex = self.row.get(s)
            try:
                rows.append((int(lex) if lex is not None else None, s))
            except ValueError:
                raise _NotHere from None
        rows.sort(key=lambda r: (r[0] is None, r[0] or 0, r[1]))
        return rows

    def extra_names(self, header: list[str]) -> list[str]:
        names = {rdf_column(p) for p, subjects in self.extra.items() if subjects is None or subjects & self.region}
        return sorted(names - set(header))


def open_rdf_pieces(path: str | Path) -> PiecedFile | None:
    """The passes over an RDF file before its pieces (see the module's text); None: read it whole."""
    import pyoxigraph as ox

    path = Path(path)
    fmt = rdf_format(path)
    if fmt is None:
        return None
    try:
        if path.stat().st_size > read_limits.max_input_bytes():
            return None                      # read whole refuses it, in its words
        with open(path, "rb") as f:
            skip = len(codecs.BOM_UTF8) if f.read(3) == codecs.BOM_UTF8 else 0
    except OSError:
        return None
    syntax = ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.JSON_LD

    def triples() -> Iterator:
        if not skip:
            return ox.parse(path=path, format=syntax)
        return _after_bom(path, skip, syntax)

    first = _Subjects()
    try:
        first.read(triples())
        order = first.order()
    except (_NotHere, SyntaxError, ValueError, OSError, UnicodeDecodeError, AttributeError):
        return None
    if not order:
        return None                          # read whole says there is no region
    header = [c.key for c in columns()]
    header += first.extra_names(header)
    rank = {s: (i, first.count[s]) for i, (_, s) in enumerate(order)}
    del first
    warnings: list[dict] = []
    names: dict[str, str] = {}

    def row_of(i: int, pairs: list[tuple[str, str]], warn: bool) -> tuple[int, list] | None:
        cells: dict[str, str] = {}
        for p, value in pairs:
            if p == _TYPE or p == _ROW:
                continue
            name = names.get(p)
            if name is None:
                name = names[p] = rdf_column(p)
            rdf_cell(cells, name, value, warnings if warn else None)
        row = order[i][0]
        out = [cells.get(h) for h in header]
        return None if all(map(_is_empty, out)) else (row if row is not None else i + 1, out)

    def rows(progress: bool = False, warn: bool = False) -> Iterator[tuple[int, list]]:
        """Every region that is not blank, in read whole's order, as (its row number, its cells in the header's
        order)."""
        begun: dict[int, list] = {}
        done: dict[int, list] = {}
        at = 0
        ranked = rank.get
        for q in triples():
            found = ranked(q.subject.value)
            if found is None:
                continue
            i, total = found
            pairs = begun.get(i)
            if pairs is None:
                pairs = begun[i] = []
            pairs.append((q.predicate.value, q.object.value))
            if len(pairs) < total:
                continue
            done[i] = begun.pop(i)
            while at in done:
                row = row_of(at, done.pop(at), warn)
                at += 1
                if row is not None:
                    yield row

    plan = table_plan(header)
    scan = _KeyScan(plan)
    try:
        with one_source():
            for n, cells in rows(warn=True):
                scan.row(n, cells, False)
            paired = scan.finish([])
            companions = scan.companions(paired, rows()) if paired else Companions(())
    except (SyntaxError, ValueError, OSError, UnreadableInput):
        return None
    return PiecedFile(path, rows, fmt, None, 0, plan, frozenset(), scan.count,
                      warnings + plan.read_warnings(scan.used_extra), path.name, companions, scan)
