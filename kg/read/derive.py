"""Columns the reader derives from inputs a yearbook gives instead (th:DerivationInput in
ontology/profile.ttl): value added by sector → the three industry shares (and GDP when
it is missing); 城镇村及工矿用地 + 交通运输用地 → built-up land. A column the file gives
is never overwritten; every derived column is noted on the region, so the report says
it was derived and from what."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from kg.namespaces import TH

# Derived shares keep the reader's precision (9 decimals, what both SHACL engines hold alike), not the
# two decimals a yearbook prints: rounding is presentation's (the note below shows two decimals).
_SHARE_DECIMALS = Decimal("1e-9")


@dataclass(frozen=True)
class ShareGroup:
    total: str                       # the column the sum of the parts is (gdp_100m_cny)
    parts: tuple[tuple[str, str], ...]   # (input key, share column)


@lru_cache(maxsize=1)
def rules() -> tuple[tuple[ShareGroup, ...], dict[str, tuple[str, ...]]]:
    from kg.read.profiles import vocabulary_graph

    g = vocabulary_graph()

    def col(prop) -> str:
        return str(g.value(prop, TH.columnKey))

    groups: dict = {}
    sums: dict[str, list[str]] = {}
    for node in g.subjects(TH.shareGroup, None):
        grp = g.value(node, TH.shareGroup)
        groups.setdefault(grp, []).append((str(g.value(node, TH.key)), col(g.value(node, TH.shareOf))))
    for node, prop in g.subject_objects(TH.addsTo):
        sums.setdefault(col(prop), []).append(str(g.value(node, TH.key)))
    share_groups = tuple(ShareGroup(col(g.value(grp, TH.totalColumn)), tuple(sorted(parts, key=lambda p: p[1])))
                         for grp, parts in groups.items())
    return share_groups, {k: tuple(sorted(v)) for k, v in sums.items()}


def _numbers(region, row_inputs: dict[str, Any], factors: dict[str, Decimal]) -> dict[str, Decimal]:
    """The inputs of a row as Decimals in the input's own unit; text is noted, not used."""
    from kg.read.profiles import _MISSING, _decimal, _is_empty, _norm, not_reported_marks

    out = {}
    for key, v in row_inputs.items():
        if _is_empty(v) or (isinstance(v, str) and _norm(v) in not_reported_marks()):
            continue
        d = _decimal(v)
        if d is _MISSING or not d.is_finite():
            region.note(None, v, "input-not-number", severity="warning", input=key)
            continue
        out[key] = d * factors.get(key, Decimal(1))
    return out


def _shown(share: float) -> str:
    """A share as the note words it: two decimals at most (25.3 for 25.3006…)."""
    return f"{share:.2f}".rstrip("0").rstrip(".")


def derive(region, row_inputs: dict[str, Any], factors: dict[str, Decimal]) -> None:
    """Fill the region's derivable columns from this row's inputs (in place)."""
    if not row_inputs:
        return
    got = _numbers(region, row_inputs, factors)
    groups, sums = rules()
    for group in groups:
        parts = [(inp, colkey) for inp, colkey in group.parts if inp in got]
        if len(parts) != len(group.parts):
            if parts:
                region.note(None, None, "shares-not-derived", severity="warning",
                            missing=", ".join(i for i, _ in group.parts if i not in got))
            continue
        total = sum(got[i] for i, _ in parts)
        if total <= 0:
            continue
        derived = []
        for inp, colkey in parts:
            if region.values.get(colkey) is None and colkey not in region.raw:
                region.values[colkey] = float((got[inp] * 100 / total).quantize(_SHARE_DECIMALS))
                derived.append(colkey)
        if derived:
            region.note(derived[0], region.values[derived[0]], "shares-derived",
                        shares=" / ".join(_shown(region.values[c]) for c in derived), total=f"{total:f}".rstrip("0").rstrip("."))
        if region.values.get(group.total) is None and group.total not in region.raw:
            region.values[group.total] = float(round(total, 9))
            region.note(group.total, region.values[group.total], "total-derived", total=f"{float(total):g}")
    for colkey, inputs in sums.items():
        present = [i for i in inputs if i in got]
        if not present or region.values.get(colkey) is not None or colkey in region.raw:
            continue
        region.values[colkey] = float(round(sum(got[i] for i in present), 9))
        missing = [i for i in inputs if i not in got]
        region.note(colkey, region.values[colkey], "sum-derived" if not missing else "sum-derived-partial",
                    severity="info" if not missing else "warning",
                    parts=" + ".join(present), missing=", ".join(missing))
