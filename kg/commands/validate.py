"""tanheng validate — check profile files against the SHACL shapes (rules/profile-shapes.ttl).

Exit 0: no violation (warnings allowed); 1: some violation; 2: a file could not be read."""
import sys

from kg.errors import os_reason
from kg.messages import text
from kg.present.validation import format_result, region_label, severity
from kg.read.profiles import UnreadableInput, read_profiles
from kg.validate import ENGINES, ValidationReport, validate

def register(sub):
    p = sub.add_parser("validate", help="check regional profile files (CSV, XLSX, JSON, Turtle, JSON-LD)")
    p.add_argument("files", nargs="+", metavar="FILE", help="profile files to check")
    p.add_argument("--format", choices=["text", "json"], default="text", help="report format (default text)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the report (default zh)")
    p.add_argument("--engine", choices=ENGINES, default="fast",
                   help="fast (compiled shapes, default) or pyshacl (the reference engine)")
    p.add_argument("--sheet", help="XLSX sheet to read (default: the first)")
    p.set_defaults(func=run)


def render_text(name: str, batch, report: ValidationReport, lang: str) -> str:
    """A planner's reading of the report: grouped by region, in one language."""
    lines = []
    file_level = [r for r in report.results if r["row"] is None]
    if file_level:
        lines.append(text("validate.file-level", lang, file=name))
        lines += [f"  [{severity(r['severity'], lang)}] {r['message_' + lang]}" for r in file_level]
    by_row = {}
    for r in report.results:
        if r["row"] is not None:
            by_row.setdefault(r["row"], []).append(r)
    regions = {reg.row: reg for reg in batch.regions}
    for row, results in by_row.items():
        lines.append(text("validate.region-row", lang, region=region_label(regions[row], lang), row=row))
        lines += [f"  [{severity(r['severity'], lang)}] {format_result(r, lang)}" for r in results]
    bad = {r["row"] for r in report.violations() if r["row"] is not None}
    lines.append(text("validate.summary", lang, file=name, n=len(batch), ok=len(batch) - len(bad), bad=len(bad),
                      warn=len(report.warnings())))
    if not report.results:
        lines.append(text("validate.all-ok", lang))
    return "\n".join(lines)


def run(args):
    import json

    code, results, errors, texts = 0, [], [], []
    for name in args.files:
        try:
            batch = read_profiles(name, sheet=args.sheet)
        except UnreadableInput as exc:
            errors.append({"file": name, "message_zh": exc.message("zh"), "message_en": exc.message("en")})
            print("tanheng: " + text("error.cannot-read", args.lang, file=name, reason=exc.message(args.lang)),
                  file=sys.stderr)
            code = 2
            continue
        except OSError as exc:
            zh, en = os_reason(exc, "zh"), os_reason(exc, "en")
            errors.append({"file": name, "message_zh": zh, "message_en": en})
            print("tanheng: " + text("error.cannot-read", args.lang, file=name, reason=zh if args.lang == "zh" else en),
                  file=sys.stderr)
            code = 2
            continue
        report = validate(batch, engine=args.engine)
        if not report.conforms:
            code = max(code, 1)
        results += [dict(r, file=name) for r in report.results]
        texts.append(render_text(name, batch, report, args.lang))
    if args.format == "json":
        out = {"conforms": not any(r["severity"] == "violation" for r in results) and not errors,
               "results": results}
        if errors:
            out["errors"] = errors
        print(json.dumps(out, ensure_ascii=False, indent=1))
    elif texts:
        print("\n\n".join(texts))
    return code
