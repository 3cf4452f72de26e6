"""Reading regional profiles (PROFILE.md) from CSV, XLSX, JSON, Turtle and JSON-LD.

The columns, their Chinese and English headers, datatypes and allowed values are
read from ontology/profile.ttl; this module only knows how to read files. Nothing
the user gave is dropped: cells that cannot be parsed are kept in `Region.raw`
(validation names them), unknown columns in `Region.extra` (with a warning)."""
from __future__ import annotations

import codecs
import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from kg import messages
from kg.errors import UserError
from kg.read import limits as read_limits
from kg.knowledge.graph import literal_in
from kg.namespaces import RDF, RDFS, REGION, SKOS, TH, THP, XSD, bind_all, region_iri, region_iri_text
from kg.paths import ONTOLOGY_DIR
from kg.knowledge.cache import compiled_knowledge, one_source

if TYPE_CHECKING:       # rdflib is imported where a graph is built (kg.namespaces says why)
    from rdflib import Graph, URIRef

PROFILE_TTL = ONTOLOGY_DIR / "profile.ttl"
UNITS_TTL = ONTOLOGY_DIR / "units.ttl"


class UnreadableInput(UserError, ValueError):
    """The input is not a profile table at all; one sentence, in English and Chinese,
    worded by the th:ReadProblem named `problem` in ontology/profile.ttl (the input
    contract), so it is built here, beside the reader of that wording."""

    def __init__(self, problem: str, **params):
        zh, en = say(problem, **params)
        super().__init__(en)
        self.zh, self.key, self.params = zh, problem, params


# --------------------------------------------------------------------------- vocabulary

@dataclass(frozen=True)
class Column:
    key: str
    order: int
    datatype: str            # "string" | "integer" | "decimal" (local name of the xsd range)
    required: bool
    label_zh: str
    label_en: str
    unit_zh: str
    unit_en: str
    definition_zh: str
    definition_en: str

    @property
    def iri(self) -> URIRef:
        return THP[self.key]

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


def vocabulary_graph() -> Graph:
    """The input contract (profile columns, their labels, synonyms, units, value schemes, read problems) as
    the one knowledge store holds it (kg.knowledge.reader): with TANHENG_SPARQL_URL set, the server's graph,
    so that an institute's relabelled or extended vocabulary is the one files are read with; else the
    embedded copy, which is loaded from ontology/ — read here from its two files, ~6× faster than the
    whole graph out of the store (the compiled cache keeps the columns derived from it either way)."""
    from kg.knowledge.reader import source

    return _vocabulary(source())


@lru_cache(maxsize=2)
def _vocabulary(server: str | None) -> Graph:
    from rdflib import Graph

    g = Graph()
    if server is None:
        g.parse(PROFILE_TTL, format="turtle")
        g.parse(UNITS_TTL, format="turtle")
        return g
    import pyoxigraph as ox

    from kg.knowledge.reader import query

    data = ox.serialize(query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), format=ox.RdfFormat.N_TRIPLES)
    g.parse(data=data.decode(), format="nt")
    return g


@compiled_knowledge
def columns() -> tuple[Column, ...]:
    """The profile columns in template order, as declared in profile.ttl."""
    g = vocabulary_graph()
    out = []
    for prop, key in g.subject_objects(TH.columnKey):
        rng = g.value(prop, RDFS.range)
        out.append(Column(
            key=str(key), order=int(g.value(prop, TH.order)),
            datatype=str(rng).rsplit("#", 1)[-1],
            required=bool(g.value(prop, TH.required).toPython()),
            label_zh=literal_in(g, prop, RDFS.label, "zh"), label_en=literal_in(g, prop, RDFS.label, "en"),
            unit_zh=literal_in(g, prop, TH.unitLabel, "zh"), unit_en=literal_in(g, prop, TH.unitLabel, "en"),
            definition_zh=literal_in(g, prop, SKOS.definition, "zh"),
            definition_en=literal_in(g, prop, SKOS.definition, "en")))
    return tuple(sorted(out, key=lambda c: c.order))


@lru_cache(maxsize=1)
def column_by_key() -> dict[str, Column]:
    return {c.key: c for c in columns()}


def _norm(text: str) -> str:
    """Header/label comparison form: full-width folded, case and spacing ignored."""
    return "".join(unicodedata.normalize("NFKC", str(text)).lower().split())


@lru_cache(maxsize=1)
def header_map() -> dict[str, str]:
    """Normalised header text (key, Chinese label or English label) -> column key."""
    out = {}
    for c in columns():
        for text in (c.label_en, c.label_zh, c.key):
            out[_norm(text)] = c.key
    return out


@compiled_knowledge
def allowed_values() -> dict[str, dict[str, str]]:
    """For enumerated columns: normalised notation or label (rdfs:label, skos:prefLabel, skos:altLabel,
    either language) -> notation. This is the one mapping every enumerated column uses."""
    g = vocabulary_graph()
    out: dict[str, dict[str, str]] = {}
    for prop, scheme in g.subject_objects(TH.valueScheme):
        key = str(g.value(prop, TH.columnKey))
        table = out.setdefault(key, {})
        for concept in g.subjects(SKOS.inScheme, scheme):
            if g.value(concept, SKOS.notation) is None:
                continue                  # a th:AmbiguousValue: asked about, never mapped
            notation = str(g.value(concept, SKOS.notation))
            for text in [notation, *g.objects(concept, RDFS.label), *g.objects(concept, SKOS.prefLabel),
                                     *g.objects(concept, SKOS.altLabel)]:
                table[_norm(text)] = notation
    return out


@compiled_knowledge
def ambiguous_values() -> dict[str, dict[str, dict[str, str]]]:
    """For enumerated columns: normalised spelling of a th:AmbiguousValue -> {"zh": options, "en":
    options}, the concepts it could mean, worded for the question back to the user."""
    g = vocabulary_graph()
    out: dict[str, dict[str, dict[str, str]]] = {}
    for prop, scheme in g.subject_objects(TH.valueScheme):
        key = str(g.value(prop, TH.columnKey))
        for node in g.subjects(RDF.type, TH.AmbiguousValue):
            if g.value(node, SKOS.inScheme) != scheme:
                continue
            concepts = sorted(g.objects(node, TH.couldMean))
            options = {lang: "; ".join(f"{literal_in(g, c, SKOS.prefLabel, lang)} ({g.value(c, SKOS.notation)})"
                                       for c in concepts) for lang in ("zh", "en")}
            for text in [*g.objects(node, RDFS.label), *g.objects(node, SKOS.altLabel)]:
                out.setdefault(key, {})[_norm(text)] = options
    return out


# --------------------------------------------------------------------------- regions

@dataclass
class Region:
    region_id: str
    name: str | None
    row: int
    values: dict[str, Any]                                  # every column key; None = not reported
    raw: dict[str, str] = field(default_factory=dict)       # cells that could not be parsed, as given
    extra: dict[str, Any] = field(default_factory=dict)     # unknown columns, as given
    notes: list[dict] = field(default_factory=list)         # what the reader did to this row (kg.validate reports them)
    sheet: str | None = None                                # the XLSX sheet the row came from

    def get(self, key: str, default=None):
        v = self.values.get(key)
        return default if v is None else v

    @property
    def iri(self) -> URIRef:
        return region_iri(self.region_id)

    @property
    def year(self):
        return self.values.get("year")

    @property
    def key(self) -> tuple[str, Any]:
        """(region_id, year): a file may hold the same region for several years."""
        return self.region_id, self.values.get("year")

    def note(self, field_: str | None, value, problem: str, severity: str = "info", **params) -> None:
        zh, en = say(problem, **params)
        self.notes.append({"field": field_, "value": value, "severity": severity, "problem": problem,
                           "message_zh": zh, "message_en": en})


class _Values:
    """A ColumnRegion's values dict, made the first time it is read and kept in the instance (whose own attribute
    then hides this)."""

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        made = obj.__dict__["values"] = obj.columns.row(obj.at)
        return made


class ColumnRegion(Region):
    """A Region whose `values` dict is made the first time it is read, from the columns of the piece it was read
    in (kg.read.columnar: a big CSV's ordinary lines, issue 12): the fast path reads those columns
    (ProfileBatch.numbers, Region.get), so most regions of a big batch never make their dict. `columns` answers
    `row(at)` (the dict) and `cell(key, at)`. Everything else is a Region's: `values` is a real dict with the same
    content, it pickles and copies as a plain Region and equals a Region of the same fields."""
    values = _Values()

    def __init__(self, region_id: str, name, row: int, columns=None, at: int = 0, values=None, raw=None, extra=None,
                 notes=None, sheet=None):
        if columns is None:           # dataclasses.replace: a Region's fields by name
            Region.__init__(self, region_id, name, row, {} if values is None else values, {} if raw is None else raw,
                            {} if extra is None else extra, [] if notes is None else notes, sheet)
            return
        self.region_id = region_id
        self.name = name
        self.row = row
        self.columns = columns
        self.at = at
        self.raw = {}                 # (validation reads every region's raw and notes: made here, cheaper)
        self.extra = {}
        self.notes = []

    def get(self, key: str, default=None):
        made = self.__dict__.get("values")
        v = made.get(key) if made is not None else self.columns.cell(key, self.at)
        return default if v is None else v

    @property
    def year(self):
        return self.get("year")

    @property
    def key(self) -> tuple[str, Any]:
        return self.region_id, self.get("year")

    def _fields(self) -> tuple:
        return self.region_id, self.name, self.row, self.values, self.raw, self.extra, self.notes, self.sheet

    def __eq__(self, other):
        if not isinstance(other, Region):
            return NotImplemented
        return ColumnRegion._fields(self) == ColumnRegion._fields(other)

    __hash__ = None                   # (as a Region's)

    def __reduce__(self):
        return Region, self._fields()

    def unmade(self) -> bool:
        """Its values dict not made yet (its cells are its columns')."""
        return "values" not in self.__dict__


@compiled_knowledge
def read_problems() -> dict[str, tuple[str, str]]:
    """th:key -> (zh, en) message templates of the th:ReadProblem individuals."""
    g = vocabulary_graph()
    return {str(g.value(p, TH.key)): (literal_in(g, p, TH.messageTemplate, "zh"), literal_in(g, p, TH.messageTemplate, "en"))
            for p in g.subjects(RDF.type, TH.ReadProblem)}


def say(problem: str, **params) -> tuple[str, str]:
    """The (zh, en) sentences of a read problem; a parameter given as {"zh": …, "en": …}
    is worded in each language."""
    zh, en = read_problems()[problem]
    pick = lambda lang: {k: v[lang] if isinstance(v, dict) else v for k, v in params.items()}
    return zh.format(**pick("zh")), en.format(**pick("en"))


def _warning(field_: str | None, value, problem: str, **params) -> dict:
    zh, en = say(problem, **params)
    return {"region_id": None, "field": field_, "value": value, "severity": "warning",
            "message_zh": zh, "message_en": en}


@dataclass
class ProfileBatch:
    regions: list[Region]
    warnings: list[dict] = field(default_factory=list)
    source_name: str | None = None
    format: str | None = None
    mapping: "kg.read.mapping.MappingReport | None" = None       # how the file's headers and rows were read
    # a piece of a bigger batch: rows elsewhere in it that the rule across rows pairs with these (kg.read.repeats)
    companions: list[Region] = field(default_factory=list)
    _numbers: "kg.read.numbers.Numbers | None" = field(default=None, init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.regions)

    def numbers(self) -> "kg.read.numbers.Numbers":
        """The regions' number columns, made once (kg.read.numbers): what validation, accounting and the
        indicators read instead of the value dicts. The regions must not change once it is asked for."""
        from kg.read.numbers import Numbers, Rows

        if self._numbers is None or self._numbers.n != len(self.regions):
            self._numbers = Numbers(Rows(self.regions))
        return self._numbers

    def ids(self) -> list[str]:
        return [r.region_id for r in self.regions]

    def with_companions(self) -> "ProfileBatch":
        """Its rows, then its companions: what the rule across rows is checked on (kg.read.repeats)."""
        return ProfileBatch(self.regions + self.companions) if self.companions else self

    def keys(self) -> list[tuple[str, Any]]:
        """(region_id, year) of every row, in file order: the key of every output."""
        return [r.key for r in self.regions]

    def years(self) -> list:
        return sorted({r.year for r in self.regions if isinstance(r.year, int)})

    def by_region(self) -> dict[str, list[Region]]:
        """Each region's rows ordered by year (rows without a year last): a region's history."""
        out: dict[str, list[Region]] = {}
        for r in self.regions:
            out.setdefault(r.region_id, []).append(r)
        for rows in out.values():
            rows.sort(key=lambda r: (not isinstance(r.year, int), r.year if isinstance(r.year, int) else 0))
        return out

    def get(self, region_id: str) -> Region | None:
        return next((r for r in self.regions if r.region_id == region_id), None)

    def node_iris(self) -> list[URIRef]:
        """One node per row: the region IRI for the first row with an id; rows without
        an id or repeating one get a row-scoped IRI so they are not merged."""
        from rdflib import URIRef

        return [URIRef(n) for n in self.node_texts()]

    def node_texts(self) -> list[str]:
        """The same IRIs as plain strings (N-Triples and pyoxigraph need no rdflib)."""
        seen, out = set(), []
        for r in self.regions:
            if r.region_id and r.region_id not in seen:
                seen.add(r.region_id)
                out.append(region_iri_text(r.region_id))
            else:
                out.append(f"{region_iri_text(r.region_id) if r.region_id else REGION}#row-{r.row}")
        return out

    def _literals(self, r: Region, cols: Iterable[Column] | None = None) -> Iterable[tuple[str, str, str]]:
        """(key, lexical form, xsd local name) for every reported cell (of `cols`)."""
        for c in columns() if cols is None else cols:
            v = r.values.get(c.key)
            if v is not None:
                yield c.key, lexical_form(v, c.datatype), c.datatype
            elif c.key in r.raw:
                yield c.key, r.raw[c.key], "string"

    def to_rdf(self) -> Graph:
        """The batch as RDF in the profile vocabulary (regions minted by region_iri)."""
        from rdflib import Graph, Literal

        g = Graph()
        bind_all(g)
        for node, r in zip(self.node_iris(), self.regions):
            g.add((node, RDF.type, TH.RegionProfile))
            g.add((node, TH.sourceRow, Literal(r.row)))
            for key, lex, dt in self._literals(r):
                # strings stay simple literals (RDF 1.1: the same as xsd:string; rdflib needs this for sh:in)
                g.add((node, THP[key], Literal(lex) if dt == "string" else Literal(lex, datatype=XSD[dt])))
        return g

    def to_ntriples(self, keys: Iterable[str] | None = None, rows: Iterable[int] | None = None,
                    nodes: list[str] | None = None) -> str:
        """The same triples as to_rdf as N-Triples text (optionally only some columns, only the
        regions at some indices — `nodes`: node_texts() when the caller has it already):
        the fast way into pyoxigraph for thousands of regions."""
        cols = columns() if keys is None else [c for c in columns() if c.key in set(keys)]
        iri = {c.key: f"<{THP}{c.key}>" for c in columns()}          # as text: no rdflib term (kg.namespaces)
        dt = {n: f"^^<{XSD}{n}>" for n in ("integer", "decimal")}
        dt["string"] = ""
        head = f" <{RDF}type> <{TH}RegionProfile> .\n"
        row_p = f" <{TH}sourceRow> "
        parts = []
        nodes = nodes if nodes is not None else self.node_texts()
        for i in range(len(self.regions)) if rows is None else rows:
            r, s = self.regions[i], f"<{nodes[i]}>"
            parts.append(f"{s}{head}{s}{row_p}\"{r.row}\"{dt['integer']} .\n")
            for key, lex, d in self._literals(r, cols):
                parts.append(f'{s} {iri[key]} "{_nt_escape(lex)}"{dt[d]} .\n')
        return "".join(parts)

    def to_store(self, store=None, keys: Iterable[str] | None = None, graph=None, rows: Iterable[int] | None = None,
                 nodes: list[str] | None = None):
        """Load the batch (the regions at `rows`, all by default) into a pyoxigraph Store (a new
        in-memory one by default)."""
        import pyoxigraph as ox

        store = store if store is not None else ox.Store()
        store.load(self.to_ntriples(keys, rows, nodes).encode(), format=ox.RdfFormat.N_TRIPLES,
                   to_graph=graph if graph is not None else ox.DefaultGraph())
        return store

    def to_quads(self, graph=None) -> list:
        """The batch as pyoxigraph quads (in `graph`, default graph if None)."""
        import pyoxigraph as ox

        quads = ox.parse(self.to_ntriples().encode(), format=ox.RdfFormat.N_TRIPLES)
        if graph is None:
            return list(quads)
        return [ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads]


def _nt_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def lexical_form(v, datatype: str) -> str:
    if datatype == "decimal":
        text = repr(float(v))
        return text if "e" not in text else format(Decimal(text), "f")   # xsd:decimal has no exponent
    return str(v)


# --------------------------------------------------------------------------- cells

_MISSING = object()
# Numbers both SHACL engines compute alike: Oxigraph's xsd:decimal holds 18 fractional
# digits and about 1.7e20, pySHACL's Python Decimal more; a cell outside this common
# ground (no county measures 10^15 of anything) is kept as text and reported.
_LARGEST = Decimal("1e15")
_DECIMALS = 9
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


@compiled_knowledge
def not_reported_marks() -> frozenset[str]:
    """Cells a yearbook prints where a figure is unknown or absent (th:notReportedMark)."""
    g = vocabulary_graph()
    return frozenset(_norm(m) for m in g.objects(None, TH.notReportedMark))


def _decimal(v, percent: bool = False):
    """A cell as a Decimal, or _MISSING if it is not a number."""
    if isinstance(v, bool):
        return _MISSING
    if isinstance(v, (int, float)):
        return Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
    text = unicodedata.normalize("NFKC", str(v)).strip()
    if percent and text.endswith("%"):
        text = text[:-1].strip()          # "38.5%" in a percent column
    if _GROUPED.match(text):
        text = text.replace(",", "")      # thousands separators, as yearbooks print them
    try:
        return Decimal(text)
    except InvalidOperation:
        return _MISSING


# A plain number (at most 15 digits before the point, 9 after): float() and int() give exactly
# what the Decimal path below gives (both round correctly), ~10× faster; the rest takes that path.
_PLAIN_INTEGER = "-?[0-9]{1,15}"
_PLAIN_DECIMAL = _PLAIN_INTEGER + r"(?:\.[0-9]{1,9})?"
_PLAIN = re.compile(_PLAIN_DECIMAL)


def _parse_number(v, datatype: str, factor: Decimal | None = None, percent: bool = False):
    """A cell as int/float (times `factor`, the unit conversion), or _MISSING if it is not a
    number of that type. A count converted from 万 is rounded to a whole number."""
    if factor is None and type(v) is str and _PLAIN.fullmatch(v):
        if datatype != "integer":
            return float(v)
        if "." not in v:
            return int(v)
    d = _decimal(v, percent)
    if d is _MISSING or not d.is_finite():
        return _MISSING
    if factor is not None:
        d = d * factor
        if datatype == "integer":
            d = d.to_integral_value()
    if abs(d) >= _LARGEST:
        return _MISSING
    if datatype == "integer":
        return int(d) if d == d.to_integral_value() else _MISSING
    return float(round(d, _DECIMALS))


def _is_empty(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))          # a spreadsheet turns 310115 into 310115.0
    return v if isinstance(v, str) else str(v)


@lru_cache(maxsize=1)
def _percent_columns() -> frozenset[str]:
    """Columns held in percent (where "38.5%" means 38.5): asked once, not per cell."""
    from kg.read.headers import column_unit

    return frozenset(c.key for c in columns() if (u := column_unit(c.key)) is not None and u.iri.endswith("/PERCENT"))


def make_region(cells: dict[str, Any], row: int, extra: dict[str, Any] | None = None,
                factors: dict[str, Decimal] | None = None) -> Region:
    """A Region from column key -> cell (any type a reader produces); `factors` converts the
    cells of columns given in another unit (key -> multiplier)."""
    values: dict[str, Any] = dict.fromkeys(column_by_key())          # every column, in template order
    raw: dict[str, str] = {}
    out_of_range: list[str] = []
    asks: list[tuple[str, str, dict]] = []
    _read_cells(cells.items(), values, raw, out_of_range, asks, factors or {})
    return _region(values, raw, out_of_range, asks, row, extra)


@dataclass(frozen=True)
class _CellWords:
    """What reading a cell looks up, asked of the knowledge once per table (or make_region call), not per cell."""
    by_key: dict[str, Column]
    enums: dict[str, dict[str, str]]
    ambiguous: dict[str, dict[str, dict[str, str]]]
    marks: frozenset[str]
    mark_starts: frozenset[str]       # an ASCII cell starting with none of these is no mark (NFKC keeps ASCII)
    percent_keys: frozenset[str]
    free_text: frozenset[str]         # text columns without a value scheme: a cell is its value as given

    @classmethod
    def now(cls) -> "_CellWords":
        marks, by_key, enums, ambiguous = not_reported_marks(), column_by_key(), allowed_values(), ambiguous_values()
        return cls(by_key, enums, ambiguous, marks, _first_characters(marks), _percent_columns(),
                   frozenset(k for k, c in by_key.items() if c.datatype == "string" and k not in enums
                             and k not in ambiguous))


@lru_cache(maxsize=4)
def _first_characters(words: frozenset[str]) -> frozenset[str]:
    return frozenset(w[:1] for w in words)


def _read_cells(items: Iterable[tuple[str, Any]], values: dict[str, Any], raw: dict[str, str],
                out_of_range: list[str], asks: list[tuple[str, str, dict]], factors: dict[str, Decimal],
                words: _CellWords | None = None) -> None:
    """make_region's cells read into `values` (what could not be parsed into `raw`, numbers no county has
    into `out_of_range`, values to ask about into `asks`), in the order given."""
    w = words or _CellWords.now()
    by_key, enums, ambiguous, marks, starts, percent_keys = (w.by_key, w.enums, w.ambiguous, w.marks,
                                                              w.mark_starts, w.percent_keys)
    free_text = w.free_text
    for key, v in items:
        if (key in free_text and type(v) is str and v and v.isascii() and not v[0].isspace()
                and v[0].lower() not in starts):
            values[key] = v               # the common text cell (an id, a name): not blank, no mark, as given
            continue
        c = by_key[key]
        if type(v) is str and c.datatype != "string" and key not in factors and _PLAIN.fullmatch(v):
            # the common cell, a plain number in a number column: _parse_number's first case, matched once
            if c.datatype != "integer":
                values[key] = float(v)
                continue
            if "." not in v:
                values[key] = int(v)
                continue
        if _is_empty(v):
            continue
        if (isinstance(v, str) and not (v.isascii() and v[0].lower() not in starts and not v[0].isspace())
                and not _PLAIN.fullmatch(v) and _norm(v) in marks):
            continue                      # not reported, never zero (no mark is a plain number)
        if c.datatype == "string":
            text = _text(v)
            if key in ambiguous and _norm(text) in ambiguous[key]:
                asks.append((key, text.strip(), ambiguous[key][_norm(text)]))
                continue                  # "限制开发区域": ask which, never guess
            if key in enums:
                text = enums[key].get(_norm(text), text.strip())
            values[key] = text
        else:
            percent = key in percent_keys
            parsed = _parse_number(v, c.datatype, factors.get(key), percent)
            if parsed is _MISSING:
                raw[key] = _text(v)
                if _decimal(v, percent) is not _MISSING:       # a number, but not one any county has
                    out_of_range.append(key)
            else:
                values[key] = parsed


def _region(values: dict[str, Any], raw: dict[str, str], out_of_range: list[str],
            asks: list[tuple[str, str, dict]], row: int, extra: dict[str, Any] | None) -> Region:
    region = Region(region_id=values["region_id"] or "", name=values["name"], row=row,
                    values=values, raw=raw, extra=dict(extra or {}))
    for key in out_of_range:
        region.note(key, raw[key], "value-out-of-range", severity="violation", limit="10¹⁵")
    for key, text, options in asks:
        region.note(key, text, "ambiguous-value", severity="warning", given=text, options=options)
    return region


def _is_units_row(cells: dict[str, Any]) -> bool:
    """The template's second row (units) is skipped when a filled-in template comes back."""
    by_key = column_by_key()
    filled = 0
    for k, v in cells.items():              # stops at the first filled cell that is not a unit (every data row)
        if _is_empty(v):
            continue
        if _norm(_text(v)) not in (_norm(by_key[k].unit_zh), _norm(by_key[k].unit_en)):
            return False
        filled += 1
    return filled >= 3


@dataclass
class TablePlan:
    """How the columns of a table are read, decided once from its header: column key, derivation input or
    unknown-column name per position, unit factors, and the warnings about the header."""
    keys: list[str | None]
    inputs: list[str | None]
    extras: list[str | None]
    factors: dict[str, Decimal]
    input_factors: dict[str, Decimal]
    warnings: list[dict]
    report: Any
    seen: set[str]
    repeated: set[str]
    layout: Any = None
    sheet: str | None = None
    _rows: "_RowReader | None" = field(default=None, init=False, repr=False, compare=False)

    def _reader(self) -> "_RowReader":
        if self._rows is None:
            self._rows = _RowReader(self)
        return self._rows

    def split(self, cells: list, used_extra: set[str]) -> tuple[dict, dict, dict]:
        """A row's (column cells, derivation inputs, unknown cells); names of unknown cells go to used_extra."""
        keys, inputs, extras = self.keys, self.inputs, self.extras
        row_cells: dict[str, Any] = {}
        row_inputs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for i, v in enumerate(cells):
            if i < len(keys) and keys[i]:
                row_cells[keys[i]] = v
            elif i < len(inputs) and inputs[i]:
                row_inputs[inputs[i]] = v
            elif not _is_empty(v):
                name = extras[i] if i < len(extras) and extras[i] else f"column {i + 1}"
                extra[name] = v
                used_extra.add(name)
        return row_cells, row_inputs, extra

    def region(self, rownum: int, cells: list, used_extra: set[str]) -> Region | None:
        """The row's Region, None for a blank or units row."""
        from kg.read.derive import derive

        region = self._reader().region(self, rownum, cells, used_extra)
        if region is not None:
            return region
        row_cells, row_inputs, extra = self.split(cells, used_extra)
        if all(_is_empty(v) for v in [*row_cells.values(), *row_inputs.values()]) and not extra:
            return None                       # blank lines at the end of a sheet
        if _is_units_row(row_cells) and not extra:
            return None
        region = make_region(row_cells, rownum, extra, self.factors)
        region.sheet = self.sheet
        self.default_year(region)
        derive(region, row_inputs, self.input_factors)
        return region

    def key_region(self, rownum: int, cells: list, keys: list[tuple[str, int]]) -> Region:
        """The row's Region as far as the columns `keys` ((key, position)) read it, its default year given:
        make_region's reading of those cells, what a first pass over a big file needs of a row."""
        reader = self._reader()
        values = reader.template.copy()
        raw: dict[str, str] = {}
        out_of_range: list[str] = []
        asks: list[tuple[str, str, dict]] = []
        _read_cells([(k, cells[i]) for k, i in keys if i < len(cells)], values, raw, out_of_range, asks,
                    self.factors, reader.words)
        region = _region(values, raw, out_of_range, asks, rownum, None)
        self.default_year(region)
        return region

    def default_year(self, region: Region) -> None:
        layout = self.layout
        default_year = layout.title_year if layout is not None else None
        if default_year is not None and region.values.get("year") is None and "year" not in region.raw:
            region.values["year"] = default_year
            if layout.year_source.startswith("sheet:"):
                region.note("year", default_year, "year-from-sheet", year=default_year, sheet=layout.year_source[6:])
            else:
                region.note("year", default_year, "year-from-title", year=default_year)

    def read_warnings(self, used_extra: set[str]) -> list[dict]:
        """The header's warnings, then those only the whole table tells: unknown columns (named in the header
        or cells beyond it) and total rows skipped."""
        warnings = list(self.warnings)
        extras = self.extras
        named_extras = [e for e in extras if e] + sorted(used_extra - {e for e in extras if e})
        for name in dict.fromkeys(n for n in named_extras if n not in self.repeated):
            warnings.append(_warning(name, None, "unknown-column", column=name))
        layout = self.layout
        if layout is not None:
            self.report.notes += layout.notes()
            if layout.total_rows:           # figures the user gave and we did not read: said wherever the batch goes
                warnings.append(dict(_warning(None, None, "total-rows-skipped", **layout.total_params()),
                                     severity="info"))
        return warnings


class _RowReader:
    """A table's common row read by positions decided once for the table, not split into dicts: the cells of
    its number columns given without a unit factor are checked at once, by one regular expression over them
    joined by \x1f, and when every one is a plain number (_PLAIN) they are converted together with float() and
    int() — what make_region gives each of them. The row's other cells (text, converted units) go through
    make_region's own reading (_read_cells). Any other row — a number cell that is blank, a mark, full-width,
    grouped, too long, not text — gives None: TablePlan.region reads it cell by cell. Issue 12: ~4× less
    per row than TablePlan.split + make_region."""

    def __init__(self, plan: TablePlan):
        by_key = column_by_key()
        keys, inputs = plan.keys, plan.inputs
        self.width = width = len(keys)
        numbers = {dt: [(i, k) for i, k in enumerate(keys) if k and by_key[k].datatype == dt and k not in plan.factors]
                   for dt in ("decimal", "integer")}
        self.decimal_keys = [k for _, k in numbers["decimal"]]
        self.integer_keys = [k for _, k in numbers["integer"]]
        self.number_keys = self.decimal_keys + self.integer_keys
        positions = [i for i, _ in numbers["decimal"] + numbers["integer"]]
        # the cells as one tuple (itemgetter of one position gives the cell alone); no part of the pattern
        # matches \x1f, so a cell holding one cannot shift the others into place
        self.numbers = (itemgetter(*positions) if len(positions) > 1
                        else (lambda cells, i=positions[0]: (cells[i],)) if positions else None)
        self.plain = re.compile("\x1f".join([_PLAIN_DECIMAL] * len(self.decimal_keys)
                                            + [_PLAIN_INTEGER] * len(self.integer_keys)))
        self.others = [(i, k) for i, k in enumerate(keys) if k and i not in positions]
        self.inputs = [(i, name) for i, name in enumerate(inputs) if name]
        self.extras = [(i, plan.extras[i] or f"column {i + 1}") for i in range(width) if not keys[i] and not inputs[i]]
        self.template = dict.fromkeys(by_key)
        self.words = _CellWords.now()
        # a row with a plain number in it is never a units row (_is_units_row) unless a unit is written as one
        units = {_norm(u) for c in by_key.values() for u in (c.unit_zh, c.unit_en)}
        self.usable = bool(positions) and not any(_PLAIN.fullmatch(u) for u in units)

    def typed(self, numbers: tuple) -> list | None:
        """The number cells of a row whose cells are values already (a sheet's, a JSON item's) as make_region reads
        them, or None when one of them is not read here: text, a bool, a number past _LARGEST or not finite, a float
        with more than _DECIMALS decimals (make_region rounds it), or one not whole in an integer column; or when
        every one is blank. A float that round() leaves as it is has at most _DECIMALS decimals in its shortest
        form, so make_region's Decimal of it rounds to itself: the float is what it gives; an int is exact below
        _LARGEST (2⁵³ > 10¹⁵), so float() of it is. Issue 12: JSON and workbook rows read ~8× cheaper."""
        out = []
        decimals = len(self.decimal_keys)
        for j, v in enumerate(numbers):
            t = type(v)
            if t is float:
                if not -1e15 < v < 1e15 or round(v, _DECIMALS) != v:      # NaN fails the first test
                    return None
                if j >= decimals:
                    if not v.is_integer():
                        return None
                    v = int(v)
            elif t is int:
                if not -10**15 < v < 10**15:
                    return None
                if j < decimals:
                    v = float(v)
            elif v is not None:
                return None
            out.append(v)
        return out if out.count(None) < len(out) else None

    def region(self, plan: TablePlan, rownum: int, cells: list, used_extra: set[str]) -> Region | None:
        """The row's Region as TablePlan.region reads it, or None if it is not a row read here."""
        if not self.usable or len(cells) < self.width:
            return None
        numbers = self.numbers(cells)
        try:
            if self.plain.fullmatch("\x1f".join(numbers)) is None:
                return None
            read = None
        except TypeError:                 # a sheet's cells or a JSON item's: numbers already
            read = self.typed(numbers)
            if read is None:
                return None
        extra: dict[str, Any] = {}
        for i, name in self.extras:
            if not _is_empty(cells[i]):
                extra[name] = cells[i]
                used_extra.add(name)
        for i in range(self.width, len(cells)):
            if not _is_empty(cells[i]):
                extra[f"column {i + 1}"] = cells[i]
                used_extra.add(f"column {i + 1}")
        values = self.template.copy()
        if read is not None:
            values.update(zip(self.number_keys, read))
        else:
            values.update(zip(self.decimal_keys, map(float, numbers)))
            if self.integer_keys:
                values.update(zip(self.integer_keys, map(int, numbers[len(self.decimal_keys):])))
        raw: dict[str, str] = {}
        out_of_range: list[str] = []
        asks: list[tuple[str, str, dict]] = []
        if self.others:
            _read_cells([(k, cells[i]) for i, k in self.others], values, raw, out_of_range, asks, plan.factors,
                        self.words)
        region = _region(values, raw, out_of_range, asks, rownum, extra)
        region.sheet = plan.sheet
        plan.default_year(region)
        if self.inputs:
            from kg.read.derive import derive

            derive(region, {name: cells[i] for i, name in self.inputs}, plan.input_factors)
        return region


def table_plan(header: list, layout=None, sheet: str | None = None) -> TablePlan:
    """Read a table's header (or take the matches `layout` made for a yearbook page); UnreadableInput
    "no-columns" when no header names a profile column."""
    from kg.read.headers import match_header
    from kg.read.mapping import MappingReport, column_entry

    matches = layout.matches if layout is not None else [match_header(None if h is None else _text(h)) for h in header]
    report = MappingReport()
    keys: list[str | None] = []
    inputs: list[str | None] = []
    extras: list[str | None] = []
    factors: dict[str, Decimal] = {}
    warnings: list[dict] = []
    seen: set[str] = set()
    repeated: set[str] = set()          # kept in Region.extra, already warned about
    for i, m in enumerate(matches):
        text = m.header
        key = inp = None
        if m.target is not None and m.key in seen:
            warnings.append(_warning(m.key, text, "repeated-column", column=text, key=m.key))
            report.columns.append(column_entry(m, i + 1, "ignored", "repeated-column", sheet))
            text = f"{text} ({i + 1})"
            repeated.add(text)
        elif m.target is not None and m.target.kind == "confusable":
            warnings.append(_warning(None, text, "confusable-column", column=text, **_confusable(m)))
            report.columns.append(column_entry(m, i + 1, "ignored", "confusable-column", sheet, **_confusable(m)))
            repeated.add(text)
        elif m.target is not None and m.problem:
            params = {"unit": m.unit_text or "", "target_unit": {"zh": m.target.unit.label_zh, "en": m.target.unit.label_en}
                      if m.target.unit else ""}
            warnings.append(_warning(m.key, text, m.problem, column=text, key=m.key, **params))
            report.columns.append(column_entry(m, i + 1, "ignored", m.problem, sheet))
            repeated.add(text)
        elif m.target is not None and m.target.kind == "input":
            inp = m.key
            seen.add(m.key)
            report.columns.append(column_entry(m, i + 1, "derived", sheet=sheet))
        elif m.target is not None:
            key = m.key
            seen.add(key)
            if m.factor is not None:
                factors[key] = m.factor
            report.columns.append(column_entry(m, i + 1, "converted" if m.factor is not None else "recognised",
                                               sheet=sheet))
        elif text:
            report.columns.append(column_entry(m, i + 1, "ignored", "unknown-column", sheet))
        keys.append(key)
        inputs.append(inp)
        extras.append(None if (key or inp) else (text or None))
    if not seen:
        raise UnreadableInput("no-columns")
    input_factors = {m.key: m.factor for m, inp in zip(matches, inputs) if inp and m.factor is not None}
    return TablePlan(keys, inputs, extras, factors, input_factors, warnings, report, seen, repeated, layout, sheet)


def resolve_and_note(batch: ProfileBatch, plan: TablePlan) -> int:
    """Codes of the batch's regions looked up (kg.read.gazetteer.resolve_codes); the number found by name."""
    from kg.read.gazetteer import resolve_codes

    resolve_codes(batch, by_name="region_id" not in plan.seen)
    return sum(1 for r in batch.regions for n in r.notes if n["problem"] == "code-looked-up")


def note_looked_up(report, found: int) -> None:
    if found:
        zh, en = say("codes-looked-up", count=found)
        report.notes.append({"problem": "codes-looked-up", "message_zh": zh, "message_en": en})


def from_table(header: list, rows: Iterable[tuple[int, list]], source_name: str | None = None,
               fmt: str | None = None, layout=None, sheet: str | None = None) -> ProfileBatch:
    """Regions from a header and (row number, cells) pairs: CSV, XLSX and JSON all end here.
    `layout` (kg.read.layout.Layout) carries header matches already made for a yearbook page."""
    plan = table_plan(header, layout, sheet)
    regions: list[Region] = []
    used_extra: set[str] = set()
    with one_source():                      # one store for the whole file (~20,000 look-ups per 2,844 rows)
        for rownum, cells in rows:
            region = plan.region(rownum, cells, used_extra)
            if region is not None:
                regions.append(region)
    batch = ProfileBatch(regions, plan.read_warnings(used_extra), source_name, fmt, plan.report)
    note_looked_up(plan.report, resolve_and_note(batch, plan))
    return batch


def _confusable(m) -> dict:
    """{"means": …, "instead": …} for a header that only looks like a column."""
    from rdflib import URIRef

    g, iri = vocabulary_graph(), URIRef(m.target.iri)
    other = g.value(iri, TH.notTheSameAs)
    col = column_by_key().get(str(g.value(other, TH.columnKey))) if other is not None else None
    both = lambda p: {lang: literal_in(g, iri, p, lang) for lang in ("zh", "en")}
    return {"means": both(RDFS.label), "note": both(SKOS.note),
            "instead": {"zh": col.label_zh if col else "", "en": col.label_en if col else ""}}


# --------------------------------------------------------------------------- formats

FORMATS = ("csv", "xlsx", "json", "turtle", "json-ld")
_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
               ".json": "json", ".jsonld": "json-ld", ".ttl": "turtle"}


def _decode_text(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        encodings, data = ["utf-8"], data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "gb18030"]
    for enc in encodings:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        sample = text[:4096]
        controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
        if "\x00" not in text and controls <= max(2, len(sample) // 100):   # a stray escape is still text
            return text
    raise UnreadableInput("binary")


def _sniff(data: bytes, text: str | None) -> str:
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if text is None:
        text = _decode_text(data)
    head = text.lstrip("\ufeff \t\r\n")[:2000]
    if head.startswith(("{", "[")):
        return "json-ld" if '"@context"' in head or '"@graph"' in head or '"@id"' in head else "json"
    if head.lower().startswith(("@prefix", "prefix", "@base", "<")):
        return "turtle"
    return "csv"


def _read_csv(text: str) -> list[tuple[int, list]]:
    """Every non-blank row with its line number; kg.read.layout finds the header among them."""
    # CR-only (old Mac) and mixed line endings, and a bare CR in a field, read as line breaks
    body = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    first = next((line for line in body.split("\n") if line.strip(" ,;\t\r")), "")
    delimiter = max([",", "\t", ";"], key=first.count)
    # the cell limit is read_limits.rows', which names the row; csv's own limit is process-wide, so it is
    # given back (a small file left it at its length, and the next reader of a longer cell failed)
    before = csv.field_size_limit(max(len(body), 1))
    try:
        rows = list(read_limits.rows(csv.reader(io.StringIO(body), delimiter=delimiter), "CSV",
                                     total=body.count("\n")))
    except csv.Error:                              # what is left (a NUL byte) is not text
        raise UnreadableInput("binary") from None
    finally:
        csv.field_size_limit(before)
    grid = [(i, r) for i, r in enumerate(rows, start=1) if any(c.strip() for c in r)]
    if not grid:
        raise UnreadableInput("no-rows")
    return grid


# Workbooks up to this size are opened in full (merged header cells are then known);
# bigger ones stream read-only, as a yearbook page is never this big.
FULL_WORKBOOK_BYTES = 5_000_000
YEAR_SHEET = re.compile(r"^\s*((?:19|20)\d{2})\s*年?\s*$")


def _read_xlsx(data: bytes, sheet: str | None, notes: list[dict]) -> list[tuple[str, list[tuple[int, list]]]]:
    """(sheet name, rows) for the sheet asked for, or the first visible sheet — or every sheet
    when the sheets are named by year (one sheet per year, as yearbook series are kept).
    Warnings about what was read instead of what (a hidden first sheet) go to `notes`."""
    import openpyxl

    read_limits.check_xlsx(data)                    # a zip bomb is refused before anything unpacks
    full = len(data) <= FULL_WORKBOOK_BYTES
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=not full, data_only=True)
    except Exception:
        raise UnreadableInput("xlsx") from None
    try:
        chosen = chosen_sheets(wb, sheet, notes)
        out = []
        for ws in chosen:
            rows = list(sheet_rows(ws))
            if full:
                _fill_merged(ws, rows)
            out.append((ws.title, [(i, r) for i, r in enumerate(rows, start=1) if any(not _is_empty(c) for c in r)]))
    finally:
        if not full:
            wb.close()
    if full:
        notes += _formulas_without_values(data, [name for name, _ in out])
    if not any(grid for _, grid in out):
        others = [ws.title for ws in wb.worksheets if ws.title not in {n for n, _ in out}]
        raise UnreadableInput("empty-sheet", sheet="、".join(n for n, _ in out), others={
            "zh": messages.text("read.other-sheets", "zh", sheets="、".join(others)) if others else "",
            "en": messages.text("read.other-sheets", "en", sheets=", ".join(others)) if others else ""})
    return out


def chosen_sheets(wb, sheet: str | None, notes: list[dict]) -> list:
    """The sheets read (see _read_xlsx); a hidden first sheet passed over is a warning in `notes`."""
    if sheet is not None and sheet not in wb.sheetnames:
        raise UnreadableInput("no-sheet", sheet=sheet, sheets=", ".join(wb.sheetnames))
    if sheet is not None:
        return [wb[sheet]]
    visible = [ws for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    by_year = [ws for ws in visible if YEAR_SHEET.match(ws.title)]
    chosen = by_year if len(by_year) >= 2 else (visible or wb.worksheets)[:1]
    if chosen and wb.worksheets[0] not in chosen and len(by_year) < 2:
        notes.append(_warning(None, wb.worksheets[0].title, "hidden-sheet",
                              hidden=wb.worksheets[0].title, sheet=chosen[0].title))
    return chosen


def sheet_rows(ws, progress: bool = True) -> Iterator[list]:
    """Every row of a sheet (blank ones too: row numbers count them) as the sheet shows its cells, within the
    reader's limits; `progress`: a bar on a terminal for a big sheet."""
    read_limits.check_declared_rows(getattr(ws, "max_row", None), ws.title)
    if hasattr(ws, "_get_source"):          # read-only: its XML read directly (kg.read.sheet_xml), ~5x cheaper
        from kg.read import sheet_xml

        source = sheet_xml.rows(ws)
    else:
        source = shown_rows(ws)
    yield from read_limits.rows(source, ws.title, total=getattr(ws, "max_row", None) if progress else None)


def shown_rows(ws, **at) -> Iterator[list]:
    """openpyxl's rows of a sheet (`at`: iter_rows' bounds) as lists of the values the sheet shows."""
    shown = _ShownValues()
    return (list(map(shown, r)) for r in ws.iter_rows(**at))


class _ShownValues(dict):
    """_shown_value of a sheet's cells, whether a style is a percent format asked once per style (a read-only cell's
    number_format walks three of openpyxl's tables: ~2 µs a cell, a fifth of reading a sheet)."""

    def __call__(self, cell):
        v = getattr(cell, "value", None)
        if type(v) is not int and type(v) is not float:
            return v
        style = getattr(cell, "_style_id", None)
        if style is None:
            return _shown_value(cell)
        percent = self.get(style)
        if percent is None:
            percent = self[style] = (getattr(cell, "number_format", "") or "").endswith("%")
        return _percent_shown(v) if percent else v


def _formulas_without_values(data: bytes, sheets: list[str]) -> list[dict]:
    """A note per sheet whose formula cells have no saved result (a file written by a
    program, never opened in Excel): read with data_only they are silently empty."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    notes = []
    for name in sheets:
        missing = [c.coordinate for row in wb[name].iter_rows() for c in row
                   if c.data_type == "f" and cached[name][c.coordinate].value is None]
        if missing:
            notes.append(_warning(None, missing[0], "formula-without-value", sheet=name,
                                  count=len(missing), cell=missing[0]))
    return notes


def _fill_merged(ws, rows: list[list]) -> None:
    """A merged cell's value stands in every cell it covers (yearbook group headers)."""
    for rng in getattr(ws, "merged_cells", None) and ws.merged_cells.ranges or ():
        value = rows[rng.min_row - 1][rng.min_col - 1] if rng.min_row - 1 < len(rows) else None
        for r in range(rng.min_row - 1, min(rng.max_row, len(rows))):
            for c in range(rng.min_col - 1, min(rng.max_col, len(rows[r]))):
                rows[r][c] = value


def _shown_value(cell):
    """The number as the sheet shows it: a cell formatted as percent holds 0.918 for 91.8 %."""
    v = getattr(cell, "value", None)
    fmt = getattr(cell, "number_format", "") or ""
    if isinstance(v, (int, float)) and not isinstance(v, bool) and fmt.endswith("%"):
        return _percent_shown(v)
    return v


def _percent_shown(v: int | float) -> float:
    """0.918 in a cell formatted as percent is the 91.8 the sheet shows (12 significant digits: no binary tail)."""
    return float(f"{v * 100:.12g}")


def _read_json(text: str) -> tuple[list, list]:
    try:
        doc = json.loads(text, parse_int=read_limits.json_int, parse_float=read_limits.json_float)
    except json.JSONDecodeError as exc:
        raise UnreadableInput("json", line=exc.lineno, detail=exc.msg) from None
    except RecursionError:
        raise UnreadableInput("json-too-deep") from None
    items = doc.get("regions") if isinstance(doc, dict) else doc
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise UnreadableInput("json-shape")
    for _ in read_limits.rows(([v for v in item.values() if isinstance(v, str)] for item in items), "JSON"):
        pass                                           # the row and cell limits, as for tables
    header = list(dict.fromkeys(_whole_text(k) for item in items for k in item))
    items = [{_whole_text(k): v for k, v in item.items()} for item in items]
    return header, [(i, [_json_cell(item.get(h)) for h in header]) for i, item in enumerate(items, start=1)]


def _whole_text(text: str) -> str:
    """JSON may spell half a surrogate pair ("\\ud800"); such text cannot be stored, so it becomes U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _json_cell(v):
    if isinstance(v, (dict, list)):
        v = json.dumps(v, ensure_ascii=False)
    return _whole_text(v) if isinstance(v, str) else v


def rdf_column(predicate: str) -> str:
    """The column an RDF predicate fills: a profile column's key, else the thp: local name of an unknown column,
    else the predicate's IRI (read whole, and kg.read.rdf_pieces)."""
    thp = str(THP)
    name = predicate[len(thp):] if predicate.startswith(thp) else None
    if name not in column_by_key():
        name = predicate if name is None else name
    return name


def rdf_cell(cells: dict[str, Any], name: str, value: str, warnings: list | None) -> None:
    """A subject's value of a column into its cells: a second, different value is warned about (into `warnings`,
    when given) and the least of them kept."""
    if name in cells and cells[name] != value:
        if warnings is not None:
            warnings.append(_warning(name, value, "several-values", column=name))
        value = min(cells[name], value)
    cells[name] = value


def _read_rdf(text: str, fmt: str) -> tuple[list, list, list]:
    """Subjects typed th:RegionProfile or carrying a thp: property become rows."""
    from rdflib import Graph

    from kg.read.offline import RemoteDocumentRefused     # importing it stops rdflib fetching JSON-LD contexts

    g = Graph()
    try:
        g.parse(data=text, format=fmt)
    except RemoteDocumentRefused:
        raise UnreadableInput("remote-context") from None
    except Exception as exc:
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise UnreadableInput("rdf", format=fmt.upper(), detail=first) from None
    thp = str(THP)
    subjects = set(g.subjects(RDF.type, TH.RegionProfile))
    subjects |= {s for s, p in g.subject_predicates() if str(p).startswith(thp)}
    warnings = []
    rows = []
    header = [c.key for c in columns()]
    for s in subjects:
        cells: dict[str, Any] = {}
        for p, o in g.predicate_objects(s):
            if p in (RDF.type, TH.sourceRow):
                continue
            rdf_cell(cells, rdf_column(str(p)), str(o), warnings)
        row = g.value(s, TH.sourceRow)
        rows.append((row.toPython() if row is not None else None, str(s), cells))
    rows.sort(key=lambda r: (r[0] is None, r[0] or 0, r[1]))
    extra_names = sorted({k for _, _, c in rows for k in c} - set(header))
    header = header + extra_names
    table = [(row if isinstance(row, int) else i, [c.get(h) for h in header])
             for i, (row, _, c) in enumerate(rows, start=1)]
    return header, table, warnings


def read_files(paths: list) -> ProfileBatch:
    """Several files as one batch. A row is known by its number in the batch (validation results, the advice and
    the store name it), so the rows of each later file count on from the files before it — as the sheets of one
    workbook do (_from_sheets) — and the batch says so for that file (rows-counted-on), naming the offset."""
    batches = [read_named(p) for p in paths]
    if len(batches) == 1:
        return batches[0]
    regions: list[Region] = []
    warnings: list[dict] = []
    offset = 0
    for path, b in zip(paths, batches):
        if offset and b.regions:
            name = Path(str(path)).name
            for r in b.regions:
                r.row += offset
            warnings.append(rows_counted_on(name, offset))
        regions += b.regions
        warnings += b.warnings
        offset = max([offset, *(r.row for r in b.regions)])
    return ProfileBatch(regions=regions, warnings=warnings, source_name=", ".join(map(str, paths)), format="mixed")


def rows_counted_on(name: str, offset: int) -> dict:
    """The warning of a later file of a batch whose rows count on from `offset` (read_files, kg.read.several)."""
    return _warning(None, name, "rows-counted-on", file=name, offset=offset)


def read_named(source: str | Path | bytes, filename: str | None = None, sheet: str | None = None) -> ProfileBatch:
    """read_profiles, for a command or page that reads a file a user named: a file it cannot read is the
    UnreadableInput said of that file ("<file>: <sentence>")."""
    try:
        return read_profiles(source, filename=filename, sheet=sheet)
    except UnreadableInput as exc:
        raise exc.in_file(filename or source) from None


def read_profiles(source: str | Path | bytes, filename: str | None = None,
                  sheet: str | None = None) -> ProfileBatch:
    """Read a profile file (path) or its content (bytes; give filename to hint the format)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        data = read_limits.read_file(path)           # never /dev/zero, never past the size limit
        filename = filename or path.name
    else:
        data = bytes(source)
        read_limits.check_size(data)
    if not data.strip():
        raise UnreadableInput("empty")
    ext = Path(filename).suffix.lower() if filename else ""
    if ext == ".xls":
        raise UnreadableInput("xls")
    fmt = _EXTENSIONS.get(ext)
    text = None
    if fmt != "xlsx" and not data.startswith(b"PK\x03\x04"):
        text = _decode_text(data)
    if fmt is None or (fmt == "json" and text is not None and _sniff(data, text) == "json-ld"):
        fmt = _sniff(data, text)
    elif fmt != "xlsx" and text is None:
        raise UnreadableInput("zip", format=fmt.upper())
    warnings: list[dict] = []
    if fmt == "xlsx":
        notes: list[dict] = []
        batch = _from_sheets(_read_xlsx(data, sheet, notes), filename)
        batch.warnings[:0] = notes
        return batch
    if fmt == "json":
        header, rows = _read_json(text)
    elif fmt in ("turtle", "json-ld"):
        header, rows, warnings = _read_rdf(text, fmt)
        if not rows:
            raise UnreadableInput("rdf-empty")
    else:
        return _from_grid(_read_csv(text), filename, "csv")
    batch = from_table(header, rows, filename, fmt)
    batch.warnings[:0] = warnings
    return batch


def _from_grid(grid, filename, fmt, sheet: str | None = None, sheet_year: int | None = None) -> ProfileBatch:
    from kg.read.layout import find_layout

    layout = find_layout(grid)
    if sheet_year is not None and layout.title_year is None:
        layout.title_year, layout.year_source = sheet_year, f"sheet:{sheet}"
    return from_table(layout.header, layout.data, filename, fmt, layout=layout, sheet=sheet)


def _from_sheets(sheets, filename) -> ProfileBatch:
    """One batch from one sheet, or from one sheet per year stacked in sheet order (row numbers
    count on from sheet to sheet, so every row of the workbook keeps its own number)."""
    if len(sheets) == 1:
        return _from_grid(sheets[0][1], filename, "xlsx")
    batches, offset = [], 0
    for name, grid in sheets:
        if not grid:
            continue
        shifted = [(n + offset, cells) for n, cells in grid]
        year = int(YEAR_SHEET.match(name).group(1))
        batches.append(_from_grid(shifted, filename, "xlsx", sheet=name, sheet_year=year))
        offset = shifted[-1][0]
    first = batches[0]
    for b in batches[1:]:
        first.regions += b.regions
        first.warnings += [w for w in b.warnings if w not in first.warnings]
        first.mapping.columns += b.mapping.columns
        first.mapping.notes += b.mapping.notes
    return first
