"""tanheng template — an empty profile table to fill in: headers, units and the rules of each column.

CSV: a header row and a units row (the reader skips the units row when the file comes back).
XLSX: a header row with a comment on each header (unit, required, rules) and a notes sheet."""
import sys

from kg.errors import UserError
from kg.present.template import csv_template, xlsx_template


def register(sub):
    p = sub.add_parser("template", help="write an empty profile template (CSV or XLSX)")
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p.add_argument("--lang", choices=["zh", "en"], default="zh",
                   help="header language: Chinese names or English keys (default zh)")
    p.add_argument("-o", "--output", help="file to write (CSV default: standard output; XLSX needs a file)")
    p.set_defaults(func=run)


def _write(name: str, opener, content) -> None:
    try:
        with opener() as f:
            f.write(content)
    except OSError as exc:
        raise UserError.cannot_write(name, exc) from None


def run(args):
    if args.format == "xlsx":
        if not args.output:
            raise UserError("cli.xlsx-needs-output")
        data = xlsx_template(args.lang)
        _write(args.output, lambda: open(args.output, "wb"), data)
    else:
        text = csv_template(args.lang)
        if not args.output:
            sys.stdout.write(text)
            return 0
        # with a BOM, Excel on a Chinese system opens the UTF-8 file correctly
        _write(args.output, lambda: open(args.output, "w", encoding="utf-8-sig", newline=""), text)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0
