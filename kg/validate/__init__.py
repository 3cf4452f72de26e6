"""Validating a ProfileBatch against rules/profile-shapes.ttl.

Two engines give the same report: "pyshacl" (the reference: the batch as RDF
through pySHACL) and "fast" (kg.validate.shacl_fast: the same shapes compiled into bulk
checks). Read-level problems found by kg.read.profiles (unknown columns, repeated
headers) join the report as warnings; cells that could not be parsed are kept as
text by the reader and fail the column's sh:datatype like any other bad value."""
from __future__ import annotations

import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from kg import messages
from kg.validate import area, shacl_fast
from kg.namespaces import RDF, SH
from kg.read.profiles import ProfileBatch, column_by_key, say
from kg.terminal import cell_text

ENGINES = ("fast", "pyshacl")
_SEVERITY_RANK = {"violation": 0, "warning": 1, "info": 2}
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@dataclass
class ValidationReport:
    results: list[dict]
    region_ids: list[str] = field(default_factory=list)
    engine: str = "fast"

    @property
    def conforms(self) -> bool:
        return not any(r["severity"] == "violation" for r in self.results)

    def violations(self) -> list[dict]:
        return [r for r in self.results if r["severity"] == "violation"]

    def warnings(self) -> list[dict]:
        return [r for r in self.results if r["severity"] == "warning"]

    def for_region(self, region_id: str, year=None) -> list[dict]:
        """The results of a region (of one year when `year` is given)."""
        return [r for r in self.results if r["region_id"] == region_id and (year is None or r.get("year") == year)]

    def valid_keys(self, batch) -> list[tuple]:
        """(region_id, year) of the rows without any violation, file order: a region may be
        valid in one year and not in another."""
        bad = {r["row"] for r in self.violations() if r.get("row") is not None}
        return [r.key for r in batch.regions if r.region_id and r.row not in bad]

    def valid_region_ids(self) -> list[str]:
        """Ids (file order) of regions without any violation; warnings are allowed."""
        bad = {r["region_id"] for r in self.violations()}
        return [i for i in dict.fromkeys(self.region_ids) if i and i not in bad]

    def to_dict(self) -> dict:
        return {"conforms": self.conforms, "results": self.results}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)


_VALUE_SLOT = re.compile(r"\{[?$]value\}")


def _fill(message: str, value, lang: str) -> str:
    """A message template's {?value} (SHACL 5.3.2) as the planner reads the figure. pyshacl leaves
    a node shape's own sh:message unfilled, so both engines' results are filled here alike."""
    shown = messages.text("validate.empty", lang) if value is None else cell_text(value)
    return _VALUE_SLOT.sub(lambda _: shown, message)


def _result(region, key, value, severity, zh, en) -> dict:
    zh, en = _fill(zh, value, "zh"), _fill(en, value, "en")
    return {"region_id": region.region_id if region else None, "row": region.row if region else None,
            "year": region.values.get("year") if region else None, "field": key, "value": value, "severity": severity, "message_zh": zh, "message_en": en}


def _sort_key(r: dict):
    col = column_by_key().get(r["field"] or "")
    return (r["row"] or 0, col.order if col else 0, r["field"] or "",
            _SEVERITY_RANK[r["severity"]], r["message_en"], str(r["value"]))


def _merge(results: list[dict]) -> list[dict]:
    """One result per (region row, field, value, severity, message): SHACL may report
    the same bad cell through several constraints of one shape."""
    seen, out = set(), []
    for r in sorted(results, key=_sort_key):
        k = (r["row"], r["field"], repr(r["value"]), r["severity"], r["message_zh"], r["message_en"])
        if k not in seen:
            seen.add(k)
            out.append(r)
    return out


def _fast(batch: ProfileBatch) -> list[dict]:
    return [_result(batch.regions[i], key, value, sev, zh, en)
            for i, key, value, sev, zh, en in shacl_fast.run(batch)]


def _split_messages(literals) -> tuple[str, str]:
    """pyshacl drops the language tag of messages it formats, so the script decides."""
    zh = en = ""
    for m in sorted(literals, key=str):
        is_zh = m.language == "zh" if m.language else bool(_CJK.search(str(m)))
        if is_zh and not zh:
            zh = str(m)
        elif not is_zh and not en:
            en = str(m)
    return zh, en


@contextmanager
def _parse_each_query_once():
    """pyshacl hands rdflib the same SPARQL text for every focus node, and rdflib parses
    it anew each time (~0.1 s); reusing the translated query (as rdflib's own
    prepareQuery does) changes nothing but the time."""
    from rdflib.plugins.sparql import processor

    parse, translate = processor.parseQuery, processor.translateQuery
    cache: dict = {}

    def translate_once(text, base=None, init_ns=None):
        key = (text, base, tuple(sorted((init_ns or {}).items())))
        if key not in cache:
            cache[key] = translate(parse(text), base, init_ns)
        return cache[key]

    processor.parseQuery, processor.translateQuery = (lambda text: text), translate_once
    try:
        yield
    finally:
        processor.parseQuery, processor.translateQuery = parse, translate


def _pyshacl(batch: ProfileBatch) -> list[dict]:
    import pyshacl
    from rdflib import Literal

    # a piece of a batch with its companions (kg.read.repeats); only its own rows' results are kept
    with_companions = batch.with_companions()
    with _parse_each_query_once():
        _, report, _ = pyshacl.validate(with_companions.to_rdf(), shacl_graph=shacl_fast.shapes_graph(),
                                        inference="none", advanced=False, allow_warnings=True)
    regions = {str(n): r for n, r in zip(with_companions.node_iris(), batch.regions)}
    out = []
    for res in report.subjects(RDF.type, SH.ValidationResult):
        if str(report.value(res, SH.focusNode)) not in regions:
            continue
        zh, en = _split_messages(report.objects(res, SH.resultMessage))
        value = report.value(res, SH.value)
        value = value if isinstance(value, Literal) else None   # a node result without ?value names the focus node
        out.append(_result(regions[str(report.value(res, SH.focusNode))],
                           shacl_fast.column_key(report.value(res, SH.resultPath)),
                           shacl_fast.plain(value),
                           shacl_fast.SEVERITIES[str(report.value(res, SH.resultSeverity))], zh, en))
    return out


def validate(batch: ProfileBatch, engine: str = "fast") -> ValidationReport:
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; choose one of {', '.join(ENGINES)}")
    found = _fast(batch) if engine == "fast" else _pyshacl(batch)
    # a number beyond any sensible range is said so by the reader; the shapes would call it "not a number"
    beyond = {(r.row, n["field"]) for r in batch.regions for n in r.notes if n["problem"] == "value-out-of-range"}
    found = [x for x in found if (x["row"], x["field"]) not in beyond]
    # the area against the unit's official boundary area (rules/boundary-area.ttl), the same for both engines
    found += [_result(*checked) for checked in area.check(batch)]
    read_level = [dict(w, row=None) for w in batch.warnings]
    # what the reader did to a row (unit converted, shares derived, year from the title) is that row's note
    noted = [_result(r, n["field"], n["value"], n["severity"], n["message_zh"], n["message_en"])
             for r in batch.regions for n in r.notes]
    if not batch.regions:                      # a header alone: nothing passes, nothing was checked
        zh, en = say("no-regions")
        read_level.append({"region_id": None, "row": None, "field": None, "value": None,
                           "severity": "violation", "message_zh": zh, "message_en": en})
    return ValidationReport(read_level + _merge(found + noted), batch.ids(), engine)


@dataclass
class CheckedBatch:
    """A batch split by its validation — the one split every command and the app use before accounting
    and reasoning: results are kept per file row (an id may repeat, itself a violation)."""
    batch: ProfileBatch
    report: ValidationReport

    def __post_init__(self):
        self._by_row: dict[int, list[dict]] = {}
        for x in self.report.results:
            if x.get("row") is not None:
                self._by_row.setdefault(x["row"], []).append(x)
        self._violated = {row for row, xs in self._by_row.items() if any(x["severity"] == "violation" for x in xs)}

    def results_of(self, region) -> list[dict]:
        return self._by_row.get(region.row, [])

    def ok(self, region) -> bool:
        """A region is advised and accounted when it has an id and no violation (warnings are allowed)."""
        return bool(region.region_id) and region.row not in self._violated

    @property
    def rows(self) -> list[tuple]:
        """(region, its results, ok) for every region, file order."""
        return [(r, self.results_of(r), self.ok(r)) for r in self.batch.regions]

    @property
    def valid(self) -> list:
        violated = self._violated
        return [r for r in self.batch.regions if r.region_id and r.row not in violated]

    def valid_numbers(self):
        """The number columns (kg.read.numbers) of the valid regions' values, in the order of `valid`: what
        accounting and reasoning read instead of the value dicts."""
        violated = self._violated
        return self.batch.numbers().take([i for i, r in enumerate(self.batch.regions)
                                          if r.region_id and r.row not in violated])

    @property
    def invalid(self) -> list[tuple]:
        """(region, its results) of the regions left out."""
        return [(r, self.results_of(r)) for r in self.batch.regions if not self.ok(r)]

    @property
    def batch_results(self) -> list[dict]:
        """Results about the whole file (read-level warnings, "no regions")."""
        return [x for x in self.report.results if x.get("row") is None]


def check(batch: ProfileBatch, engine: str = "fast") -> CheckedBatch:
    return CheckedBatch(batch, validate(batch, engine))


def read_and_check(source, filename: str | None = None, engine: str = "fast") -> CheckedBatch:
    """Read a profile file (a path, or bytes with their filename) and check it. A file that cannot be read
    is a UserError naming the file."""
    from kg.read.profiles import read_named

    return check(read_named(source, filename), engine)


def column_rules(lang: str) -> dict[str, list[str]]:
    """Column key -> the messages of the shapes that check it: the rules a template explains."""
    out: dict[str, list[str]] = {}
    for check in shacl_fast.compiled().columns:
        out.setdefault(check.key, []).append(check.zh if lang == "zh" else check.en)
    return out
