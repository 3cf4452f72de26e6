"""`--jobs N` on a big CSV (issue 12, sessions 7–8): each worker reads its own piece of the file — told only its span
of regions, it finds the columnar blocks (kg.read.columnar) by their counts, parses those lines with polars and makes
their Regions — instead of the parent reading each piece, pickling it and sending it. The workers are forked before
the parent first uses polars (kg.pipeline.stream.workers: polars' thread pool does not survive a fork, its first call
in such a child waits forever); when the parent had loaded polars before, the parent reads the pieces and sends them.
The bytes written are those of one process; pieces the worker cannot find without reading every row before (the rows
after a quoted cell, read by csv in turn) are still read by the parent and sent."""
import io
import json
import subprocess
import sys

import pytest

from kg.bench import HEADER
from kg.commands.advise import read_source
from kg.pipeline import stream
from kg.read import chunked, columnar
from kg.read.profiles import ProfileBatch

from test_columnar import _mixed, _rows, _write

# a fresh interpreter (no polars loaded yet, as `tanheng advise` starts) advising argv[2:] with small blocks and
# chunks of 70 regions, telling
# in the file argv[1] how many regions the parent pickled and which process read each piece a worker read itself, each
# block of the first pass it read and each run of lines converted by polars
_RUN = """
import json, os, sys
from kg.read import chunked, columnar
from kg.read.profiles import ProfileBatch
from kg.pipeline import stream
chunked.STREAM_FROM_BYTES = 0; columnar.COLUMNS_FROM_BYTES = 0; columnar._BLOCK_BYTES = 15_000
stream.CHUNK, stream.FULL_CHUNK, stream.MIN_PER_JOB = 70, 70, 1
told, pickled = sys.argv[1], []
real_reduce = ProfileBatch.__reduce_ex__
def counted(self, protocol):
    pickled.append(len(self.regions))
    return real_reduce(self, protocol)
ProfileBatch.__reduce_ex__ = counted
real_own = stream._own_chunk
def own(*args):
    result = real_own(*args)
    with open(told + ".own", "a") as f:
        f.write(json.dumps([len(args[1]), os.getpid()]) + "\\n")
    return result
stream._own_chunk = own
real_facts = columnar._facts_at
def facts(*args):
    result = real_facts(*args)
    with open(told + ".facts", "a") as f:
        f.write(json.dumps([args[4], os.getpid()]) + "\\n")
    return result
columnar._facts_at = facts
real_from_frame = columnar.ColumnReader._from_frame
def from_frame(self, frame, rows):
    with open(told + ".polars", "a") as f:
        f.write(json.dumps([len(rows), os.getpid()]) + "\\n")
    return real_from_frame(self, frame, rows)
columnar.ColumnReader._from_frame = from_frame
from kg.cli import main
rc = main(["advise", *sys.argv[2:]])
with open(told, "w") as f:
    json.dump({"rc": rc, "pickled": pickled, "pid": os.getpid()}, f)
"""


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


def _cli(tmp_path, path, *args) -> tuple[bytes, dict, list, list, list]:
    """`tanheng advise path args` in a fresh interpreter (at most 3 minutes: a worker waiting on polars would hang):
    the bytes written, what the parent pickled, the pieces the workers read themselves, the blocks of the first pass
    they read and the lines polars converted (how many, in which process)."""
    out, told = tmp_path / "out.txt", tmp_path / "told.json"
    for f in (out, told, *(tmp_path / f"told.json.{kind}" for kind in ("own", "facts", "polars"))):
        f.unlink(missing_ok=True)
    run = subprocess.run([sys.executable, "-c", _RUN, str(told), str(path), *args, "-o", str(out)], timeout=180,
                         capture_output=True, text=True)
    assert run.returncode == 0 and json.loads(told.read_text())["rc"] in (0, 1), run.stderr

    def lines(name: str) -> list:
        f = tmp_path / name
        return [json.loads(line) for line in f.read_text().splitlines()] if f.exists() else []
    return (out.read_bytes(), json.loads(told.read_text()), lines("told.json.own"), lines("told.json.facts"),
            lines("told.json.polars"))


def test_workers_forked_before_polars_read_the_file_with_polars(tmp_path, small_blocks):
    """Totals, footnotes, blank lines, a units row, short rows, repeated ids: `tanheng advise --jobs 2|3` forks its
    workers before the file's first pass uses polars; they read every block of the first pass (a data row was among
    the first rows, read by csv) and every piece themselves, with polars, in time, and the bytes are those one process writes; the parent
    sends no piece."""
    path = _write(tmp_path / "mixed.csv", HEADER, _mixed(_rows(600, seed=3)), title="2021年 各县统计", end="\n")
    blocks = chunked.open_pieces(path).columns.blocks
    for fmt, extra in (("ndjson", []), ("json", []), ("ndjson", ["--full"])):
        one = _advised(path, fmt=fmt, jobs=1, chunk=10_000, full=bool(extra))
        for jobs in ("2", "3"):
            written, told, pieces, facts, converted = _cli(tmp_path, path, "--format", fmt, "--jobs", jobs, *extra)
            assert written == one
            assert told["pickled"] == []
            assert sum(n for n, _ in pieces) == len(chunked.open_pieces(path))
            workers = {pid for _, pid in pieces}
            assert len(workers) > 1 and told["pid"] not in workers
            assert {pid for _, pid in converted} == workers            # each converted its lines with polars
            assert sorted(row for row, _ in facts) == [b.first_row for b in blocks]    # (data in the first rows)
            assert told["pid"] not in {pid for _, pid in facts}
    assert len(blocks) > 5          # the pieces cut blocks in every way


def test_pieces_after_a_quoted_cell_are_read_by_the_parent(tmp_path, small_blocks, monkeypatch):
    """From a quoted cell on, csv reads the rest of the file in turn: those pieces (only those) the parent reads
    and sends, and the bytes are still those of one process."""
    rows = _mixed(_rows(600, seed=5))
    rows[300][1] = '"a name, with a comma"'
    path = _write(tmp_path / "quoted.csv", HEADER, rows)
    source = read_source([str(path)], "zh")
    assert 0 < source.own_pieces() < len(source)
    one = _advised(path, fmt="ndjson", jobs=1)
    written, told, pieces, _, _ = _cli(tmp_path, path, "--format", "ndjson", "--jobs", "2")
    assert written == one
    monkeypatch.setattr(stream, "MIN_PER_JOB", 1)
    spans = stream.chunks(len(source), 2, 70)
    assert told["pickled"] == [len(s) for s in spans if s.stop > source.own_pieces()]
    assert [n for n, _ in pieces] == [len(s) for s in spans if s.stop <= source.own_pieces()]


def test_workers_forked_after_polars_was_used_are_sent_their_pieces(tmp_path, small_blocks, pickled):
    """A caller that used polars before forking the workers (as this test process has): the workers never call it
    (they would wait forever); the parent reads every piece and sends it, and the bytes are the same."""
    import polars as pl

    pl.DataFrame({"a": ["1"]}).select(pl.col("a").cast(pl.Int64))
    path = _write(tmp_path / "mixed.csv", HEADER, _mixed(_rows(400, seed=4)))
    one = _advised(path, fmt="ndjson", jobs=1)
    with stream.workers(2, [str(path)]) as forked:
        assert forked is not None and not forked.polars
        source = read_source([str(path)], "zh")
        buf = io.BytesIO()
        stream.advise_to(source, buf, fmt="ndjson", jobs=2, chunk=70, forked=forked)
    assert buf.getvalue() == one
    assert sum(pickled) == len(source) and len(pickled) == len(stream.chunks(len(source), 2, 70))
