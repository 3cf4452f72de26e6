"""The report a planner hands on (`tanheng report`, the app's download): one document model built from
the advice, the account, peers, zoning, the map and a what-if, then written as DOCX (python-docx),
PDF (WeasyPrint, from the HTML), HTML or Markdown — so every format says the same thing.

The document is a list of sections. `SECTIONS` is the hook for other parts (a trajectory section, for
one): `register_section(key, builder, after="peers")` adds a builder `builder(ctx) -> list[Block] | None`
that is called for every region the report covers. Builders format what kg computed; they compute
nothing but figures' pixels."""
from __future__ import annotations

import base64
import datetime as _dt
import html as _html
import io
from dataclasses import dataclass, field
from typing import Callable

from kg import messages
from kg.present import report as advice_report, tables
from kg.account.balance import lines as account_lines
from kg.present.numbers import number
from kg.reason.zoning import peer_measures, zone_by_key, zoning_rules

# --- the document model ----------------------------------------------------------------------------


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Para:
    text: str
    style: str = ""          # "" | "note" | "lead"


@dataclass
class Bullets:
    items: list[str]
    numbered: bool = False


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()     # right-aligned columns


@dataclass
class Image:
    png: bytes
    caption: str
    width_cm: float = 16.0


Block = Heading | Para | Bullets | Table | Image


@dataclass
class Document:
    title: str
    subtitle: str
    lang: str
    blocks: list = field(default_factory=list)


def say(key: str, lang: str, **kw) -> str:
    """A sentence or heading of the report: kg/messages.csv, keys handover.*."""
    return messages.text(f"handover.{key}", lang if lang in messages.LANGS else "en", **kw)


# --- context and sections --------------------------------------------------------------------------

@dataclass
class Context:
    """Everything the section builders may read for one region."""
    lang: str
    index: int                      # the region's position in the batch
    region: dict                    # its advice entry
    records: list                   # kg.reason.zoning.RegionRecord for the whole batch
    advice: dict
    peers: dict
    zoning: dict
    whatif: dict | None = None      # kg.account.scenario.run(...) for this region, if any
    source_name: str = ""
    trajectories: dict = field(default_factory=dict)   # region id -> kg.trajectory's answer for it


@dataclass
class ReportData:
    """What the report shows that is computed rather than worded — computed by kg.pipeline.handover (the
    zoning records, peers and zones of the batch, the trajectories of its valid rows), only laid out here."""
    records: list
    peers: dict
    zoning: dict
    trajectories: dict = field(default_factory=dict)


SectionBuilder = Callable[[Context], "list | None"]
SECTIONS: list[tuple[str, SectionBuilder]] = []


def register_section(key: str, builder: SectionBuilder, after: str | None = None) -> None:
    """Add (or replace) a section; `after`: the key it follows (default: before the sources)."""
    global SECTIONS
    SECTIONS = [(k, b) for k, b in SECTIONS if k != key]
    keys = [k for k, _ in SECTIONS]
    pos = keys.index(after) + 1 if after in keys else (keys.index("sources") if "sources" in keys else len(keys))
    SECTIONS.insert(pos, (key, builder))


def _summary(ctx: Context) -> list:
    r, lang = ctx.region, ctx.lang
    tl, ml = advice_report.type_label, advice_report.model_label
    scores = " · ".join(f"{tl(k, lang)} {number(v, 2)}" for k, v in (r.get("type_scores") or {}).items() if v is not None)
    b = r.get("balance") or {}
    ratio = b.get("balance_ratio")
    out = [Heading(say("summary", lang), 2),
           Para(say("type_is", lang, type=tl(r["type"], lang), scores=scores)),
           Para(say("model_is", lang, model=ml(r["model"], lang))),
           Para(say("balance_is", lang, e=number(b.get("emissions_t_co2e")), s=number(b.get("sinks_t_co2e")),
                    n=number(b.get("net_t_co2e")), r=number(ratio, 3))),
           Para(say("top", lang, m="；".join(m["label_" + lang] for m in r["measures"][:3]) if lang == "zh"
                    else "; ".join(m["label_" + lang] for m in r["measures"][:3])))]
    if not b.get("complete", True):
        out.append(Para(say("incomplete", lang, f=", ".join(b.get("missing", []))), "note"))
    out += [Para(n, "note") for n in advice_report.notes(r, lang)]
    return out


def _type(ctx: Context) -> list:
    r, lang = ctx.region, ctx.lang
    rows = [[d["label_" + lang], f"{number(d['value'], 2)} {d['unit_' + lang]}", advice_report.msg(d["direction"], lang),
             number(d["contribution"], 3)] for d in r["drivers"]]
    return [Heading(say("type", lang), 2),
            Table([say("h_indicator", lang), say("h_value", lang), say("h_direction", lang), say("h_contribution", lang)],
                  rows, numeric=(1, 3)),
            Para(advice_report.msg("heuristic", lang), "note")]


def _model(ctx: Context) -> list:
    from . import handover_figures

    r, lang = ctx.region, ctx.lang
    model = advice_report.model_label(r["model"], lang)
    p = r["pathway"]
    sep = "、" if lang == "zh" else ", "
    return [Heading(say("model", lang), 2),
            Bullets([f"{advice_report.msg('h-pools', lang)}: " + sep.join(x["label_" + lang] for x in p["pools"]),
                     f"{advice_report.msg('h-processes', lang)}: " + sep.join(x["label_" + lang] for x in p["processes"])]),
            Image(handover_figures.pathway_png(model, p, lang), say("pathway_caption", lang, model=model), 15)]


def _measures(ctx: Context) -> list:
    lang = ctx.lang
    out = [Heading(say("measures", lang), 2)]
    for n, m in enumerate(ctx.region["measures"], start=1):
        out.append(Heading(f"{n}. {m['label_' + lang]} ({number(m['score'], 2)})", 3))
        items = [x[lang] for x in m["reasons"]]
        if m["cases"]:
            sep = "；" if lang == "zh" else "; "
            items.append(f"{say('cases', lang)}: " + sep.join(
                f"{c['title_' + lang]} ({c['country']}, {c['year']})" for c in m["cases"]))
        out.append(Bullets(items))
    return out


def _line_rows(b: dict, lang: str) -> list[tuple[str, str, float]]:
    labels = {ln.key: ln.label(lang) for ln in account_lines()}
    rows = [(labels.get(k, k), "source", v) for k, v in (b.get("by_source") or {}).items() if v]
    rows += [(labels.get(k, k), "sink", v) for k, v in (b.get("by_sink") or {}).items() if v]
    return rows


def _account(ctx: Context) -> list:
    from . import handover_figures

    lang, b = ctx.lang, ctx.region.get("balance") or {}
    rows = _line_rows(b, lang)
    out = [Heading(say("account", lang), 2),
           Table([say("h_line", lang), say("h_kind", lang), say("h_tco2e", lang)],
                 [[name, say(kind, lang), number(v)] for name, kind, v in rows], numeric=(2,))]
    if rows:
        out.append(Image(handover_figures.account_png(rows, lang), say("account_caption", lang), 15))
    return out


def _map(ctx: Context) -> list:
    from ..geo import boundaries, layers, render_static

    lang, rec = ctx.lang, ctx.records[ctx.index]
    out = [Heading(say("map", lang), 2)]
    if not rec.code or rec.code not in boundaries.index():
        return out + [Para(say("no_map", lang, id=ctx.region["region_id"]), "note")]
    layer = layers.build_layer(ctx.records, "type", province=rec.code[:2])
    png = render_static.render(layer, "png", lang, highlight=rec.code)
    province = boundaries.index()[rec.code[:2] + "0000"].name
    return out + [Image(png, say("map_caption", lang, name=ctx.region.get("name") or rec.code, province=province), 15),
                  Para("；".join(layers.notes(layer, lang)) if lang == "zh" else "; ".join(layers.notes(layer, lang)),
                       "note")]


def _peers(ctx: Context) -> list:
    lang = ctx.lang
    out = [Heading(say("peers", lang), 2)]
    entry = ctx.peers.get(str(ctx.index))
    if entry and entry["n"] > 1:
        out.append(Para(say("peer_group", lang, n=entry["n"])))
        rows = []
        for m in peer_measures():
            x = entry["measures"][m.key]
            pct = number(x["percentile"])
            value = "—" if x["value"] is None else f"{x['value']:,.3g} {m.unit.get(lang, '')}".strip()
            rows.append([m.label[lang], value, pct])
        out.append(Table([say("h_measure", lang), say("h_value", lang), say("h_pct", lang)], rows, numeric=(1, 2)))
    else:
        out.append(Para(say("no_peers", lang), "note"))
    zoned = next((z for z in ctx.zoning["regions"] if z["region_id"] == ctx.region["region_id"]), None)
    if zoned and zoned["zone"]:
        zone = zone_by_key(zoned["zone"])
        out.append(Para(say("zone_is", lang, zone=zone.label[lang], ecc=number(zoned["ecc"], 2), esc=number(zoned["esc"], 2),
                            group=zoned["group"], definition=zone.definition.get(lang, ""))))
        sep = "、" if lang == "zh" else "; "
        out.append(Para(say("zone_models", lang, models=sep.join(advice_report.model_label(m, lang) for m in zone.models)),
                        "note"))
    else:
        why = next((s["reason"] for s in ctx.zoning["not_zoned"] if s["region_id"] == ctx.region["region_id"]), "invalid")
        out.append(Para(say("not_zoned", lang, why=say(f"why.{why}", lang) if messages.has(f"handover.why.{why}") else why), "note"))
    return out


def _whatif(ctx: Context) -> list:
    lang, w = ctx.lang, ctx.whatif
    out = [Heading(say("whatif", lang), 2)]
    if not w:
        return out + [Para(say("no_whatif", lang), "note")]
    from kg.present.validation import field_label, format_result

    rows = [[field_label(c["field"], lang), str(c["change"]), number(c["before"]), number(c["after"])] for c in w["changes"]]
    out.append(Table([say("h_field", lang), say("h_change", lang), say("h_before", lang), say("h_after", lang)], rows,
                     numeric=(2, 3)))
    keys = (("emissions_t_co2e", 0), ("sinks_t_co2e", 0), ("net_t_co2e", 0), ("balance_ratio", 3))
    out.append(Table(["", say("h_before", lang), say("h_after", lang)],
                     [[say(f"total.{k}", lang), number(w["before"].get(k), d), number(w["after"].get(k), d)] for k, d in keys],
                     numeric=(1, 2)))
    for issue in w.get("after_validation") or []:      # a change that breaks a profile rule is said, not hidden
        out.append(Para(format_result(issue, lang), "note"))
    return out


def _sources(ctx: Context) -> list:
    from kg.knowledge import catalog
    from ..geo import boundaries

    lang = ctx.lang
    coefs = ctx.advice.get("coefficients") or []
    rows = []
    for c in coefs:
        src = catalog.describe(c["source"]) if c.get("source") else {}
        rows.append([c["id"], f"{c['value']:g} {c['unit']}", c["confidence"], src.get(f"label_{lang}") or c.get("source", "")])
    rules = zoning_rules()
    zsrc = rules.source
    title = zsrc["title"].get(lang) or zsrc["title"].get("zh", "")
    method = [advice_report.msg("heuristic", lang),
              f"ECC/ESC: {zsrc['creator']} ({zsrc['year']}) {title}. {zsrc['in']}. {zsrc['note'].get(lang, '')}",
              boundaries.source_note(lang)]
    return [Heading(say("sources", lang), 2), Heading(say("coefficients", lang), 3),
            Table(["id", say("h_value", lang), "confidence", "source"], rows),
            Heading(say("method", lang), 3), Bullets(method)]


for _key, _builder in (("summary", _summary), ("type", _type), ("model", _model), ("measures", _measures),
                       ("account", _account), ("map", _map), ("peers", _peers), ("whatif", _whatif),
                       ("sources", _sources)):
    register_section(_key, _builder)


# --- building --------------------------------------------------------------------------------------

def build(batch, advice: dict, data: ReportData, lang: str = "zh", region_index: int | None = None,
          whatif: dict | None = None, only: tuple[str, ...] | None = None) -> Document:
    """The report of one region (its position in the batch) or of every valid region, laid out from the
    advice and the computed `data`. `only`: section keys to keep (default all)."""
    chosen = [region_index] if region_index is not None else [n for n, r in enumerate(advice["regions"]) if r["valid"]]
    date = _dt.date.today().isoformat()
    names = [advice["regions"][n].get("name") or advice["regions"][n]["region_id"] for n in chosen]
    subtitle = names[0] if len(chosen) == 1 else say("covers", lang, n=len(chosen), file=batch.source_name or "")
    doc = Document(say("title", lang), subtitle, lang)
    doc.blocks.append(Para(say("generated", lang, date=date), "lead"))
    for n in chosen:
        region = advice["regions"][n]
        doc.blocks.append(Heading(f"{region.get('name') or '—'} ({region['region_id']})", 1))
        if not region["valid"]:
            doc.blocks.append(Bullets([f"{v['field']} = {v['value']!r}: {v['message_' + lang]}" for v in region["violations"]]))
            continue
        ctx = Context(lang, n, region, data.records, advice, data.peers, data.zoning,
                      whatif if region_index is not None else None, batch.source_name or "", data.trajectories)
        for key, builder in SECTIONS:
            if only and key not in only:
                continue
            doc.blocks += builder(ctx) or []
    return doc


# --- writers ---------------------------------------------------------------------------------------

def to_docx(doc: Document) -> bytes:
    from docx import Document as Docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    d = Docx()
    style = d.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")   # Word picks East-Asian glyphs here
    style.font.size = Pt(10.5)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        st = d.styles[name]
        st.font.name = "Noto Sans CJK SC"
        st.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Sans CJK SC")
    d.core_properties.title = doc.title
    d.core_properties.language = "zh-CN" if doc.lang == "zh" else "en"
    d.add_heading(doc.title, 0)
    sub = d.add_paragraph(doc.subtitle)
    sub.runs[0].font.size = Pt(16)
    for b in doc.blocks:
        if isinstance(b, Heading):
            if b.level == 1:
                d.add_page_break()
            d.add_heading(b.text, min(b.level, 3))
        elif isinstance(b, Para):
            p = d.add_paragraph(b.text)
            if b.style == "note":
                for run in p.runs:
                    run.font.size = Pt(9)
                    run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
        elif isinstance(b, Bullets):
            for item in b.items:
                d.add_paragraph(item, style="List Number" if b.numbered else "List Bullet")
        elif isinstance(b, Table):
            t = d.add_table(rows=1, cols=len(b.headers))
            t.style = "Light Grid Accent 1"
            for i, h in enumerate(b.headers):
                t.rows[0].cells[i].text = str(h)
            for row in b.rows:
                cells = t.add_row().cells
                for i, v in enumerate(row):
                    cells[i].text = str(v)
                    if i in b.numeric:
                        cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif isinstance(b, Image):
            d.add_picture(io.BytesIO(b.png), width=Cm(b.width_cm))
            cap = d.add_paragraph(b.caption)
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
            cap.runs[0].font.size = Pt(9)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


CSS = """
@page { size: A4; margin: 18mm 16mm; @bottom-center { content: counter(page); font-size: 9pt; color: #777; } }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif; font-size: 10.5pt;
       line-height: 1.55; color: #212121; max-width: 60em; margin: auto; }
h1.title { font-size: 24pt; margin-top: 30%; } p.subtitle { font-size: 16pt; color: #455a64; }
h1 { font-size: 17pt; border-bottom: 2px solid #2e7d32; padding-bottom: 4px; page-break-before: always; }
h2 { font-size: 13.5pt; color: #1b5e20; margin-top: 1.4em; } h3 { font-size: 11pt; margin-bottom: .2em; }
p.note { font-size: 9pt; color: #555; } p.lead { color: #455a64; }
table { border-collapse: collapse; margin: .6em 0; width: 100%; font-size: 9.5pt; }
th, td { border: 1px solid #cfd8dc; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #e8f5e9; } td.num { text-align: right; white-space: nowrap; }
figure { margin: 1em 0; text-align: center; page-break-inside: avoid; } figure img { max-width: 100%; }
figcaption { font-size: 9pt; color: #555; } ul, ol { margin: .2em 0 .6em 1.2em; padding: 0; } li { margin: .15em 0; }
"""


def to_html(doc: Document) -> str:
    e = _html.escape
    parts = [f'<!doctype html><html lang="{"zh-CN" if doc.lang == "zh" else "en"}"><head><meta charset="utf-8">',
             f"<title>{e(doc.title)}</title><style>{CSS}</style></head><body>",
             f'<h1 class="title" style="page-break-before: auto">{e(doc.title)}</h1>',
             f'<p class="subtitle">{e(doc.subtitle)}</p>']
    for b in doc.blocks:
        if isinstance(b, Heading):
            parts.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            cls = f' class="{b.style}"' if b.style else ""
            parts.append(f"<p{cls}>{e(b.text)}</p>")
        elif isinstance(b, Bullets):
            tag = "ol" if b.numbered else "ul"
            parts.append(f"<{tag}>" + "".join(f"<li>{e(i)}</li>" for i in b.items) + f"</{tag}>")
        elif isinstance(b, Table):
            head = "".join(f"<th>{e(str(h))}</th>" for h in b.headers)
            body = "".join("<tr>" + "".join(
                f'<td{" class=num" if i in b.numeric else ""}>{e(str(v))}</td>' for i, v in enumerate(row)) + "</tr>"
                for row in b.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif isinstance(b, Image):
            data = base64.b64encode(b.png).decode("ascii")
            parts.append(f'<figure><img alt="{e(b.caption)}" src="data:image/png;base64,{data}">'
                         f"<figcaption>{e(b.caption)}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts)


def to_pdf(doc: Document) -> bytes:
    from weasyprint import HTML

    return HTML(string=to_html(doc)).write_pdf()


def to_markdown(doc: Document, image_prefix: str = "report") -> tuple[str, dict[str, bytes]]:
    """Markdown text and the images it refers to ({file name: PNG}), to be written beside it."""
    md = advice_report.md_text
    lines, images = [f"# {md(doc.title)}", "", md(doc.subtitle), ""], {}
    for b in doc.blocks:
        if isinstance(b, Heading):
            lines += [f"{'#' * (b.level + 1)} {md(b.text)}", ""]
        elif isinstance(b, Para):
            lines += [("> " if b.style == "note" else "") + md(b.text), ""]
        elif isinstance(b, Bullets):
            lines += [("1. " if b.numbered else "- ") + md(i) for i in b.items] + [""]
        elif isinstance(b, Table):
            lines += [tables.to_markdown(b.headers, b.rows, right=tuple(b.numeric)).rstrip("\n"), ""]
        elif isinstance(b, Image):
            name = f"{image_prefix}-{len(images) + 1}.png"
            images[name] = b.png
            lines += [f"![{md(b.caption)}]({name})", "", f"*{md(b.caption)}*", ""]
    return "\n".join(lines).rstrip() + "\n", images


FORMATS = ("docx", "pdf", "html", "md")
from . import trajectory_section  # noqa: E402,F401  (registers the pathway section, issue 17)
