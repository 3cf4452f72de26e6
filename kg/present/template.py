"""An empty profile table to fill in: headers (Chinese names or English keys), units and
the rules of each column, as CSV or XLSX (the `tanheng template` command and the app's
download buttons).

CSV: a header row and a units row (the reader skips the units row when the file comes back).
XLSX: a header row with a comment on each header (unit, required, rules) and a notes sheet."""
import csv
import io

from kg import messages
from kg.read.profiles import columns
from kg.validate import column_rules


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

    t = lambda key: messages.text(f"template.{key}", lang)  # noqa: E731
    rules = column_rules(lang)
    wb = Workbook()
    ws = wb.active
    ws.title = t("sheet")
    for i, c in enumerate(columns(), start=1):
        cell = ws.cell(row=1, column=i, value=_header(c, lang))
        cell.font = Font(bold=c.required)
        note = [f"{t('unit')}: {_unit(c, lang)}", t("required") if c.required else t("optional"),
                c.definition_zh if lang == "zh" else c.definition_en, *rules.get(c.key, [])]
        cell.comment = Comment("\n".join(note), "Tanheng", height=180, width=320)
        ws.column_dimensions[cell.column_letter].width = max(12, min(30, len(str(cell.value)) * 2))
    ws.freeze_panes = "C2"
    notes = wb.create_sheet(t("notes"))
    notes.append([t(f"notes.{k}") for k in ("column", "key", "unit", "required", "definition", "rules")])
    for c in columns():
        notes.append([c.label(lang), c.key, _unit(c, lang), t("yes") if c.required else t("no"),
                      c.definition_zh if lang == "zh" else c.definition_en, " ".join(rules.get(c.key, []))])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
