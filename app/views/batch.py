"""Batch: a file of many regions → progress bar → a sortable table with the
distribution of types and balance ratios, invalid rows with their messages,
downloads as CSV, XLSX and JSON."""
import io

import pandas as pd
import plotly.express as px
import streamlit as st

from app import session
from app.advice_view import issues_table, name_of
from app.backend import require
from app.i18n import join, t
from app.inputs import example_files, template_buttons, upload_types
from app.widgets import download


def _xlsx(table: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    table.to_excel(buf, index=False)
    return buf.getvalue()


st.title(t("page.batch"))
st.caption(t("batch.intro"))
if require("profiles", "read_profiles") is None:
    st.stop()

up = st.file_uploader(t("batch.upload"), type=upload_types(), key="batch_upload")
template_buttons("batch")
files = example_files()
example = st.selectbox(t("batch.or_example"), [None, *files], key="batch_example",
                       format_func=lambda n: "—" if n is None else n)
if st.button(t("batch.run"), type="primary", key="batch_run", disabled=up is None and example is None):
    data, name = (up.getvalue(), up.name) if up is not None else (files[example].read_bytes(), example)
    bar = st.progress(0.0, text=t("batch.progress", done=0, total="?"))

    def progress(done, total, *_):
        bar.progress(min(1.0, done / max(total, 1)), text=t("batch.progress", done=done, total=total))

    outcome = session.analyse(data, name, progress=progress)
    bar.empty()
    if outcome.get("error"):
        st.error(outcome["error"])
    else:
        st.session_state["batch"] = outcome

outcome = st.session_state.get("batch")
if outcome:
    advice = session.current_advice(outcome)
    regions = advice["regions"]
    valid = [r for r in regions if r["valid"]]
    rows = [{
        t("batch.col.region_id"): r["region_id"], t("batch.col.name"): r.get("name"),
        t("batch.col.type"): name_of(r.get("type")), t("batch.col.model"): name_of(r.get("model")),
        t("batch.col.ratio"): (r.get("balance") or {}).get("balance_ratio"),
        t("batch.col.net"): (r.get("balance") or {}).get("net_t_co2e"),
        t("batch.col.measures"): join(name_of(m) for m in (r.get("measures") or [])[:3])} for r in valid]
    table = pd.DataFrame(rows)
    c1, c2, c3 = st.columns(3)
    c1.metric(t("batch.total"), advice["summary"]["total"])
    c2.metric(t("batch.valid"), advice["summary"]["valid"])
    c3.metric(t("batch.invalid"), advice["summary"]["invalid"])
    if rows:
        st.dataframe(table, hide_index=True, width="stretch")
        left, right = st.columns(2)
        for col, x, title, bins in ((left, "batch.col.type", "batch.chart.types", None),
                                    (right, "batch.col.ratio", "batch.chart.ratio", 20)):
            fig = px.histogram(table, x=t(x), nbins=bins, title=t(title))
            fig.update_yaxes(title_text=t("batch.count"))  # plotly's own "count" is English
            col.plotly_chart(fig, width="stretch", key=f"batch_{x}")
    st.subheader(t("batch.issues", n=len(outcome["issues"])))
    issues_table(outcome["issues"])
    if rows:
        c1, c2, c3 = st.columns(3)
        download(c1, t("download.csv"), lambda: table.to_csv(index=False).encode("utf-8-sig"), "tanheng-batch.csv",
                 "batch_csv")
        download(c2, t("download.xlsx"), lambda: _xlsx(table), "tanheng-batch.xlsx", "batch_xlsx")
        download(c3, t("download.json"), lambda: session.advice_json(advice), "tanheng-batch.json", "batch_json")
