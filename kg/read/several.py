"""Several files advised as one batch without holding them whole (issue 12: memory at any batch size).

`tanheng advise 2018.csv … 2022.csv` — one file a year of every township — read whole held every region of every
file at once (two files of 142,200 rows: 1.4 GB). When one of the files is big enough to be read in pieces
(kg.read.chunked.streamable), `open_several` gives the files as one source of pieces instead: the big files after
their first pass (kg.read.chunked.PiecedFile), the others read whole, and the pieces cut across the files' ends.
The batch is the one kg.read.profiles.read_files makes of the same files — regions in file order, a later file's
rows numbered on from the files before it (with its rows-counted-on warning), every file's warnings — and the
one rule across rows (a region id repeated for one year, kg.read.repeats) holds across the files: the keys of
every file are compared first (on hashes, from the first passes), and the rows they pair are read again as
companions."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from kg.knowledge.cache import one_source
from kg.read.chunked import PiecedFile, open_pieces, streamable
from kg.read.json_pieces import open_json_pieces, streamable_json
from kg.read.profiles import ProfileBatch, Region, UnreadableInput, read_named, rows_counted_on
from kg.read.repeats import Companions, paired_hashes, paired_ids, rule_key


@dataclass
class PiecedFiles:
    """The files of one batch, in the order given: PiecedFile (read in pieces) or ProfileBatch (read whole, rows
    already numbered on); `offsets[k]`: what file k's own row numbers are moved by in the batch."""
    sources: list
    offsets: list[int]
    warnings: list[dict]
    source_name: str
    companions: Companions       # by row number in the batch

    def __len__(self) -> int:
        return sum(len(s) for s in self.sources)

    def pieces(self, spans: list[range]) -> Iterator[ProfileBatch]:
        """One ProfileBatch per span of region positions (consecutive, from 0, covering all regions), made of the
        files' own pieces, glued where a span crosses the end of a file."""
        starts = [0]
        for s in self.sources:
            starts.append(starts[-1] + len(s))
        local: list[list[range]] = [[] for _ in self.sources]      # each file's spans, in its own positions
        cut: list[list[int]] = []                                  # the files each span takes regions from
        for span in spans:
            parts = []
            for k in range(len(self.sources)):
                a, b = max(span.start, starts[k]), min(span.stop, starts[k + 1])
                if a < b:
                    local[k].append(range(a - starts[k], b - starts[k]))
                    parts.append(k)
            cut.append(parts)
        running: list[Iterator[ProfileBatch] | None] = [None] * len(self.sources)
        for i, parts in enumerate(cut):
            regions: list[Region] = []
            for k in parts:
                if running[k] is None:
                    running[k] = self._file_pieces(k, local[k])
                regions += next(running[k]).regions
            piece = ProfileBatch(regions, self.warnings if i == 0 else [], self.source_name, "mixed")
            piece.companions = self.companions.of(regions, {r.row for r in regions})
            yield piece
        for it in running:              # each file's pieces to their end: its code look-ups are noted
            for _ in it or ():
                pass

    def _file_pieces(self, k: int, spans: list[range]) -> Iterator[ProfileBatch]:
        source, offset = self.sources[k], self.offsets[k]
        if isinstance(source, ProfileBatch):
            yield from (ProfileBatch(source.regions[s.start:s.stop]) for s in spans)
            return
        for piece in source.pieces(spans):
            for r in piece.regions:
                r.row += offset
            yield piece


def streams(path: str) -> bool:
    """Whether the file is big enough to be read in pieces: a CSV file or workbook (kg.read.chunked), a JSON file
    (kg.read.json_pieces)."""
    return streamable(path) or streamable_json(path)


def pieced(path: str) -> PiecedFile | None:
    """The file after the passes that let it be read in pieces; None when it is better read whole (too small, or
    not a table the passes can read — read whole then says what is wrong, in the words it always has)."""
    try:
        if streamable(path):
            return open_pieces(path)
        if streamable_json(path):
            return open_json_pieces(path)
    except UnreadableInput:
        pass
    return None


def open_several(paths: list[str]) -> PiecedFiles:
    """The files as one batch (PiecedFiles): a file that can be read in pieces (`pieced`) after its first passes,
    any other read whole (read_named: a file it cannot read is the error naming it, as when the batch is read whole)."""
    import numpy as np

    sources: list = []
    offsets: list[int] = []
    warnings: list[dict] = []
    offset = 0
    for path in paths:
        source = pieced(path)
        if source is None:
            source = read_named(path)
        last = source.scan.last if isinstance(source, PiecedFile) else max((r.row for r in source.regions), default=0)
        if offset and len(source):
            name = Path(str(path)).name
            warnings.append(rows_counted_on(name, offset))
            if isinstance(source, ProfileBatch):
                for r in source.regions:
                    r.row += offset
        sources.append(source)
        offsets.append(offset)
        warnings += source.warnings
        offset = max(offset, last + offset) if len(source) else offset
    # the rule across rows over every file: their keys' hashes together, then the rows they may pair read again
    tables = [_hashes(s, o) for s, o in zip(sources, offsets)]
    which = np.concatenate([np.full(len(t[0]), k) for k, t in enumerate(tables)])
    rows, ids, keys, no_year = (np.concatenate([t[j] for t in tables]) for j in range(4))
    paired = paired_hashes(ids, keys, no_year) if len(rows) else np.zeros(0, dtype=bool)
    found: list[Region] = []
    for k, (s, o) in enumerate(zip(sources, offsets)):
        mine = set(rows[paired & (which == k)].tolist())
        if not mine:
            continue
        if isinstance(s, ProfileBatch):
            found += [r for r in s.regions if r.row in mine]
            continue
        with one_source():
            light = s.scan.read_keys({n - o for n in mine}, s.rows())
        for r in light:
            r.row += o
        found += light
    exact = paired_ids(rule_key(r) for r in found)
    return PiecedFiles(sources, offsets, warnings, ", ".join(map(str, paths)),
                       Companions((r.row, r) for r in found if rule_key(r)[0] in exact))


def _hashes(source, offset: int) -> tuple:
    """(rows in the batch, id hashes, (id, year) hashes, no year) of a file's regions with an id."""
    import numpy as np

    if isinstance(source, PiecedFile):
        rows, ids, keys, no_year = source.scan.hashes()
        return rows + offset, ids, keys, no_year
    keyed = [(r.row, rule_key(r)) for r in source.regions]
    keyed = [(n, k) for n, k in keyed if k[0] is not None]
    return (np.array([n for n, _ in keyed], dtype=np.int64), np.array([hash(k[0]) for _, k in keyed], dtype=np.int64),
            np.array([hash(k) for _, k in keyed], dtype=np.int64), np.array([k[1] is None for _, k in keyed], dtype=bool))
