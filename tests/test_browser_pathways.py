"""The pathways page (issue 17) in the real app and Debian's chromium: a bundled long-format example →
history, the three standard scenarios side by side with their peaks, the wedge chart, the CSV download.
Set TANHENG_SCREENSHOTS=1 to refresh docs/screenshots/pathways*.png."""
import csv
import io
from pathlib import Path

import pytest

from test_browser import App, assert_no_exception, settle, shot  # noqa: F401  (fixtures below use them)

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")
from test_browser import browser, page  # noqa: E402,F401  (the shared chromium fixtures)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    a = App(tmp_path_factory.mktemp("browser-pathways") / "store").start()
    yield a
    a.stop()


def test_pathways_page_in_the_browser(app, page, tmp_path):
    page.goto(f"{app.url}/pathways?lang=en")
    settle(page)
    assert page.locator("h1").first.inner_text().strip() == "Pathways"
    page.get_by_role("button", name="Compute pathways").click()
    page.get_by_text("Observed peak: 2019").first.wait_for(timeout=120_000)
    page.get_by_text("Peak year").nth(2).wait_for(timeout=120_000)       # the three scenarios drawn
    page.get_by_text("Download CSV").first.wait_for(timeout=120_000)      # the end of the page
    settle(page)
    assert_no_exception(page)
    labels = [x.inner_text() for x in page.locator('[data-testid="stMetricLabel"]').all()]
    assert labels.count("Peak year") == 3                       # baseline, low-carbon, enhanced side by side
    assert page.locator(".js-plotly-plot").count() >= 3         # lines, sinks vs emissions, wedges
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8-sig"))))
    assert {r["scenario"] for r in rows} == {"history", "baseline", "low-carbon", "enhanced"}
    shot(page, "pathways-en", tmp_path)
