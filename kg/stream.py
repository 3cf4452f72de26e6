"""Advice for big batches: in chunks, on several processes, streamed out compactly.

`advise_to(batch, fp, …)` runs kg.advice.advise on chunks of about 10,000 regions
(so the output of the whole batch never exists at once), on `jobs` processes
(forked: they share the knowledge already loaded), and writes each chunk as soon
as it and the chunks before it are done, through orjson. The results are the
same whatever the number of jobs or the chunk size: every region is advised on
its own, and the only batch-wide rule — a region id used twice — is checked on
the whole batch (a batch with a repeated id is advised in one chunk).

Output forms (docs/advice-output.schema.json, versioned):
- "json" (default): one object; each measure carries its id, score and reasons,
  its labels and cases are in one shared `catalog` (as are the models' pathways
  and the type evidence behind the drivers) instead of repeated per region;
- "ndjson": the same records, one JSON document per line (a header line with the
  catalog, one line per region, a closing line with the summary);
- full=True: every region as kg.advice.advise gives it (the form before issue 12),
  for small files and reports."""
from __future__ import annotations

import math
import multiprocessing
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterator

import orjson

from .advice import advise
from .profiles import ProfileBatch

SCHEMA_VERSION = 1
SCHEMA_ID = "https://w3id.org/tanheng/schema/advice-output/1"
CHUNK = 10_000            # regions per chunk: ~130 MB of compact output at most, whatever the batch
REFERENCE_CHUNK = 5       # the reference path takes ~1 s a region: small chunks keep the progress bar moving
MIN_PER_JOB = 1_000       # below this many regions per process, forking costs more than it saves
FORMATS = ("json", "ndjson")
_MEASURE_STATIC = ("label_zh", "label_en", "common", "cases")
_DRIVER_STATIC = ("label_zh", "label_en", "unit_zh", "unit_en", "direction", "low", "high", "weight",
                  "rationale_zh", "rationale_en")


# ----------------------------------------------------------------------------- compact records

def catalog() -> dict:
    """What is the same for every region: each model's measures (labels, common, cases), each
    model's pathway, and the evidence of each type (what a driver's figure is weighed against)."""
    from . import pathway, reason
    from .indicators import indicators

    r = reason.rules()
    types = pathway.type_models()
    measures, pathways, evidence = {}, {}, {}
    for t in types.values():
        pathways[t.model_key] = pathway.model_pathways().get(t.model_iri, {"pools": [], "processes": []})
        for m in pathway.model_measures().get(t.model_iri, ()):
            fields, _, _ = reason._measure_static(t.model_iri, m.iri)
            measures.setdefault(fields["id"], {k: fields[k] for k in _MEASURE_STATIC})
    ind = indicators()
    for e in r.evidence:
        d = ind[e.indicator]
        evidence.setdefault(types[e.type_iri].key, {})[e.indicator] = {
            "label_zh": d.label_zh, "label_en": d.label_en, "unit_zh": d.unit_zh, "unit_en": d.unit_en,
            "direction": "increasing" if e.increasing else "decreasing", "low": e.low, "high": e.high,
            "weight": e.weight, "rationale_zh": e.rationale_zh, "rationale_en": e.rationale_en}
    return {"measures": measures, "pathways": pathways, "evidence": evidence}


def _compact_measures(ms: list[dict]) -> list[dict]:
    return [{"id": m["id"], "score": m["score"], "reasons": m["reasons"]} for m in ms]


def compact_region(r: dict) -> dict:
    """A region of kg.advice.advise without what the catalog holds: measures keep id, score and
    reasons; drivers keep indicator, value and contribution; the pathway is the model's."""
    out = {k: v for k, v in r.items() if k not in ("pathway", "measures", "drivers", "close_call")}
    out["measures"] = _compact_measures(r["measures"])
    out["drivers"] = [{k: v for k, v in d.items() if k not in _DRIVER_STATIC} for d in r["drivers"]]
    cc = r.get("close_call")
    if cc:
        cc = {k: v for k, v in cc.items() if k != "runner_up_pathway"}
        cc["runner_up_measures"] = _compact_measures(cc["runner_up_measures"])
    out["close_call"] = cc
    return out


# ----------------------------------------------------------------------------- chunks

def chunks(n: int, jobs: int, size: int = CHUNK) -> list[range]:
    """Consecutive row ranges: at most `size` regions, and enough pieces to keep `jobs` processes busy."""
    if n == 0:
        return [range(0)]
    per = min(size, max(MIN_PER_JOB, math.ceil(n / max(jobs, 1))))
    per = max(per, 1)
    return [range(a, min(a + per, n)) for a in range(0, n, per)]


def repeated_ids(batch: ProfileBatch) -> bool:
    """A region given twice for one year (a file may hold a region for several years)."""
    counts = Counter(r.key for r in batch.regions if r.region_id)
    return any(c > 1 for c in counts.values())


_WORK: dict = {}     # what forked workers inherit: the batch and the options


def _advise_chunk(index: int) -> tuple[bytes, dict, list, list]:
    """One chunk: its regions as encoded records, its summary counts, coefficients and batch warnings."""
    batch, span = _WORK["batch"], _WORK["spans"][index]
    sub = ProfileBatch(regions=batch.regions[span.start:span.stop],
                       warnings=batch.warnings if index == 0 else [], source_name=batch.source_name,
                       format=batch.format)
    res = advise(sub, coefficient_set=_WORK["coefficient_set"], lang=_WORK["lang"], engine=_WORK["engine"])
    regions = res["regions"] if _WORK["full"] else [compact_region(r) for r in res["regions"]]
    if _WORK["format"] == "ndjson":
        body = b"\n".join(orjson.dumps({"record": "region", **r}) for r in regions)
    else:
        body = b",".join(orjson.dumps(r) for r in regions)
    return body, res["summary"], res["coefficients"], res["batch_warnings"]


def _results(jobs: int) -> Iterator[tuple[bytes, dict, list, list]]:
    """Chunk results in order; with several jobs, at most 2 × jobs chunks are in flight."""
    n = len(_WORK["spans"])
    if jobs <= 1 or n == 1:
        for i in range(n):
            yield _advise_chunk(i)
        return
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        pending = [pool.submit(_advise_chunk, i) for i in range(min(n, 2 * jobs))]
        for i in range(n):
            result = pending[i].result()
            pending[i] = None
            if i + 2 * jobs < n:
                pending.append(pool.submit(_advise_chunk, i + 2 * jobs))
            yield result


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def advise_to(batch: ProfileBatch, fp, fmt: str = "json", full: bool = False, coefficient_set: str = "default",
              lang: str = "zh", jobs: int = 1, chunk: int | None = None,
              progress: Callable[[int, int], None] | None = None, engine: str = "fast") -> dict:
    """Advise the batch and write it to the binary file `fp`; returns the summary.
    `progress(done, total)` is called after each chunk is written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")
    from .balance import compile_set

    compile_set(coefficient_set)         # an unknown set is the user's error before anything is written
    n = len(batch.regions)
    one_piece = repeated_ids(batch)      # the repeated-id rule needs the whole batch at once
    chunk = chunk or (CHUNK if engine == "fast" else REFERENCE_CHUNK)
    spans = [range(n)] if one_piece else chunks(n, jobs, chunk)
    _WORK.update(batch=batch, spans=spans, coefficient_set=coefficient_set, lang=lang, full=full, format=fmt,
                 engine=engine)
    head_catalog = catalog()             # also loads the knowledge before workers fork, so they share it
    if jobs > 1 and len(spans) > 1:
        advise(ProfileBatch(regions=batch.regions[:1]), coefficient_set=coefficient_set)  # rules, shapes, set
    head = {"schema": SCHEMA_ID, "schema_version": SCHEMA_VERSION, "form": "full" if full else "compact",
            "coefficient_set": coefficient_set}
    if not full:
        head["catalog"] = head_catalog
    summary = {"total": 0, "valid": 0, "invalid": 0}
    coefficients: dict[str, dict] = {}
    warnings: list = []
    try:
        if fmt == "ndjson":
            fp.write(orjson.dumps({"record": "header", **head}) + b"\n")
        else:
            fp.write(orjson.dumps(head)[:-1] + b',"regions":[')
        done = 0
        for i, (body, s, coefs, batch_warnings) in enumerate(_results(jobs if not one_piece else 1)):
            if body:
                fp.write(body + b"\n" if fmt == "ndjson" else (b"," if done else b"") + body)
            for k in summary:
                summary[k] += s[k]
            for c in coefs:
                coefficients.setdefault(c["id"], c)
            warnings += batch_warnings
            done += len(spans[i])
            if progress:
                progress(done, n)
        tail = {"summary": summary, "batch_warnings": warnings, "coefficients": list(coefficients.values())}
        if fmt == "ndjson":
            fp.write(orjson.dumps({"record": "summary", **tail}) + b"\n")
        else:
            fp.write(b"]," + orjson.dumps(tail)[1:] + b"\n")
    finally:
        _WORK.clear()
    return summary
