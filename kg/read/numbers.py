"""A batch's number columns, made once (issue 12): validation (kg.validate), accounting (kg.account.balance) and
the reasoning's indicators (kg.reason.indicators) read the same cells as float arrays instead of each converting
the regions' value dicts again.

A column is given only when every cell of it is a plain number or blank (int, float, None — what the reader makes
of a number cell); any other cell (a text, a bool, a Decimal …) and the column is not given (None): the caller
then reads the cells one by one as it always did, so the arrays never decide what a cell means."""
from __future__ import annotations

import operator
from itertools import compress, groupby, repeat
from collections.abc import Sequence

import numpy as np

_PLAIN = frozenset({int, float, type(None)})


class Numbers:
    """The number columns of some value dicts (a batch's regions' `values`, file order). `numbers(key)`:
    (x, blank) — x float64, float() of each cell (NaN where it is None; a float NaN or inf cell stays itself),
    blank the cells that are None — or None when a cell is not a plain number. The dicts must not change once
    a column was read."""

    def __init__(self, rows: list[dict]):
        self.rows = rows
        self.n = len(rows)
        self._columns: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}
        self._cells: dict[str, tuple] = {}             # the columns walked, by key

    def cells(self, key: str) -> tuple:
        """rows[i].get(key) of every row (one C-level pass: measured faster than transposing every column at once,
        and a column a reader put, or nobody asks for, is never walked; regions' Rows give theirs without making
        the dicts not made yet)."""
        col = self._cells.get(key)
        if col is None:
            if isinstance(self.rows, Rows) and self.rows.lazy():
                col = self._cells[key] = self.rows.cells(key)
                return col
            try:
                col = tuple(map(operator.itemgetter(key), self.rows))
            except (KeyError, TypeError):            # rows without the key (or not dicts)
                col = tuple(r.get(key) for r in self.rows)
            self._cells[key] = col
        return col

    def __call__(self, key: str) -> tuple[np.ndarray, np.ndarray] | None:
        try:
            return self._columns[key]
        except KeyError:
            pass
        out = self._columns[key] = self._read(key)
        return out

    def put(self, key: str, x: np.ndarray, blank: np.ndarray) -> None:
        """A column a columnar reader already holds (the same numbers the dicts hold; read-only from then on)."""
        self._columns[key] = (x, blank)

    def _read(self, key: str) -> tuple[np.ndarray, np.ndarray] | None:
        cells = self.cells(key)
        if cells.count(None) == len(cells):          # a column no row gives (or no rows)
            return np.full(self.n, np.nan), np.ones(self.n, bool)
        kinds = set(map(type, cells))
        if not kinds <= _PLAIN:
            return None
        try:
            x = np.array(cells, dtype=float)         # as float() does, None → NaN
        except OverflowError:                        # an int beyond any float: read cell by cell
            return None
        blank = np.isnan(x)
        if float in kinds and blank.any():           # a float NaN cell is a number, not a blank
            blank[[i for i in np.flatnonzero(blank) if cells[i] is not None]] = False
        return x, blank

    def take(self, indices: list[int]) -> "Numbers":
        """The same columns over the rows at `indices` (e.g. the valid regions), each taken from this one's when
        first asked for."""
        if len(indices) == self.n and (self.n == 0 or (indices[0] == 0 and indices[-1] == self.n - 1)):
            return self
        return _Taken(self, indices)


class _Taken(Numbers):
    def __init__(self, whole: Numbers, indices: list[int]):
        rows = whole.rows
        super().__init__(rows.take(indices) if isinstance(rows, Rows) else [rows[i] for i in indices])
        self._whole, self._at = whole, np.asarray(indices, dtype=np.intp)
        self._pick = operator.itemgetter(*indices) if len(indices) > 1 else None   # a tuple's items at once

    def cells(self, key: str) -> tuple:
        col = self._whole.cells(key)
        return self._pick(col) if self._pick is not None else tuple(col[i] for i in self._at.tolist())

    def _read(self, key: str):
        got = self._whole(key)
        return None if got is None else (got[0][self._at], got[1][self._at])


class Rows(Sequence):
    """The value dicts of some regions (kg.read.profiles), each read when asked for: a region that makes its dict
    when first read (ColumnRegion, a big CSV's) does not make it for its cells to be read (`cells`), nor for
    another region's dict. Iterating reads them all (once: then kept as a list)."""

    def __init__(self, regions: list):
        self.regions = regions
        self._all: list[dict] | None = None
        self._runs: list | None = None

    def __len__(self) -> int:
        return len(self.regions)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [r.values for r in self.regions[i]]
        return self.regions[i].values

    def __iter__(self):
        if self._all is None:
            self._all = [r.values for r in self.regions]
        return iter(self._all)

    def lazy(self) -> bool:
        """Not all read yet, and some region's dict not made yet."""
        return self._all is None and any(columns is not None for columns, *_ in self.runs())

    def take(self, indices: list[int]) -> "Rows":
        regions = self.regions
        return Rows([regions[i] for i in indices])

    def cells(self, key: str) -> tuple:
        """Every region's values.get(key): a run of regions whose dicts are not made yet read from their columns
        (ColumnRegion.columns), the others from their dicts."""
        out: list = []
        for columns, first, stop, at in self.runs():
            if columns is None:
                out.extend(r.values.get(key) for r in self.regions[first:stop])
            elif isinstance(at, int):
                out.extend(columns.column(key)[at:at + stop - first])
            else:                              # (not in the columns' order)
                out.extend(operator.itemgetter(*at)(columns.column(key)) if len(at) > 1 else
                           [columns.column(key)[at[0]]])
        return tuple(out)

    def runs(self) -> list[tuple]:
        """(columns or None, first region, region after the last, the first's place in columns — or every one's
        when they are not in order) of consecutive regions read from the same columns or from their dicts."""
        if self._runs is None:
            state = list(map(vars, self.regions))
            own = list(map(dict.get, state, repeat("columns")))       # (a Region has none)
            for i in compress(range(len(state)), map(dict.__contains__, state, repeat("values"))):
                own[i] = None                 # its dict made: read from it (it may have been changed since)
            runs: list = []
            first = 0
            for columns, group in groupby(own):
                stop = first + len(list(group))
                at = None
                if columns is not None:
                    at = list(map(operator.itemgetter("at"), state[first:stop]))
                    if at == list(range(at[0], at[0] + len(at))):
                        at = at[0]
                runs.append((columns, first, stop, at))
                first = stop
            self._runs = runs
        return self._runs
