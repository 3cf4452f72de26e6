"""An empty profile table to fill in: headers (Chinese names or English keys), units and
the rules of each column, as CSV or XLSX (the `tanheng template` command and the app's
download buttons).

CSV: a header row and a units row (the reader skips the units row when the file comes back).
XLSX: a header row with a comment on each header (unit, the other units the reader converts,
required, rules), drop-down lists for the coded columns (their labels, which the reader accepts),
a notes sheet, and an example sheet with one filled-in row (滑县 from examples/typical-regions.csv)."""
import csv
import io

from kg import messages
from kg.read.profiles import columns
from kg.validate import column_rules

# The drop-downs cover this many rows: a province has about 100 county-level units, a series a few years.
_VALIDATED_ROWS = 2000
EXAMPLE_REGION = "410526"


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


def _choices(lang: str) -> dict[str, list[str]]:
    """Coded column -> the labels its drop-down offers (Chinese labels or the English codes)."""
    from rdflib.namespace import SKOS

    from kg.knowledge.graph import literal_in
    from kg.namespaces import TH, THP
    from kg.read.profiles import vocabulary_graph

    g = vocabulary_graph()
    out = {}
    for c in columns():
        scheme = g.value(THP[c.key], TH.valueScheme)
        if scheme is None:
            continue
        concepts = sorted((x for x in g.subjects(SKOS.inScheme, scheme) if g.value(x, SKOS.notation) is not None),
                          key=lambda x: str(g.value(x, SKOS.notation)))
        out[c.key] = [literal_in(g, x, SKOS.prefLabel, "zh") if lang == "zh" else str(g.value(x, SKOS.notation))
                      for x in concepts]
    return out


def _other_units(c, lang) -> str:
    """The units the reader converts into this column's own (ontology/units.ttl, same quantity kind)."""
    from kg.read.headers import column_unit, units

    own = column_unit(c.key)
    if own is None:
        return ""
    return "、".join(u.label_zh if lang == "zh" else u.label_en for u in
                    sorted(units().values(), key=lambda u: u.multiplier) if u.kind == own.kind and u is not own)


def xlsx_template(lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    t = lambda key: messages.text(f"template.{key}", lang)  # noqa: E731
    rules = column_rules(lang)
    choices = _choices(lang)
    wb = Workbook()
    ws = wb.active
    ws.title = t("sheet")
    for i, c in enumerate(columns(), start=1):
        cell = ws.cell(row=1, column=i, value=_header(c, lang))
        cell.font = Font(bold=c.required)
        others = _other_units(c, lang)
        note = [f"{t('unit')}: {_unit(c, lang)}", *([f"{t('also')}: {others}"] if others else []),
                t("required") if c.required else t("optional"),
                c.definition_zh if lang == "zh" else c.definition_en, *rules.get(c.key, [])]
        cell.comment = Comment("\n".join(note), "Tanheng", height=200, width=320)
        ws.column_dimensions[cell.column_letter].width = max(12, min(30, len(str(cell.value)) * 2))
        if c.key in choices:
            # an inline list (no helper sheet: a hidden sheet in a returned file would be a warning)
            dv = DataValidation(type="list", formula1='"' + ",".join(choices[c.key]) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle=_header(c, lang), error=t("pick"))
            ws.add_data_validation(dv)
            dv.add(f"{cell.column_letter}2:{cell.column_letter}{_VALIDATED_ROWS + 1}")
    ws.freeze_panes = "C2"
    notes = wb.create_sheet(t("notes"))
    notes.append([t(f"notes.{k}") for k in ("column", "key", "unit", "required", "definition", "rules")])
    for c in columns():
        notes.append([c.label(lang), c.key, _unit(c, lang), t("yes") if c.required else t("no"),
                      c.definition_zh if lang == "zh" else c.definition_en, " ".join(rules.get(c.key, []))])
    _example_sheet(wb, lang, choices, t)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _example_sheet(wb, lang: str, choices, t) -> None:
    """One filled-in row under the same headers, on its own sheet so it is never read as data."""
    from openpyxl.styles import Font

    from kg.paths import EXAMPLES_DIR
    from kg.read.headers import norm
    from kg.read.profiles import allowed_values, read_profiles

    region = read_profiles(EXAMPLES_DIR / "typical-regions.csv").get(EXAMPLE_REGION)
    ws = wb.create_sheet(t("example"))
    ws.append([_header(c, lang) for c in columns()])
    row = []
    for c in columns():
        v = region.values.get(c.key) if region else None
        if c.key in choices and v is not None:       # the label the drop-down shows for this code
            v = next((x for x in choices[c.key] if allowed_values()[c.key].get(norm(x)) == v), v)
        row.append(v)
    ws.append(row)
    ws.append([])
    ws.append([t("example_note")])
    ws.cell(row=4, column=1).font = Font(italic=True)
