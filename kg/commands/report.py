"""tanheng report — the report a planner hands on: cover, summary, type and drivers, model and pathway
figure, ranked measures with reasons and cases, account table and chart, map, peers and zone,
what-if (--set), sources and method notes; as DOCX, PDF, HTML or Markdown, Chinese by default."""
import sys
from pathlib import Path

from kg import messages
from kg.errors import UserError

FORMATS = ("docx", "pdf", "html", "md")


def register(sub):
    p = sub.add_parser("report", help="write the report a planner hands on (DOCX, PDF, HTML, Markdown)")
    p.add_argument("file", metavar="FILE", help="profile file (CSV, XLSX, JSON, Turtle, JSON-LD)")
    p.add_argument("--region", metavar="ID", help="one region (default: every valid region of the file)")
    p.add_argument("--format", choices=FORMATS, help="default: from the output file's extension")
    p.add_argument("-o", "--output", required=True, help="report.docx, report.pdf, report.html or report.md")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=CHANGE",
                   help="a what-if change for --region, as in tanheng scenario (coal_t=-20%%, forest_ha=+2000)")
    p.add_argument("--coefficients", default="default", metavar="NAME")
    p.set_defaults(func=run)


def _whatif(region, settings: list[str], coefficients: str):
    from kg.account.scenario import run as run_scenario      # a malformed change is a UserError of its own

    return run_scenario(region.values, settings, region_id=region.region_id, coefficient_set=coefficients)


def run(args):
    from ..present import handover
    from kg.pipeline.handover import handover_report
    from .map import analyse_files

    fmt = args.format or Path(args.output).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UserError("cli.report-format", output=repr(args.output))
    if args.set and not args.region:
        raise UserError("cli.set-needs-region")
    batch, result, _ = analyse_files([args.file], args.lang, args.coefficients)
    index = None
    if args.region is not None:
        ids = [r.region_id for r in batch.regions]
        if args.region not in ids:
            raise UserError("cli.no-region", region=repr(args.region), file=args.file)
        index = ids.index(args.region)
        if not result["regions"][index]["valid"]:
            print(f"region {args.region} is invalid: the report lists its problems", file=sys.stderr)
    whatif = _whatif(batch.regions[index], args.set, args.coefficients) if args.set else None
    doc = handover_report(batch, result, args.lang, region_index=index, whatif=whatif)
    out = Path(args.output)
    try:
        if fmt == "docx":
            out.write_bytes(handover.to_docx(doc))
        elif fmt == "pdf":
            out.write_bytes(handover.to_pdf(doc))
        elif fmt == "html":
            out.write_text(handover.to_html(doc), encoding="utf-8")
        else:
            text, images = handover.to_markdown(doc, image_prefix=out.stem)
            out.write_text(text, encoding="utf-8")
            for name, png in images.items():
                (out.parent / name).write_bytes(png)
    except OSError as exc:
        raise UserError.cannot_write(args.output, exc) from None
    print(messages.text("cli.wrote", args.lang, file=args.output), file=sys.stderr)
    return 0 if result["summary"]["invalid"] == 0 else 1
