"""tanheng zoning — carbon-balance zoning of the regions (ECC/ESC against 1, the method of Chinese
county carbon-budget studies; definitions, cut-offs, zone names and the zone → model links in
rules/carbon-zoning.ttl)."""
import json
import sys

from kg.messages import has, text as text_of
from kg.reason.zoning import GROUPINGS, zoning, zoning_rules

COLUMNS = ("region", "name", "group", "ecc", "esc", "zone", "models")      # zoning.col.*


def register(sub):
    p = sub.add_parser("zoning", help="carbon-balance zoning (ECC/ESC) of the regions of a file")
    p.add_argument("file", metavar="FILE", help="profile file (CSV, XLSX, JSON, Turtle, JSON-LD)")
    p.add_argument("--by", choices=GROUPINGS, default="all",
                   help="zone the whole file together (all, default) or each province separately")
    p.add_argument("--format", choices=["json", "csv", "md"], default="json")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("--coefficients", default="default", metavar="NAME")
    p.set_defaults(func=run)


def run(args):
    from kg.present.report import model_label
    from kg.present.tables import to_csv, to_markdown
    from .map import analyse_files
    from .rollup import write_out

    _, result, recs = analyse_files([args.file], args.lang, args.coefficients)
    out = zoning(recs, by=args.by)
    rules = zoning_rules()
    out["method"] = {"ecc": rules.coefficient_labels["ecc"], "esc": rules.coefficient_labels["esc"],
                     "source": rules.source}
    if args.format == "json":
        text = json.dumps(out, ensure_ascii=False, indent=1) + "\n"
    else:
        heads = [text_of(f"zoning.col.{c}", args.lang) for c in COLUMNS]
        rows = [[r["region_id"], r["name"], r["group"], r["ecc"], r["esc"], r["zone_label_" + args.lang],
                 "; ".join(model_label(m, args.lang) for m in r["models"])] for r in out["regions"]]
        text = (to_csv(heads, rows) if args.format == "csv"
                else to_markdown(heads, rows, numbers={3: 3, 4: 3}))
    write_out(text, args.output, args.lang)
    for s in out["not_zoned"]:
        why = f"handover.why.{s['reason']}"
        print(text_of("zoning.not-zoned", args.lang, region=f"{s['region_id']} {s.get('name') or ''}".strip(),
                      why=text_of(why, args.lang) if has(why) else s["reason"]), file=sys.stderr)
    return 0 if result["summary"]["invalid"] == 0 else 1
