"""Small display pieces shared by several pages."""
from __future__ import annotations

import re

import streamlit as st

from app.i18n import pick, t


def sources_line(sources: list[dict]) -> None:
    """A caption naming where a piece of knowledge comes from (dcterms:source)."""
    if sources:
        names = [pick(s, "label") + (f" §{s['section']}" if s.get("section") else "") for s in sources]
        st.caption(t("kb.source") + ": " + "; ".join(names))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text) -> str:
    """User text (names, ids, file names, values) made inert for Streamlit markdown:
    no bold, links, colour directives (:red[…]), LaTeX or HTML from what a user typed."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


MIME = {"md": "text/markdown", "html": "text/html", "json": "application/json", "csv": "text/csv",
        "pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def download(where, label: str, make, filename: str, key: str) -> None:
    """A download button whose file `make()` builds only when clicked (so a page with a
    2,800-region batch stays quick) and which does not rerun the page. `make` runs off
    the script thread: it must not read the session (bind the language beforehand)."""
    where.download_button(label, make, filename, MIME[filename.rsplit(".", 1)[-1]], key=key, on_click="ignore")


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def relabel_streamlit_texts() -> None:
    """Streamlit's own widget texts are English only: the uploader's button and limits
    are re-labelled from the translation table, and the developer's Deploy button goes."""
    st.html(f"""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: {_css_string(t("upload.button"))}; font-size: 0.875rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{
  content: {_css_string(t("upload.limits"))}; font-size: 0.875rem; }}
[data-testid="stAppDeployButton"] {{ display: none; }}
</style>""")
