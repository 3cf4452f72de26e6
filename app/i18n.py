"""The current language of the app, and its words: every user-facing string of the
interface goes through t(), which reads the one message catalogue the command line
shares (kg.messages, kg/messages.csv); labels of knowledge come from the graph
(@zh / @en), not from here."""
from __future__ import annotations

import streamlit as st

from kg import messages
from kg.messages import LANGS

DEFAULT_LANG = "zh"


def strings() -> dict[str, dict[str, str]]:
    return messages.catalogue()


def lang() -> str:
    value = st.session_state.get("lang", DEFAULT_LANG)
    return value if value in LANGS else DEFAULT_LANG


def t(key: str, **fmt) -> str:
    """The string for key in the current language; {name} fields filled from fmt."""
    return messages.text(key, lang(), **fmt)


def t_or(key: str, fallback: str) -> str:
    """t(key) when the table has the key, else the fallback (codes the graph may extend)."""
    return t(key) if key in strings() else fallback


def pick(record: dict, field: str) -> str:
    """record[field_zh] or record[field_en] for the current language, falling back to the other."""
    first, second = (f"{field}_{lang()}", f"{field}_{'en' if lang() == 'zh' else 'zh'}")
    return record.get(first) or record.get(second) or ""


def join(items) -> str:
    """A list in running text: 、 in Chinese, a comma in English."""
    return ("、" if lang() == "zh" else ", ").join(str(i) for i in items)


def said(exc: Exception) -> str:
    """What went wrong, for the page: a kg.errors.UserError in the current language; an
    OSError (a disk, the server named by TANHENG_SPARQL_URL) as the system worded it.
    Anything else is a bug and is not caught by the pages."""
    return exc.message(lang()) if hasattr(exc, "message") else str(exc)
