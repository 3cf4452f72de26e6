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
