"""`--jobs N` on a big CSV (issue 12, session 7): each forked worker reads its own piece of the file — told only
its span of regions, it finds the columnar blocks (kg.read.columnar) by their counts, parses those lines and makes
their Regions — instead of the parent reading each piece, pickling it and sending it. The bytes written are those
of one process; pieces the worker cannot find without reading every row before (the rows after a quoted cell,
read by csv in turn) are still read by the parent and sent."""
import io

import pytest

from kg.bench import HEADER
from kg.commands.advise import read_source
from kg.pipeline import stream
from kg.read import chunked, columnar
from kg.read.profiles import ProfileBatch

from test_columnar import _mixed, _rows, _write


@pytest.fixture
def small_blocks(monkeypatch):
    """Files of a few hundred rows read in pieces and as columns, in blocks of ~60 rows."""
    monkeypatch.setattr(chunked, "STREAM_FROM_BYTES", 0)
    monkeypatch.setattr(columnar, "COLUMNS_FROM_BYTES", 0)
    monkeypatch.setattr(columnar, "_BLOCK_BYTES", 15_000)


@pytest.fixture
def pickled(monkeypatch) -> list[int]:
    """The sizes of the ProfileBatch pieces this process pickles (to send them to a worker)."""
    sizes: list[int] = []
    real = ProfileBatch.__reduce_ex__

    def counted(self, protocol):
        sizes.append(len(self.regions))
        return real(self, protocol)
    monkeypatch.setattr(ProfileBatch, "__reduce_ex__", counted)
    return sizes


def _advised(path, **kw) -> bytes:
    source = read_source([str(path)], "zh")
    assert isinstance(source, chunked.PiecedFile) and source.columns is not None
    buf = io.BytesIO()
    stream.advise_to(source, buf, **kw)
    return buf.getvalue()


def test_forked_workers_read_their_own_pieces_of_a_big_csv(tmp_path, small_blocks, pickled):
    """Totals, footnotes, blank lines, a units row, short rows, repeated ids: the workers' pieces give the bytes one
    process gives, and the parent sends none."""
    path = _write(tmp_path / "mixed.csv", HEADER, _mixed(_rows(600, seed=3)), title="2021年 各县统计", end="\n")
    for fmt in ("ndjson", "json"):
        one = _advised(path, fmt=fmt, jobs=1, chunk=10_000)
        assert _advised(path, fmt=fmt, jobs=2, chunk=70) == one
    assert _advised(path, fmt="ndjson", jobs=3, chunk=130, full=True) == _advised(path, fmt="ndjson", full=True)
    assert pickled == []
    assert len(chunked.open_pieces(path).columns.blocks) > 5          # the pieces cut blocks in every way


def test_pieces_after_a_quoted_cell_are_read_by_the_parent(tmp_path, small_blocks, pickled):
    """From a quoted cell on, csv reads the rest of the file in turn: those pieces (only those) the parent reads
    and sends, and the bytes are still those of one process."""
    rows = _mixed(_rows(600, seed=5))
    rows[300][1] = '"a name, with a comma"'
    path = _write(tmp_path / "quoted.csv", HEADER, rows)
    source = read_source([str(path)], "zh")
    assert 0 < source.own_pieces() < len(source)
    one = _advised(path, fmt="ndjson", jobs=1)
    assert _advised(path, fmt="ndjson", jobs=2, chunk=50) == one
    spans = stream.chunks(len(source), 2, 50)
    sent = [len(s) for s in spans if s.stop > source.own_pieces()]
    assert pickled == sent


def test_a_workers_regions_made_in_python_are_those_polars_makes(tmp_path, small_blocks, monkeypatch):
    """A forked worker converts its lines in Python (polars' thread pool does not survive a fork): the same Regions
    and number columns as polars' casts in the process of the first pass, CRLF lines and blanks included."""
    import dataclasses

    import numpy as np

    from kg.read.profiles import column_by_key

    path = _write(tmp_path / "crlf.csv", HEADER, _mixed(_rows(500, seed=9)), newline="\r\n")
    pf = chunked.open_pieces(path)
    spans = stream.chunks(len(pf), 2, 90)

    def read():
        pieces = list(pf.pieces(spans))
        numbers = [[p.numbers()(key) for key in column_by_key()] for p in pieces]
        return [dataclasses.asdict(r) for p in pieces for r in p.regions], numbers
    by_polars, polars_numbers = read()
    monkeypatch.setattr(pf.columns.reader, "pid", -1)          # as in a forked worker
    in_python, python_numbers = read()
    assert repr(in_python) == repr(by_polars)
    for a, b in zip((x for p in python_numbers for x in p), (x for p in polars_numbers for x in p)):
        assert (a is None) == (b is None)
        if a is not None:
            assert np.array_equal(a[0], b[0], equal_nan=True) and np.array_equal(a[1], b[1])
