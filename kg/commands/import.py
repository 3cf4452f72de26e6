"""tanheng import — a yearbook page or any profile file as the normalised profile (English keys,
base units) plus the mapping report: which headers were recognised, which converted (with the
factor), which used to derive a field, which ignored, and what was done to each row (codes looked
up by name, shares derived, the year taken from the title). A planner keeps the converted file;
every other command reads the original directly, the same way.

Exit codes: 0 read (warnings in the report); 2 the file cannot be read."""
from __future__ import annotations

import json
import sys

from kg import messages
from kg.errors import UserError


def register(sub):
    p = sub.add_parser("import", help="normalise a profile file (yearbook layout, units, names) and report the mapping")
    p.add_argument("file", metavar="FILE", help="profile file: CSV (UTF-8 or GB18030), XLSX, JSON, Turtle")
    p.add_argument("--sheet", help="the XLSX sheet to read (default: the first, or every sheet named by year)")
    p.add_argument("-o", "--output", help="normalised CSV to write (default: standard output)")
    p.add_argument("--report", metavar="FILE", help="also write the mapping report as JSON")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.set_defaults(func=run)


def report_text(batch, lang: str) -> str:
    """The mapping report and the rows' notes, as `tanheng import` prints them."""
    from kg.present.validation import region_label

    lines = [batch.mapping.render(lang)] if batch.mapping else []
    for r in batch.regions:
        for n in r.notes:
            year = f" {r.year}" if r.year is not None else ""
            lines.append(f"  {region_label(r, lang)}{year}: {n['message_' + lang]}")
    return "\n".join(lines)


def normalised_csv(batch) -> str:
    """English keys, base units, one row per region and year; text cells made inert for spreadsheets."""
    from kg.present.tables import to_csv
    from kg.read.profiles import columns, lexical_form

    cols = columns()
    rows = []
    for r in batch.regions:
        row = []
        for c in cols:
            v = r.values.get(c.key)
            if v is None:
                v = r.raw.get(c.key)           # a cell that could not be read stays as given
            elif c.datatype == "decimal":
                v = float(lexical_form(v, "decimal"))
            row.append(v)
        rows.append(row)
    return to_csv([c.key for c in cols], rows)


def run(args):
    from kg.read.profiles import read_named

    try:
        batch = read_named(args.file, sheet=args.sheet)
    except OSError as exc:
        raise UserError.cannot_read(args.file, exc) from None
    text = normalised_csv(batch)
    report = report_text(batch, args.lang)
    try:
        if args.output:
            with open(args.output, "w", encoding="utf-8-sig", newline="") as f:   # BOM: Excel reads UTF-8
                f.write(text)
        if args.report:
            doc = dict(batch.mapping.to_dict(), regions=[
                {"region_id": r.region_id, "name": r.name, "year": r.year, "row": r.row, "notes": r.notes}
                for r in batch.regions])
            with open(args.report, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False, indent=1)
    except OSError as exc:
        raise UserError.cannot_write(exc.filename, exc) from None
    if args.output:
        sys.stdout.write(report + "\n")
        print(messages.text("cli.wrote-rows", args.lang, file=args.output, n=len(batch)), file=sys.stderr)
    else:
        sys.stdout.write(text)
        sys.stderr.write(report + "\n")
    return 0
