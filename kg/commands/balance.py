"""tanheng balance — carbon balance of the regions in one or more profile files.

Exit codes: 0 every region valid and accounted; 1 some regions invalid (the valid
ones are still accounted); 2 a file could not be read or the request is wrong."""
from __future__ import annotations

import json
import sys

from kg.account import balance, coefficients
from kg.errors import UserError
from kg.messages import text
from kg.present import balance as balance_view, tables
from kg.present.validation import problem_lines, region_label

FORMATS = ("table", "md", "json")


def register(sub):
    p = sub.add_parser("balance", help="carbon balance (emissions, sinks, ratio) of profile files")
    p.add_argument("files", nargs="*", metavar="FILE", help="profile files (CSV, XLSX, JSON, Turtle)")
    add_common_options(p)
    p.add_argument("--detail", action="store_true",
                   help="show every line of every region (JSON: with each line's IPCC 2006 category)")
    p.add_argument("--boundary", choices=balance.BOUNDARIES, default=balance.DEFAULT_BOUNDARY,
                   help="consumption (default): final combustion + electricity × grid factor; territorial: all "
                        "combustion in the region, electricity as a memo item")
    p.add_argument("--uncertainty", type=int, default=0, metavar="N",
                   help="IPCC Approach 2 Monte Carlo with N draws: 95 %% intervals and how often the type changes")
    p.add_argument("--seed", type=int, default=None, metavar="S", help="random seed of --uncertainty (reproducible)")
    p.add_argument("--results", metavar="DIR",
                   help="with --uncertainty: write every draw's emissions, sinks and net to a partitioned Parquet "
                        "dataset (query it with `tanheng results DIR`)")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="with --uncertainty: run the draws as tasks of a Dask cluster (tcp://HOST:8786, or local for "
                        "a LocalCluster of 2 workers here); the same numbers as one process")
    p.add_argument("--list-coefficients", action="store_true",
                   help="list the coefficient sets and the variants of each coefficient")
    p.set_defaults(func=run)


def add_common_options(p) -> None:
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--coefficients", default=coefficients.DEFAULT_SET, metavar="NAME",
                   help="coefficient set, or several joined by commas (see --list-coefficients)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")


def check_files(paths):
    """Read and validate the files: [(region, its validation results, valid)] in file order
    (kg.validate.read_and_check, the split every command uses). A file that cannot be read raises
    UserError (exit 2)."""
    from kg.validate import read_and_check

    return [row for path in paths for row in read_and_check(path).rows]


def run(args):
    if args.list_coefficients:
        sys.stdout.write(list_coefficients(args.lang, args.format) + "\n")
        return 0
    if not args.files:
        raise UserError("cli.balance-needs-files")
    coefficients.resolve(args.coefficients)            # an unknown set name fails before any reading
    _check_draws(args)
    checked = check_files(args.files)
    code = 0
    for region, results, ok in checked:
        if not ok:
            code = 1
            for line in problem_lines(region, results, args.lang):
                print(line, file=sys.stderr)
    regions = [region for region, _, ok in checked if ok]
    results_list = balance.account_many(regions, args.coefficients, args.boundary)
    if args.uncertainty:
        from kg.pipeline.sweeps import monte_carlo

        keep = None
        if args.results:
            from kg.pipeline.sweeps import draws_writer

            keep = draws_writer(args.results, [r.region_id for r in regions], [r.values.get("year") for r in regions],
                                args.coefficients)
        intervals = monte_carlo(regions, cluster=args.cluster, keep_draws=keep, coefficient_set=args.coefficients,
                                boundary=args.boundary, draws=args.uncertainty, seed=args.seed)
        if args.results:
            print(text("cli.wrote-draws", args.lang, file=args.results, n=len(regions), draws=args.uncertainty),
                  file=sys.stderr)
        for res, iv in zip(results_list, intervals):
            res["uncertainty"] = iv
    if args.format == "json" and not args.detail:
        for res in results_list:
            res.pop("ipcc_categories", None)
    accounts = iter(results_list)
    if args.format == "json":
        # every region, invalid ones too (balance null), with the validation results of its row
        items = [{"region_id": region.region_id, "name": region.name, "year": region.values.get("year"),
                  "valid": ok, "violations": results,
                  "balance": next(accounts) if ok else None} for region, results, ok in checked]
        sys.stdout.write(json.dumps(items, ensure_ascii=False, indent=1) + "\n")
        return code
    named = [(region_label(r, args.lang), res) for r, res in zip(regions, accounts)]
    sys.stdout.write(balance_view.render(named, args.format, args.lang, args.detail or None) + "\n")
    return code


def _check_draws(args) -> None:
    if args.uncertainty and not 2 <= args.uncertainty <= 100_000:
        raise UserError(balance.message("bad-draws", value=args.uncertainty))
    if getattr(args, "results", None) and not args.uncertainty:
        raise UserError(balance.message("results-need-draws"))
    if getattr(args, "cluster", None) and not args.uncertainty:
        raise UserError(balance.message("cluster-needs-draws"))


def list_coefficients(lang: str, fmt: str = "table") -> str:
    """The coefficient sets (what each changes) and, per variant group, its variants."""
    sets = coefficients.coefficient_sets()
    default_members = set(sets[coefficients.DEFAULT_SET].members)
    if fmt == "json":
        return json.dumps({
            "sets": [{"key": s.key, "label": s.label(lang), "based_on": s.base, "definition": s.definition(lang),
                      "coefficients": list(s.members)} for s in sets.values()],
            "variant_groups": {g: [dict(c.record(), label=c.label(lang), default=c.id in default_members)
                                   for c in coefficients.variants(g)] for g in coefficients.variant_groups()},
        }, ensure_ascii=False, indent=1)
    table = tables.writer(fmt)
    h = lambda k: balance.message(f"head-{k}", lang)
    set_rows = [[s.key, s.label(lang), s.definition(lang)] for s in sets.values()]
    coef_rows = []
    for g in coefficients.variant_groups():
        for c in coefficients.variants(g):
            mark = "*" if c.id in default_members else ""
            coef_rows.append([g, mark, c.id, f"{c.value:g}", c.unit, c.edition, c.confidence, c.source])
    return "\n\n".join([
        table([h("coefficient-set"), h("name"), h("description")], set_rows),
        table([h("variants"), h("default"), h("id"), h("coefficient-value"), h("unit"), h("edition"),
               h("confidence"), h("source")], coef_rows),
    ])
