"""tanheng rollup — sum the regions' accounts by province or prefecture (administrative code prefix).
Totals equal the sum of the member regions; a group with an incomplete or invalid member says so and
names it."""
import json
import sys

from kg.errors import UserError
from kg.reason.zoning import ROLLUP_LEVELS, rollup

HEADERS = {"zh": ["代码", "名称", "区域数", "排放 (t CO2e)", "碳汇 (t CO2e)", "净排放 (t CO2e)", "碳汇/排放比", "完整", "不完整的区域"],
           "en": ["code", "name", "regions", "emissions (t CO2e)", "sinks (t CO2e)", "net (t CO2e)", "sink/emission",
                  "complete", "incomplete regions"]}
YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}


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


def write_out(text: str, output: str | None) -> None:
    if output:
        try:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
        print(f"wrote {output}", file=sys.stderr)
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
        yes, no = YES_NO[args.lang]
        rows = [[g["code"], g["name"], len(g["regions"]), g["emissions_t_co2e"], g["sinks_t_co2e"], g["net_t_co2e"],
                 g["balance_ratio"], yes if g["complete"] else no, ", ".join(g["incomplete"])] for g in out["groups"]]
        if args.format == "csv":
            text = to_csv(HEADERS[args.lang], rows)
        else:
            text = to_markdown(HEADERS[args.lang], rows, numbers={2: 0, 3: 0, 4: 0, 5: 0, 6: 3})
    write_out(text, args.output)
    for u in out["ungrouped"]:
        print(f"not grouped: {u['region_id']} {u.get('name') or ''} (the id is not a 6-digit administrative code)",
              file=sys.stderr)
    return 0 if result["summary"]["invalid"] == 0 else 1
