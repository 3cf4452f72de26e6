"""One analysis through the kg API (read → advise, which validates and accounts),
kept in the Streamlit session, and what the user can take away from it
(downloads, history)."""
from __future__ import annotations

import json
import re

import streamlit as st

from app.i18n import lang, said, strings, t
from app.widgets import download, md
from kg.pipeline import advice as advice_engine
from kg import history
from kg.present import report
from kg.errors import UserError
from kg.read import profiles


def coefficient_set() -> str:
    return st.session_state.get("coefficient_set") or "default"


def read_upload(data: bytes, filename: str, upload_id: str | None) -> dict:
    """The uploaded file read once (kept while the same file stays uploaded), for the mapping
    report shown before the analysis; {"error": message} when it cannot be read."""
    kept = st.session_state.get("upload_read")
    if kept and kept.get("upload_id") == upload_id:
        return kept
    out = dict(_read(data, filename), upload_id=upload_id)
    st.session_state["upload_read"] = out
    return out


def read_uploads(files: list[tuple[bytes, str, str]]) -> list[dict]:
    """Several uploaded files (data, name, upload id), each read once while it stays uploaded, for
    the mapping reports the batch page shows before the run; files no longer uploaded are forgotten."""
    kept = st.session_state.get("batch_reads", {})
    out = {uid: kept[uid] if uid in kept else _read(data, name) for data, name, uid in files}
    st.session_state["batch_reads"] = out
    return list(out.values())


def _read(data: bytes, filename: str) -> dict:
    """{"batch": …} or {"error": one sentence naming the file} — never a traceback."""
    try:
        return {"batch": profiles.read_profiles(data, filename=filename)}
    except UserError as exc:  # UnreadableInput and friends: one clear message, no traceback
        return {"error": t("diag.unreadable", file=md(filename), error=md(exc.message(lang())))}


def analyse(data: bytes, filename: str, progress=None) -> dict:
    """Read and advise; {"error": message} when the file cannot be read at all."""
    read = _read(data, filename)
    if "error" in read:
        return read
    batch = read["batch"]
    advice = _advise(batch, progress)
    return {"batch": batch, "filename": filename, "advice": {coefficient_set(): advice},
            "issues": issues_of(advice), "warnings": list(batch.warnings)}


def analyse_many(files: list[tuple[bytes, str]], progress=None) -> dict:
    """Several files as one batch (their regions in file order); {"error": …} naming the first file
    that cannot be read at all."""
    if len(files) == 1:
        return analyse(*files[0], progress=progress)
    batches = []
    for data, filename in files:
        read = _read(data, filename)
        if "error" in read:
            return read
        batches.append(read["batch"])
    names = ", ".join(name for _, name in files)
    batch = profiles.ProfileBatch(regions=[r for b in batches for r in b.regions],
                                  warnings=[w for b in batches for w in b.warnings], source_name=names, format="mixed")
    # each file is validated on its own, so that "row N" stays the row of that file
    advice = merge_advice([_advise(b, progress) for b in batches])
    return {"batch": batch, "parts": batches, "filename": names, "advice": {coefficient_set(): advice},
            "issues": issues_of(advice), "warnings": list(batch.warnings)}


def merge_advice(parts: list[dict]) -> dict:
    """The advice of several files as one: regions in file order, summaries added, coefficients once."""
    out = dict(parts[0])
    out["regions"] = [r for p in parts for r in p["regions"]]
    out["summary"] = {k: sum(p["summary"][k] for p in parts) for k in ("total", "valid", "invalid")}
    out["batch_warnings"] = [w for p in parts for w in p.get("batch_warnings", [])]
    seen = {}
    for p in parts:
        for c in p.get("coefficients", []):
            seen.setdefault(c["id"], c)
    out["coefficients"] = list(seen.values())
    return out


def _advise(batch, progress=None) -> dict:
    return advice_engine.advise(batch, coefficient_set=coefficient_set(), lang=lang(), progress=progress)


def issues_of(advice: dict) -> list[dict]:
    """Every validation result the advice carries: file-level first, then by region."""
    out = list(advice.get("batch_warnings", []))
    for r in advice["regions"]:
        out += r.get("violations", []) + r.get("warnings", [])
    return out


def current_advice(analysis: dict) -> dict:
    """The advice for the chosen coefficient set (computed once after a switch); it
    carries both languages, so a language switch needs no new run."""
    if coefficient_set() not in analysis["advice"]:
        parts = analysis.get("parts")
        analysis["advice"][coefficient_set()] = (merge_advice([_advise(b) for b in parts]) if parts
                                                 else _advise(analysis["batch"]))
    return analysis["advice"][coefficient_set()]


def region_choices(regions: list[dict], language: str | None = None) -> dict[int, str]:
    """Position → label for a region picker: every row of the file is listed, as
    "name (id)", with "· row N" added where an id appears on more than one row."""
    language = language or lang()
    repeated = report.repeated_ids(regions)
    out = {}
    for n, r in enumerate(regions):
        label = f"{r.get('name') or '—'} ({r.get('region_id') or '—'})"
        if r.get("region_id") in repeated:
            label += " · " + (report.row_label(r, language) if r.get("row") is not None else f"#{n + 1}")
        out[n] = label
    return out


def advice_json(advice: dict) -> bytes:
    return json.dumps(advice, ensure_ascii=False, indent=1, default=str).encode("utf-8")


def report_markdown(advice: dict, language: str) -> bytes:
    return report.to_markdown(advice, lang=language).encode("utf-8")


_SAFE_URL = re.compile(r"^(https?:|mailto:|#|/|\.{0,2}/|[^:/?#]*(?:[/?#]|$))", re.IGNORECASE)


def _safe_markdown():
    """Python-Markdown that never passes raw HTML through (it is shown as text) and
    drops links or images to anything but http(s), mailto or a relative address
    (no javascript: or data:) — a second guard behind kg.present.report's escaping of user text."""
    import markdown
    from markdown.extensions import Extension
    from markdown.treeprocessors import Treeprocessor

    class _DropUnsafeUrls(Treeprocessor):
        def run(self, root):
            for el in root.iter():
                for attr in ("href", "src"):
                    url = "".join(ch for ch in (el.get(attr) or "") if ch.isprintable() and not ch.isspace())
                    if el.get(attr) is not None and not _SAFE_URL.match(url):
                        del el.attrib[attr]

    class _NoRawHtml(Extension):
        def extendMarkdown(self, md):
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")
            md.treeprocessors.register(_DropUnsafeUrls(md), "drop_unsafe_urls", 0)

    return markdown.Markdown(extensions=["tables", "sane_lists", _NoRawHtml()])


def report_html(advice: dict, language: str) -> bytes:
    """The Markdown report as a self-contained HTML page (opens in any browser, prints well).
    User text is escaped by kg.present.report; raw HTML and unsafe links are dropped here as well."""
    body = _safe_markdown().convert(report.to_markdown(advice, lang=language))
    title = strings()["report.title"][language]
    return (f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8"><title>{title}</title>'
            '<style>body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:60rem;'
            'margin:2rem auto;line-height:1.6;padding:0 1rem}table{border-collapse:collapse}'
            'td,th{border:1px solid #ccc;padding:.2rem .5rem}</style></head>'
            f"<body>{body}</body></html>").encode("utf-8")


def report_buttons(advice: dict, stem: str, columns, key: str) -> None:
    """Markdown report, HTML report and the advice JSON, each made when clicked."""
    language = lang()
    for col, fmt, make in ((columns[0], "md", report_markdown), (columns[1], "html", report_html)):
        download(col, t(f"download.{fmt}"), lambda make=make: make(advice, language), f"{stem}.{fmt}",
                 f"{key}_{fmt}")
    download(columns[2], t("download.json"), lambda: advice_json(advice), f"{stem}.json", f"{key}_json")


def whatif_changes(region_id: str) -> dict:
    """The what-if sliders' settings for a region ({field: "+10%"}), as the what-if panel left them."""
    return dict(st.session_state.get("whatif_changes", {}).get(region_id, {}))


def region_report(batch, advice: dict, index: int, changes: dict, language: str, fmt: str) -> bytes:
    """The handed-on report (kg.present.handover, the same as `tanheng report --region`) of the region at
    `index`, with the what-if changes if any. Pure: safe to run off the script thread."""
    from kg.account import scenario
    from kg.pipeline.handover import handover_report
    from kg.present import handover

    region = batch.regions[index]
    whatif = scenario.run(region.values, changes, region_id=region.region_id,
                          coefficient_set=advice.get("coefficient_set", "default")) if changes else None
    doc = handover_report(batch, advice, language, region_index=index, whatif=whatif)
    if fmt == "docx":
        return handover.to_docx(doc)
    if fmt == "pdf":
        return handover.to_pdf(doc)
    return handover.to_html(doc).encode("utf-8")


def region_report_buttons(analysis: dict, advice: dict, index: int, key: str = "dl") -> None:
    """Word, PDF and HTML reports of the region shown, with its what-if settings."""
    batch, language = analysis["batch"], lang()
    region = advice["regions"][index]
    changes = whatif_changes(region["region_id"])
    stem = "tanheng-" + "".join(c if c.isalnum() else "-" for c in str(region.get("name") or region["region_id"]))[:40]
    st.caption(t("diag.report"))
    cols = st.columns(3)
    for col, fmt in zip(cols, ("docx", "pdf", "html")):
        download(col, t(f"download.{fmt}"),
                 lambda fmt=fmt: region_report(batch, advice, index, changes, language, fmt), f"{stem}.{fmt}",
                 f"{key}_{fmt}")


def history_title(filename: str, regions: list[dict], limit: int = 80) -> str:
    """The file and every region's name, shortened with "… (N regions)" only past `limit` characters."""
    names = [r.get("name") or r["region_id"] for r in regions]
    title = f"{filename} · " + "、".join(names)
    if len(title) <= limit:
        return title
    shown = f"{filename} · "
    for n, name in enumerate(names):
        if len(shown) + len(name) > limit - 12:
            return shown.rstrip("、") + f"… ({len(names)})"
        shown += name + "、"
    return title


def download_buttons(analysis: dict, advice: dict) -> None:
    stem = "tanheng-" + "".join(c if c.isalnum() else "-" for c in analysis["filename"].rsplit(".", 1)[0])[:40]
    c1, c2 = st.columns(2)
    download(c1, t("download.json"), lambda: advice_json(advice), f"{stem}.json", "dl_json")
    if c2.button(t("history.save"), key="dl_save"):
        title = history_title(analysis["filename"], advice["regions"])
        whatif = {k: v for k, v in st.session_state.get("whatif_changes", {}).items() if v}
        try:
            history.save(title=title, advice={**advice, "whatif": whatif} if whatif else advice,
                         profiles=analysis["batch"])
            st.success(t("history.saved", title=md(title)))
        except (UserError, OSError) as exc:  # a locked or unwritable store: say so, keep the page
            st.error(t("history.save_failed", error=md(said(exc))))
