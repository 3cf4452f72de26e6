"""One analysis through the kg API (read → validate → advise), kept in the
Streamlit session, and what the user can take away from it (downloads, history)."""
from __future__ import annotations

import json

import streamlit as st

from app.backend import kg_module, require, user_error
from app.i18n import lang, t


def _results(report) -> list[dict]:
    return list(getattr(report, "results", None) or (report.get("results", []) if isinstance(report, dict) else []))


def analyse(data: bytes, filename: str, progress=None) -> dict:
    """Read, validate and advise; {"error": message} when the file cannot be read."""
    profiles = kg_module("profiles")
    try:
        batch = profiles.read_profiles(data, filename=filename)
    except Exception as exc:  # UnreadableInput and friends: one clear message, no traceback
        return {"error": t("diag.unreadable", file=filename, error=user_error(exc))}
    validate = kg_module("validate")
    issues = _results(validate.validate(batch)) if validate and hasattr(validate, "validate") else []
    outcome = {"batch": batch, "filename": filename, "issues": issues, "advice": {},
               "warnings": list(getattr(batch, "warnings", []) or [])}
    outcome["advice"][_advice_key()] = _advise(batch, progress)
    return outcome


def _advice_key() -> str:
    return f"{lang()}|{st.session_state.get('coefficient_set') or 'default'}"


def _advise(batch, progress=None) -> dict | None:
    advice = kg_module("advice")
    if advice is None or not hasattr(advice, "advise"):
        st.info(t("notice.unavailable", module="kg.advice"))
        return None
    kwargs = {"coefficient_set": st.session_state.get("coefficient_set") or "default", "lang": lang()}
    if progress is not None:
        kwargs["progress"] = progress
    return advice.advise(batch, **kwargs)


def advice_in_language(analysis: dict) -> dict | None:
    """The advice in the current language and coefficient set (computed again once after a switch)."""
    if _advice_key() not in analysis["advice"]:
        analysis["advice"][_advice_key()] = _advise(analysis["batch"])
    return analysis["advice"][_advice_key()]


def advice_json(advice: dict) -> bytes:
    return json.dumps(advice, ensure_ascii=False, indent=1, default=str).encode("utf-8")


def report_text(advice: dict, fmt: str) -> str | None:
    """The report from kg.report as Markdown or HTML (None while kg.report is absent)."""
    report = kg_module("report")
    fn = getattr(report, "to_html" if fmt == "html" else "to_markdown", None) if report else None
    if fn is None:
        fn = getattr(report, "render", None) if report else None
        return fn(advice, fmt=fmt, lang=lang()) if fn else None
    return fn(advice, lang=lang())


def download_buttons(analysis: dict, advice: dict, region_id: str) -> None:
    stem = "tanheng-" + "".join(c if c.isalnum() else "-" for c in str(region_id))[:40]
    c1, c2, c3, c4 = st.columns(4)
    for col, fmt, mime in ((c1, "md", "text/markdown"), (c2, "html", "text/html")):
        text = report_text(advice, fmt)
        if text is None:
            col.caption(t("notice.unavailable", module="kg.report"))
        else:
            col.download_button(t(f"download.{fmt}"), text.encode("utf-8"), f"{stem}.{fmt}", mime,
                                key=f"dl_{fmt}")
    c3.download_button(t("download.json"), advice_json(advice), f"{stem}.json", "application/json",
                       key="dl_json")
    history = kg_module("history")
    if history is None or not hasattr(history, "save"):
        c4.caption(t("notice.unavailable", module="kg.history"))
    elif c4.button(t("history.save"), key="dl_save"):
        try:
            title = f"{analysis['filename']} · " + ", ".join(r.get("name") or r["region_id"]
                                                           for r in advice.get("regions", [])[:3])
            history.save(title=title, advice=advice, profiles=analysis["batch"])
            st.success(t("history.saved", title=title))
        except Exception as exc:
            st.error(t("history.save_failed", error=user_error(exc)))
