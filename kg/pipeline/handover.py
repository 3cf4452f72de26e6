"""The report planners hand on, for a batch already advised: what it shows that is computed — the
zoning records, peers and zones of the batch (kg.reason.zoning) and the trajectories of its valid rows
(kg.trajectory) — is computed here, once, and kg.present.handover only lays it out."""
from __future__ import annotations

from kg.present.handover import Document, ReportData, build


def report_data(batch, advice: dict, only: tuple[str, ...] | None = None) -> ReportData:
    from kg.reason.zoning import peers, records, zoning

    recs = records(batch, advice)
    trajectories = {}
    if only is None or "pathways" in only:
        from kg.trajectory import trajectory

        rows = [rec.values for rec in recs if rec.valid]
        if rows:
            answer = trajectory(rows, coefficient_set=advice.get("coefficient_set") or "default")
            trajectories = {r["region_id"]: r for r in answer["regions"]}
    return ReportData(recs, peers(recs), zoning(recs, by="province"), trajectories)


def handover_report(batch, advice: dict, lang: str = "zh", region_index: int | None = None,
                    whatif: dict | None = None, only: tuple[str, ...] | None = None) -> Document:
    """The document of one region (its position in the batch) or of every valid region."""
    return build(batch, advice, report_data(batch, advice, only), lang, region_index, whatif, only)
