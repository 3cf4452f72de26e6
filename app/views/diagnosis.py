"""Region diagnosis: a profile from the entry form, an uploaded file or a
bundled example → validation, type, model, ranked measures, carbon account,
what-if, downloads."""
import json

import streamlit as st

from app import session
from app.advice_view import issues_table, region_panel
from app.backend import require
from app.i18n import lang, pick, t
from app.inputs import example_files, profile_form, upload_types

st.title(t("page.diagnosis"))
st.caption(t("diag.intro"))
profiles = require("profiles", "read_profiles")
if profiles is None:
    st.stop()

SOURCES = {s: t(f"diag.source.{s}") for s in ("example", "upload", "form")}
source = st.radio(t("diag.source"), list(SOURCES), horizontal=True, key="diag_source", format_func=SOURCES.get)
analysis = st.session_state.get("diagnosis")
issues_by_field = {}
if analysis and analysis.get("source") == "form":
    for r in analysis["issues"]:
        issues_by_field.setdefault(r.get("field"), []).append(r)

request = None  # (bytes, filename) to analyse
if source == "form":
    request = profile_form(issues_by_field)
elif source == "upload":
    up = st.file_uploader(t("diag.upload"), type=upload_types(), key="diag_upload")
    if up is not None and st.button(t("diag.analyse"), type="primary", key="diag_analyse_upload"):
        request = (up.getvalue(), up.name)
else:
    files = example_files()
    if files:
        chosen = st.selectbox(t("diag.example"), list(files), key="diag_example")
        if st.button(t("diag.analyse"), type="primary", key="diag_analyse_example"):
            request = (files[chosen].read_bytes(), chosen)
    else:
        st.info(t("diag.no_examples"))

if request is not None:
    data, filename = request
    with st.spinner(t("diag.running")):
        outcome = session.analyse(data, filename)
    if outcome.get("error"):
        st.error(outcome["error"])
    else:
        st.session_state["diagnosis"] = {**outcome, "source": source}
        st.rerun()

analysis = st.session_state.get("diagnosis")
if analysis:
    advice = session.advice_in_language(analysis)
    regions = (advice or {}).get("regions", [])
    for w in analysis.get("warnings", []):
        st.warning(w if isinstance(w, str) else pick(w, "message") or str(w))
    if advice is None:  # the advice engine has not landed: still show what validation found
        st.info(t("notice.unavailable", module="kg.advice"))
        st.subheader(t("valid.title", n=len(analysis["issues"])))
        issues_table(analysis["issues"])
        st.stop()
    ids = [r["region_id"] for r in regions]
    if not ids:
        st.info(t("diag.no_regions"))
        st.stop()
    rid = st.selectbox(t("diag.region"), ids, key="diag_region",
                       format_func=lambda i: next(f"{r.get('name')} ({i})" for r in regions if r["region_id"] == i)
                       ) if len(ids) > 1 else ids[0]
    region = next(r for r in regions if r["region_id"] == rid)
    region_panel(region, [r for r in analysis["issues"] if r.get("region_id") == rid], key="diag")

    if region.get("valid", True) and region.get("balance"):
        from app.whatif import whatif_panel
        whatif_panel(analysis, region)

    st.markdown(f"### {t('diag.downloads')}")
    session.download_buttons(analysis, advice, rid)
