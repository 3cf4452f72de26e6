"""Hostile ids, names and values reach the Markdown report only as literal text, and
the HTML report (the app's download, also on the History page) never carries a live
<script> or a javascript: link, whatever the Markdown holds."""
import csv
import io
import re
from html.parser import HTMLParser

import markdown
import pytest

from app import session
from kg.present import report
from kg.pipeline.advice import advise
from kg.paths import EXAMPLES_DIR
from kg.read.profiles import read_profiles

HOSTILE = ["<script>alert(1)</script>", 'a"b>c', "*bold*", "[x](javascript:alert(1))"]
BAD_VALUE = "<script>alert(2)</script>"


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.tags, self.hrefs = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs += [v or "" for k, v in attrs if k in ("href", "src")]

    def handle_data(self, data):
        self.parts.append(data)


def parse(html: str) -> _Text:
    p = _Text()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def hostile_advice():
    rows = list(csv.reader(io.StringIO((EXAMPLES_DIR / "typical-regions.csv").read_text(encoding="utf-8"))))
    header, first = rows[0], rows[1]
    out = [header]
    for text in HOSTILE:
        row = list(first)
        row[header.index("region_id")], row[header.index("name")] = text, text
        out.append(row)
    row = list(first)                                   # an invalid row: its bad value is quoted back
    row[header.index("region_id")], row[header.index("name")] = "<img src=x onerror=alert(3)>", "*bad*"
    row[header.index("population")] = BAD_VALUE
    out.append(row)
    buf = io.StringIO()
    csv.writer(buf).writerows(out)
    batch = read_profiles(buf.getvalue().encode("utf-8"), filename="hostile.csv")
    return advise(batch, lang="en")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_markdown_shows_hostile_text_literally(hostile_advice, lang):
    assert hostile_advice["summary"]["valid"] == len(HOSTILE)
    md = report.to_markdown(hostile_advice, lang=lang)
    assert "<script" not in md and "<img" not in md
    assert not re.search(r"(?<!\\)\]\(javascript:", md)                 # every "]" escaped: no link
    # rendered by a plain Markdown renderer (raw HTML on), the user text is only text
    rendered = parse(markdown.markdown(md, extensions=["tables", "sane_lists"]))
    assert not {"script", "img", "a", "em"} & set(rendered.tags)
    assert "strong" in rendered.tags and "table" in rendered.tags        # the report's own emphasis and tables
    text = "".join(rendered.parts)
    for h in HOSTILE:
        assert f"{h} ({h})" in text, h
    assert "*bad* (<img src=x onerror=alert(3)>)" in text
    assert BAD_VALUE in text
    headings = re.findall(r"^## (.*)$", md, flags=re.M)
    assert len(headings) == len(HOSTILE) + 1                              # every region + the invalid list


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_report_has_no_script_and_no_javascript_link(hostile_advice, lang):
    html = session.report_html(hostile_advice, lang).decode("utf-8")
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", html, flags=re.I)
    page = parse(html)
    assert not {"script", "img", "a"} & set(page.tags)
    text = "".join(page.parts)
    for h in HOSTILE:
        assert f"{h} ({h})" in text
    assert BAD_VALUE in text
    assert page.tags.count("h2") == len(HOSTILE) + 1 and "table" in page.tags and "ol" in page.tags
    assert report.msg("h-measures", lang) in text and report.msg("h-invalid", lang) in text


def test_html_report_is_safe_even_when_the_markdown_is_not(monkeypatch, hostile_advice):
    raw = ("# t\n\n<script>alert(1)</script>\n\n<div onclick=alert(1)>x</div>\n\n"
           "inline <b onmouseover=alert(1)>b</b> [x](javascript:alert(1)) [y](JaVaScRiPt:alert(1)) "
           "![i](data:text/html,alert) <javascript:alert(1)> [ok](https://example.org) [rel](report.md)\n")
    monkeypatch.setattr(report, "to_markdown", lambda advice, lang="zh": raw)
    html = session.report_html(hostile_advice, "en").decode("utf-8")
    page = parse(html)
    assert "<script" not in html.lower() and not {"script", "div", "b"} & set(page.tags)
    assert not any(re.match(r"\s*(javascript|data):", h, flags=re.I) for h in page.hrefs)
    assert "https://example.org" in page.hrefs and "report.md" in page.hrefs
    assert "<script>alert(1)</script>" in "".join(page.parts)           # shown as text


# issue 10: `tanheng balance --format md` and `tanheng scenario --format md` printed a region named
# <img src=x onerror=…> verbatim (they had their own table writer); now every table goes through
# kg.present.tables, which makes user text inert.
IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def hostile_csv(tmp_path_factory):
    rows = list(csv.DictReader(io.StringIO((EXAMPLES_DIR / "typical-regions.csv").read_text("utf-8-sig"))))
    row = dict(rows[0], name=IMG, region_id="H1")
    path = tmp_path_factory.mktemp("hostile") / "hostile.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerow(row)
    return path


@pytest.mark.parametrize("command", [["balance"], ["scenario", "--region", "H1", "--set", "coal_t=-10%"]],
                         ids=["balance", "scenario"])
def test_markdown_of_balance_and_scenario_escapes_a_hostile_name(capsys, hostile_csv, command):
    from kg.cli import main

    code = main([command[0], str(hostile_csv), *command[1:], "--format", "md", "--lang", "en"])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    assert "onerror" in out and IMG not in out and "<img" not in out
    html = markdown.markdown(out, extensions=["tables"])
    page = parse(html)
    assert "img" not in page.tags and not page.hrefs
    assert IMG in "".join(page.parts)               # the reader still sees the name as it was written
