"""The mapping report: how a file's headers and rows were read (issue 13).

For every column of the file: recognised (a profile column in its own unit),
converted (with the unit given and the factor), used to derive a column (value
added → shares), or ignored (with the reason). For the page: the header rows, the
title rows, units row and footnotes skipped, the sheets read, the year taken from
a title or sheet name, and the codes looked up by name. `tanheng import` prints it,
the app shows it before any analysis."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from kg.read.headers import HeaderMatch, norm

STATUSES = ("recognised", "converted", "derived", "ignored")


@dataclass
class ColumnMapping:
    column: str                       # the header as given
    position: int                     # 1-based column number
    status: str                       # one of STATUSES
    key: str | None = None            # the profile column (or derivation input) it feeds
    unit: str | None = None           # the unit as given
    target_unit: str | None = None    # the column's own unit (Chinese)
    factor: str | None = None         # the conversion factor, as an exact decimal
    reason_zh: str = ""
    reason_en: str = ""
    sheet: str | None = None
    unit_en: str | None = None        # the unit given, in English (10^4 persons for 万人) when it is known
    target_unit_en: str | None = None  # the column's own unit in English (persons, head, ha)

    def reason(self, lang: str) -> str:
        return self.reason_zh if lang == "zh" else self.reason_en

    def given_unit(self, lang: str) -> str | None:
        """The unit as given — in English its English name, the typed text after it when that differs."""
        if lang == "zh" or not self.unit_en:
            return self.unit
        return self.unit_en if self.unit in (None, self.unit_en) else f"{self.unit_en} ({self.unit})"

    def target(self, lang: str) -> str | None:
        """The column's own unit in the user's language."""
        return self.target_unit if lang == "zh" else (self.target_unit_en or self.target_unit)


@dataclass
class MappingReport:
    columns: list[ColumnMapping] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)     # page-level: {"problem", "message_zh", "message_en"}

    def by_status(self, status: str) -> list[ColumnMapping]:
        return [c for c in self.columns if c.status == status]

    def to_dict(self) -> dict:
        return {"columns": [asdict(c) for c in self.columns], "notes": self.notes}

    def render(self, lang: str = "zh") -> str:
        """Plain text, one line per column, grouped by status; the page notes after."""
        from kg.read.profiles import say

        words = {s: say(f"mapping-{s}")[0 if lang == "zh" else 1] for s in STATUSES}
        lines = []
        for status in STATUSES:
            cols = self.by_status(status)
            if not cols:
                continue
            lines.append(f"{words[status]} ({len(cols)})")
            for c in cols:
                where = f"[{c.sheet}] " if c.sheet else ""
                lines.append(f"  {where}{c.position}. {c.column}" + (f" → {c.key}" if c.key else "")
                             + (f"  {c.reason(lang)}" if c.reason(lang) else ""))
        for n in self.notes:
            lines.append(f"- {n['message_' + lang]}")
        return "\n".join(lines)


def column_entry(m: HeaderMatch, position: int, status: str, problem: str | None = None,
                 sheet: str | None = None, **params) -> ColumnMapping:
    """One column's line: the reason is worded from the th:ReadProblem `problem` (profile.ttl)."""
    from kg.read.profiles import say

    unit_given = m.unit_text or (m.unit.label_zh if m.unit else None)
    # the English name only where it is the name of what was typed: 万头 shares its node with 万人, whose
    # English name (10^4 persons) would be wrong for head, so 万头 stays as typed (the factor says the rest)
    unit_en = m.unit.label_en if m.unit and (m.unit_text is None or norm(m.unit_text) == norm(m.unit.label_zh)) \
        else None
    target = m.target.unit if m.target is not None and m.target.unit is not None else None
    target_unit, target_en = (target.label_zh, target.label_en) if target else (None, None)
    if m.target is not None and m.target.kind == "column":     # the column's own word: 头 for head, not 人
        from kg.read.profiles import column_by_key

        col = column_by_key()[m.key]
        target_unit, target_en = col.unit_zh or target_unit, col.unit_en or target_en
    factor = None if m.factor is None else _plain(m.factor)
    if problem is None:
        problem = {"recognised": None, "converted": "mapping-converted-why", "derived": "mapping-derived-why"}.get(status)
    entry = ColumnMapping(m.header, position, status, None, unit_given, target_unit, factor, sheet=sheet,
                          unit_en=unit_en, target_unit_en=target_en)
    both = lambda f: {lang: f(lang) or "" for lang in ("zh", "en")}
    zh, en = say(problem, column=m.header, key=m.key or "", unit=both(entry.given_unit),
                 target_unit=both(entry.target), factor=factor or "1", **params) if problem else ("", "")
    entry.key = m.key if m.target is not None and m.target.kind != "confusable" else None   # no IRI for a look-alike
    entry.reason_zh, entry.reason_en = zh, en
    return entry


def _plain(d: Decimal) -> str:
    """An exact factor without exponent or trailing zeros: 10000, 0.0001, 0.0666666666666666667."""
    text = format(d.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
