"""tanheng scenario — what-if changes to a region's inputs, balance before and after.

    tanheng scenario FILE [--region ID] --set forest_ha=+10% --set coal_t=-20% [--scenario FILE.json]

Without --region every valid region of the file gets the same changes.

Changes apply in the order given; a field changed twice is shown step by step.
The changed profile is checked with the same SHACL shapes as `tanheng validate`:
if a change breaks a rule (e.g. more forest than the county's area) the account
after is still shown, under a warning naming the rules broken (also on stderr in
Chinese / English), and the exit code is 1; warnings alone are shown after the
table (exit 0). A region that fails validation before any change is refused with
its messages (exit 1)."""
from __future__ import annotations

import json
import sys

from kg.account import balance, coefficients, scenario
from kg.errors import UserError
from kg.commands.balance import add_common_options, check_files
from kg.present import scenario as scenario_view
from kg.present.validation import problem_lines, region_label

EPILOG = """Changes apply in the order given: --set coal_t=-20% --set coal_t=50000 shows coal_t going
80,000 -> 64,000 -> 50,000 (the later value overrides). The changed profile is validated like a file
(tanheng validate): if a change breaks a rule (forest larger than the county, shares over 100%) the
account after is still shown for comparison, under a clear warning naming the rules broken (also on
stderr in Chinese and English), and the exit code is 1 - e.g. land added to forest must be taken from
another land class (--set cropland_ha=-...). Warnings alone are shown beside the account (exit 0).
A region that already fails validation is refused with its messages (exit 1)."""


def register(sub):
    p = sub.add_parser("scenario", help="what-if: change inputs (coal_t=-20%%, forest_ha=+10%%) and compare balances",
                       description=EPILOG)
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
        raise UserError("account.no-settings")
    coefficients.resolve(coef_set)
    checked = check_files([args.file])
    code = 0
    if region_id is not None:
        chosen = [(r, res, ok) for r, res, ok in checked if r.region_id == str(region_id)]
        if not chosen:
            raise UserError("account.unknown-region", region=region_id,
                            choices=", ".join(r.region_id for r, _, _ in checked))
        bad = [(r, res) for r, res, ok in chosen if not ok]
        if bad:          # the region is in the file but failed validation: say so, in both languages
            lines = []
            for r, res in bad:
                lines.append(scenario_view.text("invalid-region", region=region_label(r, args.lang)))
                lines += [f"  - {_both(x)}" for x in res if x["severity"] == "violation"]
            raise UserError("\n".join(lines), exit_code=1)
        checked = chosen
    else:
        for r, res, ok in checked:
            if not ok:
                code = 1
                for line in problem_lines(r, res, args.lang):
                    print(line, file=sys.stderr)
    named, items = [], []
    for r, _, ok in checked:
        if not ok:
            continue
        label = region_label(r, args.lang)
        result = scenario.run(r.values, settings, r.region_id, coef_set)
        if not result["after_valid"]:
            code = 1
            for line in scenario_view.validation_lines(result, label):
                print(line, file=sys.stderr)
        named.append((label, result))
        items.append(scenario_view.json_item(label, result, region_id=r.region_id, name=r.name))
    if args.format == "json":
        sys.stdout.write(json.dumps(items, ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(scenario_view.render(named, args.format, args.lang) + "\n")
    return code


def _both(result: dict) -> str:
    from kg.present.validation import format_result

    return f"{format_result(result, 'zh')} / {format_result(result, 'en')}"
