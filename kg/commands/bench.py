"""tanheng bench — time the advice pipeline on generated profiles (see kg/bench.py)."""
import json

from ..cli import UserError


def register(sub):
    p = sub.add_parser("bench", help="benchmark `advise` on generated profiles")
    p.add_argument("--sizes", default="1,100,2844,28440", help="comma-separated region counts")
    p.add_argument("--reference-sample", type=int, default=10, metavar="N",
                   help="regions to run through the reference path (0 to skip)")
    p.add_argument("--json", action="store_true", help="also print the figures as JSON")
    p.set_defaults(func=run)


def run(args):
    from .. import bench

    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        raise UserError(f"--sizes must be whole numbers separated by commas, not {args.sizes!r}") from None
    if not sizes or min(sizes) < 1 or args.reference_sample < 0:
        raise UserError("--sizes needs positive region counts and --reference-sample a count ≥ 0")
    results = bench.run(sizes, args.reference_sample)
    if args.json:
        print(json.dumps(results, indent=1))
    return 0
