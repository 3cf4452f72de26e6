"""`tanheng report`: DOCX and PDF that open, read back with python-docx and pdftotext — Chinese text,
the map and chart images, peers, zone, what-if, sources — and the section hook other parts extend."""
import io
import shutil
import subprocess

import pytest

from conftest import ROOT, VENV_BIN

HENAN = ROOT / "examples" / "xianyu-henan.csv"


def report(tmp_path, name, *args):
    out = tmp_path / name
    done = subprocess.run([str(VENV_BIN / "tanheng"), "report", str(HENAN), *args, "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def docx_file(tmp_path_factory):
    return report(tmp_path_factory.mktemp("docx"), "滑县.docx", "--region", "410526",
                  "--set", "coal_t=-20%", "--set", "forest_ha=+2000", "--set", "other_land_ha=-2000")


def test_docx_reads_back_in_chinese_with_map_and_chart_images(docx_file):
    from docx import Document

    d = Document(str(docx_file))
    text = "\n".join(p.text for p in d.paragraphs)
    cells = "\n".join(c.text for t in d.tables for row in t.rows for c in row.cells)
    for words in ("城乡融合碳平衡诊断报告", "滑县 (410526)", "摘要", "农产品主产区", "绿色高效产废循环模式",
                  "措施（按本区域排序）、理由与案例", "碳核算", "区位与同省比较地图", "同类比较与碳平衡分区",
                  "情景模拟", "来源与方法说明", "碳平衡分区：综合优化区"):
        assert words in text, words
    assert "图：滑县（黑框）在河南省中的位置与类型" in text           # the map's caption
    assert "图：各核算项的排放（红）与碳汇（绿）" in text              # the account chart's caption
    assert "人均排放" in cells and "煤炭" in cells                     # peers and account tables
    from kg.read.profiles import read_profiles

    coal = next(r for r in read_profiles(HENAN).regions if r.region_id == "410526").values["coal_t"]
    assert f"{coal:,.0f}" in cells and f"{coal * 0.8:,.0f}" in cells   # what-if: coal before and after −20 %
    images = [s for s in d.inline_shapes]
    assert len(images) >= 3                                             # pathway, account chart, map
    blobs = [r.target_part.blob for r in d.part.rels.values() if "image" in r.reltype]
    assert all(b[:8] == b"\x89PNG\r\n\x1a\n" for b in blobs) and len(blobs) >= 3


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed (./run test installs it)")
def test_pdf_reads_back_with_pdftotext_and_holds_images(tmp_path):
    pdf = report(tmp_path, "report.pdf", "--region", "410324")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for words in ("城乡融合碳平衡诊断报告", "栾川县", "生态功能区", "蓝绿协同生态增汇模式", "碳核算", "非测绘成果",
                  "来源与方法说明", "赵荣钦"):
        assert words in text, words
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len([ln for ln in listed.splitlines()[2:] if ln.strip()]) >= 3


def test_english_html_report_of_the_whole_file(tmp_path):
    html = report(tmp_path, "all.html", "--lang", "en").read_text(encoding="utf-8")
    assert html.count("<h1>") == 10 and "Carbon account" in html and "Recommended model" in html
    assert html.count("data:image/png;base64,") >= 30
    assert "http://" not in html.replace('"http://www.w3.org', "") and "https://" not in html   # nothing fetched


def test_report_mistakes_are_one_sentence(tmp_path):
    for args, words in ((["--region", "nope"], "no region 'nope'"), (["--set", "coal_t=-1%"], "--set needs --region")):
        done = subprocess.run([str(VENV_BIN / "tanheng"), "report", str(HENAN), *args, "-o", str(tmp_path / "r.pdf")],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr


def test_other_parts_add_sections_through_the_hook():
    from kg.pipeline.advice import advise
    from kg.present import handover
    from kg.read.profiles import read_profiles
    from kg.pipeline.handover import handover_report

    keys = [k for k, _ in handover.SECTIONS]
    assert keys == ["summary", "type", "model", "measures", "account", "map", "peers", "whatif", "pathways", "sources"]  # pathways: issue 17
    saved = list(handover.SECTIONS)
    try:
        handover.register_section("trajectory", lambda ctx: [handover.Heading("路径 2030/2060", 2)], after="peers")
        assert [k for k, _ in handover.SECTIONS].index("trajectory") == keys.index("peers") + 1
        batch = read_profiles(HENAN)
        doc = handover_report(batch, advise(batch), "zh", region_index=0, only=("summary", "trajectory"))
        assert [b.text for b in doc.blocks if isinstance(b, handover.Heading)] == ["金水区 (410105)", "摘要",
                                                                                  "路径 2030/2060"]
    finally:
        handover.SECTIONS[:] = saved
