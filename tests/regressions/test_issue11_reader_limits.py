"""Issue 11 item 8: a 1.5 MB XLSX that unpacks to 1.5 GB took 3.3 GB of memory;
/dev/zero and /dev/urandom were read until memory ran out; an XLSX of 1,048,576
filled rows read for minutes without a word. Each is now one sentence, fast."""
import time
import zipfile

import openpyxl
import pytest

from issue11_helpers import EXAMPLES, tanheng, env  # noqa: F401 (fixtures)


def _workbook(path, rows=3):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["region_id", "name", "area_km2"])
    for i in range(rows):
        ws.append([f"r{i}", f"县{i}", 100 + i])
    wb.save(path)
    return path


def test_a_zip_bomb_is_refused_before_it_unpacks(env, tmp_path):
    small = _workbook(tmp_path / "small.xlsx")
    bomb = tmp_path / "bomb.xlsx"
    row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":      # 120 MB of rows, packed to a few hundred KB
                head, _, tail = data.decode().partition("<sheetData>")
                data = (head + "<sheetData>" + row * 2_500_000 + "</sheetData>" + tail.split("</sheetData>")[1]).encode()
            dst.writestr(item, data)
    assert bomb.stat().st_size < 2_000_000
    t0 = time.monotonic()
    out = tanheng(env, "validate", bomb, "--lang", "en")
    assert out.returncode == 2 and "zip bomb" in out.stderr and time.monotonic() - t0 < 30, out.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_not_read(env, device):
    t0 = time.monotonic()
    out = tanheng(env, "validate", device, "--lang", "en", timeout=60)
    assert out.returncode == 2 and "not a regular file" in out.stderr and time.monotonic() - t0 < 30


def test_a_sheet_declaring_a_million_rows_is_refused_at_once(env, tmp_path):
    path = _workbook(tmp_path / "big.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.active.cell(row=1_048_576, column=1, value="r-last")       # the sheet now spans every Excel row
    wb.save(path)
    t0 = time.monotonic()
    out = tanheng(env, "validate", path, "--lang", "en", "--sheet", "Sheet")
    assert out.returncode == 2 and "1,048,576 rows" in out.stderr and "TANHENG_MAX_ROWS" in out.stderr
    assert time.monotonic() - t0 < 30


def test_the_row_and_size_limits_can_be_set(env, tmp_path):
    path = tmp_path / "many.csv"
    lines = (EXAMPLES / "typical-regions.csv").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0]] + [lines[1]] * 300), encoding="utf-8")
    env["TANHENG_MAX_ROWS"] = "100"
    out = tanheng(env, "validate", path, "--lang", "en")
    assert out.returncode == 2 and "limit of 100" in out.stderr
    env["TANHENG_MAX_ROWS"], env["TANHENG_MAX_INPUT_MB"] = "1000", "0.01"
    out = tanheng(env, "validate", path, "--lang", "en")
    assert out.returncode == 2 and "too large" in out.stderr and "TANHENG_MAX_INPUT_MB" in out.stderr


def test_a_cell_too_long_is_named_by_its_row_whole_or_streamed(tmp_path):
    """Rows are checked a block at a time (issue 12): the refusal still names the row, read whole or in pieces."""
    from kg.read import chunked
    from kg.read.limits import MAX_CELL_CHARS
    from kg.read.profiles import UnreadableInput, read_profiles

    lines = (EXAMPLES / "typical-regions.csv").read_text(encoding="utf-8").splitlines()
    body = [lines[1]] * 600
    body[400] = body[400] + "," + "x" * (MAX_CELL_CHARS + 1)
    path = tmp_path / "long.csv"
    path.write_text("\n".join([lines[0]] + body), encoding="utf-8")
    for read in (read_profiles, chunked.open_pieces):
        with pytest.raises(UnreadableInput) as caught:
            read(path)
        assert caught.value.key == "cell-too-long" and caught.value.params["row"] == 402
