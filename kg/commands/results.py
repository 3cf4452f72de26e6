"""tanheng results — SQL over a results dataset (Parquet, written by `advise --results DIR`) with DuckDB."""
import sys

from kg.errors import UserError


def register(sub):
    p = sub.add_parser("results", help="query a results dataset (advise --results DIR) with SQL, as table `results`")
    p.add_argument("directory", metavar="DIR", help="the dataset directory")
    p.add_argument("sql", metavar="SQL", nargs="?",
                   default="SELECT figure, unit, count(*) AS n, avg(value) AS mean FROM results "
                           "GROUP BY figure, unit ORDER BY figure",
                   help="the query (default: each figure with its count and mean)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=run)


def run(args):
    from kg.pipeline import results
    from kg.knowledge.query import Result, to_csv, to_table

    try:
        names, rows = results.query(args.directory, args.sql)
    except results.ResultsError as exc:
        raise UserError(str(exc)) from None
    if args.format == "json":
        import orjson
        sys.stdout.buffer.write(orjson.dumps([dict(zip(names, row)) for row in rows],
                                             option=orjson.OPT_PASSTHROUGH_DATETIME, default=str) + b"\n")
        return 0
    show = repr if args.format == "csv" else (lambda v: f"{v:.6g}")   # CSV keeps every digit
    cells = [[None if v is None else (show(v) if isinstance(v, float) else str(v)) for v in row] for row in rows]
    text = to_csv(Result(names, cells)) if args.format == "csv" else to_table(Result(names, cells), width=40)
    sys.stdout.write(text.rstrip("\n") + "\n")
    return 0
