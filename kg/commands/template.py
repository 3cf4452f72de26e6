"""tanheng template — an empty profile table to fill in: headers, units and the rules of each column.

CSV: a header row and a units row (the reader skips the units row when the file comes back).
XLSX: a header row with a comment on each header (unit, required, rules) and a notes sheet."""
import csv
import io
import sys

from ..cli import UserError
from ..profiles import columns
from ..validate import column_rules

TEXT = {"zh": {"required": "必填", "optional": "选填", "unit": "单位", "sheet": "区域档案", "notes": "填写说明",
               "notes_head": ["列", "字段键", "单位", "必填", "说明", "校验规则"], "yes": "是", "no": "否"},
        "en": {"required": "required", "optional": "optional", "unit": "unit", "sheet": "regions", "notes": "notes",
               "notes_head": ["column", "key", "unit", "required", "definition", "rules"], "yes": "yes", "no": "no"}}


def register(sub):
    p = sub.add_parser("template", help="write an empty profile template (CSV or XLSX)")
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p.add_argument("--lang", choices=["zh", "en"], default="zh",
                   help="header language: Chinese names or English keys (default zh)")
    p.add_argument("-o", "--output", help="file to write (CSV default: standard output; XLSX needs a file)")
    p.set_defaults(func=run)


def _header(c, lang):
    return c.label_zh if lang == "zh" else c.key


def _unit(c, lang):
    return c.unit_zh if lang == "zh" else c.unit_en


def csv_template(lang: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([_header(c, lang) for c in columns()])
    w.writerow([_unit(c, lang) for c in columns()])
    return buf.getvalue()


def xlsx_template(lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    t, rules = TEXT[lang], column_rules(lang)
    wb = Workbook()
    ws = wb.active
    ws.title = t["sheet"]
    for i, c in enumerate(columns(), start=1):
        cell = ws.cell(row=1, column=i, value=_header(c, lang))
        cell.font = Font(bold=c.required)
        note = [f"{t['unit']}: {_unit(c, lang)}", t["required"] if c.required else t["optional"],
                c.definition_zh if lang == "zh" else c.definition_en, *rules.get(c.key, [])]
        cell.comment = Comment("\n".join(note), "Tanheng", height=180, width=320)
        ws.column_dimensions[cell.column_letter].width = max(12, min(30, len(str(cell.value)) * 2))
    ws.freeze_panes = "C2"
    notes = wb.create_sheet(t["notes"])
    notes.append(t["notes_head"])
    for c in columns():
        notes.append([c.label(lang), c.key, _unit(c, lang), t["yes"] if c.required else t["no"],
                      c.definition_zh if lang == "zh" else c.definition_en, " ".join(rules.get(c.key, []))])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _write(name: str, opener, content) -> None:
    try:
        with opener() as f:
            f.write(content)
    except OSError as exc:
        raise UserError(f"cannot write {name}: {exc.strerror or exc}") from None


def run(args):
    if args.format == "xlsx":
        if not args.output:
            raise UserError("an XLSX template is a binary file: give -o FILE.xlsx")
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
