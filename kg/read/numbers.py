"""A batch's number columns, made once (issue 12): validation (kg.validate), accounting (kg.account.balance) and
the reasoning's indicators (kg.reason.indicators) read the same cells as float arrays instead of each converting
the regions' value dicts again.

A column is given only when every cell of it is a plain number or blank (int, float, None — what the reader makes
of a number cell); any other cell (a text, a bool, a Decimal …) and the column is not given (None): the caller
then reads the cells one by one as it always did, so the arrays never decide what a cell means."""
from __future__ import annotations

import operator

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
        and a column a reader put, or nobody asks for, is never walked)."""
        col = self._cells.get(key)
        if col is None:
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
        super().__init__([whole.rows[i] for i in indices])
        self._whole, self._at = whole, np.asarray(indices, dtype=np.intp)
        self._pick = operator.itemgetter(*indices) if len(indices) > 1 else None   # a tuple's items at once

    def cells(self, key: str) -> tuple:
        col = self._whole.cells(key)
        return self._pick(col) if self._pick is not None else tuple(col[i] for i in self._at.tolist())

    def _read(self, key: str):
        got = self._whole(key)
        return None if got is None else (got[0][self._at], got[1][self._at])
