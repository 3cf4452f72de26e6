"""The batch as one table: every row of the files, for the page and its downloads."""
from __future__ import annotations

import pandas as pd

from app.advice_view import name_of
from app.i18n import join, lang, pick, t
from kg.reason import zoning


def _rounded(x, digits: int):
    return None if x is None else round(float(x), digits)


def full_table(outcome: dict, advice: dict) -> pd.DataFrame:
    """Every row of the files: the figures of the valid ones, the problems of the invalid ones
    (tonnes to the tonne, ratios and zone coefficients to three decimals)."""
    zoned = {z["region_id"]: z for z in zoning.zoning(zoning.records(outcome["batch"], advice), by="province")["regions"]}
    rows = []
    for r in advice["regions"]:
        b = r.get("balance") or {}
        z = zoned.get(r["region_id"]) if r["valid"] else None
        rows.append({
            t("batch.col.region_id"): r["region_id"], t("batch.col.name"): r.get("name"),
            t("batch.col.status"): t("batch.status.valid" if r["valid"] else "batch.status.invalid"),
            t("batch.col.type"): name_of(r.get("type")) if r.get("type") else None,
            t("batch.col.model"): name_of(r.get("model")) if r.get("model") else None,
            t("batch.col.emissions"): _rounded(b.get("emissions_t_co2e"), 0),
            t("batch.col.sinks"): _rounded(b.get("sinks_t_co2e"), 0),
            t("batch.col.net"): _rounded(b.get("net_t_co2e"), 0),
            t("batch.col.ratio"): _rounded(b.get("balance_ratio"), 3),
            t("batch.col.zone"): (z or {}).get(f"zone_label_{lang()}"),
            t("batch.col.measures"): join(name_of(m) for m in (r.get("measures") or [])[:3]) or None,
            t("batch.col.problems"): "; ".join(f"{v['field']}: {pick(v, 'message')}" for v in r.get("violations") or [])
            or None})
    return pd.DataFrame(rows)
