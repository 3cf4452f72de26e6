"""The app's one translation table (app/strings.csv: key, zh, en) and the
current language. Every user-facing string of the interface goes through t();
labels of knowledge come from the graph (@zh / @en), not from here."""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import streamlit as st

TABLE = Path(__file__).with_name("strings.csv")
LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


@lru_cache(maxsize=1)
def strings() -> dict[str, dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as f:
        return {row["key"]: {"zh": row["zh"], "en": row["en"]} for row in csv.DictReader(f)}


def lang() -> str:
    value = st.session_state.get("lang", DEFAULT_LANG)
    return value if value in LANGS else DEFAULT_LANG


def t(key: str, **fmt) -> str:
    """The string for key in the current language; {name} fields filled from fmt."""
    text = strings()[key][lang()]
    return text.format(**fmt) if fmt else text


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
