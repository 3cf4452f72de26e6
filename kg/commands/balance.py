"""tanheng balance — carbon balance of the regions in one or more profile files.

Exit codes: 0 every region valid and accounted; 1 some regions invalid (the valid
ones are still accounted); 2 a file could not be read or the request is wrong."""
from __future__ import annotations

import sys

from .. import balance, coefficients
from ..cli import UserError

FORMATS = ("table", "md", "json")


def register(sub):
    p = sub.add_parser("balance", help="carbon balance (emissions, sinks, ratio) of profile files")
    p.add_argument("files", nargs="*", metavar="FILE", help="profile files (CSV, XLSX, JSON, Turtle)")
    add_common_options(p)
    p.add_argument("--detail", action="store_true", help="show every line of every region")
    p.add_argument("--list-coefficients", action="store_true",
                   help="list the coefficient sets and the variants of each coefficient")
    p.set_defaults(func=run)


def add_common_options(p) -> None:
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--coefficients", default=coefficients.DEFAULT_SET, metavar="NAME",
                   help="coefficient set, or several joined by commas (see --list-coefficients)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")


def region_label(region) -> str:
    return f"{region.region_id} {region.name}" if region.name else str(region.region_id)


def load_regions(paths, lang: str = "zh"):
    """Read and validate the files: (valid regions, printed problems, exit code 0 or 1).
    A file that cannot be read raises UserError (exit 2)."""
    from ..profiles import UnreadableInput, read_profiles
    from ..validate import validate

    valid, problems = [], []
    for path in paths:
        try:
            batch = read_profiles(path)
        except UnreadableInput as exc:
            raise UserError(f"{path}: {exc.message('zh')} / {exc.message('en')}") from None
        bad = violations_by_row(validate(batch), lang)
        for region in batch.regions:
            if region.row in bad:
                problems.append(balance.message("invalid-region", lang, region=region_label(region)))
                problems.extend(f"  - {m}" for m in bad[region.row])
            else:
                valid.append(region)
    return valid, problems, 1 if problems else 0


def violations_by_row(report, lang: str) -> dict[int, list[str]]:
    """File row → the messages of its violations (warnings do not make a region invalid)."""
    out: dict[int, list[str]] = {}
    for issue in report.violations():
        text = issue.get(f"message_{lang}") or issue.get("message_en") or ""
        field = f"{issue['field']} = {issue.get('value')!r}: " if issue.get("field") else ""
        out.setdefault(issue.get("row"), []).append(field + text)
    return out


def run(args):
    if args.list_coefficients:
        sys.stdout.write(list_coefficients(args.lang, args.format) + "\n")
        return 0
    if not args.files:
        raise UserError("give one or more profile files, or --list-coefficients")
    coefficients.resolve(args.coefficients)            # an unknown set name fails before any reading
    regions, problems, code = load_regions(args.files, args.lang)
    for line in problems:
        print(line, file=sys.stderr)
    results = balance.account_many(regions, args.coefficients)
    named = [(region_label(r), res) for r, res in zip(regions, results)]
    sys.stdout.write(balance.render(named, args.format, args.lang, args.detail or None) + "\n")
    return code


def list_coefficients(lang: str, fmt: str = "table") -> str:
    """The coefficient sets (what each changes) and, per variant group, its variants."""
    import json

    sets = coefficients.coefficient_sets()
    default_members = set(sets[coefficients.DEFAULT_SET].members)
    if fmt == "json":
        return json.dumps({
            "sets": [{"key": s.key, "label": s.label(lang), "based_on": s.base, "definition": s.definition(lang),
                      "coefficients": list(s.members)} for s in sets.values()],
            "variant_groups": {g: [dict(c.record(), label=c.label(lang), default=c.id in default_members)
                                   for c in coefficients.variants(g)] for g in coefficients.variant_groups()},
        }, ensure_ascii=False, indent=1)
    table = balance.markdown_table if fmt == "md" else balance.text_table
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
