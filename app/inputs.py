"""Where a profile comes from: the entry form (built from the profile vocabulary
in ontology/profile.ttl), an uploaded file, or a bundled example."""
from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from kg.present.numbers import plain
from app.i18n import lang, pick, t
from app.widgets import download, md
from kg.knowledge import catalog
from kg.present.template import csv_template, xlsx_template
from kg.read import profiles

UPLOAD_TYPES = ["csv", "xlsx", "json", "ttl", "jsonld"]
INTEGER = {"integer", "int", "nonNegativeInteger", "positiveInteger"}
NUMERIC = INTEGER | {"decimal", "double", "float"}


def upload_types() -> list[str]:
    return UPLOAD_TYPES


def template_buttons(key: str) -> None:
    """The empty profile table (headers in the current language, units, rules) to fill in."""
    c1, c2, _ = st.columns(3)
    language = lang()
    download(c1, t("template.xlsx"), lambda: xlsx_template(language), f"tanheng-template-{language}.xlsx",
             f"{key}_tpl_xlsx")
    download(c2, t("template.csv"), lambda: csv_template(language).encode("utf-8-sig"),
             f"tanheng-template-{language}.csv", f"{key}_tpl_csv")


def mapping_report(batch) -> None:
    """How the file was read, before any analysis: recognised, converted (unit and factor), used to
    derive a field, ignored (with the reason); the page notes and each row's notes."""
    import pandas as pd

    report = batch.mapping
    if report is None:
        return
    counts = {s: len(report.by_status(s)) for s in ("recognised", "converted", "derived", "ignored")}
    st.markdown(f"#### {t('map.title')}")
    st.caption(t("map.intro"))
    st.info(t("map.summary", rows=len(batch), **counts))
    language = lang()
    for status in ("converted", "derived", "ignored", "recognised"):
        cols = report.by_status(status)
        if not cols:
            continue
        rows = [{t("map.col.position"): c.position, t("map.col.header"): c.column, t("map.col.key"): c.key or "",
                 t("map.col.unit"): c.given_unit(language) or "", t("map.col.target"): c.target(language) or "",
                 t("map.col.factor"): c.factor or "", t("map.col.reason"): c.reason(language)} for c in cols]
        table = pd.DataFrame(rows)
        if status in ("recognised", "ignored"):
            table = table.drop(columns=[t("map.col.factor")] + ([t("map.col.unit"), t("map.col.target")]
                                                             if status == "recognised" else []))
        with st.expander(f"{t('map.status.' + status)} ({len(cols)})", expanded=status != "recognised"):
            # a static table: a few dozen rows, readable (and printable) without scrolling a canvas
            st.table(table.set_index(t("map.col.position")))
    notes = [n["message_" + language] for n in report.notes]
    if notes:
        st.markdown(f"**{t('map.notes')}**")
        for n in notes:
            st.markdown(f"- {md(n)}")
    row_notes = [f"{r.region_id or r.name or ''} {r.year or ''}: {n['message_' + language]}"
                 for r in batch.regions for n in r.notes]
    if row_notes:
        with st.expander(f"{t('map.rows')} ({len(row_notes)})"):
            for n in row_notes:
                st.markdown(f"- {md(n)}")


def example_files() -> dict[str, Path]:
    """The bundled example profiles (examples/*), by file name."""
    from kg.paths import EXAMPLES_DIR
    files = sorted(EXAMPLES_DIR.glob("*"), key=lambda p: ("invalid" in p.name, p.name))  # good examples first
    return {p.name: p for p in files if p.suffix.lstrip(".") in UPLOAD_TYPES}


def _field(field: dict, issues: list[dict]) -> object:
    unit = pick(field, "unit")
    label = pick(field, "label") + (" *" if field["required"] else "")
    helptext = pick(field, "definition") + (f" [{unit}]" if unit else "")
    key = f"form_{field['key']}"
    if field.get("choices"):
        names = {None: "—", **{n: f"{pick(c, 'label')} ({n})" for n, c in field["choices"].items()}}
        value = st.selectbox(label, list(names), format_func=names.get, help=helptext, key=key)
    elif field["datatype"] in NUMERIC:
        integer = field["datatype"] in INTEGER
        value = st.number_input(label, value=None, step=1 if integer else 1.0,
                                format="%d" if integer else "%.2f", help=helptext, key=key)
    else:
        value = st.text_input(label, help=helptext, key=key) or None
    for issue in issues:  # the validator's verdict right under the field it concerns
        given = plain(issue.get("value"))
        st.caption(f":red[{md(pick(issue, 'message'))}" + (f" ({t('valid.col.value')}: {md(given)})]" if given else "]"))
    return value


def profile_form(issues_by_field: dict[str, list[dict]]) -> tuple[bytes, str] | None:
    """The entry form; on submit the profile as JSON bytes for kg.read.profiles.read_profiles."""
    fields = catalog.profile_fields()
    _prefill_picker(fields)
    values = {}
    with st.form("profile_form"):
        st.markdown(f"**{md(t('form.required'))}**")     # its "*" must not end the bold and start italics
        cols = st.columns(3)
        required = [f for f in fields if f["required"]]
        for i, f in enumerate(required):
            with cols[i % 3]:
                values[f["key"]] = _field(f, issues_by_field.get(f["key"], []))
        with st.expander(t("form.optional")):
            cols = st.columns(3)
            for i, f in enumerate(f for f in fields if not f["required"]):
                with cols[i % 3]:
                    values[f["key"]] = _field(f, issues_by_field.get(f["key"], []))
        submitted = st.form_submit_button(t("diag.analyse"), type="primary")
    if not submitted:
        return None
    if all(v in (None, "") for v in values.values()):  # a blank form is no profile at all
        st.warning(t("form.empty"))
        return None
    integers = {f["key"] for f in fields if f["datatype"] in INTEGER}
    # every column present, blanks as null (= not reported), so the validator names each missing field
    row = {k: (None if v in (None, "") else int(v) if k in integers else v) for k, v in values.items()}
    return json.dumps([row], ensure_ascii=False).encode("utf-8"), "form.json"



def _prefill_picker(fields: list[dict]) -> None:
    """Fill the form from a region of a bundled example, to start from real numbers."""
    files = {n: p for n, p in example_files().items() if "invalid" not in n and p.suffix == ".csv"}
    if not files:
        return
    batch = profiles.read_profiles(next(iter(files.values())))
    names = {r.region_id: f"{r.name} ({r.region_id})" for r in batch.regions}

    def fill():
        region = batch.get(st.session_state["form_prefill"])
        for f in fields:
            value = region.values.get(f["key"])
            st.session_state[f"form_{f['key']}"] = (None if value is None and f["datatype"] in NUMERIC
                                                    else "" if value is None and not f.get("choices") else value)

    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.selectbox(t("form.prefill"), list(names), format_func=names.get, key="form_prefill")
    right.button(t("form.prefill_button"), on_click=fill, key="form_prefill_go")
