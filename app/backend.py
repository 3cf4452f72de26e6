"""The guard each page puts in front of the kg API: a page that needs a kg module
shows a bilingual notice, not a traceback, when the module is missing or cannot
be loaded (a broken knowledge file, say). The helpers below the pages import kg
directly."""
from __future__ import annotations

import importlib
from types import ModuleType

import streamlit as st

from app.i18n import t


def kg_module(name: str) -> ModuleType | None:
    """kg.<name>, or None when the module does not exist yet."""
    try:
        return importlib.import_module(f"kg.{name}")
    except ModuleNotFoundError as exc:
        if exc.name in (f"kg.{name}", "kg"):
            return None
        raise


def require(name: str, *attrs: str) -> ModuleType | None:
    """kg.<name> with the given functions, or None after showing a notice."""
    try:
        module = kg_module(name)
    except Exception as exc:  # a broken module must not take the page down
        st.error(t("notice.broken", module=f"kg.{name}", error=str(exc)))
        return None
    if module is None or any(not hasattr(module, a) for a in attrs):
        st.info(t("notice.unavailable", module=f"kg.{name}"))
        return None
    return module


def user_error(exc: Exception) -> str:
    """The one-line message of an exception the kg API raised for bad input."""
    return str(exc) or exc.__class__.__name__
