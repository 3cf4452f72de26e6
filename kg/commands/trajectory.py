"""tanheng trajectory — pathways to 2030 and 2060: history, projection, scenarios, peak and balance year.

    tanheng trajectory FILE [--to 2060] [--scenario FILE]... [--region ID] [--format json|md|table|csv] [-o OUT]

Exit codes: 0 all regions projected; 1 some rows invalid or a scenario breaks a region's land (the
rest is still answered); 2 the file or a scenario file cannot be used."""
from __future__ import annotations

import sys
from pathlib import Path

from kg.errors import UserError
from kg.messages import text as message

EPILOG = """FILE holds one row per region and year (long format); every year is accounted with its own
coefficients. Each region gets three standard scenarios (baseline, low-carbon from its recommended
model's top measures, enhanced) plus each --scenario file, JSON
{"name": "low-carbon", "levers": [{"field": "coal_t", "change": "-5%/yr", "from": 2025, "to": 2035}]}
or Turtle (a thx:Scenario with thx:lever nodes). Changes: -20% or +5000 once in year "from";
-5%/yr or +800/yr each year from "from" to "to"; grid_factor and forest_sink_factor take percentages;
a land lever may name "take_from" (or "into") another land class."""


def register(sub):
    p = sub.add_parser("trajectory", help="pathways to 2030/2060: history, projection, scenarios, peak year",
                       description=EPILOG)
    p.add_argument("file", metavar="FILE", help="a profile file, one row per region and year")
    p.add_argument("--to", type=int, default=None, metavar="YEAR", help="target year (default 2060)")
    p.add_argument("--scenario", action="append", default=[], metavar="FILE",
                   help="a scenario file (JSON or Turtle); repeatable")
    p.add_argument("--region", metavar="ID", help="only this region")
    p.add_argument("--no-standard", action="store_true",
                   help="only the baseline and your own scenarios (no low-carbon / enhanced)")
    p.add_argument("--format", choices=("table", "md", "json", "csv"), default=None,
                   help="output format (default: from -o's extension, else table)")
    p.add_argument("-o", "--output", metavar="OUT", help="write to this file instead of the terminal")
    p.add_argument("--coefficients", default="default", metavar="NAME", help="coefficient set")
    p.add_argument("--uncertainty", type=int, default=0, metavar="N",
                   help="Monte Carlo draws (IPCC Approach 2 through time): bands around each series and the "
                        "probability of peaking by 2030")
    p.add_argument("--seed", type=int, default=None, metavar="S", help="random seed of the draws (reproducible)")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="project the regions as tasks of a Dask cluster: its scheduler (tcp://HOST:8786) or "
                        "'local' (a LocalCluster here); the answer is the same")
    p.add_argument("--results", metavar="DIR",
                   help="also write every figure (history, each scenario's series, peaks, bands) to a partitioned "
                        "Parquet dataset (query it with `tanheng results DIR`)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.set_defaults(func=run)


def _scenarios(paths) -> list:
    from ..trajectory import read_scenario

    out, problems = [], []
    for path in paths:
        try:
            out.append(read_scenario(path))
        except UserError as exc:
            problems.append(str(exc))
    if problems:
        raise UserError("\n".join(problems))
    return out


def _format(args) -> str:
    if args.format:
        return args.format
    suffix = Path(args.output).suffix.lower().lstrip(".") if args.output else ""
    return {"json": "json", "csv": "csv", "md": "md"}.get(suffix, "table")


def run(args):
    from kg.account import coefficients
    from ..present.trajectory import render
    from kg.pipeline.sweeps import trajectory, write_trajectory
    from ..trajectory.input import valid_rows
    from kg.terminal import printable

    coefficients.resolve(args.coefficients)
    if args.uncertainty < 0 or args.uncertainty > 100_000:
        raise UserError("cli.draws", value=args.uncertainty)
    scenarios = _scenarios(args.scenario)
    from ..present.validation import problem_lines

    rows, invalid = valid_rows(args.file)
    code = 1 if invalid else 0
    for line in (ln for r, results in invalid for ln in problem_lines(r, results, args.lang)):
        print(line, file=sys.stderr)
    bar = None
    if sys.stderr.isatty() and (len(rows) >= 500 or args.uncertainty):   # a bar where the wait is noticeable
        from tqdm import tqdm

        bar = tqdm(total=None, file=sys.stderr, unit="scenario", leave=False)

    def step(done, total):
        bar.total = total
        bar.update(done - bar.n)

    try:
        answer = trajectory(rows, to=args.to, scenarios=scenarios, standard=not args.no_standard,
                            coefficient_set=args.coefficients, region_id=args.region,
                            uncertainty=args.uncertainty, seed=args.seed, cluster=args.cluster,
                            **({} if args.cluster else {"progress": step if bar is not None else None}))
    finally:
        if bar is not None:
            bar.close()
    for reg in answer["regions"]:
        for sc in reg["scenarios"]:
            for prob in sc["problems"]:
                code = 1
                print(printable(prob["message"][args.lang]), file=sys.stderr)
    for note in answer["notes"]:
        print(printable(note), file=sys.stderr)
    if args.results:
        n = write_trajectory(answer, args.results, args.coefficients)
        print(message("cli.wrote-figures", args.lang, file=args.results, figures=n, n=len(answer["regions"])),
              file=sys.stderr)
    text = render(answer, _format(args), args.lang)
    text = text if text.endswith("\n") else text + "\n"          # CSV ends its last line itself (CRLF)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise UserError.cannot_write(args.output, exc) from None
    else:
        sys.stdout.write(text)
    return code
