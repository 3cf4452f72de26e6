"""The advice pipeline — read → validate → account → reason → present — behind
one call, `advise(batch, …)`, which both `tanheng advise` and the app use.

Invalid regions are listed with their violations and left out of the rest;
the valid ones of the same batch are still advised."""
from __future__ import annotations

import hashlib
from typing import Callable

import orjson

from kg.present.advice import present
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


def advise(batch, coefficient_set: str = "default", lang: str = "zh", progress: Progress | None = None,
           engine: str = "fast", compact: bool = False) -> dict:
    """Advice for every region of a ProfileBatch (see docs/CONVENTIONS.md for the JSON).
    `progress(done, total)` is called as regions are done. The result always carries
    both languages; `lang` is the caller's language, kept for the renderers. `compact`: each region
    in the compact form of kg.pipeline.stream (measures, drivers, pathways and reason sentences left to its
    catalog, reasons as references; each balance names its basis in the result's `bases`)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    checked = check(batch)
    valid = checked.valid
    rows = [r.values for r in valid]
    numbers = checked.valid_numbers()        # the number columns validation read, for accounting and reasoning
    accounts = account_batch(rows, coefficient_set, numbers=numbers)
    balances = accounts.balances
    verdicts = _verdicts(engine, [r.region_id for r in valid], rows, balances, progress if engine != "fast" else None,
                         numbers, accounts)
    advised = {id(r): (v, b) for r, v, b in zip(valid, verdicts, balances)}
    coefficients = {}
    for b in balances:
        for c in b.get("coefficients", ()):
            coefficients.setdefault(c["id"], c)
    regions = []
    bases = Bases() if compact else None
    total = len(batch.regions)
    for n, r in enumerate(batch.regions, start=1):
        results = checked.results_of(r)
        entry = {"region_id": r.region_id, "name": r.name, "year": r.values.get("year"), "row": r.row,
                 "valid": id(r) in advised,
                 "violations": [x for x in results if x["severity"] == "violation"],
                 "warnings": [x for x in results if x["severity"] == "warning"],
                 "notes": [x for x in results if x["severity"] == "info"]}
        if id(r) in advised:
            v, b = advised[id(r)]
            entry.update(present(v, r.values.get("official_zone_type"), compact))
            entry["balance"] = bases.view(b) if compact else _balance_view(b)
        else:
            entry.update({"type": None, "type_scores": None, "drivers": [], "model": None, "measures": [],
                          "pathway": {"pools": [], "processes": []}, "indicators": {}, "balance": None,
                          "official_zone_type": r.values.get("official_zone_type") or None,
                          "zone_agreement": None, "close_call": None,
                          "type_basis": None, "inferred_type": None, "secondary": None})
            if compact:
                del entry["pathway"]
        regions.append(_compact(entry) if compact else entry)
        if progress and engine == "fast":
            progress(n, total)
    return {"summary": {"total": total, "valid": len(advised), "invalid": total - len(advised)},
            "regions": regions,
            "batch_warnings": checked.batch_results,
            "coefficient_set": coefficient_set,
            "coefficients": list(coefficients.values()),
            **({"bases": bases.found} if compact else {})}
