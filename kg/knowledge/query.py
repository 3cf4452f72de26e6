"""SPARQL over the knowledge graph: ad-hoc text or the named competency
questions in kg/queries/, with results as table, JSON (W3C SPARQL results), CSV."""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import messages
from kg.errors import UserError
from kg.namespaces import SPARQL_PREFIXES
from kg.paths import QUERIES_DIR
from kg.terminal import printable
from kg.knowledge import reader
from kg.store import KnowledgeStore


@dataclass
class NamedQuery:
    name: str
    title_en: str
    title_zh: str
    question: str            # English (the file's "# question:")
    text: str
    path: Path = field(repr=False)
    question_zh: str = ""    # "# question_zh:"

    def question_in(self, lang: str) -> str:
        return (self.question_zh or self.question) if lang == "zh" else self.question


def _header(text: str, key: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#") and line[1:].strip().startswith(key + ":"):
            return line[1:].strip()[len(key) + 1:].strip()
    return ""


def named_queries() -> dict[str, NamedQuery]:
    out = {}
    for p in sorted(QUERIES_DIR.glob("*.rq")):
        text = p.read_text(encoding="utf-8")
        out[p.stem] = NamedQuery(p.stem, _header(text, "title_en") or p.stem,
                                 _header(text, "title_zh") or p.stem,
                                 _header(text, "question"), text, p, _header(text, "question_zh"))
    return out


@dataclass
class Result:
    """A SELECT result as plain Python: variable names and rows of strings (None = unbound)."""
    variables: list[str]
    rows: list[list[str | None]]
    raw: list = field(default_factory=list, repr=False)   # the pyoxigraph terms, for the JSON writer
    boolean: bool | None = None
    triples: list | None = None


def _term_value(t) -> str | None:
    return None if t is None else t.value


# the project's own limit for a query typed into the app's console or `tanheng query`: as long as the
# endpoint's default (`tanheng serve --timeout`), so a heavy query cannot hold a shared app for good
QUERY_SECONDS = 30.0


class QueryTooLong(UserError):
    """A query ran past its time limit and was stopped."""

    def __init__(self, seconds: float):
        super().__init__("error.query-too-long", seconds=f"{seconds:g}")


def run(sparql: str, store: KnowledgeStore | None = None, timeout: float | None = None) -> Result:
    """Run over `store`, else the configured one (TANHENG_SPARQL_URL or the in-memory copy).
    An update, SERVICE, or a query too long or too deep is refused (QueryRefused)
    before anything is asked. With `timeout`, a query over the in-memory copy that runs longer is
    stopped (QueryTooLong); a server enforces its own limit."""
    guard(sparql)
    if timeout is None or store is not None or reader.source() is not None:
        return _answer(sparql, store)
    # parsed here, over an empty store, so a syntax error is raised in this process as Oxigraph words it (a
    # SELECT or CONSTRUCT is not evaluated until read); the child only evaluates
    ox.Store().query(SPARQL_PREFIXES + sparql)
    reader.query("ASK {}")          # the in-memory copy is loaded here, so the child shares it
    return _within(timeout, _answer, sparql, None)


def _within(seconds: float, fn, *args):
    """fn(*args) in a forked child (which shares the loaded store, copy-on-write), killed after `seconds`:
    Oxigraph cannot interrupt a query running in its own thread, but a process can be stopped."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, fn, args), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(seconds):
            raise QueryTooLong(seconds)
        ok, value = receive.recv()
    except EOFError:                  # the child died without an answer (out of memory, killed)
        raise QueryTooLong(seconds) from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if not ok:
        raise value
    return value


def _child(send, fn, args) -> None:
    try:
        send.send((True, fn(*args)))
    except BaseException as exc:      # noqa: BLE001 — handed to the parent, which raises it
        send.send((False, exc))
    finally:
        send.close()


def _answer(sparql: str, store: KnowledgeStore | None) -> Result:
    res = store.query(sparql) if store is not None else reader.query(sparql)
    if isinstance(res, ox.QueryBoolean):
        return Result(["boolean"], [[str(bool(res)).lower()]], boolean=bool(res))
    if isinstance(res, ox.QueryTriples):
        triples = list(res)
        return Result(["subject", "predicate", "object"],
                      [[t.subject.value, t.predicate.value, t.object.value] for t in triples],
                      triples=triples)
    variables = [v.value for v in res.variables]
    raw = [[sol[v] for v in variables] for sol in res]
    return Result(variables, [[_term_value(t) for t in row] for row in raw], raw)


def _json_term(t) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    out = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype and t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = t.datatype.value
    return out


def to_json(result: Result) -> str:
    """The W3C SPARQL 1.1 Query Results JSON Format."""
    if result.boolean is not None:
        return json.dumps({"head": {}, "boolean": result.boolean})
    bindings = []
    for row in result.raw:
        bindings.append({v: _json_term(t) for v, t in zip(result.variables, row) if t is not None})
    if result.triples is not None:
        bindings = [{"subject": _json_term(t.subject), "predicate": _json_term(t.predicate),
                     "object": _json_term(t.object)} for t in result.triples]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False, indent=1)


_NUMERIC = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in (
    "integer", "decimal", "double", "float", "long", "int", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt")}


def _csv_value(term, text, csv_cell):
    """A number literal stays a number (-5 is not a formula); any other text that a spreadsheet
    would run as a formula (=, +, -, @, tab, CR first) is written as text (OWASP CSV injection)."""
    if isinstance(term, ox.Literal) and term.datatype.value in _NUMERIC:
        return text
    return csv_cell(text)


def to_csv(result: Result) -> str:
    from kg.present.tables import csv_cell          # kg.present.tables reaches kg.knowledge.query through kg.present.report

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")   # RFC 4180; and a CR inside a cell gets quoted
    w.writerow([csv_cell(v) for v in result.variables])
    raws = result.raw or [[None] * len(r) for r in result.rows]
    for row, raw in zip(result.rows, raws):
        w.writerow([_csv_value(t, v, csv_cell) for t, v in zip(raw, row)])
    return buf.getvalue()


def to_table(result: Result, width: int = 60) -> str:
    """A fixed-width text table (kg.present.tables.to_text, the one text writer) with its row count."""
    from kg.present.tables import to_text

    return to_text(result.variables, result.rows, width=width, count=True)


FORMATTERS = {"table": to_table, "json": to_json, "csv": to_csv}


# ------------------------------------------------------------------ updates and error messages
_UPDATE_OPERATIONS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD",
                                "WITH"})   # WITH <g> DELETE/INSERT … is an update too
_PROLOGUE_TOKEN = re.compile(
    r"""\s+|\#[^\n]*                                  # blanks and comments
      |(?i:BASE)\s*<[^>]*>                            # BASE <iri>
      |(?i:PREFIX)\s*[^\s:]*:\s*<[^>]*>               # PREFIX p: <iri>
      |(?i:VERSION)\s*(?:"[^"]*"|'[^']*')             # VERSION "1.2"
    """, re.X)
_FIRST_WORD = re.compile(r"[A-Za-z]+")

class QueryRefused(UserError, ValueError):
    """A query Tanheng will not run, refused before any parser or server sees it.
    `status` is the HTTP answer the endpoint gives; message() and str() give both languages."""
    status = 400

    def __init__(self, key: str, **params):     # a key of kg/messages.csv (query.*)
        super().__init__(key, **params)

    def message(self, lang: str = "zh") -> str:
        return self.bilingual(lang)

    def __str__(self) -> str:
        return self.bilingual("zh")


class UpdateNotAllowed(QueryRefused):
    """An update (INSERT, DELETE, LOAD, CLEAR, …) sent where only queries are run."""
    status = 403

    def __init__(self):
        super().__init__("query.update-refused")


class FederationRefused(QueryRefused):
    """SERVICE would make the engine fetch a URL of the query's choosing (SSRF)."""
    status = 403

    def __init__(self):
        super().__init__("query.federation-refused")


class QueryTooComplex(QueryRefused):
    """Longer or more deeply nested than any real query; the parsers recurse and
    a few thousand nested brackets overflow their stack (a segfault, not an error)."""


def is_update(text: str) -> bool:
    """True when the operation after the prologue (BASE, PREFIX, VERSION,
    comments) is a SPARQL update; the text is only read, never run."""
    pos = 0
    while m := _PROLOGUE_TOKEN.match(text, pos):
        if m.end() == pos:
            break
        pos = m.end()
    word = _FIRST_WORD.match(text, pos)
    return bool(word) and word.group(0).upper() in _UPDATE_OPERATIONS


MAX_QUERY_CHARS = 1_000_000       # a query text, not data
MAX_NESTING = 64                  # brackets inside brackets; the named queries need 4

# what is not SPARQL syntax proper: strings (long and short), IRIs, comments
_OPAQUE = re.compile("|".join([
    r"'''(?:[^'\\]|\\.|'(?!''))*'''",           # long strings
    r'"""(?:[^"\\]|\\.|"(?!""))*"""',
    r"'(?:[^'\\\n]|\\.)*'",                      # short strings
    r'"(?:[^"\\\n]|\\.)*"',
    r'<[^<>"{}|^`\\\x00-\x20]*>',                # IRIs
    r"#[^\n]*",                                  # comments
]), re.S)
_SERVICE = re.compile(r"(?<![\w?$:.\-])SERVICE(?![\w:\-])", re.I)
_OPEN, _CLOSE = "([{", ")]}"


def _syntax_only(text: str) -> str:
    """The query with strings, IRIs and comments blanked out, so that brackets
    and keywords inside them are not counted."""
    return _OPAQUE.sub(lambda m: " " * len(m.group(0)), text)


def nesting_depth(text: str) -> int:
    depth = deepest = 0
    for c in _syntax_only(text):
        if c in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif c in _CLOSE:
            depth = max(depth - 1, 0)
    return deepest


def guard(text: str) -> None:
    """Refuse, before anything parses or runs it, a query that is an update,
    federates (SERVICE), or is too long or too deeply nested to parse safely."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooComplex("query.too-long", n=f"{len(text):,}", limit=f"{MAX_QUERY_CHARS:,}")
    depth = nesting_depth(text)
    if depth > MAX_NESTING:
        raise QueryTooComplex("query.too-deep", depth=depth, limit=MAX_NESTING)
    if is_update(text):
        raise UpdateNotAllowed()
    if _SERVICE.search(_syntax_only(text)):
        raise FederationRefused()


PREFIX_LINES = SPARQL_PREFIXES.count("\n")     # the lines KnowledgeStore.query puts before a user's query
_POSITION = re.compile(r"^\s*error at (\d+):(\d+):\s*")
_CHAR_CLASS = re.compile(r"^\[.*\]$", re.S)
_PREFIXED_NAME = re.compile(r"(?<![\w<?$])([A-Za-z][\w.\-]*)?:")
_DECLARED = re.compile(r"PREFIX\s*([^\s:]*):", re.I)


def _undeclared_prefix(text: str, line: int | None, col: int | None) -> str | None:
    declared = {p for p in _DECLARED.findall(SPARQL_PREFIXES + text)}
    lines = text.splitlines()
    if line and 1 <= line <= len(lines):           # the prefixed name just before the error position
        before = lines[line - 1][: col or None]
        found = [p for p in _PREFIXED_NAME.findall(before) if p not in declared]
        if found:
            return found[-1]
    # anywhere else, outside IRIs and strings
    stripped = re.sub(r"<[^>\s]*>|\"[^\"\n]*\"|'[^'\n]*'|#[^\n]*", " ", text)
    found = [p for p in _PREFIXED_NAME.findall(stripped) if p not in declared]
    return found[0] if found else None


def error_message(exc: BaseException | str, text: str, lang: str = "zh",
                  prefix_lines: int = PREFIX_LINES, both: bool = True) -> str:
    """One bilingual sentence for a SPARQL syntax error: the position in the
    user's own text (the prepended prefix lines taken off), 'prefix x: is not
    declared' where that is the cause, else the parser's first clause without
    its character-range lists. zh first when lang is "zh"."""
    msg = str(exc).strip()
    line = col = None
    if m := _POSITION.match(msg):
        line, col = int(m.group(1)) - prefix_lines, int(m.group(2))
        if line < 1:                                # inside the prefixes: cannot point into the user's text
            line = col = None
        msg = msg[m.end():]
    if "Prefix not found" in msg:
        prefix = _undeclared_prefix(text, line, col)
        zh_what, en_what = (messages.text("query.prefix-undeclared", each, prefix=prefix) if prefix is not None
                            else messages.text("query.a-prefix-undeclared", each) for each in ("zh", "en"))
    else:
        first = msg.split("\n")[0]
        if first.startswith("expected one of "):
            items = [i.strip() for i in msg[len("expected one of "):].replace("\n", " ").split(", ")]
            items = [i for i in items if i and not i.startswith("[") and not i.endswith("]")]
            shown = ", ".join(items[:8]) + (", …" if len(items) > 8 else "")
            first = f"expected one of {shown}" if items else "unexpected text"
        first = first.rstrip(" ,")
        zh_what = en_what = first
    key, where = ("query.invalid-at", {"line": line, "col": col}) if line is not None else ("query.invalid", {})
    zh, en = messages.text(key, "zh", what=zh_what, **where), messages.text(key, "en", what=en_what, **where)
    if not both:            # a page in one language: one sentence in it
        return zh + "。" if lang == "zh" else en[:1].upper() + en[1:] + "."
    return f"{zh} / {en}" if lang == "zh" else f"{en} / {zh}"


def update_refused_message(lang: str = "zh") -> str:
    return UpdateNotAllowed().bilingual(lang)
