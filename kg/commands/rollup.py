"""tanheng rollup — sum the regions' accounts by province or prefecture (administrative code prefix).
Totals equal the sum of the member regions; a group with an incomplete or invalid member says so and
names it."""
import json
import sys

from kg.errors import UserError
from kg.messages import text as text_of
from kg.reason.zoning import ROLLUP_LEVELS, rollup

COLUMNS = ("code", "name", "regions", "emissions", "sinks", "net", "ratio", "complete", "incomplete")   # rollup.col.*


def register(sub):
    p = sub.add_parser("rollup", help="sum the regions' accounts by province or prefecture")
    p.add_argument("file", metavar="FILE", help="profile file (CSV, XLSX, JSON, Turtle, JSON-LD)")
    p.add_argument("--by", choices=sorted(ROLLUP_LEVELS), default="province")
    p.add_argument("--format", choices=["json", "csv", "md"], default="json")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("--coefficients", default="default", metavar="NAME")
    p.set_defaults(func=run)


def group_names(codes) -> dict:
    from ..geo import boundaries

    index = boundaries.index()
    return {c: index[c].name for c in codes if c in index}


def write_out(text: str, output: str | None, lang: str) -> None:
    if output:
        try:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            raise UserError.cannot_write(output, exc) from None
        print(text_of("cli.wrote", lang, file=output), file=sys.stderr)
    else:
        sys.stdout.write(text)


def run(args):
    from kg.present.tables import to_csv, to_markdown
    from .map import analyse_files

    _, result, recs = analyse_files([args.file], args.lang, args.coefficients)
    out = rollup(recs, by=args.by)
    names = group_names(g["code"] for g in out["groups"])
    for g in out["groups"]:
        g["name"] = names.get(g["code"])
    if args.format == "json":
        text = json.dumps(out, ensure_ascii=False, indent=1) + "\n"
    else:
        yes, no = text_of("word.yes", args.lang), text_of("word.no", args.lang)
        heads = [text_of(f"rollup.col.{c}", args.lang) for c in COLUMNS]
        rows = [[g["code"], g["name"], len(g["regions"]), g["emissions_t_co2e"], g["sinks_t_co2e"], g["net_t_co2e"],
                 g["balance_ratio"], yes if g["complete"] else no, ", ".join(g["incomplete"])] for g in out["groups"]]
        if args.format == "csv":
            text = to_csv(heads, rows)
        else:
            text = to_markdown(heads, rows, numbers={2: 0, 3: 0, 4: 0, 5: 0, 6: 3})
    write_out(text, args.output, args.lang)
    for u in out["ungrouped"]:
        print(text_of("rollup.not-grouped", args.lang, region=f"{u['region_id']} {u.get('name') or ''}".strip()),
              file=sys.stderr)
    return 0 if result["summary"]["invalid"] == 0 else 1
