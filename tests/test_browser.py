"""The real app (`tanheng app --headless`) in Debian's chromium through Playwright:
every page renders, the language toggle, upload → advice → download, a batch with
invalid rows, history that survives a restart. Set TANHENG_SCREENSHOTS=1 to
refresh docs/screenshots/*.png."""
import json
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


# url path → title; the default page (diagnosis) lives at the root
PAGES = {"": "区域诊断", "batch": "批量分析", "knowledge": "知识库", "compare": "政策比较",
         "sparql": "SPARQL 查询", "history": "历史记录"}


def test_every_page_renders_in_chinese(app, page, tmp_path):
    for path, title in PAGES.items():
        page.goto(f"{app.url}/{path}")
        settle(page)
        assert_no_exception(page)
        assert page.locator("h1").first.inner_text().strip() == title
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
    assert html.startswith("<!DOCTYPE html>") and "浦东新区" in html and "Urbanized area" in html
    shot(page, "diagnosis-advice-en", tmp_path)


def test_batch_lists_invalid_rows_with_their_messages(app, page, tmp_path):
    page.goto(f"{app.url}/batch?lang=en")
    settle(page)
    upload_and_run(page, ROOT / "examples" / "invalid-regions.csv", "Run the batch", "Validation problems")
    # examples/README.md: 16 rows, of which 310115, 152528 and 900012 (a warning only) are valid
    values = [v.inner_text() for v in page.locator('[data-testid="stMetricValue"]').all()]
    assert values[:3] == ["16", "3", "13"]
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
    assert page.get_by_text("生态功能区", exact=True).count() >= 1
