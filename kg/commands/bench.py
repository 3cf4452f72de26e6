"""tanheng bench — time the advice pipeline on generated profiles against the floor (see kg/bench.py)."""
import json
import os

from kg.errors import UserError


def register(sub):
    p = sub.add_parser("bench", help="benchmark `advise` on generated profiles against a vectorised floor")
    p.add_argument("--sizes", default="1,2844,28440", help="comma-separated region counts (default: 1,2844,28440)")
    p.add_argument("--big", action="store_true", help="also 284,400 regions (township scale; minutes)")
    p.add_argument("--repeat", type=int, default=3, metavar="N", help="runs per figure, the median is shown (default 3)")
    p.add_argument("--jobs", default=None, metavar="J,J",
                   help="compare `advise --jobs J` at the largest size (default: 1,2 on a machine with 2+ cores)")
    p.add_argument("--reference-sample", type=int, default=10, metavar="N",
                   help="regions to run through the reference path (0 to skip)")
    p.add_argument("--forms", action="store_true",
                   help="also peak memory at the largest size for a JSON list, two CSV files, a workbook of year "
                        "sheets (at most 20,000 rows) and N-Triples (at most 28,440 regions)")
    p.add_argument("--json", action="store_true", help="also print the figures as JSON")
    p.set_defaults(func=run)


def _counts(text: str, option: str) -> list[int]:
    try:
        values = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise UserError("cli.whole-numbers", option=option, value=repr(text)) from None
    if not values or min(values) < 1:
        raise UserError("cli.positive-numbers", option=option, value=repr(text))
    return values


def run(args):
    from kg import bench

    sizes = _counts(args.sizes, "--sizes")
    if args.big and bench.BIG not in sizes:
        sizes.append(bench.BIG)
    jobs = _counts(args.jobs, "--jobs") if args.jobs else ([1, 2] if (os.cpu_count() or 1) >= 2 else [])
    if args.reference_sample < 0 or args.repeat < 1:
        raise UserError("cli.bench-counts")
    results = bench.run(sorted(sizes), args.reference_sample, repeat=args.repeat, jobs=jobs, forms=args.forms)
    if args.json:
        print(json.dumps(results, indent=1))
    return 0
