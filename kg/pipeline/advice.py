"""The advice pipeline — read → validate → account → reason → present — behind
one call, `advise(batch, …)`, which both `tanheng advise` and the app use.

Invalid regions are listed with their violations and left out of the rest;
the valid ones of the same batch are still advised."""
from __future__ import annotations

import hashlib
from collections import deque
from itertools import accumulate, chain, repeat
from typing import Callable

import numpy as np
import orjson

from kg.present.advice import present
from kg.present.compact import HOLE, numbers, records as compact_records, rows_of, template
from kg.reason import fast as reason
from kg.reason.verdict import Verdict
from kg.account.balance import account_batch
from kg.validate import check

ENGINES = ("fast", "reference")
Progress = Callable[[int, int], None]


def _balance_view(balance: dict) -> dict:
    """The balance without its coefficient records (listed once for the whole batch)."""
    return {k: v for k, v in balance.items() if k != "coefficients"}


# What an account says of how it was made rather than of the region's numbers: the same for every region of a plan
# (kg.account.balance.plans — same inputs reported, year, grid region, province). The compact form gives it once per
# batch in `bases`, each region's balance naming its basis by a digest of the content.
BASIS = ("boundary", "gwp_set", "coefficient_set", "year_of_factors", "missing_lines", "assumptions",
         "factor_choices", "not_counted", "ipcc_categories")


class Bases:
    """The bases of the compact balances of one batch: {digest: basis}, in the order the regions first name them
    (kg.pipeline.stream writes each just before that region). A plan's regions share the very
    objects of their basis, so each is digested once, looked up by identity while the accounts are alive."""

    def __init__(self):
        self.found: dict[str, dict] = {}
        self._by_objects: dict[tuple, str] = {}

    def view(self, balance: dict) -> dict:
        """The compact balance: the region's own figures and "basis", the digest of the rest."""
        out = {k: v for k, v in balance.items() if k not in _NOT_OWN}
        out["basis"] = self.digest(balance)
        return out

    def digest(self, balance: dict) -> str:
        """The digest of a balance's basis (a plan's regions share it), the basis kept in `found`."""
        key = tuple(id(balance[k]) for k in BASIS)
        digest = self._by_objects.get(key)
        if digest is None:
            basis = {k: balance[k] for k in BASIS}
            digest = "b-" + hashlib.blake2b(orjson.dumps(basis, option=orjson.OPT_SORT_KEYS), digest_size=8).hexdigest()
            self._by_objects[key] = digest
            self.found.setdefault(digest, basis)
        return digest


def balance_texts(accounts, bases: Bases) -> tuple[list[bytes], list[str]]:
    """Each region's compact balance (Bases.view) encoded, and the digest of its basis, written per plan of the
    accounts (kg.account.balance.Accounts.plans) rather than region by region: a plan's regions have the same keys
    and the same values but for its figures' arrays, so the plan's view is encoded once as a template with a hole
    for each array, and each array's figures for all its regions by one orjson call (the same numbers as the
    regions' balances hold: account_batch takes them from these arrays)."""
    n = accounts.n
    texts: list = [None] * n
    digests: list = [None] * n
    for idx, plan in sorted(accounts.plans, key=lambda p: p[0][0]):     # bases found in the order first named
        digest = bases.digest(plan)
        holes: list = []

        def holed(value):
            if isinstance(value, np.ndarray):
                holes.append(value)
                return HOLE
            return value
        view = {k: {a: holed(x) for a, x in v.items()} if k in _AMOUNTS and isinstance(v, dict) else holed(v)
                for k, v in plan.items() if k not in _NOT_OWN}
        view["basis"] = digest
        m = len(idx)
        if holes:
            tmpl = template(view)
            made = [tmpl % t for t in _figures([h if h.shape == (m,) else np.broadcast_to(h, m) for h in holes])]
        else:
            made = [orjson.dumps(view)] * m
        deque(map(texts.__setitem__, idx, made), 0)
        deque(map(digests.__setitem__, idx, repeat(digest)), 0)
    return texts, digests


def _figures(columns: list[np.ndarray]):
    """Each region's figures of these columns, encoded, as a tuple: one orjson call for a table of floats (None, as
    a ratio's object array holds where it has no value, written as NaN is: null), else one per column."""
    floats = []
    for c in columns:
        if c.dtype == object:
            values = c.tolist()
            if not all(x is None or x.__class__ is float for x in values):
                return zip(*map(numbers, columns))
            c = np.array([np.nan if x is None else x for x in values], dtype=float)
        elif c.dtype != np.float64:
            return zip(*map(numbers, columns))
        floats.append(c)
    return rows_of(numbers(np.column_stack(floats)), len(floats))


_AMOUNTS = ("by_source", "by_sink", "by_table1", "stocks", "memo")
_NOT_OWN = frozenset(BASIS) | {"coefficients"}


def _verdicts(engine: str, ids, rows, balances, progress: Progress | None, numbers=None,
              accounts=None) -> list[Verdict]:
    if engine == "fast":
        return reason.reason_batch(rows, balances, numbers=numbers, accounts=accounts)
    from kg.reason import reference as reason_reference

    out = []
    for n, (i, v, b) in enumerate(zip(ids, rows, balances), start=1):
        out.append(reason_reference.reason_one(i, v, b))
        if progress:
            progress(n, len(rows))
    return out


def _compact(entry: dict) -> dict:
    """A region in the compact form's key order (docs/advice-output.schema.json): the fields the catalog
    shortens last, no pathway."""
    out = {k: v for k, v in entry.items() if k not in _LAST}
    for k in _LAST:
        out[k] = entry[k]
    return out


_LAST = ("secondary", "measures", "drivers", "close_call")


def _head(r, results: list[dict], valid: bool) -> dict:
    """What every region's advice begins with: who it is and what validation found."""
    return {"region_id": r.region_id, "name": r.name, "year": r.values.get("year"), "row": r.row, "valid": valid,
            "violations": [x for x in results if x["severity"] == "violation"],
            "warnings": [x for x in results if x["severity"] == "warning"],
            "notes": [x for x in results if x["severity"] == "info"]}


def _invalid(entry: dict, r, compact: bool) -> dict:
    """An invalid region's advice: its head and empty fields (compact: in the compact form's key order)."""
    entry.update({"type": None, "type_scores": None, "drivers": [], "model": None, "measures": [],
                  "pathway": {"pools": [], "processes": []}, "indicators": {}, "balance": None,
                  "official_zone_type": r.values.get("official_zone_type") or None,
                  "zone_agreement": None, "close_call": None,
                  "type_basis": None, "inferred_type": None, "secondary": None})
    if compact:
        del entry["pathway"]
        return _compact(entry)
    return entry


def _coefficients(balances: list[dict]) -> list[dict]:
    """The coefficient records of the batch's accounts (the regions' balances, or the plans' accounts: the same
    lists in the same order of first appearance), each once. The regions of a plan share one list of them
    (kg.account.balance): each list is walked once (1,000 regions: 7 lists instead of 45,000 records)."""
    coefficients: dict[str, dict] = {}
    walked: set[int] = set()
    for b in balances:
        listed = b.get("coefficients", ())
        if id(listed) not in walked:
            walked.add(id(listed))
            for c in listed:
                coefficients.setdefault(c["id"], c)
    return list(coefficients.values())


def _accounted(batch, coefficient_set: str):
    """The batch checked, its valid rows' values, their number columns (read by validation) and their accounts."""
    checked = check(batch)
    numbers = checked.valid_numbers()        # the number columns validation read, for accounting and reasoning
    rows = numbers.rows                      # the valid rows' value dicts, each made when read (kg.read.numbers.Rows)
    return checked, rows, numbers, account_batch(rows, coefficient_set, numbers=numbers)


def advise(batch, coefficient_set: str = "default", lang: str = "zh", progress: Progress | None = None,
           engine: str = "fast", compact: bool = False) -> dict:
    """Advice for every region of a ProfileBatch (see docs/CONVENTIONS.md for the JSON).
    `progress(done, total)` is called as regions are done. The result always carries
    both languages; `lang` is the caller's language, kept for the renderers. `compact`: each region
    in the compact form of kg.pipeline.stream (measures, drivers, pathways and reason sentences left to its
    catalog, reasons as references; each balance names its basis in the result's `bases`) — the reference
    engine's; advise_encoded writes the fast engine's from its arrays."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    checked, rows, numbers, accounts = _accounted(batch, coefficient_set)
    valid, balances = checked.valid, accounts.balances
    verdicts = _verdicts(engine, [r.region_id for r in valid], rows, balances, progress if engine != "fast" else None,
                         numbers, accounts)
    advised = {id(r): (v, b) for r, v, b in zip(valid, verdicts, balances)}
    regions = []
    bases = Bases() if compact else None
    total = len(batch.regions)
    for n, r in enumerate(batch.regions, start=1):
        entry = _head(r, checked.results_of(r), id(r) in advised)
        if id(r) in advised:
            v, b = advised[id(r)]
            entry.update(present(v, r.values.get("official_zone_type"), compact))
            entry["balance"] = bases.view(b) if compact else _balance_view(b)
            regions.append(_compact(entry) if compact else entry)
        else:
            regions.append(_invalid(entry, r, compact))
        if progress and engine == "fast":
            progress(n, total)
    return {"summary": {"total": total, "valid": len(advised), "invalid": total - len(advised)},
            "regions": regions,
            "batch_warnings": checked.batch_results,
            "coefficient_set": coefficient_set,
            "coefficients": _coefficients(balances),
            **({"bases": bases.found} if compact else {})}


def _head_texts(valid: list, checked, first: dict) -> list[bytes]:
    """Each valid region's head (_head, after `first`'s keys) encoded without its closing brace."""
    tmpl = template({**first, "region_id": HOLE, "name": HOLE, "year": HOLE, "row": HOLE, "valid": True,
                     "violations": HOLE, "warnings": HOLE, "notes": HOLE})[:-1]
    results = list(map(checked.results_of, valid))
    said = [b"[]"] * len(valid)
    violations, warnings, notes = said, said[:], said[:]
    for i in [i for i, x in enumerate(results) if x]:
        h = _head(valid[i], results[i], True)
        violations[i], warnings[i], notes[i] = (orjson.dumps(h[k]) for k in ("violations", "warnings", "notes"))
    dumps = orjson.dumps
    return [tmpl % t for t in zip(map(dumps, [r.region_id for r in valid]), map(dumps, [r.name for r in valid]),
                                  map(dumps, checked.valid_numbers().cells("year")), map(dumps, [r.row for r in valid]),
                                  violations, warnings, notes)]


def advise_encoded(batch, coefficient_set: str = "default", engine: str = "fast", first: dict | None = None,
                   sep: bytes = b",", apart: bool = False, arrays: bool = False) -> dict:
    """advise(compact=True) with its regions already encoded: "body" holds each region's JSON object, `first`
    (e.g. NDJSON's {"record": "region"}) its first keys, one after the other with `sep` between them, and "at"
    where in it the first region naming each basis begins ({digest: offset}); `apart`: "regions" holds each
    region's bytes too. The fast engine's are written from the reasoning's arrays (kg.reason.fast.reason_arrays,
    kg.present.compact) without a Verdict, a dict of measures or (not apart) a bytes object per region; the
    reference engine's are its compact dicts, encoded. `arrays` (fast engine): "arrays" holds what the records
    were written from — {"checked", "accounts", "verdicts"} — for the tidy results (kg.pipeline.results)."""
    first = first or {}
    regions = batch.regions
    if engine != "fast":
        res = advise(batch, coefficient_set, engine=engine, compact=True)
        records = res.pop("regions")
        return {**res, **_joined([(orjson.dumps({**first, **x}),) for x in records],
                                 [x["balance"]["basis"] if x["valid"] else None for x in records], sep, True)}
    checked, values, numbers, accounts = _accounted(batch, coefficient_set)
    valid = checked.valid
    bases = Bases()
    balances, digests = balance_texts(accounts, bases)
    ends = [b"}" if apart else b"}" + sep] * len(valid)
    if valid and valid[-1] is regions[-1]:
        ends[-1] = b"}"
    verdicts = reason.reason_arrays(values, None, numbers=numbers, accounts=accounts)
    encoded = compact_records(verdicts, _head_texts(valid, checked, first), balances,
                              numbers.cells("official_zone_type"), ends)
    if len(valid) == len(regions):
        rows, named = list(encoded), digests
    else:       # the invalid regions in their places, each one piece
        advised = set(map(id, valid))
        places = [p for p, r in enumerate(regions) if id(r) in advised]
        rows, named = [None] * len(regions), [None] * len(regions)
        deque(map(rows.__setitem__, places, encoded), 0)
        deque(map(named.__setitem__, places, digests), 0)
        last = len(regions) - 1
        for p in [p for p, x in enumerate(rows) if x is None]:
            r = regions[p]
            rows[p] = (orjson.dumps({**first, **_invalid(_head(r, checked.results_of(r), False), r, True)}),
                       sep if p < last and not apart else b"")
    total = len(regions)
    return {"summary": {"total": total, "valid": len(valid), "invalid": total - len(valid)},
            **_joined(rows, named, sep, apart),
            "batch_warnings": checked.batch_results, "coefficient_set": coefficient_set,
            "coefficients": _coefficients([plan for _, plan in accounts.plans]), "bases": bases.found,
            **({"arrays": {"checked": checked, "accounts": accounts, "verdicts": verdicts}} if arrays else {})}


def _joined(rows: list[tuple], named: list, sep: bytes, apart: bool) -> dict:
    """The body from each region's pieces (apart: each region's joined, then the regions with `sep` between;
    otherwise each but the last region's pieces end with `sep`, and all are joined at once) and where the first
    region naming each basis begins in it, the pieces' lengths counted only up to the last of those regions."""
    firsts: dict[str, int] = {}
    for p, d in enumerate(named):
        if d is not None:
            firsts.setdefault(d, p)
    upto = max(firsts.values(), default=0)
    out = {}
    if apart:
        out["regions"] = rows = list(map(b"".join, rows))
        out["body"] = sep.join(rows)
        lengths = [len(x) + len(sep) for x in rows[:upto]]
    else:
        out["body"] = b"".join(chain.from_iterable(rows))
        lengths = [sum(map(len, x)) for x in rows[:upto]]
    offsets = [0, *accumulate(lengths)]
    out["at"] = {d: offsets[p] for d, p in firsts.items()}
    return out
