"""The real app (`tanheng app --headless`) in Debian's chromium through Playwright:
every page renders, the language toggle, upload → advice → download, a batch with
invalid rows, history that survives a restart. Set TANHENG_SCREENSHOTS=1 to
refresh docs/screenshots/*.png."""
import json
import re
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, VENV_BIN, free_port

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "docs" / "screenshots"


class App:
    """A `tanheng app` subprocess on a free port with its own store."""

    def __init__(self, store: Path):
        self.store, self.port, self.proc = store, free_port(), None

    def start(self):
        env = dict(os.environ, TANHENG_STORE=str(self.store), PYTHONPATH=str(ROOT))
        # its own process group: `tanheng app` starts streamlit as a child, and both must stop
        self.proc = subprocess.Popen([str(VENV_BIN / "tanheng"), "app", "--headless", "--port", str(self.port)],
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2)
                return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("the app did not start within 60 s")

    def stop(self):
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout=wait)
                return
            except ProcessLookupError:
                return
            except subprocess.TimeoutExpired:
                continue

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return tmp_path_factory.mktemp("browser") / "store"


@pytest.fixture(scope="module")
def app(store):
    a = App(store).start()
    yield a
    a.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (./run test installs it)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    yield pg
    context.close()


def settle(pg, timeout: float = 90):
    """Wait until Streamlit has finished running the script."""
    pg.wait_for_selector("h1", timeout=timeout * 1000)
    pg.wait_for_timeout(400)
    deadline = time.time() + timeout
    while time.time() < deadline and pg.locator('[data-testid="stStatusWidget"]').count():
        pg.wait_for_timeout(200)
    pg.wait_for_timeout(300)


def assert_no_exception(pg):
    errors = pg.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()
    assert pg.get_by_text("Page not found").count() == 0


def shot(pg, name: str, tmp_path: Path):
    """A screenshot of the whole page: Streamlit scrolls inside its main block, so the
    viewport is stretched to the content for the picture and set back afterwards."""
    target = SHOTS if os.environ.get("TANHENG_SCREENSHOTS") else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    size = pg.viewport_size
    height = pg.evaluate("document.querySelector('[data-testid=stMain]')?.scrollHeight || 1000")
    pg.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height) + 40, 5000))})
    pg.wait_for_timeout(1200)                   # plotly redraws at the new size
    pg.screenshot(path=str(target / f"{name}.png"))
    pg.set_viewport_size(size)


# url path → title; the root opens the diagnosis page, and so does a direct link to it (issue 16)
PAGES = {"": "区域诊断", "diagnosis": "区域诊断", "batch": "批量分析", "knowledge": "知识库", "compare": "政策比较",
         "sparql": "SPARQL 查询", "history": "历史记录"}


def test_every_page_renders_in_chinese(app, page, tmp_path):
    for path, title in PAGES.items():
        page.goto(f"{app.url}/{path}")
        settle(page)
        assert_no_exception(page)
        assert page.locator("h1").first.inner_text().strip() == title
        assert page.locator('[data-testid="stMainMenu"]').count() == 0     # no English developer menu
        if path != "diagnosis":
            shot(page, path or "diagnosis", tmp_path)


def test_language_toggle_in_the_browser(app, page):
    page.goto(f"{app.url}/knowledge")
    settle(page)
    assert page.get_by_role("tab", name="表1 碳循环构成").count() == 1
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    settle(page)
    assert page.locator("h1").first.inner_text().strip() == "Knowledge base"
    assert page.get_by_role("tab", name="Table 1 carbon cycle").count() == 1
    assert_no_exception(page)


def _upload(pg, path: Path):
    pg.locator('[data-testid="stFileUploader"] input[type=file]').first.set_input_files(str(path))
    pg.wait_for_timeout(800)


def upload_and_run(pg, path: Path, button: str, expect: str):
    """Upload a file, press the button, wait until `expect` shows and the script is done."""
    _upload(pg, path)
    pg.get_by_role("button", name=button).click()
    pg.get_by_text(expect).first.wait_for(timeout=90_000)
    settle(pg)
    assert_no_exception(pg)


def test_upload_advice_and_json_download(app, page, tmp_path):
    page.goto(f"{app.url}/?lang=en")
    settle(page)
    page.get_by_text("Upload a file", exact=True).click()
    settle(page)
    upload_and_run(page, ROOT / "examples" / "typical-regions.json", "Analyse", "Recommended model")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download JSON").click()
    advice = json.loads(Path(dl.value.path()).read_text(encoding="utf-8"))
    assert {r["region_id"] for r in advice["regions"]} >= {"310115", "410526"}
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download report (HTML)").click()
    html = Path(dl.value.path()).read_text(encoding="utf-8")
    # the report in English names Pudong's type (92 % urbanized → urbanized area, §4.1)
    # the report of the region shown (issue 16): 浦东新区, the first, an urbanized area (92 % urbanized, §4.1)
    assert html.lower().startswith("<!doctype html>") and "浦东新区 (310115)" in html and "Urbanized area" in html
    assert "滑县" not in html.split("<h1>")[1]
    shot(page, "diagnosis-advice-en", tmp_path)


def test_batch_lists_invalid_rows_with_their_messages(app, page, tmp_path):
    page.goto(f"{app.url}/batch?lang=en")
    settle(page)
    upload_and_run(page, ROOT / "examples" / "invalid-regions.csv", "Run the batch", "Validation problems")
    # examples/README.md: 16 rows, of which 310115, 152528 and 900012 (a warning only) are valid
    values = [v.inner_text() for v in page.locator('[data-testid="stMetricValue"]').all()]
    assert values[:3] == ["16", "3", "13"]
    page.locator("g.points path.point").first.wait_for(timeout=120_000)    # the two real counties on the map
    settle(page)
    shot(page, "batch-invalid-en", tmp_path)


def test_history_survives_a_restart(browser, tmp_path):
    store = tmp_path / "store"      # its own store: the module's app holds the other one
    first = App(store).start()
    try:
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.goto(f"{first.url}/")
        settle(pg)
        pg.get_by_role("button", name="开始诊断").click()
        pg.get_by_role("button", name="保存到历史记录").wait_for(timeout=90_000)
        settle(pg)
        shot(pg, "diagnosis-advice-zh", tmp_path)
        pg.get_by_role("button", name="保存到历史记录").click()
        pg.get_by_text("已保存").first.wait_for(timeout=30_000)
        pg.close()
    finally:
        first.stop()
    second = App(store).start()
    try:
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.goto(f"{second.url}/history")
        settle(pg)
        # the saved title is in the list (a canvas table: its accessible cells are attached, not visible)
        pg.get_by_text("typical-regions", exact=False).first.wait_for(state="attached", timeout=30_000)
        pg.get_by_text("浦东新区 (310115)").first.wait_for(timeout=30_000)     # and its advice opens
        assert_no_exception(pg)
        shot(pg, "history-saved", tmp_path)
        pg.close()
    finally:
        second.stop()


def test_blank_template_filled_in_chinese_gets_advice(app, page, tmp_path):
    """A planner downloads the Excel template, fills in one county under the Chinese
    headers and uploads it: the app reads it back and advises."""
    from openpyxl import load_workbook

    from kg.read import profiles

    page.goto(f"{app.url}/")
    settle(page)
    page.get_by_text("上传文件", exact=True).click()
    settle(page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="空白模板（Excel）").click()
    template = tmp_path / dl.value.suggested_filename
    dl.value.save_as(template)
    assert template.suffix == ".xlsx"
    book = load_workbook(template)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert "区域代码" in headers and "国土面积（平方千米）" in headers      # Chinese headers
    county = profiles.read_profiles(ROOT / "examples" / "typical-regions.csv").get("152528")   # 镶黄旗
    by_label = {f.label_zh: f.key for f in profiles.columns()}
    sheet.append([county.values.get(by_label.get(h)) for h in headers])
    filled = tmp_path / "我的档案.xlsx"
    book.save(filled)
    upload_and_run(page, filled, "开始诊断", "推荐发展模式")
    # a pastoral banner with 82 % grassland and 6 people per km² is an ecological function area (§4.1)
    page.get_by_text("生态功能区", exact=True).first.wait_for(timeout=120_000)   # the page may still be drawing its map


def test_batch_map_offline_hover_and_click_opens_the_region(app, page, tmp_path):
    """Issue 16: the batch's counties on a map beside the table, drawn with no request leaving the
    machine (plotly.js from the app, the world topojson a local stub); a click opens the county."""
    outside = []

    def block(route):
        outside.append(route.request.url)
        route.abort()
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), block)
    page.goto(f"{app.url}/batch")
    settle(page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="或选择示例文件").click()
    page.get_by_role("option", name="xianyu-henan.csv").click()
    page.get_by_role("button", name="开始批量分析").click()
    page.locator("g.points path.point").first.wait_for(timeout=120_000)
    settle(page)
    assert_no_exception(page)
    fills = page.eval_on_selector_all("path.js-fill", "els => els.map(e => getComputedStyle(e).fill)")
    assert {"rgb(123, 31, 162)", "rgb(249, 168, 37)", "rgb(46, 125, 50)"} <= set(fills)    # the three types
    markers = page.locator("g.points path.point")
    assert markers.count() == 10                                  # one per county, carrying hover and click
    assert outside == []
    shot(page, "batch", tmp_path)
    # an ecological county of the western mountains: hover names it, a click opens its diagnosis
    target = next(markers.nth(i) for i in range(markers.count())
                  if markers.nth(i).evaluate("e => getComputedStyle(e).fill") == "rgb(46, 125, 50)")
    target.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    box = target.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 4, y - 4)
    page.mouse.move(x, y, steps=4)
    page.locator(".hoverlayer .hovertext").first.wait_for(state="attached", timeout=10_000)
    hover = page.evaluate("Array.from(document.querySelectorAll('.hoverlayer')).map(h => h.textContent).join(' ')")
    assert "生态功能区" in hover and "蓝绿协同生态增汇模式" in hover
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(r"/diagnosis"), timeout=60_000)
    settle(page)
    assert_no_exception(page)
    # the diagnosis of the county clicked: its heading and its type
    heading = page.locator("h2, h3").filter(has_text=re.compile(r"(栾川县|西峡县|卢氏县) \(41\d{4}\)"))
    heading.first.wait_for(timeout=30_000)
    page.get_by_text("生态功能区", exact=True).first.wait_for(timeout=120_000)   # the page may still be drawing its map
    page.get_by_text("所在省份地图").first.wait_for(timeout=60_000)
    settle(page)
    shot(page, "diagnosis", tmp_path)


def test_yearbook_upload_shows_the_header_mapping_before_the_analysis(app, page, tmp_path):
    # issue 13: a yearbook page (title rows, two header rows, 万人, 亩, 亿千瓦时, value added) is read and
    # the mapping shown at once; the analysis gives the same advice as the base-unit profile
    page.goto(f"{app.url}/")
    settle(page)
    page.get_by_text("上传文件", exact=True).click()
    settle(page)
    _upload(page, ROOT / "examples" / "yearbook-2022.xlsx")
    page.get_by_text("表头映射").first.wait_for(timeout=90_000)
    page.locator("table").get_by_text("年末常住人口（万人）", exact=True).wait_for(timeout=60_000)
    settle(page)
    assert_no_exception(page)
    assert page.get_by_text("已识别 17 列，已换算 19 列，用于推算 5 列，未使用 1 列；7 行。").count() == 1
    shot(page, "upload-mapping-zh", tmp_path)
    for label in ("已换算 (19)", "用于推算 (5)", "未使用 (1)"):
        assert page.get_by_text(label, exact=True).count() == 1, label
    tables = " ".join(page.locator("table").all_inner_texts())
    assert "年末常住人口（万人）" in tables and "户籍人口（万人）" in tables, tables[:300]
    page.get_by_role("button", name="开始诊断").click()
    page.get_by_text("推荐发展模式").first.wait_for(timeout=90_000)
    settle(page)
    assert_no_exception(page)
