"""tanheng validate — check profile files against the SHACL shapes (rules/profile-shapes.ttl).

Exit 0: no violation (warnings allowed); 1: some violation; 2: a file could not be read."""
import sys

from kg.errors import os_reason
from kg.messages import text
from kg.terminal import progress_bar
from kg.present.validation import format_result, region_label, severity
from kg.read.profiles import UnreadableInput, read_profiles
from kg.validate import ENGINES, validate

PROGRESS_FROM = 2_000      # regions: a big file's check shows a progress bar on a terminal


def register(sub):
    p = sub.add_parser("validate", help="check regional profile files (CSV, XLSX, JSON, Turtle, JSON-LD)")
    p.add_argument("files", nargs="+", metavar="FILE", help="profile files to check")
    p.add_argument("--format", choices=["text", "json"], default="text", help="report format (default text)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the report (default zh)")
    p.add_argument("--engine", choices=ENGINES, default="fast",
                   help="fast (compiled shapes, default) or pyshacl (the reference engine)")
    p.add_argument("--sheet", help="XLSX sheet to read (default: the first)")
    p.set_defaults(func=run)


def render_text(name: str, count: int, results: list[dict], labels: dict[int, str], lang: str) -> str:
    """A planner's reading of a file's report: grouped by region, in one language. `count`: the file's regions;
    `labels`: "<id> <name>" of each row that has a result."""
    lines = []
    file_level = [r for r in results if r["row"] is None]
    if file_level:
        lines.append(text("validate.file-level", lang, file=name))
        lines += [f"  [{severity(r['severity'], lang)}] {r['message_' + lang]}" for r in file_level]
    by_row = {}
    for r in results:
        if r["row"] is not None:
            by_row.setdefault(r["row"], []).append(r)
    for row, found in by_row.items():
        lines.append(text("validate.region-row", lang, region=labels[row], row=row))
        lines += [f"  [{severity(r['severity'], lang)}] {format_result(r, lang)}" for r in found]
    bad = {r["row"] for r in results if r["severity"] == "violation" and r["row"] is not None}
    lines.append(text("validate.summary", lang, file=name, n=count, ok=count - len(bad), bad=len(bad),
                      warn=sum(1 for r in results if r["severity"] == "warning")))
    if not results:
        lines.append(text("validate.all-ok", lang))
    return "\n".join(lines)


def _checked(name: str, sheet: str | None, engine: str):
    """The file's (regions, report) in file order: a big file (kg.read.several.pieced: CSV, workbook, JSON, RDF)
    piece by piece as `advise` reads it — each piece checked with its companions (the rows elsewhere the
    repeated-id rule pairs with its own), the file's warnings with the first, so the results are those of the
    file read whole and memory stays flat (284,400 regions: 2.1 GB read whole) —, else the file read whole."""
    if sheet is None:
        from kg.read import several

        pieced = several.pieced(name)            # None for a file better read whole (small, or not a table)
        if pieced is not None:
            from kg.pipeline.stream import CHUNK, REFERENCE_CHUNK, chunks

            bar, step = progress_bar(len(pieced), PROGRESS_FROM)
            done = 0
            try:
                for piece in pieced.pieces(chunks(len(pieced), 1, CHUNK if engine == "fast" else REFERENCE_CHUNK)):
                    yield piece.regions, validate(piece, engine=engine)
                    done += len(piece.regions)
                    if step:
                        step(done, len(pieced))
            finally:
                if bar:
                    bar.close()
            return
    batch = read_profiles(name, sheet=sheet)
    yield batch.regions, validate(batch, engine=engine)


def run(args):
    import json

    code, results, errors, texts = 0, [], [], []
    for name in args.files:
        found, labels, count = [], {}, 0
        try:
            for regions, report in _checked(name, args.sheet, args.engine):
                count += len(regions)
                rows = {r["row"] for r in report.results}
                labels.update((reg.row, region_label(reg, args.lang)) for reg in regions if reg.row in rows)
                found += report.results
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
        if any(r["severity"] == "violation" for r in found):
            code = max(code, 1)
        results += [dict(r, file=name) for r in found]
        texts.append(render_text(name, count, found, labels, args.lang))
    if args.format == "json":
        out = {"conforms": not any(r["severity"] == "violation" for r in results) and not errors,
               "results": results}
        if errors:
            out["errors"] = errors
        print(json.dumps(out, ensure_ascii=False, indent=1))
    elif texts:
        print("\n\n".join(texts))
    return code
