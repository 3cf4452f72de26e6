"""Small display pieces shared by several pages."""
from __future__ import annotations

import streamlit as st

from app.i18n import pick, t


def sources_line(sources: list[dict]) -> None:
    """A caption naming where a piece of knowledge comes from (dcterms:source)."""
    if sources:
        names = [pick(s, "label") + (f" §{s['section']}" if s.get("section") else "") for s in sources]
        st.caption(t("kb.source") + ": " + "; ".join(names))
