"""Policy records (cases) from kg.knowledge.compare: a table and one expander per record with
its targets, measures, sources and — where REFERENCE-DATA differs from the
paper — the paper's claim beside the verified fact. Used by the knowledge and
policy-comparison pages."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app.i18n import join, lang, t


def _name(entry: dict) -> str:
    return entry.get(lang()) or entry.get("en") or entry.get("zh") or entry.get("id") or ""


def title(rec: dict) -> str:
    return rec.get(f"title_{lang()}") or rec.get("title_en") or rec.get("id") or ""


def _labels() -> tuple[dict, dict]:
    """Countries and record codes (status, category, instrument, sector) by their graph labels in the
    current language — the codes (US, in-force, plan) are for machines."""
    from kg.knowledge import compare

    language = lang()
    return ({c["code"]: c["label"] for c in compare.country_concepts(language)}, compare.code_labels(language))


def _coded(labels: dict, kind: str, value) -> str:
    values = value if isinstance(value, (list, tuple)) else [value]
    return join(labels.get(kind, {}).get(v, v) for v in values if v)


def records_view(records: list[dict]) -> None:
    if not records:
        st.info(t("compare.none"))
        return
    countries, codes = _labels()
    st.dataframe(pd.DataFrame([{
        t("kb.col.name"): title(r), t("kb.col.country"): countries.get(r["country"], r["country"]),
        t("kb.col.year"): r["year"],
        t("kb.col.status"): _coded(codes, "status", r["status"]),
        t("compare.col.category"): _coded(codes, "category", r["category"]),
        t("kb.col.measures"): join(_name(m) for m in r["measures"]),
        t("kb.col.discrepancy"): "⚠" if r["discrepancy"] else ""} for r in records]),
        hide_index=True, width="stretch")
    for r in records:
        flag = " ⚠" if r["discrepancy"] else ""
        with st.expander(f"{countries.get(r['country'], r['country'] or '')} {r['year'] or ''} · {title(r)}{flag}"):
            if r.get("targets"):
                st.markdown(f"**{t('kb.target')}**: {_name(r['targets'])}")
            st.markdown(f"**{t('kb.col.model')}**: {join(_name(m) for m in r['models'])}")
            st.markdown(f"**{t('kb.col.measures')}**: {join(_name(m) for m in r['measures'])}")
            st.markdown(f"**{t('compare.col.sectors')}**: {_coded(codes, 'sector', r['sectors'])} · "
                        f"**{t('compare.col.instrument')}**: {_coded(codes, 'instrument', r['instrument'])}")
            for d in r.get("discrepancies") or ([r["discrepancy"]] if r["discrepancy"] else []):
                st.warning(f"**{t('kb.paper_claim')}**: {_name(d['paper_claim'])}\n\n"
                           f"**{t('kb.verified_fact')}**: {_name(d['verified_fact'])}"
                           + (f" ({d['verified_year']})" if d.get("verified_year") else "")
                           + (f"\n\n{t('kb.source')}: {_name(d['source'])}" if d.get("source") else ""))
            sources = [_name(s) for s in r["source"]]
            if r.get("paper_sections"):
                sources.append("§" + join(r["paper_sections"]))
            st.caption(f"{t('kb.source')}: " + "; ".join(sources))
