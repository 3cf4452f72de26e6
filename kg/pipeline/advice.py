"""The advice pipeline — read → validate → account → reason → present — behind
one call, `advise(batch, …)`, which both `tanheng advise` and the app use.

Invalid regions are listed with their violations and left out of the rest;
the valid ones of the same batch are still advised."""
from __future__ import annotations

import hashlib
from typing import Callable

import orjson

from kg.present.advice import present
from kg.present.compact import records as compact_records
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
        key = tuple(id(balance[k]) for k in BASIS)
        digest = self._by_objects.get(key)
        if digest is None:
            basis = {k: balance[k] for k in BASIS}
            digest = "b-" + hashlib.blake2b(orjson.dumps(basis, option=orjson.OPT_SORT_KEYS), digest_size=8).hexdigest()
            self._by_objects[key] = digest
            self.found.setdefault(digest, basis)
        out = {k: v for k, v in balance.items() if k not in _NOT_OWN}
        out["basis"] = digest
        return out


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
    """The coefficient records of the batch's accounts, each once. The regions of a plan share one list of them
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
    rows = [r.values for r in checked.valid]
    numbers = checked.valid_numbers()        # the number columns validation read, for accounting and reasoning
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


def advise_encoded(batch, coefficient_set: str = "default", engine: str = "fast", first: dict | None = None) -> dict:
    """advise(compact=True) with each region already encoded: "regions" holds the bytes of each region's JSON
    object, `first` (e.g. NDJSON's {"record": "region"}) its first keys. The fast engine's are written from the
    reasoning's arrays (kg.reason.fast.reason_arrays, kg.present.compact) without a Verdict or a dict of measures
    per region; the reference engine's are its compact dicts, encoded. "basis_of": the basis each region's
    balance names (None for an invalid one)."""
    first = first or {}
    if engine != "fast":
        res = advise(batch, coefficient_set, engine=engine, compact=True)
        res["basis_of"] = [r["balance"]["basis"] if r["valid"] else None for r in res["regions"]]
        res["regions"] = [orjson.dumps({**first, **r}) for r in res["regions"]]
        return res
    checked, rows, numbers, accounts = _accounted(batch, coefficient_set)
    valid, balances = checked.valid, accounts.balances
    bases = Bases()
    views = [bases.view(b) for b in balances]
    encoded = compact_records(reason.reason_arrays(rows, balances, numbers=numbers, accounts=accounts),
                              [{**first, **_head(r, checked.results_of(r), True)} for r in valid], views,
                              [v.get("official_zone_type") for v in rows])
    advised = dict(zip(map(id, valid), zip(encoded, views)))
    regions, basis_of = [], []
    for r in batch.regions:
        done = advised.get(id(r))
        if done is not None:
            regions.append(done[0])
            basis_of.append(done[1]["basis"])
        else:
            regions.append(orjson.dumps({**first, **_invalid(_head(r, checked.results_of(r), False), r, True)}))
            basis_of.append(None)
    total = len(batch.regions)
    return {"summary": {"total": total, "valid": len(advised), "invalid": total - len(advised)},
            "regions": regions, "batch_warnings": checked.batch_results, "coefficient_set": coefficient_set,
            "coefficients": _coefficients(balances), "bases": bases.found, "basis_of": basis_of}
