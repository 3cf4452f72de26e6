"""tanheng validate — check profile files against the SHACL shapes (rules/profile-shapes.ttl).

Exit 0: no violation (warnings allowed); 1: some violation; 2: a file could not be read."""
import sys

from kg.read.profiles import UnreadableInput, read_profiles
from kg.validate import ENGINES, WORDS, ValidationReport, format_result, region_title, validate

TEXT = {      # with WORDS of kg.validate (severities, "(empty)"), shared with balance and scenario
    "zh": {"file": "文件级提示",
           "row": "第 {row} 行", "cannot": "无法读取 {file}：{msg}",
           "summary": "{file}：{n} 个区域，{ok} 个可用于分析，{bad} 个有错误，{warn} 条警告。",
           "all_ok": "全部通过校验。"},
    "en": {"file": "file",
           "row": "row {row}", "cannot": "cannot read {file}: {msg}",
           "summary": "{file}: {n} regions, {ok} usable, {bad} with errors, {warn} warnings.",
           "all_ok": "all regions pass."},
}

OS_ERRORS = {FileNotFoundError: ("文件不存在", "no such file"),
             IsADirectoryError: ("这是一个目录，不是文件", "it is a directory, not a file"),
             PermissionError: ("没有读取权限", "permission denied")}


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
    t = {**WORDS[lang], **TEXT[lang]}
    lines = []
    file_level = [r for r in report.results if r["row"] is None]
    if file_level:
        lines.append(f"{name} — {t['file']}")
        lines += [f"  [{t[r['severity']]}] {r['message_' + lang]}" for r in file_level]
    by_row = {}
    for r in report.results:
        if r["row"] is not None:
            by_row.setdefault(r["row"], []).append(r)
    regions = {reg.row: reg for reg in batch.regions}
    for row, results in by_row.items():
        reg = regions[row]
        title = region_title(reg, lang)
        lines.append(f"{title}（{t['row'].format(row=row)}）" if lang == "zh" else f"{title} ({t['row'].format(row=row)})")
        lines += [f"  [{t[r['severity']]}] {format_result(r, lang)}" for r in results]
    bad = {r["row"] for r in report.violations() if r["row"] is not None}
    lines.append(t["summary"].format(file=name, n=len(batch), ok=len(batch) - len(bad), bad=len(bad),
                                     warn=len(report.warnings())))
    if not report.results:
        lines.append(t["all_ok"])
    return "\n".join(lines)


def run(args):
    import json

    t = TEXT[args.lang]
    code, results, errors, texts = 0, [], [], []
    for name in args.files:
        try:
            batch = read_profiles(name, sheet=args.sheet)
        except UnreadableInput as exc:
            errors.append({"file": name, "message_zh": exc.message("zh"), "message_en": exc.message("en")})
            print("tanheng: " + t["cannot"].format(file=name, msg=exc.message(args.lang)), file=sys.stderr)
            code = 2
            continue
        except OSError as exc:
            zh, en = OS_ERRORS.get(type(exc), (exc.strerror or str(exc),) * 2)
            errors.append({"file": name, "message_zh": zh, "message_en": en})
            print("tanheng: " + t["cannot"].format(file=name, msg=zh if args.lang == "zh" else en), file=sys.stderr)
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
