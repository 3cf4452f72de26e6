"""Honest evaluation of the type diagnosis on a labelled file.

The label of a region is its official designation (`official_zone_type`); it is
removed before the advice engine runs, so the diagnosis never sees it. An optional
`split` column (e.g. `calibration` / `held-out`, kept by the reader as an unknown
column) reports every part separately as well as the whole: weights are chosen on
one part and judged on the other (README, "Calibration").

The result is a plain dict: per part the number of units, the accuracy, a
confusion matrix (official type × inferred type), recall and precision per type,
and every miss with its scores, so a reviewer sees which units fail and how close."""
from __future__ import annotations

import copy

from .advice import advise

TYPES = ("urbanized", "agricultural", "ecological")
LABEL = "official_zone_type"
SPLIT = "split"
WHOLE = "all"


def _part(rows: list[dict]) -> dict:
    matrix = {t: {u: 0 for u in TYPES} for t in TYPES}
    for r in rows:
        if r["inferred"] in TYPES:
            matrix[r["official"]][r["inferred"]] += 1
    right = sum(matrix[t][t] for t in TYPES)
    recall, precision = {}, {}
    for t in TYPES:
        n = sum(matrix[t].values())
        called = sum(matrix[o][t] for o in TYPES)
        recall[t] = round(matrix[t][t] / n, 4) if n else None
        precision[t] = round(matrix[t][t] / called, 4) if called else None
    return {"units": len(rows), "correct": right, "accuracy": round(right / len(rows), 4) if rows else None,
            "confusion": matrix, "recall": recall, "precision": precision,
            "min_recall": min((x for x in recall.values() if x is not None), default=None),
            "misses": [r for r in rows if r["inferred"] != r["official"]]}


def evaluate(batch, engine: str = "fast", coefficient_set: str = "default") -> dict:
    """Infer the type of every labelled region of a ProfileBatch without its label and compare.
    Regions without a label, or invalid ones, are counted and listed, never scored."""
    blind = copy.deepcopy(batch)
    labels, splits = {}, {}
    for r in blind.regions:
        labels[r.row] = (r.values.get(LABEL) or "").strip() or None
        splits[r.row] = str(r.extra.get(SPLIT) or "").strip() or None
        r.values[LABEL] = None
    advice = advise(blind, coefficient_set=coefficient_set, engine=engine)
    scored, unlabelled, invalid = [], [], []
    for entry in advice["regions"]:
        official = labels.get(entry["row"])
        if official not in TYPES:
            unlabelled.append({"region_id": entry["region_id"], "name": entry["name"], "row": entry["row"]})
            continue
        if not entry["valid"]:
            invalid.append({"region_id": entry["region_id"], "name": entry["name"], "row": entry["row"],
                            "violations": entry["violations"]})
            continue
        scored.append({"region_id": entry["region_id"], "name": entry["name"], "row": entry["row"],
                       "split": splits.get(entry["row"]), "official": official,
                       "inferred": entry.get("inferred_type", entry["type"]),
                       "type_scores": entry["type_scores"]})
    parts = {WHOLE: _part(scored)}
    for name in sorted({r["split"] for r in scored if r["split"]}):
        parts[name] = _part([r for r in scored if r["split"] == name])
    return {"source": batch.source_name, "engine": engine, "types": list(TYPES), "parts": parts,
            "unlabelled": unlabelled, "invalid": invalid}
