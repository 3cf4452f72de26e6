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

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from kg.knowledge.cache import one_source
from kg.read.chunked import PiecedFile, open_pieces, streamable
from kg.read.json_pieces import open_json_pieces, streamable_json
from kg.read.rdf_pieces import open_rdf_pieces, streamable_rdf
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
    _companions: Companions | None = field(default=None, init=False, repr=False)

    def __len__(self) -> int:
        return sum(len(s) for s in self.sources)

    @property
    def companions(self) -> Companions:
        """The rows the rule across rows pairs, by row number in the batch: worked out when first asked for, so that
        a workbook of year sheets given among several files has it worked out once, for the whole batch."""
        if self._companions is None:
            self._companions = _companions(self.sources, self.offsets)
        return self._companions

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
    (kg.read.json_pieces), an RDF file (kg.read.rdf_pieces)."""
    return streamable(path) or streamable_json(path) or streamable_rdf(path)


def pieced(path: str, on=None) -> PiecedFile | PiecedFiles | None:
    """The file after the passes that let it be read in pieces (a workbook of one sheet per year: its sheets as
    PiecedFiles); None when it is better read whole (too small, or not a table the passes can read — read whole
    then says what is wrong, in the words it always has). `on`: workers for a big CSV's first pass (open_pieces)."""
    try:
        if streamable(path):
            return open_pieces(path, on=on) or open_sheets(path)
        if streamable_rdf(path):          # before JSON: a .json file may be JSON-LD
            return open_rdf_pieces(path)
        if streamable_json(path):
            return open_json_pieces(path)
    except UnreadableInput:
        pass
    return None


def open_sheets(path: str) -> PiecedFiles | None:
    """A workbook of one sheet per year (kg.read.profiles.chosen_sheets), its sheets in pieces one after another, as
    read_profiles reads it: each sheet's rows count on from the last row of the sheets before it, a sheet's year
    from its name where its title gives none, the sheets' own notes first, then their tables' warnings each once.
    None when it is not such a workbook, or a sheet is not a table the first pass reads (read whole then)."""
    import openpyxl

    from kg.read.profiles import YEAR_SHEET, chosen_sheets

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        return None
    try:
        names = [ws.title for ws in chosen_sheets(wb, None, [])]
    finally:
        wb.close()
    if len(names) < 2:
        return None
    sheets, offset = [], 0
    for name in names:
        sheet = open_pieces(path, sheet=name, sheet_year=int(YEAR_SHEET.match(name).group(1)), row_offset=offset)
        if sheet is None:
            return None
        sheets.append(sheet)
        offset = sheet.last_line
    notes = [w for s in sheets for w in s.warnings[:s.notes]]
    tables: list[dict] = []
    for s in sheets:
        tables += [w for w in s.warnings[s.notes:] if w not in tables]
    return PiecedFiles(sheets, [0] * len(sheets), notes + tables, Path(path).name)


def open_several(paths: list[str]) -> PiecedFiles:
    """The files as one batch (PiecedFiles): a file that can be read in pieces (`pieced`) after its first passes,
    any other read whole (read_named: a file it cannot read is the error naming it, as when the batch is read
    whole)."""
    sources: list = []
    offsets: list[int] = []
    warnings: list[dict] = []
    offset = 0
    for path in paths:
        source = pieced(path)
        if source is None:
            source = read_named(path)
        if offset and len(source):
            warnings.append(rows_counted_on(Path(str(path)).name, offset))
        warnings += source.warnings
        last = _last_row(source)
        if isinstance(source, PiecedFiles):         # a workbook of one sheet per year: its sheets, counted on
            sources += source.sources
            offsets += [o + offset for o in source.offsets]
        else:
            if isinstance(source, ProfileBatch):
                for r in source.regions:
                    r.row += offset
            sources.append(source)
            offsets.append(offset)
        offset = offset + last if len(source) else offset
    return PiecedFiles(sources, offsets, warnings, ", ".join(map(str, paths)))


def _last_row(source) -> int:
    """The number of a file's last region, in its own numbering."""
    if isinstance(source, PiecedFiles):
        return max((o + _last_row(s) for s, o in zip(source.sources, source.offsets) if len(s)), default=0)
    if isinstance(source, PiecedFile):
        return source.scan.last
    return max((r.row for r in source.regions), default=0)


def _companions(sources: list, offsets: list[int]) -> Companions:
    """The rule across rows over every source of a batch: their keys' hashes together (from the first passes), then
    the rows they may pair read again and checked as the rule checks them."""
    import numpy as np

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
    return Companions((r.row, r) for r in found if rule_key(r)[0] in exact)


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
