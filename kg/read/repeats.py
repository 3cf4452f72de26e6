"""The one rule across rows, for a batch checked in pieces (issue 12).

Every shape of rules/profile-shapes.ttl reads one row but ths:UniqueRegionIdShape: a region id given twice for
one year — or twice, one of the rows without a year — is a violation on each of those rows. A piece of a batch
(a chunk of kg.pipeline.stream, a piece of a big file from kg.read.chunked) is validated alone, so it carries
its *companions* (ProfileBatch.companions): the rows elsewhere in the batch that share an id with one of its
rows and that the rule could pair with them. kg.validate runs the rule's query over the piece and its
companions and keeps what it finds about the piece's own rows: the same violations, messages and rows as the
whole batch gives, without the whole batch in one piece.

Which ids need companions is decided from (id, year) as the rule's query compares them: the id and the year
as the batch's RDF writes them (a value's lexical form, a bad cell as given; no year: unbound). A file with a
region over several years (each once) needs none; a file with one id repeated carries its two rows."""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from kg.read.profiles import Region, column_by_key, lexical_form


def _literal(r: Region, key: str) -> str | None:
    """The cell as ProfileBatch._literals writes it into the rule's store (None: no triple)."""
    v = r.values.get(key)
    if v is not None:
        return lexical_form(v, column_by_key()[key].datatype)
    return r.raw.get(key)


def rule_key(r: Region) -> tuple[str | None, str | None]:
    """(region id, year) as the rule compares them."""
    return _literal(r, "region_id"), _literal(r, "year")


def paired_ids(keys: Iterable[tuple[str | None, str | None]]) -> set[str]:
    """Ids the rule may flag: given twice for one year, or more than once with a row without a year."""
    keys = [k for k in keys if k[0] is not None]
    per_key = Counter(keys)
    per_id = Counter(i for i, _ in keys)
    return {i for (i, year), n in per_key.items() if n > 1 or (year is None and per_id[i] > 1)}


def paired_hashes(ids, keys, no_year):
    """paired_ids on hashes (numpy arrays of one row each: the hash of its id, of (id, year), whether the year is
    missing), for rows never held together: which rows are of an id the rule may flag. Two equal hashes only add
    rows (read again and checked by paired_ids), never miss one."""
    import numpy as np

    key_values, key_counts = np.unique(keys, return_counts=True)
    id_values, id_counts = np.unique(ids, return_counts=True)
    repeated = np.isin(keys, key_values[key_counts > 1])
    open_year = no_year & np.isin(ids, id_values[id_counts > 1])
    return np.isin(ids, ids[repeated | open_year])


class Companions:
    """The rows of a batch the rule may pair, by id, each with its place (a position in the batch, or a file row
    number) so that a piece leaves its own rows out."""

    def __init__(self, rows: Iterable[tuple[int, Region]]):
        self.by_id: dict[str, list[tuple[int, Region]]] = {}
        for place, r in rows:
            self.by_id.setdefault(_literal(r, "region_id"), []).append((place, r))

    @classmethod
    def of_batch(cls, regions: list[Region]) -> "Companions":
        """A batch in memory: places are positions in `regions`."""
        keys = [rule_key(r) for r in regions]
        paired = paired_ids(keys)
        return cls((p, r) for p, (r, k) in enumerate(zip(regions, keys)) if k[0] in paired)

    def __bool__(self) -> bool:
        return bool(self.by_id)

    def of(self, regions: list[Region], places) -> list[Region]:
        """The companions of a piece: its `regions`, at `places` (a range of positions, a set of rows)."""
        if not self.by_id:
            return []
        ids = dict.fromkeys(i for r in regions if (i := _literal(r, "region_id")) in self.by_id)
        return [r for i in ids for p, r in self.by_id[i] if p not in places]
