"""kg.read.sheet_xml reads a read-only sheet's rows as openpyxl's read-only mode does (values, padding, blank and
missing rows, percent formats, dates), and hands what it does not know back to openpyxl from that row on."""
from __future__ import annotations

import datetime
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kg.read import profiles, sheet_xml


def _openpyxl_rows(path: Path) -> list[list]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    shown = profiles._ShownValues()
    rows = [list(map(shown, r)) for r in wb.worksheets[0].iter_rows()]
    wb.close()
    return rows


def _fast_rows(path: Path, fallback_allowed: bool) -> list[list]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    if not fallback_allowed:
        def refused(*a, **k):
            raise AssertionError("openpyxl was asked to read the sheet")
        ws.iter_rows = refused
    rows = list(sheet_xml.rows(ws))
    wb.close()
    return rows


def _same(a: list[list], b: list[list]) -> None:
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b), start=1):
        assert [(type(c), c) for c in x] == [(type(c), c) for c in y], f"row {i}"


def _rows():
    return [
        ["region_id", "name", "year", "share", "when", "flag", "note", None, "far"],
        ["410102", "中原区", 2022, 0.918, datetime.datetime(2021, 3, 4), True, "plain", None, 1],
        ["410103", " 二七区 ", 2021, 1.0, None, False, "", 7.5, None],
        [None, None, None, None, None, None, None, None, None],
        ["410104", "x", -0.0, 1e-7, None, None, "#N/A", 1e20, 75.59999999999999],
        [410105, 3, 12345678901234, -3.25, None, None, "1,234", 0, -17],
    ]


def _workbook(path: Path, write_only: bool, rows=None) -> Path:
    wb = openpyxl.Workbook(write_only=write_only)
    ws = wb.create_sheet("data") if write_only else wb.active
    for r in rows or _rows():
        if write_only:
            ws.append(r)
        else:
            ws.append(r)
    if not write_only:
        for row in ws.iter_rows(min_row=2, min_col=4, max_col=4):
            row[0].number_format = "0.0%"
        ws["E2"].number_format = "yyyy-mm-dd"
        ws["H9"] = "=SUM(H2:H3)"                  # a formula without a saved value, past the last row
        ws["B12"] = "after blank rows"
    wb.save(path)
    return path


@pytest.mark.parametrize("write_only", [False, True])
def test_plain_sheets_read_as_openpyxl_reads_them_without_it(tmp_path, write_only):
    path = _workbook(tmp_path / "t.xlsx", write_only)
    _same(_fast_rows(path, fallback_allowed=False), _openpyxl_rows(path))


def _rewritten(path: Path, out: Path, edit) -> Path:
    """The workbook with its first sheet's XML edited by `edit(text) -> text`."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        sheet = next(n for n in names if n.startswith("xl/worksheets/sheet"))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
            for n in names:
                data = z.read(n)
                if n == sheet:
                    data = edit(data.decode()).encode()
                w.writestr(n, data)
    return out


# each an edit the reader reads itself (True) or hands to openpyxl (False), the values the same either way
EDITS = {
    "s after t": (lambda x: re.sub(r'<c r="(\w+)" t="(\w+)" s="(\d+)"', r'<c r="\1" s="\3" t="\2"', x), True),
    "type n spelled out": (lambda x: re.sub(r'<c r="(C\d+)"( s="\d+")?>', r'<c r="\1"\2 t="n">', x), True),
    "empty v": (lambda x: x.replace("<v>2021</v>", "<v></v>"), True),
    "self-closed v": (lambda x: x.replace("<v>2021</v>", "<v/>"), True),
    "formula with a saved value": (lambda x: x.replace("<v>7.5</v>", "<f>1+6.5</f><v>7.5</v>"), True),
    "shared formula": (lambda x: x.replace("<v>7.5</v>", '<f t="shared" si="0"/><v>7.5</v>'), True),
    "a string formula's value": (lambda x: x.replace('<c r="G2" t="inlineStr"><is><t>plain</t></is></c>',
                                                     '<c r="G2" t="str"><f>"pl"&amp;"ain"</f><v>plain</v></c>'), True),
    "an error cell": (lambda x: re.sub(r'<c r="G5"[^/]*?</c>', '<c r="G5" t="e"><v>#DIV/0!</v></c>', x), True),
    "rows without r": (lambda x: re.sub(r'<row r="\d+"', "<row", x), True),
    "row with spans": (lambda x: re.sub(r'<row r="(\d+)"', r'<row r="\1" spans="1:9" ht="15"', x), True),
    "Excel's row attributes": (lambda x: re.sub(r'<row r="(\d+)"', r'<row r="\1" spans="1:9" x14ac:dyDescent="0.25"',
                                                x).replace('<worksheet xmlns="http://schemas.openxmlformats.org/'
                                                           'spreadsheetml/2006/main"', '<worksheet xmlns="http://'
                                                           'schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                                           'xmlns:x14ac="http://schemas.microsoft.com/office/'
                                                           'spreadsheetml/2009/9/ac"'), True),
    "a row without cells": (lambda x: re.sub(r'<row r="4">.*?</row>', '<row r="4"/>', x, count=1), True),
    "a missing row": (lambda x: re.sub(r'<row r="3">.*?</row>', "", x, count=1), True),
    "empty inline text": (lambda x: x.replace("<t>plain</t>", "<t></t>"), True),
    "preserved spaces": (lambda x: x.replace("<t> 二七区 </t>", '<t xml:space="preserve"> 二七区 </t>'), True),
    "a cell past the row's last": (lambda x: x.replace("</row>", '<c r="Z2" t="n"><v>5</v></c></row>', 1), True),
    "an entity": (lambda x: x.replace("<t>plain</t>", "<t>a &amp; b &lt;&#x4e2d;&gt;</t>"), True),
    "a reference to a character that is no reference": (lambda x: x.replace("<t>plain</t>", "<t>&#38;amp;</t>"), False),
    "a cell without r": (lambda x: x.replace('<c r="C2"', "<c", 1), False),
    "whitespace between cells": (lambda x: x.replace("</c><c", "</c>\n  <c"), False),
    "rich text": (lambda x: x.replace("<is><t>plain</t></is>", "<is><r><t>pl</t></r><r><t>ain</t></r></is>"), False),
    "a carriage return": (lambda x: x.replace("<t>plain</t>", "<t>pl\r\nain</t>"), False),
    "a prefixed namespace": (lambda x: x.replace('<worksheet xmlns="', '<x:worksheet xmlns:x="')
                             .replace("</worksheet>", "</x:worksheet>").replace("<", "<x:").replace("<x:/", "</x:")
                             .replace("<x:x:", "<x:").replace("</x:x:", "</x:").replace("<x:?", "<?"), False),
}


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
@pytest.mark.parametrize("write_only", [False, True])
def test_edited_sheets_read_the_same(tmp_path, edit, write_only):
    fn, itself = EDITS[edit]
    path = _rewritten(_workbook(tmp_path / "t.xlsx", write_only), tmp_path / "e.xlsx", fn)
    expected = _openpyxl_rows(path)
    _same(_fast_rows(path, fallback_allowed=True), expected)
    if itself:
        _same(_fast_rows(path, fallback_allowed=False), expected)


def _shared_strings(path: Path, out: Path) -> Path:
    """The workbook with its inline strings made shared strings (t="s", xl/sharedStrings.xml), as Excel and
    LibreOffice write text: the commonest form of a planner's sheet."""
    strings: list[str] = []

    def shared(m):
        strings.append(m.group(2))
        return f'<c r="{m.group(1)}" t="s"><v>{len(strings) - 1}</v></c>'
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
        for n in z.namelist():
            data = z.read(n).decode()
            if n.startswith("xl/worksheets/sheet"):
                data = re.sub(r'<c r="(\w+)" t="inlineStr"><is><t(?: xml:space="preserve")?>([^<]*)</t></is></c>',
                              shared, data)
            elif n == "[Content_Types].xml":
                data = data.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif n == "xl/_rels/workbook.xml.rels":
                data = data.replace("</Relationships>", '<Relationship Type="http://schemas.openxmlformats.org/'
                                    'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" '
                                    'Id="rId99"/></Relationships>')
            w.writestr(n, data)
        items = "".join(f'<si><t xml:space="preserve">{t}</t></si>' for t in strings)
        w.writestr("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>')
    return out


@pytest.mark.parametrize("write_only", [False, True])
def test_shared_strings_read_the_same(tmp_path, write_only):
    path = _shared_strings(_workbook(tmp_path / "t.xlsx", write_only), tmp_path / "s.xlsx")
    with zipfile.ZipFile(path) as z:
        assert 't="s"' in z.read("xl/worksheets/sheet1.xml").decode()
    rows = _fast_rows(path, fallback_allowed=False)
    _same(rows, _openpyxl_rows(path))
    assert rows[1][1] == "中原区" and rows[2][1] == " 二七区 "


def test_a_declared_size_cuts_and_pads_as_openpyxl_does(tmp_path):
    path = _workbook(tmp_path / "t.xlsx", False)
    for ref in ("A1:C3", "A1:Z20", "A1:I2"):
        edited = _rewritten(path, tmp_path / f"d{ref[-2:]}.xlsx",
                            lambda x, ref=ref: re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>', x))
        _same(_fast_rows(edited, fallback_allowed=False), _openpyxl_rows(edited))


def test_a_big_generated_sheet_reads_the_same(tmp_path):
    from kg.bench import generate, write_xlsx

    path = write_xlsx(generate(3_000), tmp_path / "g.xlsx")      # write-only: inline strings, no declared size
    _same(_fast_rows(path, fallback_allowed=False), _openpyxl_rows(path))


def test_read_profiles_gives_the_same_batch_through_either_reader(tmp_path, monkeypatch):
    from kg.bench import generate, write_xlsx

    path = write_xlsx(generate(1_500), tmp_path / "g.xlsx")
    fast = profiles.read_profiles(str(path))
    monkeypatch.setattr(sheet_xml, "rows", lambda ws: (list(map(profiles._ShownValues(), r))
                                                      for r in ws.iter_rows()))
    slow = profiles.read_profiles(str(path))
    assert [r.values for r in fast.regions] == [r.values for r in slow.regions]
    assert fast.warnings == slow.warnings


@pytest.mark.parametrize("write_only", [False, True])
def test_the_sheet_scan_finds_what_the_xml_parser_finds(tmp_path, write_only, monkeypatch):
    """kg.read.chunked._sheet_scan (merged ranges, formulas without a saved value, the width) by the expressions and
    by the XML parser it falls back to."""
    from kg.read import chunked

    path = _workbook(tmp_path / "t.xlsx", write_only)
    if not write_only:
        wb = openpyxl.load_workbook(path)
        ws = wb.active
        ws.merge_cells("A14:C15")
        ws["A14"] = "merged"
        ws["K16"] = "=A1"
        wb.save(path)
    part = "xl/worksheets/sheet1.xml"
    fast = chunked._sheet_scan(path, part)
    with zipfile.ZipFile(path) as z, z.open(part) as xml:
        assert sheet_xml.scan(xml) == fast          # read by the expressions, not handed to the parser

    def unknown(src):
        raise sheet_xml.Unknown
    monkeypatch.setattr(sheet_xml, "scan", unknown)
    slow = chunked._sheet_scan(path, part)
    assert fast == slow
    assert fast[2] >= 9 and (write_only or (fast[0] == [(1, 14, 3, 15)] and fast[1] == ["H9", "K16"]))


@pytest.mark.parametrize("rows", [10, 2_000])      # read in full, and read-only (a workbook of 250 KB or more)
def test_a_cell_too_long_in_a_sheet_is_refused_naming_its_row(tmp_path, rows):
    """The cell-length limit sees a sheet's values (it was given openpyxl's cells, which have no length)."""
    from kg.read import limits

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append(["region_id", "name", "note"])
    for i in range(rows):
        ws.append([f"41{i:04d}", "x" * 60, "y" * 60])
    ws.append(["419999", "z" * limits.MAX_CELL_CHARS, "long"])     # openpyxl cuts what it writes to Excel's limit
    wb.save(tmp_path / "at-limit.xlsx")
    path = _rewritten(tmp_path / "at-limit.xlsx", tmp_path / "long.xlsx",
                      lambda x: x.replace("z" * limits.MAX_CELL_CHARS, "z" * (limits.MAX_CELL_CHARS + 1)))
    with pytest.raises(profiles.UnreadableInput) as caught:
        profiles.read_profiles(str(path))
    assert caught.value.key == "cell-too-long" and caught.value.params["row"] == rows + 2
