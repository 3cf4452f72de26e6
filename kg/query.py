"""SPARQL over the knowledge graph: ad-hoc text or the named competency
questions in kg/queries/, with results as table, JSON (W3C SPARQL results), CSV."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .paths import QUERIES_DIR
from .store import KnowledgeStore, knowledge_store


@dataclass
class NamedQuery:
    name: str
    title_en: str
    title_zh: str
    question: str
    text: str
    path: Path = field(repr=False)


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
                                 _header(text, "question"), text, p)
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


def run(sparql: str, store: KnowledgeStore | None = None) -> Result:
    """Run over `store`, else the configured one (TANHENG_SPARQL_URL or the in-memory copy)."""
    store = store or knowledge_store()
    res = store.query(sparql)
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


def to_csv(result: Result) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(result.variables)
    for row in result.rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def to_table(result: Result, width: int = 60) -> str:
    """A fixed-width text table; wide East-Asian characters count double."""
    import unicodedata

    def w(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

    def cut(s: str) -> str:
        s = s.replace("\n", " ")
        while w(s) > width:
            s = s[:-2] + "…"
        return s

    cells = [[cut(v or "") for v in row] for row in result.rows]
    widths = [max([w(h)] + [w(r[i]) for r in cells]) for i, h in enumerate(result.variables)]
    pad = lambda s, n: s + " " * (n - w(s))
    lines = [" | ".join(pad(h, n) for h, n in zip(result.variables, widths)),
             "-+-".join("-" * n for n in widths)]
    lines += [" | ".join(pad(c, n) for c, n in zip(r, widths)) for r in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)


FORMATTERS = {"table": to_table, "json": to_json, "csv": to_csv}
