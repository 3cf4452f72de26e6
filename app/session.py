"""One analysis through the kg API (read → advise, which validates and accounts),
kept in the Streamlit session, and what the user can take away from it
(downloads, history)."""
from __future__ import annotations

import json
import re

import streamlit as st

from app.backend import user_error
from app.i18n import lang, strings, t
from app.widgets import download, md
from kg import advice as advice_engine
from kg import history, profiles, report


def coefficient_set() -> str:
    return st.session_state.get("coefficient_set") or "default"


def analyse(data: bytes, filename: str, progress=None) -> dict:
    """Read and advise; {"error": message} when the file cannot be read at all."""
    try:
        batch = profiles.read_profiles(data, filename=filename)
    except Exception as exc:  # UnreadableInput and friends: one clear message, no traceback
        reason = exc.message(lang()) if hasattr(exc, "message") else user_error(exc)
        return {"error": t("diag.unreadable", file=md(filename), error=md(reason))}
    advice = _advise(batch, progress)
    return {"batch": batch, "filename": filename, "advice": {coefficient_set(): advice},
            "issues": issues_of(advice), "warnings": list(batch.warnings)}


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
        analysis["advice"][coefficient_set()] = _advise(analysis["batch"])
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
    (no javascript: or data:) — a second guard behind kg.report's escaping of user text."""
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
    User text is escaped by kg.report; raw HTML and unsafe links are dropped here as well."""
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


def download_buttons(analysis: dict, advice: dict) -> None:
    stem = "tanheng-" + "".join(c if c.isalnum() else "-" for c in analysis["filename"].rsplit(".", 1)[0])[:40]
    c1, c2, c3, c4 = st.columns(4)
    report_buttons(advice, stem, (c1, c2, c3), "dl")
    if c4.button(t("history.save"), key="dl_save"):
        title = f"{analysis['filename']} · " + ", ".join(r.get("name") or r["region_id"]
                                                       for r in advice["regions"][:3])
        try:
            history.save(title=title, advice=advice, profiles=analysis["batch"])
            st.success(t("history.saved", title=md(title)))
        except Exception as exc:  # a locked or unwritable store: say so, keep the page
            st.error(t("history.save_failed", error=md(user_error(exc))))
