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
from pathlib import Path
from typing import Any, Iterable

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS, XSD

from .graph import literal_in
from .namespaces import REGION, TH, THP, bind_all, region_iri
from .paths import ONTOLOGY_DIR

PROFILE_TTL = ONTOLOGY_DIR / "profile.ttl"


class UnreadableInput(ValueError):
    """The input is not a profile table at all; one sentence, in English and Chinese
    (the th:ReadProblem named by `key` in profile.ttl)."""

    def __init__(self, problem: str, **params):
        self.key = problem
        self.message_zh, self.message_en = say(problem, **params)
        super().__init__(self.message_en)

    def message(self, lang: str = "en") -> str:
        return self.message_zh if lang == "zh" else self.message_en


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


@lru_cache(maxsize=1)
def vocabulary_graph() -> Graph:
    g = Graph()
    g.parse(PROFILE_TTL, format="turtle")
    return g


@lru_cache(maxsize=1)
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


@lru_cache(maxsize=1)
def allowed_values() -> dict[str, dict[str, str]]:
    """For enumerated columns: normalised notation or label (rdfs:label, skos:prefLabel, skos:altLabel,
    either language) -> notation. This is the one mapping every enumerated column uses."""
    g = vocabulary_graph()
    out: dict[str, dict[str, str]] = {}
    for prop, scheme in g.subject_objects(TH.valueScheme):
        key = str(g.value(prop, TH.columnKey))
        table = out.setdefault(key, {})
        for concept in g.subjects(SKOS.inScheme, scheme):
            notation = str(g.value(concept, SKOS.notation))
            for text in [notation, *g.objects(concept, RDFS.label), *g.objects(concept, SKOS.prefLabel),
                                     *g.objects(concept, SKOS.altLabel)]:
                table[_norm(text)] = notation
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

    def get(self, key: str, default=None):
        v = self.values.get(key)
        return default if v is None else v

    @property
    def iri(self) -> URIRef:
        return region_iri(self.region_id)


@lru_cache(maxsize=1)
def read_problems() -> dict[str, tuple[str, str]]:
    """th:key -> (zh, en) message templates of the th:ReadProblem individuals."""
    g = vocabulary_graph()
    return {str(g.value(p, TH.key)): (literal_in(g, p, TH.messageTemplate, "zh"), literal_in(g, p, TH.messageTemplate, "en"))
            for p in g.subjects(RDF.type, TH.ReadProblem)}


def say(problem: str, **params) -> tuple[str, str]:
    zh, en = read_problems()[problem]
    return zh.format(**params), en.format(**params)


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

    def __len__(self) -> int:
        return len(self.regions)

    def ids(self) -> list[str]:
        return [r.region_id for r in self.regions]

    def get(self, region_id: str) -> Region | None:
        return next((r for r in self.regions if r.region_id == region_id), None)

    def node_iris(self) -> list[URIRef]:
        """One node per row: the region IRI for the first row with an id; rows without
        an id or repeating one get a row-scoped IRI so they are not merged."""
        seen, out = set(), []
        for r in self.regions:
            if r.region_id and r.region_id not in seen:
                seen.add(r.region_id)
                out.append(region_iri(r.region_id))
            else:
                out.append(URIRef(f"{region_iri(r.region_id) if r.region_id else REGION}#row-{r.row}"))
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
        g = Graph()
        bind_all(g)
        for node, r in zip(self.node_iris(), self.regions):
            g.add((node, RDF.type, TH.RegionProfile))
            g.add((node, TH.sourceRow, Literal(r.row)))
            for key, lex, dt in self._literals(r):
                # strings stay simple literals (RDF 1.1: the same as xsd:string; rdflib needs this for sh:in)
                g.add((node, THP[key], Literal(lex) if dt == "string" else Literal(lex, datatype=XSD[dt])))
        return g

    def to_ntriples(self, keys: Iterable[str] | None = None) -> str:
        """The same triples as to_rdf as N-Triples text (optionally only some columns):
        the fast way into pyoxigraph for thousands of regions."""
        cols = columns() if keys is None else [c for c in columns() if c.key in set(keys)]
        iri = {c.key: f"<{c.iri}>" for c in columns()}
        dt = {n: f"^^<{XSD[n]}>" for n in ("integer", "decimal")}
        dt["string"] = ""
        head = f" <{RDF.type}> <{TH.RegionProfile}> .\n"
        row_p = f" <{TH.sourceRow}> "
        parts = []
        for node, r in zip(self.node_iris(), self.regions):
            s = f"<{node}>"
            parts.append(f"{s}{head}{s}{row_p}\"{r.row}\"{dt['integer']} .\n")
            for key, lex, d in self._literals(r, cols):
                parts.append(f'{s} {iri[key]} "{_nt_escape(lex)}"{dt[d]} .\n')
        return "".join(parts)

    def to_store(self, store=None, keys: Iterable[str] | None = None, graph=None):
        """Load the batch into a pyoxigraph Store (a new in-memory one by default)."""
        import pyoxigraph as ox

        store = store if store is not None else ox.Store()
        store.load(self.to_ntriples(keys).encode(), format=ox.RdfFormat.N_TRIPLES,
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


def _parse_number(v, datatype: str):
    """A cell as int/float, or _MISSING if it is not a number of that type."""
    if isinstance(v, bool):
        return _MISSING
    if isinstance(v, (int, float)):
        d = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
    else:
        text = unicodedata.normalize("NFKC", str(v)).strip()
        if _GROUPED.match(text):
            text = text.replace(",", "")      # thousands separators, as yearbooks print them
        try:
            d = Decimal(text)
        except InvalidOperation:
            return _MISSING
    if not d.is_finite() or abs(d) >= _LARGEST:
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


def make_region(cells: dict[str, Any], row: int, extra: dict[str, Any] | None = None) -> Region:
    """A Region from column key -> cell (any type a reader produces)."""
    values: dict[str, Any] = {c.key: None for c in columns()}
    raw: dict[str, str] = {}
    enums = allowed_values()
    for key, v in cells.items():
        c = column_by_key()[key]
        if _is_empty(v):
            continue
        if c.datatype == "string":
            text = _text(v)
            if key in enums:
                text = enums[key].get(_norm(text), text.strip())
            values[key] = text
        else:
            parsed = _parse_number(v, c.datatype)
            if parsed is _MISSING:
                raw[key] = _text(v)
            else:
                values[key] = parsed
    return Region(region_id=values["region_id"] or "", name=values["name"], row=row,
                  values=values, raw=raw, extra=dict(extra or {}))


def _is_units_row(cells: dict[str, Any]) -> bool:
    """The template's second row (units) is skipped when a filled-in template comes back."""
    filled = [(k, v) for k, v in cells.items() if not _is_empty(v)]
    by_key = column_by_key()
    return len(filled) >= 3 and all(
        _norm(_text(v)) in (_norm(by_key[k].unit_zh), _norm(by_key[k].unit_en)) for k, v in filled)


def from_table(header: list, rows: Iterable[tuple[int, list]], source_name: str | None = None,
               fmt: str | None = None) -> ProfileBatch:
    """Regions from a header and (row number, cells) pairs: CSV, XLSX and JSON all end here."""
    hmap = header_map()
    keys: list[str | None] = []
    extras: list[str | None] = []
    warnings: list[dict] = []
    seen: set[str] = set()
    repeated: set[str] = set()          # kept in Region.extra, already warned about
    for i, h in enumerate(header):
        text = "" if h is None else _text(h).strip()
        key = hmap.get(_norm(text)) if text else None
        if key and key in seen:
            warnings.append(_warning(key, text, "repeated-column", column=text, key=key))
            key, text = None, f"{text} ({i + 1})"
            repeated.add(text)
        if key:
            seen.add(key)
        keys.append(key)
        extras.append(None if key else (text or None))
    if not seen:
        raise UnreadableInput("no-columns")
    regions: list[Region] = []
    used_extra: set[str] = set()
    for rownum, cells in rows:
        row_cells: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for i, v in enumerate(cells):
            if i < len(keys) and keys[i]:
                row_cells[keys[i]] = v
            elif not _is_empty(v):
                name = extras[i] if i < len(extras) and extras[i] else f"column {i + 1}"
                extra[name] = v
                used_extra.add(name)
        if all(_is_empty(v) for v in row_cells.values()) and not extra:
            continue                      # blank lines at the end of a sheet
        if _is_units_row(row_cells) and not extra:
            continue
        regions.append(make_region(row_cells, rownum, extra))
    named_extras = [e for e in extras if e] + sorted(used_extra - {e for e in extras if e})
    for name in dict.fromkeys(n for n in named_extras if n not in repeated):
        warnings.append(_warning(name, None, "unknown-column", column=name))
    return ProfileBatch(regions, warnings, source_name, fmt)


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


def _read_csv(text: str) -> tuple[list, list]:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first.count)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    rows = list(reader)
    while rows and all(not c.strip() for c in rows[0]):
        rows.pop(0)
    if not rows:
        raise UnreadableInput("no-rows")
    return rows[0], [(i, r) for i, r in enumerate(rows[1:], start=2)]


def _read_xlsx(data: bytes, sheet: str | None) -> tuple[list, list]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise UnreadableInput("xlsx") from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise UnreadableInput("no-sheet", sheet=sheet, sheets=", ".join(wb.sheetnames))
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        rows = [[_shown_value(c) for c in r] for r in ws.iter_rows()]
    finally:
        wb.close()
    numbered = [(i, r) for i, r in enumerate(rows, start=1) if any(not _is_empty(c) for c in r)]
    if not numbered:
        raise UnreadableInput("empty-sheet")
    return numbered[0][1], numbered[1:]


def _shown_value(cell):
    """The number as the sheet shows it: a cell formatted as percent holds 0.918 for 91.8 %."""
    v = getattr(cell, "value", None)
    fmt = getattr(cell, "number_format", "") or ""
    if isinstance(v, (int, float)) and not isinstance(v, bool) and fmt.endswith("%"):
        return float(f"{v * 100:.12g}")
    return v


def _read_json(text: str) -> tuple[list, list]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableInput("json", line=exc.lineno, detail=exc.msg) from None
    items = doc.get("regions") if isinstance(doc, dict) else doc
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise UnreadableInput("json-shape")
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


def _read_rdf(text: str, fmt: str) -> tuple[list, list, list]:
    """Subjects typed th:RegionProfile or carrying a thp: property become rows."""
    from .offline import RemoteDocumentRefused     # importing it stops rdflib fetching JSON-LD contexts

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
            name = str(p)[len(thp):] if str(p).startswith(thp) else None
            if p in (RDF.type, TH.sourceRow):
                continue
            if name not in column_by_key():
                name = str(p) if name is None else name
            value = str(o)
            if name in cells and cells[name] != value:
                warnings.append(_warning(name, value, "several-values", column=name))
                value = min(cells[name], value)
            cells[name] = value
        row = g.value(s, TH.sourceRow)
        rows.append((row.toPython() if row is not None else None, str(s), cells))
    rows.sort(key=lambda r: (r[0] is None, r[0] or 0, r[1]))
    extra_names = sorted({k for _, _, c in rows for k in c} - set(header))
    header = header + extra_names
    table = [(row if isinstance(row, int) else i, [c.get(h) for h in header])
             for i, (row, _, c) in enumerate(rows, start=1)]
    return header, table, warnings


def read_profiles(source: str | Path | bytes, filename: str | None = None,
                  sheet: str | None = None) -> ProfileBatch:
    """Read a profile file (path) or its content (bytes; give filename to hint the format)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        data = path.read_bytes()
        filename = filename or path.name
    else:
        data = bytes(source)
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
        header, rows = _read_xlsx(data, sheet)
    elif fmt == "json":
        header, rows = _read_json(text)
    elif fmt in ("turtle", "json-ld"):
        header, rows, warnings = _read_rdf(text, fmt)
        if not rows:
            raise UnreadableInput("rdf-empty")
    else:
        header, rows = _read_csv(text)
    batch = from_table(header, rows, filename, fmt)
    batch.warnings[:0] = warnings
    return batch
