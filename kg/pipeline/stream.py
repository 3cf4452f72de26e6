"""Advice for big batches: in chunks, on several processes, streamed out compactly.

`advise_to(batch, fp, …)` runs kg.pipeline.advice.advise on chunks of 2,000 regions (1,000 for the full form)
(so the output of the whole batch never exists at once), on `jobs` processes
(forked: they share the knowledge already loaded), and writes each chunk as soon
as it and the chunks before it are done, through orjson. The results are the
same whatever the number of jobs or the chunk size: every region is advised on
its own, and the only batch-wide rule — a region id used twice for one year — is
checked by each chunk with its companions, the rows elsewhere in the batch it pairs
them with (kg.read.repeats).
A big CSV file comes as a kg.read.chunked.PiecedFile: its pieces are read here while
the workers advise the pieces before (at most 2 × jobs in flight), so neither the
batch nor its output ever exists whole. With several jobs, its workers are forked
before it is opened (`workers`: polars' thread pool does not survive a fork, and only
a process forked before polars was first used may call it); they tell the blocks of its
first pass (kg.read.columnar), which this process takes in file order, and each reads
the pieces of those blocks it advises, told only their span: this process then does
the rest of the first pass and the writing, and no piece is pickled (284,400 regions:
see the commit).

Output forms (docs/schema/advice-output-2.schema.json, versioned):
- "json" (default): one object; each measure carries its id, score and reasons as
  references (kind and figures), its labels and cases are in one shared `catalog`
  (as are the reasons' sentences, the models' pathways and the type evidence behind
  the drivers) instead of repeated per region; each balance names its basis (how it
  was made: boundary, factor years, assumptions, what is not counted …), given once
  in `bases` after the regions;
- "ndjson": the same records, one JSON document per line (a header line with the
  catalog, a basis line before the first region naming it, one line per region, a
  closing line with the summary);
- full=True: every region as kg.pipeline.advice.advise gives it (the form before issue 12),
  for small files and reports."""
from __future__ import annotations

import contextlib
import dataclasses
import gc
import math
import mmap
import os
import shutil
import tempfile
from typing import Callable, Iterator

import orjson

from .advice import advise, advise_encoded
from kg.knowledge.cache import one_source
from kg.read.profiles import ProfileBatch
from kg.read.repeats import Companions

SCHEMA_VERSION = 2       # 2: reasons as references, balances' bases once (issue 12); 1 worded every reason
SCHEMA_ID = "https://w3id.org/tanheng/schema/advice-output/2"
# regions per chunk. Peak memory follows it; numpy's and the plans' cost per call spreads with it: each chunk costs
# ~9 ms whatever its size (28,440 generated regions, compact NDJSON in process: 53 µs a region at 1,000, 48 at 2,000,
# no less at 2,500 or 4,000). 284,400 regions --jobs 2, peak of the process tree: compact 414 MB at 1,000, 490 MB at
# 2,000; the full form (~3x bigger records) 693 MB at 1,000 and 1,022 MB at 2,000, so it stays at 1,000.
CHUNK = 2_000
FULL_CHUNK = 1_000
REFERENCE_CHUNK = 5       # the reference path takes ~1 s a region: small chunks keep the progress bar moving
MIN_PER_JOB = 1_000       # below this many regions per process, forking costs more than it saves
FORMATS = ("json", "ndjson")
_MEASURE_STATIC = ("label_zh", "label_en", "common", "extension", "cases")


# ----------------------------------------------------------------------------- compact records

def catalog() -> dict:
    """What is the same for every region: each model's measures (labels, common, cases), each
    model's pathway, the evidence of each type (what a driver's figure is weighed against) and what the
    reasons' references are worded with (kg.present.advice.reason_catalog)."""
    from kg.knowledge import pathway
    from kg.knowledge.rules import indicators, rules
    from kg.present.advice import measure_fields, reason_catalog

    r = rules()
    types = pathway.type_models()
    measures, pathways, evidence = {}, {}, {}
    for t in types.values():
        pathways[t.model_key] = pathway.model_pathways().get(t.model_iri, {"pools": [], "processes": []})
        for m in pathway.model_measures().get(t.model_iri, ()):
            fields = measure_fields(t.model_iri, m.iri)
            measures.setdefault(fields["id"], {k: fields[k] for k in _MEASURE_STATIC})
    ind = indicators()
    for e in r.evidence:
        d = ind[e.indicator]
        evidence.setdefault(types[e.type_iri].key, {})[e.indicator] = {
            "label_zh": d.label_zh, "label_en": d.label_en, "unit_zh": d.unit_zh, "unit_en": d.unit_en,
            "direction": "increasing" if e.increasing else "decreasing", "low": e.low, "high": e.high,
            "weight": e.weight, "rationale_zh": e.rationale_zh, "rationale_en": e.rationale_en}
    return {"measures": measures, "pathways": pathways, "evidence": evidence, "reasons": reason_catalog()}


# ----------------------------------------------------------------------------- chunks

@contextlib.contextmanager
def fewer_collections():
    """Big batches allocate millions of small objects and few reference cycles: the cyclic garbage
    collector then costs ~30 % of the CPU (2,844 regions warm: 3.7–3.9 s → 2.6–2.7 s with this).
    What exists already (the knowledge) is frozen out of its scans and it runs 70× less often."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def chunks(n: int, jobs: int, size: int = CHUNK) -> list[range]:
    """Consecutive row ranges: at most `size` regions, enough pieces to keep `jobs` processes busy, and with
    several jobs a multiple of `jobs` pieces of equal size, so that no process is left alone with the last one
    (2,844 regions on 2 jobs: 4 pieces of 711, not 1,000 + 1,000 + 844, where one process advised 1,844)."""
    if n == 0:
        return [range(0)]
    per = max(1, min(size, max(MIN_PER_JOB, math.ceil(n / max(jobs, 1)))))
    count = math.ceil(n / per)
    if jobs > 1 and count > 1:            # one piece stays one: too small to be worth forking
        count = math.ceil(count / jobs) * jobs
        per = max(1, math.ceil(n / count))
    return [range(a, min(a + per, n)) for a in range(0, n, per)]


def advise_chunk(sub: ProfileBatch, opts: dict) -> tuple[bytes, dict, list, list, dict | None, list | None, list]:
    """One chunk, wherever it runs (this process, a forked one, a Dask worker): its regions as
    encoded records, its summary counts, coefficients, batch warnings, the bases its compact balances
    name as (NDJSON: where in the body the first region naming it begins, digest, basis), in the order the
    regions first name them ([] for the full form), with opts["results"]
    its tidy figures (a kg.pipeline.results.Tidy) for the gathering process to write and, with
    opts["keys"], each region's key figures (kg.history.key_figures) for a saved analysis — the fast engine's
    made from the arrays its records are written from, the others' from the records read back."""
    ndjson = opts["format"] == "ndjson"
    wanted = bool(opts.get("results") or opts.get("keys"))
    made = not opts["full"] and opts["engine"] == "fast"
    with one_source():
        if opts["full"]:
            res = advise(sub, coefficient_set=opts["coefficient_set"], lang=opts["lang"], engine=opts["engine"])
            encoded = [orjson.dumps(r) for r in res["regions"]]
            # NDJSON's lines begin {"record": "region", … (as advise_encoded writes the compact ones)
            body = b"\n".join([b'{"record":"region",' + r[1:] for r in encoded]) if ndjson else b",".join(encoded)
            at = {}
        else:
            res = advise_encoded(sub, coefficient_set=opts["coefficient_set"], engine=opts["engine"],
                                 first=_RECORD if ndjson else None, sep=b"\n" if ndjson else b",",
                                 apart=wanted and not made, arrays=wanted and made)
            body, at = res["body"], res["at"]

    def regions() -> Iterator[dict]:
        """The records themselves, as the bytes say (compact or full): each read back as it is used, so that one
        record at a time is alive (a chunk's 1,000 parsed records at once — ~400 objects each — made the garbage
        collector's scans cost twice the parse)."""
        return iter(res["regions"]) if opts["full"] else map(_record, res["regions"])
    rows = keys = None
    if made and wanted:       # the fast engine's records: results and key figures from the arrays they were written from
        from .results import advice_keys, advice_tidy

        if opts.get("results"):
            rows = advice_tidy(sub.regions, **res["arrays"], coefficient_set=opts["coefficient_set"])
        if opts.get("keys"):
            keys = advice_keys(sub.regions, **res["arrays"])
    elif wanted:              # the reference engine's or the full form: read back from the records
        from .results import tidy
        from kg.history import key_figures

        if opts.get("results"):
            rows = tidy(regions(), [r.values.get("year") for r in sub.regions], opts["coefficient_set"])
        if opts.get("keys"):
            keys = [key_figures(r) for r in regions()]
    # NDJSON: where in the body the first region naming each basis begins (the full form names none)
    bases = [(at[d] if ndjson else None, d, b) for d, b in res.get("bases", {}).items()]
    return body, res["summary"], res["coefficients"], res["batch_warnings"], rows, keys, bases


_RECORD = {"record": "region"}


def _record(encoded: bytes) -> dict:
    region = orjson.loads(encoded)
    region.pop("record", None)
    return region


def _piece(batch: ProfileBatch, spans: list[range], i: int, companions: Companions) -> ProfileBatch:
    span = spans[i]
    regions = batch.regions[span.start:span.stop]
    return dataclasses.replace(batch, regions=regions, warnings=batch.warnings if i == 0 else [],
                               companions=companions.of(regions, span))


def part_name(span: range) -> str:
    return f"rows-{span.start + 1:08d}-{span.stop:08d}"


_WORK: dict = {}     # what workers forked with the batch in memory inherit: the batch, its spans and companions, the options
_OPENED: dict = {}   # in a worker: the file after its first pass, loaded from where the parent pickled it


def _forked_chunk(i: int, spill: str):
    return _spilled(advise_chunk(_piece(_WORK["batch"], _WORK["spans"], i, _WORK["companions"]), _WORK["opts"]),
                    spill), 0


def _own_chunk(opened: str, span: range, opts: dict, spill: str):
    """A big file's piece read by the worker itself (kg.read.chunked.PiecedFile.piece) and advised; the file after
    its first pass is loaded once per worker from `opened` (its pickle); the codes it looked up by name go back with
    its result, for the file's mapping report."""
    source = _OPENED.get(opened)
    if source is None:
        import pickle

        _OPENED.clear()
        with open(opened, "rb") as f:
            source = _OPENED[opened] = pickle.load(f)
    piece, found = source.piece(span)
    return _spilled(advise_chunk(piece, opts), spill), found


def _piece_chunk(piece: ProfileBatch, opts: dict, spill: str):
    return _spilled(advise_chunk(piece, opts), spill), 0


def _spilled(result: tuple, spill: str) -> tuple:
    """A worker's chunk result with its records written to a file in `spill` (its name in their place): ~8.6 KB a
    region would otherwise be pickled, piped and unpickled to the parent (284,400 regions: 2.4 GB through a pipe)."""
    body = result[0]
    fd, path = tempfile.mkstemp(dir=spill, suffix=".chunk")
    with os.fdopen(fd, "wb") as f:
        f.write(body)
    return (path, *result[1:])


@contextlib.contextmanager
def _unspilled(path: str):
    """A spilled chunk's records, mapped (written out without a copy in this process), the file gone after."""
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                yield b""
                return
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            try:
                yield mapped
            finally:
                try:
                    mapped.close()
                except BufferError:     # still viewed (the writer stopped on an error): closed when collected
                    pass
    finally:
        os.unlink(path)


class Workers:
    """`jobs` processes forked now, with the knowledge loaded, for the chunks of one advice (`_results`).
    Made before a big CSV is opened (`workers`), they are forked before this process first uses polars, whose
    thread pool does not survive a fork (its first call in the child waits forever): they may then read their
    pieces of the file themselves with polars. `polars` says whether they may — False when this process had
    loaded polars before forking them (a library caller that read a file first, the tests): they are then sent
    their pieces read here."""

    def __init__(self, jobs: int, polars: bool = True):
        import multiprocessing                  # here, not at the top: one region never forks
        import sys
        from concurrent.futures import ProcessPoolExecutor

        self.jobs = jobs
        # polars only for workers that may read a file's pieces: forked for a batch in memory, they never do, and
        # importing it cost 2,844 regions +0.15–0.3 s and +50 MB (cf86f84; 6 pairs against 3491b70)
        self.polars = polars and "polars" not in sys.modules
        if self.polars:     # imported once for all (~0.14 s CPU): only its first call starts the threads a fork loses
            import polars  # noqa: F401
        # what this process holds (knowledge, rules, a batch) leaves the workers' collections, which would otherwise
        # walk it and so copy its pages into each worker (2,844 regions: 1.01 → 0.97 s wall, median of 6)
        gc.freeze()
        self.pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
        self.pool.submit(int)                   # a fork context starts every worker at the first task: now

    def close(self) -> None:
        try:
            self.pool.shutdown()
        finally:
            gc.unfreeze()


@contextlib.contextmanager
def workers(jobs: int, paths: list[str]) -> Iterator[Workers | None]:
    """For `advise_to(…, forked=)`: `jobs` workers forked now, before the one file of `paths` is opened, when it
    is a big CSV whose first pass uses polars (kg.read.chunked.read_as_columns); else None (workers are forked,
    if at all, when the batch is advised). The knowledge is loaded first, so that the workers share it."""
    from kg.read.chunked import read_as_columns

    if jobs <= 1 or len(paths) != 1 or not read_as_columns(paths[0]):
        yield None
        return
    catalog()
    forked = Workers(jobs)
    try:
        yield forked
    finally:
        forked.close()


def in_order(submit, n: int, window: int) -> Iterator:
    """Results of submit(0) … submit(n-1) in order, with at most `window` in flight (memory stays bounded).
    submit is called with 0, 1, 2 … in turn, so it may read the next piece of a file as it goes."""
    pending = {i: submit(i) for i in range(min(n, window))}
    for i in range(n):
        result = pending.pop(i).result()
        if i + window < n:
            pending[i + window] = submit(i + window)
        yield result


def _pieces(source, spans: list[range], companions: Companions) -> Iterator[ProfileBatch]:
    """The batch's pieces in order: cut from a batch in memory, or read from a file as they are asked for
    (kg.read.chunked.PiecedFile: only the pieces in flight exist at once)."""
    if isinstance(source, ProfileBatch):
        return (_piece(source, spans, i, companions) for i in range(len(spans)))
    return source.pieces(spans)


def _results(source, spans: list[range], opts: dict, jobs: int, cluster: str | None,
             forked: Workers | None = None) -> Iterator:
    """Chunk results in order: here, on `jobs` processes (`forked`, or forked here), or on a Dask cluster."""
    n = len(spans)
    # a batch in memory: the rows each of its chunks is checked with (a big file's pieces come with theirs)
    companions = Companions.of_batch(source.regions) if isinstance(source, ProfileBatch) and n > 1 else Companions(())
    if cluster:
        yield from _on_cluster(cluster, _pieces(source, spans, companions), n, opts)
    elif jobs <= 1 or n == 1:
        for piece in _pieces(source, spans, companions):
            yield advise_chunk(piece, opts)
    else:
        # the temporary folder (TMPDIR), not /dev/shm: a container's is often 64 MB, and the --full form's chunks in
        # flight can pass that; the files live for one chunk each, so they rarely leave the page cache
        spill = tempfile.mkdtemp(prefix="tanheng-chunks-")
        inherit = forked is None and isinstance(source, ProfileBatch)
        if inherit:                 # workers forked now inherit the batch and cut their pieces
            _WORK.update(batch=source, spans=spans, companions=companions, opts=opts)
        # a file read in pieces: the pieces a worker can read by itself (a big CSV's columnar blocks, when the workers
        # were forked before polars was used: it is told its span, reads those lines and makes their Regions) are
        # read there; the others (rows csv or openpyxl reads in turn, JSON, several files) are read here while
        # earlier ones are advised, pickled and sent
        own, opened, pieces = 0, None, None
        if not inherit:
            if forked is not None and forked.polars and getattr(source, "columns", None) is not None:
                own = next((i for i, span in enumerate(spans) if span.stop > source.own_pieces()), n)
            if own:
                import pickle

                opened = os.path.join(spill, "opened.pickle")
                with open(opened, "wb") as f:
                    pickle.dump(source.sent(), f, protocol=pickle.HIGHEST_PROTOCOL)
            if isinstance(source, ProfileBatch):
                pieces = ((piece, 0) for piece in _pieces(source, spans[own:], companions))
            else:
                pieces = source.read(spans[own:]) if hasattr(source, "own_pieces") else \
                    ((piece, 0) for piece in source.pieces(spans))
        found = 0
        mine = Workers(jobs, polars=False) if forked is None else None    # workers that will not read the file
        pool = (forked or mine).pool
        try:
            def submit(i: int):
                nonlocal found
                if inherit:
                    return pool.submit(_forked_chunk, i, spill)
                if i < own:                 # the worker reads its piece from the file
                    return pool.submit(_own_chunk, opened, spans[i], opts, spill)
                piece, here = next(pieces)  # read while earlier pieces are advised
                found += here
                return pool.submit(_piece_chunk, piece, opts, spill)
            for (path, *rest), there in in_order(submit, n, 2 * jobs):
                found += there
                with _unspilled(path) as body:
                    yield (body, *rest)
            if hasattr(source, "noted"):
                source.noted(found)
        finally:
            if mine is not None:
                mine.close()
            _WORK.clear()
            shutil.rmtree(spill, ignore_errors=True)


@contextlib.contextmanager
def cluster_client(address: str):
    """A Dask client: `address` is a scheduler (tcp://HOST:8786) or "local" for a LocalCluster of 2 worker
    processes here. Every worker needs this version of tanheng; results come back to this process."""
    from distributed import Client, LocalCluster

    if address == "local":
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        cluster, client = None, Client(address, timeout="20s")
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _on_cluster(address: str, pieces: Iterator[ProfileBatch], n: int, opts: dict) -> Iterator:
    """The chunks as tasks of a Dask cluster; the figures come back here and are written by this process."""
    with cluster_client(address) as client:
        running = max(1, len(client.scheduler_info()["workers"]))
        yield from in_order(lambda i: client.submit(advise_chunk, next(pieces), opts, pure=False), n, 2 * running)


def _first_region(source) -> ProfileBatch:
    if isinstance(source, ProfileBatch):
        return ProfileBatch(regions=source.regions[:1])
    return ProfileBatch(regions=next(source.pieces([range(1)])).regions)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def advise_to(batch, fp, fmt: str = "json", full: bool = False, coefficient_set: str = "default",
              lang: str = "zh", jobs: int = 1, chunk: int | None = None,
              progress: Callable[[int, int], None] | None = None, engine: str = "fast",
              cluster: str | None = None, results: str | None = None,
              keep_keys: Callable[[list[dict]], None] | None = None, forked: Workers | None = None) -> dict:
    """Advise the batch — a ProfileBatch, or a big file read in pieces as they are advised
    (kg.read.chunked.PiecedFile) — and write it to the binary file `fp`; returns the summary.
    `progress(done, total)` is called after each chunk is written. `cluster`: run the chunks on a
    Dask cluster (a scheduler address or "local"); `results`: also write the tidy figures to that
    Parquet dataset directory (kg.pipeline.results); `keep_keys(list)` receives each chunk's
    key figures (kg.history.key_figures), in order, e.g. to save the analysis in the store. `forked`: the
    processes of `jobs` when they were forked before the batch was opened (`workers()`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")
    from kg.account.balance import compile_set

    compile_set(coefficient_set)         # an unknown set is the user's error before anything is written
    n = len(batch)
    chunk = chunk or ((FULL_CHUNK if full else CHUNK) if engine == "fast" else REFERENCE_CHUNK)
    spans = chunks(n, jobs, chunk)
    opts = dict(coefficient_set=coefficient_set, lang=lang, full=full, format=fmt, engine=engine,
                results=str(results) if results else None, keys=keep_keys is not None)
    head_catalog = catalog()             # also loads the knowledge before workers fork, so they share it
    if jobs > 1 and len(spans) > 1 and forked is None:   # rules, shapes, set loaded before the workers fork
        advise(_first_region(batch), coefficient_set=coefficient_set)
    head = {"schema": SCHEMA_ID, "schema_version": SCHEMA_VERSION, "form": "full" if full else "compact",
            "coefficient_set": coefficient_set}
    if not full:
        head["catalog"] = head_catalog
    summary = {"total": 0, "valid": 0, "invalid": 0}
    coefficients: dict[str, dict] = {}
    warnings: list = []
    bases: dict[str, dict] = {}
    if fmt == "ndjson":
        fp.write(orjson.dumps({"record": "header", **head}) + b"\n")
    else:
        fp.write(orjson.dumps(head)[:-1] + b',"regions":[')
    done = 0
    pieces = _results(batch, spans, opts, jobs, cluster, forked)
    for i, (body, counts, coefs, batch_warnings, rows, keys, chunk_bases) in enumerate(pieces):
        if keys is not None:
            keep_keys(keys)
        if rows is not None:
            from .results import write_tidy

            write_tidy(results, part_name(spans[i]), rows)
        view, start = memoryview(body), 0
        for at, digest, basis in chunk_bases:
            if digest in bases:
                continue
            bases[digest] = basis
            if fmt == "ndjson":      # just before the first region naming it, wherever the chunks were cut
                fp.write(view[start:at])
                fp.write(orjson.dumps({"record": "basis", "id": digest, **basis}) + b"\n")
                start = at
        if body and fmt == "ndjson":
            fp.write(view[start:])
            fp.write(b"\n")
        elif body:
            if done:
                fp.write(b",")
            fp.write(view)
        view.release()          # a spilled chunk's mapping is closed when the next one is asked for
        for k in summary:
            summary[k] += counts[k]
        for c in coefs:
            coefficients.setdefault(c["id"], c)
        warnings += batch_warnings
        done += len(spans[i])
        if progress:
            progress(done, n)
    tail = {"summary": summary, "batch_warnings": warnings, "coefficients": list(coefficients.values()),
            **({"bases": bases} if not full and fmt == "json" else {})}
    if fmt == "ndjson":
        fp.write(orjson.dumps({"record": "summary", **tail}) + b"\n")
    else:
        fp.write(b"]," + orjson.dumps(tail)[1:] + b"\n")
    return summary
