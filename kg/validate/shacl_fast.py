"""The fast validation engine: rules/profile-shapes.ttl compiled once into checks
that run over a whole ProfileBatch at once.

SHACL Core constraints on columns (minCount, datatype, value ranges, sh:in,
sh:lessThanOrEquals) become per-column Python checks on the parsed cells; the
sh:sparql constraints and SPARQL-based constraint components run once over the
whole batch in pyoxigraph. The shapes file stays the single source of truth: a
constraint this compiler does not know is an error, never silently skipped.
pyshacl (kg.validate, engine="pyshacl") is the reference these results must equal."""
from __future__ import annotations

import operator
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np
import pyoxigraph as ox

from kg.namespaces import DCTERMS, RDF, RDFS, SH, SKOS, TH, THP, THS
from kg.paths import RULES_DIR
from kg.read.profiles import ProfileBatch, Region, column_by_key, lexical_form
from kg.knowledge.cache import compiled_knowledge
from kg.validate.sparql_columns import _TEXTS, BatchCells, Cells, ColumnQuery, batch_columns, join_column, translate
from kg.validate.sparql_columns import run as run_columns

if TYPE_CHECKING:       # rdflib is imported where the shapes are parsed (kg.namespaces says why)
    from rdflib import Graph, URIRef

SHAPES_FILE = RULES_DIR / "profile-shapes.ttl"
# the plausibility checks (unit slips, issue 13) run with the profile's own rules
SHAPES_FILES = (SHAPES_FILE, RULES_DIR / "plausibility-shapes.ttl")
# by the IRI as a string (a severity node of rdflib or of a report: look it up as str(node))
SEVERITIES = {SH + "Violation": "violation", SH + "Warning": "warning", SH + "Info": "info"}

# A raw finding: (index of the region in the batch, column key or None, value, severity, zh, en)
Finding = tuple[int, "str | None", Any, str, str, str]


class UnsupportedShape(NotImplementedError):
    """The shapes use a SHACL feature the fast engine does not compile."""


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    from rdflib import Graph

    g = Graph()
    for path in SHAPES_FILES:
        g.parse(path, format="turtle")
    return g


def messages(g: Graph, *nodes) -> tuple[str, str]:
    """(zh, en) from the sh:message literals of the given nodes, first found wins."""
    zh = en = ""
    for node in nodes:
        for m in sorted(g.objects(node, SH.message), key=str):
            if m.language == "zh" and not zh:
                zh = str(m)
            elif m.language == "en" and not en:
                en = str(m)
    return zh, en


def plain(term) -> Any:
    """An RDF literal (rdflib or pyoxigraph) as the Python value a report shows."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt, text = term.datatype.value, term.value
    else:
        dt, text = str(term.datatype or ""), str(term)
    if dt.endswith("#integer"):
        return int(text)
    if dt.endswith(("#decimal", "#double", "#float")):
        return float(text)
    return text


def column_key(path) -> str | None:
    return str(path)[len(str(THP)):] if path is not None and str(path).startswith(str(THP)) else None


# --------------------------------------------------------------------------- column checks

def _number(v) -> Decimal:
    return Decimal(repr(v)) if isinstance(v, float) else Decimal(v)


def _term(region: Region, key: str) -> tuple[Any, str] | None:
    """The cell as it appears in RDF: (python value, xsd local name), or None if absent."""
    v = region.values.get(key)
    if v is not None:
        return v, column_by_key()[key].datatype
    if key in region.raw:
        return region.raw[key], "string"
    return None


@lru_cache(maxsize=1)
def _annotations() -> frozenset:
    return frozenset({RDF.type, RDFS.label, RDFS.comment, SKOS.note, DCTERMS.source, SH.name, SH.description,
                      SH.path, SH.severity, SH.message, TH.heuristic})


@dataclass
class ColumnCheck:
    key: str
    severity: str
    zh: str
    en: str
    min_count: int = 0
    datatype: str | None = None
    bounds: list[tuple[Any, Decimal, float | None]] = field(default_factory=list)  # (comparison, bound, as float)
    allowed: set[tuple[str, str]] | None = None                       # (lexical, xsd local name)
    less_or_equal: str | None = None

    def add_bound(self, kind: str, bound: Decimal) -> None:
        # compare as floats when the bound is exactly a float (same answer, much faster)
        exact = float(bound) if Decimal(float(bound)) == bound else None
        self.bounds.append((_COMPARE[kind], bound, exact))

    def _out_of_range(self, v) -> bool:
        if isinstance(v, str):
            return True                    # a text cannot be compared with a number
        for compare, b, b_float in self.bounds:
            if not (compare(v, b_float) if b_float is not None else compare(_number(v), b)):
                return True
        return False

    def run(self, regions: list[Region], cells: BatchCells | None = None) -> Iterator[Finding]:
        """The findings in row order. Column operations pick the rows that could fail (an empty
        required cell, a text, a number outside a bound or near it, …); each of those is then
        decided by `_finding`, the check as SHACL states it, so the answer is the row-wise one."""
        cells = cells if cells is not None else BatchCells(regions)
        for i in np.flatnonzero(self._suspects(cells)):
            found = self._finding(int(i), regions[i])
            if found is not None:
                yield found

    def _finding(self, i: int, r: Region) -> Finding | None:
        key, dt = self.key, column_by_key()[self.key].datatype
        value = r.values[key]
        if value is None:
            if key not in r.raw:
                return (i, key, None, self.severity, self.zh, self.en) if self.min_count else None
            value, dt = r.raw[key], "string"
        bad = (self.datatype is not None and dt != self.datatype) or (self.bounds and self._out_of_range(value))
        if self.allowed is not None and (lexical_form(value, dt), dt) not in self.allowed:
            bad = True
        if self.less_or_equal:
            other = _term(r, self.less_or_equal)
            if other is not None and not _less_or_equal(value, other[0]):
                bad = True
        return (i, key, value, self.severity, self.zh, self.en) if bad else None

    def _suspects(self, cells: BatchCells) -> np.ndarray:
        """Rows `_finding` must look at: every row but those certainly fine. Float comparisons
        decide only where they are exact (numbers below 2**53, bounds that are floats) or far
        from the edge; everything else is a suspect."""
        c = cells[self.key]
        suspect = c.text.copy()                         # a text where a number was asked: decided row-wise
        if self.min_count:
            suspect |= c.absent
        valued = ~c.absent & ~c.text
        if self.datatype is not None and column_by_key()[self.key].datatype != self.datatype:
            return suspect | valued
        exact = c.num & (np.abs(c.x) < _EXACT)
        if self.bounds:
            suspect |= valued & ~exact
            for compare, b, b_float in self.bounds:
                with np.errstate(invalid="ignore"):
                    inside = compare(c.x, b_float if b_float is not None else float(b))
                    if b_float is None:
                        inside &= np.abs(c.x - float(b)) > 1e-9 * max(abs(float(b)), 1.0)
                suspect |= exact & ~inside
        if self.allowed is not None:
            suspect |= valued & self._not_allowed(c)
        if self.less_or_equal:
            o = cells[self.less_or_equal]
            with np.errstate(invalid="ignore"):
                fine = exact & o.num & (np.abs(o.x) < _EXACT) & (c.x <= o.x)
            suspect |= valued & ~o.absent & ~fine
        return suspect

    def _not_allowed(self, c: Cells) -> np.ndarray:
        """Rows whose value may be outside sh:in: the distinct texts of a text column are looked
        up once; in a number column every valued row is a suspect (1 and 1.0 read differently)."""
        if not set(map(type, c.values)) <= _TEXTS:
            return np.ones(len(c.values), bool)
        col_dt = column_by_key()[self.key].datatype
        bad = {v for v in set(c.values) - {None} if (lexical_form(v, col_dt), col_dt) not in self.allowed}
        return np.fromiter((v in bad for v in c.values), bool, len(c.values)) if bad else np.zeros(len(c.values), bool)


_EXACT = 2.0 ** 53       # below it an int is exactly a float, so float comparisons are the exact ones
_COMPARE = {"minInclusive": operator.ge, "maxInclusive": operator.le,
            "minExclusive": operator.gt, "maxExclusive": operator.lt}


def _less_or_equal(a, b) -> bool:
    """SHACL's sh:lessThanOrEquals as pyshacl decides it: text vs number never conforms."""
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a <= b
    return a <= b          # floats keep the order of their exact decimal forms


def _literal_key(lit) -> tuple[str, str]:
    dt = str(lit.datatype).rsplit("#", 1)[-1] if lit.datatype is not None else "string"
    return str(lit), dt


def _compile_property(g: Graph, ps) -> ColumnCheck:
    from rdflib.collection import Collection

    key = column_key(g.value(ps, SH.path))
    if key is None or key not in column_by_key():
        raise UnsupportedShape(f"{ps}: sh:path must be a profile column (thp:…)")
    zh, en = messages(g, ps)
    check = ColumnCheck(key, SEVERITIES[str(g.value(ps, SH.severity) or SH.Violation)], zh, en)
    for p, o in g.predicate_objects(ps):
        name = str(p)[len(str(SH)):] if str(p).startswith(str(SH)) else None
        if p in _annotations():
            continue
        if name == "minCount":
            check.min_count = int(o)
        elif name == "datatype":
            check.datatype = str(o).rsplit("#", 1)[-1]
        elif name in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            check.add_bound(name, Decimal(str(o)))
        elif name == "in":
            check.allowed = {_literal_key(x) for x in Collection(g, o)}
        elif name == "lessThanOrEquals":
            check.less_or_equal = column_key(o)
        else:
            raise UnsupportedShape(f"{ps}: the fast engine does not compile {p}")
    return check


# --------------------------------------------------------------------------- SPARQL checks

@dataclass
class SparqlCheck:
    name: str
    query: str          # runs over the whole batch; ?this ranges over the target class
    severity: str
    zh: str
    en: str
    columns: ColumnQuery | None = None    # the same query as column operations (kg.validate.sparql_columns)
    joins_on: str | None = None           # in Oxigraph: the column its rows must share (sparql_columns.join_column)

    @classmethod
    def of(cls, name: str, query: str, target, severity: str, zh: str, en: str) -> "SparqlCheck":
        column_of = lambda iri: key if (key := column_key(iri)) in column_by_key() else None  # noqa: E731
        columns = translate(query, str(target), str(RDF.type), column_of)
        return cls(name, query, severity, zh, en, columns, join_column(query, column_of) if columns is None else None)


def _prefix_block(g: Graph, node) -> str:
    lines = []
    for owner in g.objects(node, SH.prefixes):
        for decl in g.objects(owner, SH.declare):
            lines.append(f"PREFIX {g.value(decl, SH.prefix)}: <{g.value(decl, SH.namespace)}>")
    return "\n".join(lines) + "\n"


def _bulk_query(select: str, target: URIRef, params: dict[str, Any]) -> str:
    """Pre-binding made explicit: $this becomes a variable bound by the shape's
    target, each $parameter becomes its value from the shape (SHACL 5.3.1)."""
    text = re.sub(r"\$this\b", "?this", select)
    for name, value in params.items():
        text = re.sub(rf"\${re.escape(name)}\b", value.n3(), text)
    brace = re.search(r"\bWHERE\s*\{", text, re.IGNORECASE)
    if brace is None:
        raise UnsupportedShape("a SPARQL constraint needs SELECT … WHERE { … }")
    return f"{text[:brace.end()]}\n ?this a <{target}> .{text[brace.end():]}"


def _components(g: Graph) -> list[tuple[URIRef, list[URIRef], Any]]:
    out = []
    for comp in g.subjects(RDF.type, SH.ConstraintComponent):
        params = [g.value(p, SH.path) for p in g.objects(comp, SH.parameter)]
        validator = g.value(comp, SH.nodeValidator)
        if validator is None:
            raise UnsupportedShape(f"{comp}: only sh:nodeValidator components are compiled")
        out.append((comp, params, validator))
    return out


def _compile_node(g: Graph, shape, components) -> list[SparqlCheck]:
    target = g.value(shape, SH.targetClass)
    severity = SEVERITIES[str(g.value(shape, SH.severity) or SH.Violation)]
    checks = []
    uses_sparql = any(g.objects(shape, SH.sparql)) or any(
        g.value(shape, p) is not None for _, params, _ in components for p in params)
    if target is None and uses_sparql:
        raise UnsupportedShape(f"{shape}: a node shape with SPARQL checks needs sh:targetClass")
    for c in g.objects(shape, SH.sparql):
        zh, en = messages(g, shape, c)
        query = _prefix_block(g, c) + _bulk_query(str(g.value(c, SH.select)), target, {})
        checks.append(SparqlCheck.of(str(shape), query, target, severity, zh, en))
    for comp, params, validator in components:
        values = {p: g.value(shape, p) for p in params}
        if any(v is None for v in values.values()):
            continue
        zh, en = messages(g, shape, validator)
        local = {str(p).rsplit("#", 1)[-1]: v for p, v in values.items()}
        if str(comp) in _RATIO_SIDES:
            checks.append(RatioCheck.of(str(shape), _RATIO_SIDES[str(comp)], local, severity, zh, en))
            continue
        query = _prefix_block(g, validator) + _bulk_query(str(g.value(validator, SH.select)), target, local)
        checks.append(SparqlCheck.of(str(shape), query, target, severity, zh, en))
    return checks


# --------------------------------------------------------------------------- ratio checks
# The plausibility components (rules/plausibility-shapes.ttl) compare one column's ratio to
# another's with a bound: a row-wise computation the engine does in Python with the shape's
# own parameters (twenty SPARQL passes over a province would double the validation time).
# The arithmetic is the component's query's: exact decimals, SPARQL ROUND to 3 places.

_RATIO_SIDES = {THS + "RatioBelowComponent": "below", THS + "RatioAboveComponent": "above"}   # by IRI text
_THOUSAND = Decimal(1000)


@dataclass
class RatioCheck:
    name: str
    side: str                 # "below" | "above"
    numerator: str
    denominator: str
    scale: Decimal
    bound: Decimal
    from_year: int
    to_year: int
    severity: str
    zh: str
    en: str

    @classmethod
    def of(cls, name, side, params: dict, severity, zh, en) -> "RatioCheck":
        bound = params["lowerBound" if side == "below" else "upperBound"]
        return cls(name, side, column_key(params["numerator"]), column_key(params["denominator"]),
                   Decimal(str(params["scale"])), Decimal(str(bound)), int(params["fromYear"]),
                   int(params["toYear"]), severity, zh, en)

    def run(self, regions: list[Region], cells: BatchCells | None = None) -> Iterator[Finding]:
        """The findings in row order: the floats rule out the rows clearly inside the bound (as
        column operations); the rest are decided with exact decimals by `_finding`."""
        cells = cells if cells is not None else BatchCells(regions)
        n, d, year = cells[self.numerator], cells[self.denominator], cells["year"]
        scale, bound = float(self.scale), float(self.bound)
        with np.errstate(all="ignore"):
            # absent, text (kept in raw) or broken by its own rule; a year outside the check's
            # years (a year that is no number counts as none)
            asked = n.num & d.num & (n.x > 0) & (d.x > 0) & (
                ~year.num | ((self.from_year <= year.x) & (year.x <= self.to_year)))
            approx = n.x * scale / d.x
            clear = (np.abs(approx - bound) > 1e-9 * max(abs(bound), 1.0)) & (
                approx >= bound if self.side == "below" else approx <= bound)
            exact = (np.abs(n.x) < _EXACT) & (np.abs(d.x) < _EXACT) & (~year.num | (np.abs(year.x) < _EXACT))
        for i in np.flatnonzero((asked & ~(clear & exact)) | (~exact & ~n.absent & ~d.absent)):
            found = self._finding(int(i), regions[i])
            if found is not None:
                yield found

    def _finding(self, i: int, r: Region) -> Finding | None:
        scale, bound = float(self.scale), float(self.bound)
        n, d = r.values.get(self.numerator), r.values.get(self.denominator)
        if n is None or d is None or not (n > 0 and d > 0):
            return None                   # absent, text (kept in raw) or broken by its own rule
        y = r.values.get("year")
        if y is not None and not (self.from_year <= y <= self.to_year):
            return None
        approx = n * scale / d
        if abs(approx - bound) > 1e-9 * max(abs(bound), 1.0) and (
                approx >= bound if self.side == "below" else approx <= bound):
            return None                   # clearly inside: no exact arithmetic needed
        ratio = _number(n) * self.scale / _number(d)
        if ratio < self.bound if self.side == "below" else ratio > self.bound:
            try:
                value = (ratio * _THOUSAND).quantize(Decimal(1), rounding=ROUND_HALF_UP) / _THOUSAND
            except InvalidOperation:      # more digits than the context holds (1e300 people on 1e-300 km²): as it is
                value = ratio
            return i, self.numerator, float(value), self.severity, self.zh, self.en
        return None


@dataclass
class CompiledShapes:
    columns: list[ColumnCheck]
    sparql: list[SparqlCheck]
    sparql_columns: set[str] | None = None   # the columns the checks asked in Oxigraph read (None: all)
    ratios: list[RatioCheck] = field(default_factory=list)


def _columns_read(queries: list[str]) -> set[str] | None:
    """Which profile columns the queries mention, so only those are loaded;
    a variable in predicate position could read any column, so then all are."""
    keys: set[str] = set()
    for q in queries:
        body = q[q.upper().index("SELECT"):]
        if re.search(r"[?$]\w+\s+[?$]\w+\s+[?$]\w+", body):
            return None
        keys |= set(re.findall(r"\bthp:(\w+)", body))
        keys |= set(re.findall(re.escape(f"<{THP}") + r"(\w+)>", body))
    return keys


@compiled_knowledge
def compiled() -> CompiledShapes:
    return compile_shapes(shapes_graph())


def compile_shapes(g: Graph) -> CompiledShapes:
    components = _components(g)
    known = {SH.targetClass, SH.property, SH.sparql, SH.severity, SH.message, SH.declare}
    known |= {p for _, params, _ in components for p in params} | _annotations()
    col_checks, sparql_checks = [], []
    for shape in set(g.subjects(RDF.type, SH.NodeShape)):
        unknown = {p for p in g.predicates(shape) if p not in known}
        if unknown:
            raise UnsupportedShape(f"{shape}: the fast engine does not compile {sorted(map(str, unknown))}")
        col_checks += [_compile_property(g, ps) for ps in g.objects(shape, SH.property)]
        sparql_checks += _compile_node(g, shape, components)
    col_checks.sort(key=lambda c: column_by_key()[c.key].order)
    ratios = [c for c in sparql_checks if isinstance(c, RatioCheck)]
    sparql_checks = [c for c in sparql_checks if not isinstance(c, RatioCheck)]
    in_store = [c.query for c in sparql_checks if c.columns is None]
    return CompiledShapes(col_checks, sparql_checks, _columns_read(in_store), ratios)


def run(batch: ProfileBatch, columns: bool = True) -> list[Finding]:
    """Every finding of the shapes on the batch (duplicates possible; the caller merges).
    SPARQL checks with a column form run as column operations; the others — and all of them
    with columns=False, the form the column one is tested against — run in Oxigraph."""
    shapes = compiled()
    findings: list[Finding] = []
    table = BatchCells(batch.regions, batch.numbers())     # each column read out of the regions once
    for check in [*shapes.columns, *shapes.ratios]:
        findings.extend(check.run(batch.regions, table))
    as_columns = [c for c in shapes.sparql if columns and c.columns is not None]
    in_store = [c for c in shapes.sparql if c not in as_columns]
    if as_columns and batch.regions:
        keys = sorted({k for c in as_columns for k in c.columns.keys})
        cells = batch_columns(batch.regions, keys, table)
        datatypes = {k: column_by_key()[k].datatype for k in keys}
        for check in as_columns:
            findings += [(i, check.columns.path, value, check.severity, check.zh, check.en)
                         for i, value in run_columns(check.columns, batch.regions, cells, datatypes)]
    if in_store and batch.regions:
        # a piece of a batch is checked with its companions (kg.read.repeats): the rows elsewhere that the
        # rule across rows pairs with its own (all loaded: few); what is found about a companion is its piece's
        whole = batch.with_companions()
        rows = _joined_rows(batch, table, in_store) if columns and whole is batch else None
        if rows is not None and not len(rows):
            return findings                     # no row shares a value another row must share: nothing to ask
        read = shapes.sparql_columns if columns else _columns_read([c.query for c in in_store])
        nodes = whole.node_texts()
        if rows is not None and len(set(nodes)) < len(nodes):
            rows = None                         # rows made one node: the node's other rows count too
        store = whole.to_store(keys=read, rows=rows, nodes=nodes)
        index = {n: i for i, n in enumerate(nodes[:len(batch.regions)])}
        for check in in_store:
            for sol in store.query(check.query):
                i = index.get(sol["this"].value)
                if i is None:
                    continue
                key = column_key(sol["path"].value) if sol["path"] is not None else None
                findings.append((i, key, plain(sol["value"]), check.severity, check.zh, check.en))
    return findings


def _joined_rows(batch: ProfileBatch, table: BatchCells, checks: list[SparqlCheck]) -> np.ndarray | None:
    """The rows the checks asked in Oxigraph can answer with, when each of them joins rows on a column
    (SparqlCheck.joins_on): those whose value in it (as the store holds it: the term) another row
    has too. None: every row (a check of another kind, or two rows made one node)."""
    keys = {c.joins_on for c in checks}
    if None in keys:
        return None
    shared = np.zeros(table.n, bool)
    for key in keys:
        c, dt = table[key], column_by_key()[key].datatype
        if dt == "string":                            # a plain string in the store, as a raw text is
            terms = list(c.values) if set(map(type, c.values)) <= _TEXTS else \
                [None if v is None else lexical_form(v, dt) for v in c.values]
        else:
            terms = [None if v is None else (lexical_form(v, dt), dt) for v in c.values]
        for i in np.flatnonzero(c.text):
            terms[i] = batch.regions[i].raw[key] if dt == "string" else (batch.regions[i].raw[key], "string")
        counts = Counter(terms)
        twice = {t for t, n in counts.items() if n > 1 and t is not None}
        if twice:
            shared |= np.fromiter((t in twice for t in terms), bool, len(terms))
    return np.flatnonzero(shared)
