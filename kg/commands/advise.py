"""tanheng advise — type, model, pathway and ranked measures for every region of
one or more profile files. Exit 0 when all regions are valid, 1 when some are not
(the valid ones are still advised), 2 when a file cannot be read."""
import os
import sys

from kg.present import report
from kg.pipeline.advice import ENGINES, advise
from kg.errors import UserError
from kg.messages import text
from kg.terminal import progress_bar

PROGRESS_MIN = {"fast": 2000, "reference": 5}
   # regions before a progress bar is worth showing


def register(sub):
    p = sub.add_parser("advise", help="advise regions: integration type, model, pathway, ranked measures")
    p.add_argument("files", nargs="+", metavar="FILE", help="profile files (CSV, XLSX, JSON, Turtle, JSON-LD)")
    p.add_argument("--format", choices=sorted({*report.RENDERERS, "ndjson"}), default="json",
                   help="json (default; measures, cases and pathways once in a shared catalog), ndjson (one "
                        "region per line, for big batches), md (report) or table")
    p.add_argument("--full", action="store_true",
                   help="JSON with every field repeated in each region (the form before the catalog)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="processes for big batches (default: the number of cores); the results are the same")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="run on a Dask cluster: its scheduler (tcp://HOST:8786) or 'local' (a LocalCluster here)")
    p.add_argument("--results", metavar="DIR",
                   help="also write every figure to a partitioned Parquet dataset (query it with `tanheng results "
                        "DIR`); without -o, only the dataset is written")
    p.add_argument("--save", action="store_true",
                   help="also save the analysis in the store: each region's type, model and totals as triples, "
                        "pointing to -o's file and --results' dataset (JSON/NDJSON; see `tanheng store list`)")
    p.add_argument("--title", help="with --save: its title (default: the file names and the number of regions)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("--coefficients", default="default", metavar="NAME", help="coefficient set (default: default)")
    p.add_argument("--engine", choices=ENGINES, default="fast",
                   help="fast (bulk) or reference (pySHACL rules + OWL RL, one region at a time)")
    p.set_defaults(func=run)


def read_batch(paths: list[str], lang: str):
    """All regions of the files as one batch (kg.read.profiles.read_files); an unreadable file is a UserError."""
    from kg.read.profiles import read_files

    return read_files(paths)


def read_source(paths: list[str], lang: str, forked=None):
    """What advise streams: a big CSV, workbook, JSON or RDF file read in pieces as they are advised, several files one
    after another when one of them is big (kg.read.several), else the batch read whole (read_batch). `forked`:
    kg.pipeline.stream.workers', which read a big CSV's blocks in its first pass when they may use polars."""
    from kg.read import several

    if len(paths) > 1 and any(map(several.streams, paths)):
        return several.open_several(paths)
    if len(paths) == 1 and several.streams(paths[0]):
        pieced = several.pieced(paths[0], forked.pool if forked is not None and forked.polars else None)
        if pieced is not None:
            return pieced
    return read_batch(paths, lang)


def _progress_bar(total: int, engine: str):
    return progress_bar(total, PROGRESS_MIN[engine])


def run(args):
    if args.format in ("json", "ndjson"):
        from kg.pipeline import stream

        jobs = stream.default_jobs() if args.jobs is None else args.jobs
        if jobs < 1:
            raise UserError("cli.jobs-count", value=args.jobs)
        # a big CSV's workers are forked before it is opened: they can then read their pieces with polars
        with stream.fewer_collections(), stream.workers(1 if args.cluster else jobs, args.files) as forked:
            return _run_streamed(read_source(args.files, args.lang, forked), args, jobs, forked)
    batch = read_batch(args.files, args.lang)
    if args.cluster or args.results or args.save:
        raise UserError("cli.cluster-needs-json")
    bar, step = _progress_bar(len(batch.regions), args.engine)
    try:
        result = advise(batch, coefficient_set=args.coefficients, lang=args.lang, progress=step, engine=args.engine)
    finally:
        if bar:
            bar.close()
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            report.write(result, args.format, args.lang, f)
        print(text("cli.wrote-regions", args.lang, file=args.output, n=len(result["regions"])), file=sys.stderr)
    else:
        report.write(result, args.format, args.lang, sys.stdout)
    return 0 if result["summary"]["invalid"] == 0 else 1


def _run_streamed(batch, args, jobs: int, forked) -> int:
    """JSON and NDJSON: in chunks, on --jobs processes (`forked`: kg.pipeline.stream.workers), written as each chunk
    is done (kg.pipeline.stream)."""
    from kg.pipeline import stream
    from kg.account.balance import compile_set

    compile_set(args.coefficients)     # an unknown set is a user error before the output file is opened
    bar, step = _progress_bar(len(batch), args.engine)
    keys: list[dict] = []

    def advise_into(fp):
        return stream.advise_to(batch, fp, args.format, args.full, args.coefficients, args.lang, jobs,
                                progress=step, engine=args.engine, cluster=args.cluster, results=args.results,
                                keep_keys=keys.extend if args.save else None, forked=forked)
    try:
        if args.output or args.results:
            target = args.output or os.devnull
            with open(target, "wb") as f:
                try:
                    summary = advise_into(f)
                except BaseException:
                    if args.output:
                        os.unlink(args.output)       # no half-written file left behind
                    raise
            for written in (args.output, args.results):
                if written:
                    print(text("cli.wrote-regions", args.lang, file=written, n=summary["total"]), file=sys.stderr)
        else:
            summary = advise_into(sys.stdout.buffer)
            sys.stdout.flush()
    finally:
        if bar:
            bar.close()
    if args.save:
        _save(args, keys, summary)
    return 0 if summary["invalid"] == 0 else 1


def _save(args, keys: list[dict], summary: dict) -> None:
    """The analysis in the store (kg.history): its key figures as triples and as the saved payload, with
    pointers to the advice file and the results dataset (the whole advice is in them, not in the store)."""
    from pathlib import Path

    from kg import history
    from kg.terminal import printable

    title = args.title or text("cli.saved-title", args.lang, files=", ".join(Path(f).name for f in args.files),
                               n=summary["total"])
    payload = {"form": "key-figures", "summary": summary, "coefficient_set": args.coefficients,
               "output": str(Path(args.output).resolve()) if args.output else None,
               "results": str(Path(args.results).resolve()) if args.results else None, "regions": keys}
    aid = history.save(title=title, advice=payload, results=args.results, output=args.output)
    print(text("cli.saved-id", args.lang, title=printable(title), n=summary["total"], id=aid), file=sys.stderr)
