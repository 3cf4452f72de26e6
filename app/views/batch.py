"""Batch: one or more files of many regions → progress bar → the regions on a map beside a sortable
table, distributions of types and balance ratios, invalid rows with their messages, downloads as CSV,
XLSX and JSON (every row of the files, the invalid ones with their problems)."""

import pandas as pd
import plotly.express as px
import streamlit as st

from app import session
from app.advice_view import issues_table
from app.batch_table import full_table
from app.i18n import t
from app.inputs import example_files, mapping_report, template_buttons, upload_types
from app.maps_view import batch_map
from app.widgets import download, md
from kg.present.tables import csv_cell, to_xlsx


def _xlsx(table: pd.DataFrame) -> bytes:
    """Every text cell written as text: a region named "=HYPERLINK(…)" must not become a formula."""
    return to_xlsx(list(table.columns), table.astype(object).where(table.notna(), None).values.tolist())


st.title(t("page.batch"))
st.caption(t("batch.intro"))

uploads = st.file_uploader(t("batch.upload"), type=upload_types(), key="batch_upload", accept_multiple_files=True)
template_buttons("batch")
upload_ids = [f"{u.file_id}:{u.name}" for u in uploads]
previous = st.session_state.get("batch")
if previous and previous.get("upload_ids") and previous["upload_ids"] != upload_ids:
    st.session_state.pop("batch")            # other files (or none): the results of the previous ones leave the page
if uploads:
    # how each file was read, before the run — as the diagnosis upload shows it
    reads = session.read_uploads([(u.getvalue(), u.name, uid) for u, uid in zip(uploads, upload_ids)])
    places = [st.container()] if len(reads) == 1 else st.tabs([md(u.name) for u in uploads])  # file names inert
    for place, read in zip(places, reads):
        with place:
            if read.get("error"):
                st.error(read["error"])
            else:
                mapping_report(read["batch"])
files = example_files()
example = st.selectbox(t("batch.or_example"), [None, *files], key="batch_example",
                       format_func=lambda n: "—" if n is None else n)
if st.button(t("batch.run"), type="primary", key="batch_run", disabled=not uploads and example is None):
    chosen = [(u.getvalue(), u.name) for u in uploads] if uploads else [(files[example].read_bytes(), example)]
    bar = st.progress(0.0, text=t("batch.progress", done=0, total="?"))

    def progress(done, total, *_):
        bar.progress(min(1.0, done / max(total, 1)), text=t("batch.progress", done=done, total=total))

    outcome = session.analyse_many(chosen, progress=progress)
    bar.empty()
    if outcome.get("error"):
        st.error(outcome["error"])
    else:
        st.session_state["batch"] = dict(outcome, upload_ids=upload_ids if uploads else None)

outcome = st.session_state.get("batch")
if outcome:
    advice = session.current_advice(outcome)
    regions = advice["regions"]
    st.caption(f"{t('batch.files')}: {outcome['filename']}")
    table = full_table(outcome, advice)
    valid = table[table[t("batch.col.status")] == t("batch.status.valid")]
    c1, c2, c3 = st.columns(3)
    c1.metric(t("batch.total"), advice["summary"]["total"])
    c2.metric(t("batch.valid"), advice["summary"]["valid"])
    c3.metric(t("batch.invalid"), advice["summary"]["invalid"])
    if len(valid):
        left, right = st.columns([3, 2])
        with left:
            shown = valid.drop(columns=[t("batch.col.status"), t("batch.col.problems")])
            st.dataframe(shown, hide_index=True, width="stretch", key="batch_table", column_config={
                t("batch.col.emissions"): st.column_config.NumberColumn(format="localized"),
                t("batch.col.sinks"): st.column_config.NumberColumn(format="localized"),
                t("batch.col.net"): st.column_config.NumberColumn(format="localized"),
                t("batch.col.ratio"): st.column_config.NumberColumn(format="%.3f"),
                t("batch.col.measures"): st.column_config.TextColumn(width="large")})
        with right:
            batch_map(outcome, advice)
        left, right = st.columns(2)
        for col, x, title, bins in ((left, "batch.col.type", "batch.chart.types", None),
                                    (right, "batch.col.ratio", "batch.chart.ratio", 20)):
            fig = px.histogram(valid, x=t(x), nbins=bins, title=t(title))
            fig.update_yaxes(title_text=t("batch.count"), dtick=1 if len(valid) <= 20 else None,
                             tickformat="d", rangemode="tozero")        # counts are whole regions
            col.plotly_chart(fig, width="stretch", key=f"batch_{x}")
    st.subheader(t("batch.issues", n=len(outcome["issues"])))
    issues_table(outcome["issues"])
    c1, c2, c3 = st.columns(3)
    safe = table.map(lambda v: csv_cell(v) if isinstance(v, str) else v)   # no name opens as a formula
    download(c1, t("download.csv"), lambda: safe.to_csv(index=False).encode("utf-8-sig"), "tanheng-batch.csv",
             "batch_csv")
    download(c2, t("download.xlsx"), lambda: _xlsx(table), "tanheng-batch.xlsx", "batch_xlsx")
    download(c3, t("download.json"), lambda: session.advice_json(advice), "tanheng-batch.json", "batch_json")
