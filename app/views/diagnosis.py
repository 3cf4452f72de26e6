"""Region diagnosis: a profile from the entry form, an uploaded file or a
bundled example → validation, type, model, ranked measures, carbon account,
what-if, downloads."""
import streamlit as st

from app import session
from app.advice_view import region_panel
from app.i18n import pick, t
from app.maps_view import region_map
from app.inputs import example_files, mapping_report, profile_form, template_buttons, upload_types
from app.uncertainty_view import uncertainty_panel
from app.whatif import whatif_panel
from app.widgets import md

st.title(t("page.diagnosis"))
st.caption(t("diag.intro"))

SOURCES = {s: t(f"diag.source.{s}") for s in ("example", "upload", "form")}
source = st.radio(t("diag.source"), list(SOURCES), horizontal=True, key="diag_source", format_func=SOURCES.get)
analysis = st.session_state.get("diagnosis")
issues_by_field = {}
if analysis and analysis.get("source") == "form":
    for r in analysis["issues"]:
        issues_by_field.setdefault(r.get("field"), []).append(r)

request = None  # (bytes, filename) to analyse
upload_id = None  # which uploaded file the results on the page belong to
if source == "form":
    request = profile_form(issues_by_field)
elif source == "upload":
    up = st.file_uploader(t("diag.upload"), type=upload_types(), key="diag_upload")
    template_buttons("diag")
    upload_id = None if up is None else f"{up.file_id}:{up.name}"
    if analysis and analysis.get("source") == "upload" and analysis.get("upload_id") != upload_id:
        # another file (or none): the results of the previous one must not stay on the page
        st.session_state.pop("diagnosis", None)
        analysis = None
    if up is not None:
        read = session.read_upload(up.getvalue(), up.name, upload_id)
        if read.get("error"):
            st.error(read["error"])
        else:
            mapping_report(read["batch"])
            if st.button(t("diag.analyse"), type="primary", key="diag_analyse_upload"):
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
        st.session_state["diagnosis"] = {**outcome, "source": source,
                                         "upload_id": upload_id if source == "upload" else None}
        st.rerun()

analysis = st.session_state.get("diagnosis")
if analysis:
    advice = session.current_advice(analysis)
    for w in advice.get("batch_warnings", []):  # file-level: unknown columns and the like
        st.warning(md(pick(w, "message")))
    regions = advice["regions"]
    if not regions:
        st.info(t("diag.no_regions"))
        st.stop()
    choices = session.region_choices(regions)   # by position: an id may repeat, every row is listed
    pick_n = st.selectbox(t("diag.region"), list(choices), format_func=choices.get, key="diag_region")
    index = pick_n if pick_n in choices else 0
    region = regions[index]
    region_panel(region, list(region.get("violations") or []) + list(region.get("warnings") or []), key="diag")
    if region["valid"]:
        region_map(analysis, advice, index)
    if region["valid"] and region.get("balance"):
        uncertainty_panel(analysis, region)
        whatif_panel(analysis, region, advice, index)     # the region's report downloads are inside
    else:
        st.markdown(f"### {t('diag.downloads')}")
        session.region_report_buttons(analysis, advice, index)
    session.download_buttons(analysis, advice)
