"""tanheng scenario — what-if changes to a region's inputs, balance before and after.

    tanheng scenario FILE [--region ID] --set forest_ha=+10% --set coal_t=-20% [--scenario FILE.json]

Without --region every valid region of the file gets the same changes."""
from __future__ import annotations

import sys

from .. import balance, coefficients, scenario
from ..cli import UserError
from .balance import add_common_options, load_regions, region_label


def register(sub):
    p = sub.add_parser("scenario", help="what-if: change inputs (coal_t=-20%%, forest_ha=+10%%) and compare balances")
    p.add_argument("file", metavar="FILE", help="a profile file (CSV, XLSX, JSON, Turtle)")
    p.add_argument("--region", metavar="ID", help="the region to change (default: every valid region)")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="FIELD=CHANGE",
                   help="a change: +10%%, -20%% (relative), +5000 (added), 50000 (new value); repeatable")
    p.add_argument("--scenario", metavar="FILE.json", help='changes from a JSON file: {"changes": {"coal_t": "-20%%"}}')
    add_common_options(p)
    p.set_defaults(func=run)


def run(args):
    settings = list(args.settings)
    region_id, coef_set = args.region, args.coefficients
    if args.scenario:
        data = scenario.read_scenario_file(args.scenario)
        changes = data["changes"]
        settings = (list(changes.items()) if isinstance(changes, dict) else list(changes)) + settings
        region_id = region_id or data.get("region")
        if args.coefficients == coefficients.DEFAULT_SET and data.get("coefficients"):
            coef_set = str(data["coefficients"])
    if not settings:
        raise UserError(balance.message("no-settings"))
    coefficients.resolve(coef_set)
    regions, problems, code = load_regions([args.file], args.lang)
    for line in problems:
        print(line, file=sys.stderr)
    if region_id is not None:
        chosen = [r for r in regions if r.region_id == str(region_id)]
        if not chosen:
            raise UserError(balance.message("unknown-region", region=region_id,
                                            choices=", ".join(r.region_id for r in regions)))
        regions = chosen
    named = [(region_label(r), scenario.run(r.values, settings, r.region_id, coef_set)) for r in regions]
    sys.stdout.write(scenario.render(named, args.format, args.lang) + "\n")
    return code
