"""tanheng map — counties coloured by type, model, zone or a carbon figure: an interactive HTML page
(plotly, works offline) or a static PNG/SVG (matplotlib) with legend, north arrow, scale bar, the
boundary source and the not-a-surveyed-map note. Regions without a boundary are listed, never dropped
silently."""
import sys
from pathlib import Path

from kg import messages
from kg.errors import UserError
from kg.terminal import printable

FORMATS = ("html", "png", "svg")


def register(sub):
    from ..geo.layers import MEASURES

    p = sub.add_parser("map", help="draw the regions of a profile file on a map (HTML, PNG, SVG)")
    p.add_argument("file", metavar="FILE", help="profile file (CSV, XLSX, JSON, Turtle, JSON-LD)")
    p.add_argument("--by", choices=MEASURES, default="type", help="what colours the regions (default: type)")
    p.add_argument("--province", metavar="CODE", help="only this province (2- or 6-digit code, e.g. 41)")
    p.add_argument("-o", "--output", required=True, help="map.html, map.png or map.svg")
    p.add_argument("--format", choices=FORMATS, help="default: from the output file's extension")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--coefficients", default="default", metavar="NAME", help="coefficient set (default: default)")
    p.set_defaults(func=run)


def analyse_files(paths: list[str], lang: str, coefficients: str = "default"):
    """Read, validate, account and advise the files: (batch, advice, RegionRecords)."""
    from kg.pipeline.advice import advise
    from kg.reason.zoning import records
    from .advise import read_batch

    batch = read_batch(paths, lang)
    result = advise(batch, coefficient_set=coefficients, lang=lang)
    return batch, result, records(batch, result)


def progress_bar(label: str):
    """A tqdm bar on a terminal (first use of a boundary group), one line otherwise; (step, close)."""
    state = {"bar": None}

    def step(done, total):
        if state["bar"] is None:
            if sys.stderr.isatty():
                from tqdm import tqdm

                state["bar"] = tqdm(total=total, file=sys.stderr, unit="boundary", desc=label, leave=False)
            else:
                print(f"{label}: {total} boundaries (first use, cached afterwards)", file=sys.stderr)
                state["bar"] = False
        if state["bar"]:
            state["bar"].update(done - state["bar"].n)

    def close():
        if state["bar"]:
            state["bar"].close()
    return step, close


def run(args):
    from ..geo import layers

    fmt = args.format or Path(args.output).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UserError("cli.map-format", output=repr(args.output))
    _, result, recs = analyse_files([args.file], args.lang, args.coefficients)
    step, close = progress_bar(messages.text("map.simplifying", args.lang))
    try:
        layer = layers.build_layer(recs, args.by, province=args.province, progress=step)
    except KeyError:
        raise UserError("cli.no-province", code=repr(args.province)) from None
    finally:
        close()
    if fmt == "html":
        from ..geo.render_html import to_html

        data = to_html(layer, args.lang).encode("utf-8")
    else:
        from ..geo.render_static import render

        data = render(layer, fmt, args.lang)
    try:
        Path(args.output).write_bytes(data)
    except OSError as exc:
        raise UserError.cannot_write(args.output, exc) from None
    for m in layer.missing:
        why = messages.text("map.why.not-a-code" if m["reason"] == "not-a-code" else "map.why.no-boundary", args.lang)
        region = printable(f"{m['region_id']} {m.get('name') or ''}".strip())
        print(messages.text("map.not-drawn", args.lang, region=region, why=why), file=sys.stderr)
    if layer.outside:
        print(messages.text("map.outside", args.lang, n=len(layer.outside), province=args.province), file=sys.stderr)
    print(messages.text("cli.wrote-map", args.lang, file=args.output, drawn=len(layer.regions),
                        missing=len(layer.missing)), file=sys.stderr)
    return 0 if result["summary"]["invalid"] == 0 else 1
