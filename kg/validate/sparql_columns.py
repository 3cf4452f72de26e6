"""SPARQL constraints of one focus node, compiled to column operations (the fast engine).

Most sh:sparql constraints of rules/profile-shapes.ttl read a few columns of one region, combine
them (sums, ratios, ROUND, COALESCE) and filter: a computation on the row. Loading the batch into
Oxigraph as N-Triples to ask them cost ~0.35 s CPU per 2,844 regions, more than every column check
together. Here such a query is translated once (from rdflib's SPARQL algebra, when the shapes are
compiled) into a small expression tree and evaluated over the batch as numpy arrays.

SPARQL's meaning is kept: unbound variables, type errors (a text cell in an arithmetic or a
comparison), the error rules of &&, || and !, BIND leaving a variable unbound on error,
integer/decimal arithmetic. The arrays hold floats; every float carries a bound on its distance
from the exact decimal value, and a row whose outcome could change within that bound (a
comparison or a ROUND that close to its edge) is decided again with exact decimals, as are the
rows that match, whose ?value is computed exactly (ROUND as rdflib, pySHACL's engine, does it).
A query outside this subset — another subject than ?this (a join between rows), a path, a
function not listed here — is not translated (`translate` returns None) and keeps running in
Oxigraph: nothing is skipped."""
from __future__ import annotations

import operator
from dataclasses import dataclass
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import repeat
from typing import Any

import numpy as np

_EPS = 2.0 ** -52          # relative rounding of one float operation (generous: 2× the unit roundoff)
_SAFETY = 8.0              # margin on the error bound before a row is called uncertain
_CMP = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "=": operator.eq,
        "!=": operator.ne}
_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


class Untranslatable(Exception):
    """The query uses something outside the subset evaluated here."""


@dataclass(frozen=True)
class ColumnQuery:
    """A translated constraint: `plan` (nested tuples) yields the rows and ?value; `path` is the
    column the result names (the constant ?path of the SELECT)."""
    plan: tuple
    path: str | None
    keys: tuple[str, ...]          # the columns it reads


# ----------------------------------------------------------------------------- translation

def translate(query: str, target: str, type_iri: str, column_of) -> ColumnQuery | None:
    """The query's column form, or None when it is not in the subset (it then runs in Oxigraph).
    `target`: the class every batch node has; `type_iri`: rdf:type; `column_of(iri)`: the profile
    column key of a property IRI, or None."""
    from rdflib.plugins.sparql import prepareQuery

    try:
        algebra = prepareQuery(query).algebra
        if algebra.name != "SelectQuery" or algebra.p.name != "Project":
            raise Untranslatable
        if [str(v) for v in algebra.p.PV] != ["this", "value", "path"]:
            raise Untranslatable
        keys: set[str] = set()
        plan, path = _plan(algebra.p.p, target, type_iri, column_of, keys)
        return ColumnQuery(plan, path, tuple(sorted(keys)))
    except Untranslatable:
        return None


_MONOTONE = {"SelectQuery", "Project", "Extend", "Filter", "BGP", "LeftJoin", "Join"}


def join_column(query: str, column_of) -> str | None:
    """The column a query outside the subset joins two rows on, when its answers can only be rows
    sharing that column's value with another row (UniqueRegionIdShape: ?this and ?other, different
    nodes, of one region_id): then Oxigraph needs only those rows. It is such a query when every
    triple's subject is ?this or one other variable ?o, a mandatory triple pair reads
    ?this <column> ?v . ?o <column> ?v, a filter over the whole pattern asks ?o != ?this, and nothing
    in it can be undone by more rows (no NOT EXISTS, MINUS, aggregate or subquery). Else None."""
    from rdflib.plugins.sparql import prepareQuery

    algebra = prepareQuery(query).algebra
    subjects, nodes = set(), [algebra]
    while nodes:
        node = nodes.pop()
        if node.name not in _MONOTONE or "EXISTS" in repr(getattr(node, "expr", "")).upper():
            return None
        if node.name == "BGP":
            subjects |= {str(s) if type(s).__name__ == "Variable" else None for s, _, _ in node.triples}
        nodes += [getattr(node, k) for k in ("p", "p1", "p2") if getattr(node, k, None) is not None]
    node, conjuncts = algebra.p, []
    while node.name in ("Project", "Extend", "Filter", "LeftJoin"):    # down to the pattern no OPTIONAL undoes
        if node.name == "Filter":                                     # a filter over the whole pattern
            e = node.expr
            conjuncts += [e.expr, *e.other] if e.name == "ConditionalAndExpression" else [e]
        node = node.p1 if node.name == "LeftJoin" else node.p
    mandatory = node.triples if node.name == "BGP" else []
    others = subjects - {"this"}
    if None in subjects or len(others) != 1:
        return None
    other = others.pop()
    if not any(getattr(e, "name", None) == "RelationalExpression" and e.op == "!="
               and {str(e.expr), str(e.other)} == {"this", other} for e in conjuncts):
        return None
    reads = {(str(s), str(p)): str(o) for s, p, o in mandatory if type(o).__name__ == "Variable"}
    for (s, p), v in reads.items():
        if s == "this" and reads.get((other, p)) == v and column_of(p) is not None:
            return column_of(p)
    return None


def _plan(node, target, type_iri, column_of, keys, path=None):
    name = node.name
    if name == "Extend" and _is_iri(node.expr):
        if str(node.var) != "path" or column_of(str(node.expr)) is None:
            raise Untranslatable
        inner, _ = _plan(node.p, target, type_iri, column_of, keys)
        return inner, column_of(str(node.expr))
    if name == "Extend":
        inner, path = _plan(node.p, target, type_iri, column_of, keys)
        return ("extend", inner, str(node.var), _expr(node.expr)), path
    if name == "Filter":
        inner, path = _plan(node.p, target, type_iri, column_of, keys)
        return ("filter", inner, _boolean(node.expr)), path
    if name == "BGP":
        return ("bgp", _triples(node.triples, target, type_iri, column_of, keys)), path
    if name == "LeftJoin" and node.p2.name == "BGP" and node.expr.name == "TrueFilter":
        inner, path = _plan(node.p1, target, type_iri, column_of, keys)
        return ("optional", inner, _triples(node.p2.triples, target, type_iri, column_of, keys)), path
    if name == "Join":
        left, path = _plan(node.p1, target, type_iri, column_of, keys)
        right, _ = _plan(node.p2, target, type_iri, column_of, keys)
        if left[0] == right[0] == "bgp":
            return ("bgp", left[1] + right[1]), path
    raise Untranslatable


def _is_iri(x) -> bool:
    return type(x).__name__ == "URIRef"


def _triples(triples, target, type_iri, column_of, keys) -> tuple:
    """(column, variable) pairs; each triple must be ?this <column> ?var or ?this a <target>."""
    out = []
    for s, p, o in triples:
        if type(s).__name__ != "Variable" or str(s) != "this":
            raise Untranslatable                      # a join between rows: Oxigraph answers it
        if str(p) == type_iri and str(o) == target:
            continue                                  # every node of the batch has the target class
        key = column_of(str(p)) if _is_iri(p) else None
        if key is None or type(o).__name__ != "Variable":
            raise Untranslatable
        keys.add(key)
        out.append((key, str(o)))
    return tuple(out)


_BOOLEAN = ("cmp", "and", "or", "not", "bound", "isnumeric")


def _boolean(e) -> tuple:
    out = _expr(e)
    if out[0] not in _BOOLEAN:
        raise Untranslatable                          # effective boolean value of a number or text
    return out


def _expr(e) -> tuple:
    kind = type(e).__name__
    if kind == "Variable":
        return ("var", str(e))
    if kind == "Literal":
        v = e.toPython()
        if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
            raise Untranslatable
        return ("const", v)
    name = getattr(e, "name", None)
    if name == "RelationalExpression":
        if e.op not in _CMP:
            raise Untranslatable                      # IN / NOT IN
        return ("cmp", e.op, _expr(e.expr), _expr(e.other))
    if name in ("ConditionalAndExpression", "ConditionalOrExpression"):
        return ("and" if name == "ConditionalAndExpression" else "or",
                tuple(_boolean(x) for x in [e.expr, *e.other]))
    if name in ("AdditiveExpression", "MultiplicativeExpression"):
        return ("arith", _expr(e.expr), tuple((op, _expr(x)) for op, x in zip(e.op, e.other)))
    if name == "UnaryNot":
        return ("not", _boolean(e.expr))
    if name == "UnaryMinus":
        return ("arith", ("const", 0), (("-", _expr(e.expr)),))
    if name == "Builtin_BOUND":
        return ("bound", str(e.arg))
    if name == "Builtin_isNUMERIC":
        return ("isnumeric", _expr(e.arg))
    if name == "Builtin_COALESCE":
        return ("coalesce", tuple(_expr(x) for x in e.arg))
    if name in ("Builtin_ABS", "Builtin_ROUND"):
        return (name[8:].lower(), _expr(e.arg))
    raise Untranslatable


# ----------------------------------------------------------------------------- columns of a batch

@dataclass
class Column:
    """A column as the store would hold it: x (float, NaN where not a number), num (a number),
    bound (a value at all: number or text), err (bound on |x − exact|)."""
    x: np.ndarray
    num: np.ndarray
    bound: np.ndarray
    err: np.ndarray


@dataclass
class Cells:
    """One column of a batch as its regions hold it, read once for every check of a validation:
    `values` (region.values[key], None where empty or not a number; read from the regions only when a check
    asks: a column of numbers a columnar reader gave is never walked), x (float, NaN where not a number), num
    (an int or float value), text (no value but a raw cell: the text the user gave), absent (neither)."""
    cells: object               # the values, or a function giving them
    x: np.ndarray
    num: np.ndarray
    text: np.ndarray
    absent: np.ndarray

    @property
    def values(self):
        if callable(self.cells):
            self.cells = self.cells()
        return self.cells


_NUMBERS = {int, float, type(None)}
_TEXTS = {str, type(None)}            # the cell types of a text column


class BatchCells:
    """The columns of a batch, each read from the regions when first asked for: a column of plain numbers from the
    batch's number columns (kg.read.numbers, shared with accounting and the indicators), any other cell by cell."""

    def __init__(self, regions, numbers=None):
        from kg.read.numbers import Numbers

        self.regions = regions
        self.n = len(regions)
        self.numbers = numbers if numbers is not None else Numbers([r.values for r in regions])
        self._cells: dict[str, Cells] = {}
        # the columns some region kept a raw text of (most batches: none or a few)
        self._raw_keys = {k for r in regions if r.raw for k in r.raw}
        self._no_text: np.ndarray | None = None

    def __getitem__(self, key: str) -> Cells:
        c = self._cells.get(key)
        if c is None:
            c = self._cells[key] = self._read(key)
        return c

    def _read(self, key: str) -> Cells:
        regions, n = self.regions, self.n
        plain = self.numbers(key)
        values = (lambda: self.numbers.cells(key)) if plain is not None else self.numbers.cells(key)
        kinds = set(map(type, values)) if plain is None else None
        if plain is not None:                 # numbers and blanks (None): read once for the batch
            x, blank = plain
            num = ~blank
        elif kinds <= _TEXTS:                 # a text column: no numbers
            num, x, blank = np.zeros(n, bool), np.full(n, np.nan), None
        elif kinds <= _NUMBERS | {str}:       # what the reader makes: no bool, no Decimal
            num = np.fromiter((v.__class__ is int or v.__class__ is float for v in values), bool, n)
            x = np.array([v if ok else np.nan for v, ok in zip(values, num)], float)
            blank = None
        else:
            num = np.fromiter((isinstance(v, (int, float)) and not isinstance(v, bool) for v in values), bool, n)
            x = np.array([float(v) if ok else np.nan for v, ok in zip(values, num)], float)
            blank = None
        if blank is None:
            blank = np.fromiter(map(operator.is_, values, repeat(None)), bool, n)
        if key not in self._raw_keys:         # no raw text kept: every empty cell is absent (arrays read, not written)
            if self._no_text is None:
                self._no_text = np.zeros(n, bool)
            return Cells(values, x, num, self._no_text, blank)
        text, absent = np.zeros(n, bool), blank.copy()
        empty = np.flatnonzero(blank)
        raw = empty[np.fromiter((key in regions[i].raw for i in empty.tolist()), bool, len(empty))]
        text[raw] = True
        absent[raw] = False
        return Cells(values, x, num, text, absent)


def batch_columns(regions, keys, cells: BatchCells | None = None) -> dict[str, Column]:
    """The columns `keys` of the regions: parsed numbers, text (raw cells, text columns) as non-numbers."""
    cells = cells if cells is not None else BatchCells(regions)
    out = {}
    for key in keys:
        c = cells[key]
        out[key] = Column(c.x, c.num, ~c.absent, np.abs(np.where(c.num, c.x, 0.0)) * _EPS)
    return out


# ----------------------------------------------------------------------------- evaluation on arrays
# A value: (x, num, ok, err) — ok: bound without error; num: ok and a number; err: error bound of x.
# A truth: (val, error). `unsure` collects the rows whose outcome the floats cannot decide.

class _Arrays:
    def __init__(self, n: int):
        self.n = n
        self.unsure = np.zeros(n, bool)

    def _full(self, a):
        """A truth as an array over the rows (a constant's is a scalar)."""
        return a if np.ndim(a) else np.full(self.n, bool(a))

    def value(self, e, env):
        op = e[0]
        if op == "var":
            if e[1] not in env:
                f = np.zeros(self.n, bool)
                return np.full(self.n, np.nan), f, f, np.zeros(self.n)
            return env[e[1]]
        if op == "const":               # scalars: numpy broadcasts them, the same operations element by element
            x = float(e[1])
            return x, np.True_, np.True_, abs(x) * _EPS
        if op == "arith":
            x, num, ok, err = self.value(e[1], env)
            for sym, rhs in e[2]:
                y, ynum, _, yerr = self.value(rhs, env)
                with np.errstate(all="ignore"):
                    if sym == "/":
                        zero = ynum & (y == 0)
                        self.unsure |= num & ynum & (np.abs(y) <= _SAFETY * yerr)
                        r = x / np.where(zero, 1.0, y)
                        rerr = (err + np.abs(r) * yerr) / np.maximum(np.abs(y) - yerr, 1e-300)
                        num = num & ynum & ~zero
                    else:
                        r = _ARITH[sym](x, y)
                        rerr = err + yerr if sym in "+-" else np.abs(x) * yerr + np.abs(y) * err + err * yerr
                        num = num & ynum
                x, err = np.where(num, r, np.nan), np.where(num, rerr + np.abs(r) * _EPS, 0.0)
            return x, num, num, err
        if op == "coalesce":
            x, num, ok, err = (np.full(self.n, np.nan), np.zeros(self.n, bool), np.zeros(self.n, bool),
                               np.zeros(self.n))
            for arg in e[1]:
                ax, anum, aok, aerr = self.value(arg, env)
                take = ~ok & aok
                x, num, err = np.where(take, ax, x), np.where(take, anum, num), np.where(take, aerr, err)
                ok = ok | aok
            return x, num, ok, err
        if op == "abs":
            x, num, _, err = self.value(e[1], env)
            return np.abs(x), num, num, err
        if op == "round":
            x, num, _, err = self.value(e[1], env)
            with np.errstate(invalid="ignore"):
                edge = np.abs(x - np.floor(x) - 0.5)
            self.unsure |= num & (edge <= _SAFETY * err + 1e-300)
            r = np.floor(x + 0.5)
            return r, num, num, np.where(num, err + np.abs(r) * _EPS, 0.0)
        raise Untranslatable(op)

    def truth(self, e, env):
        op = e[0]
        if op == "cmp":
            x, xnum, xok, xerr = self.value(e[2], env)
            y, ynum, yok, yerr = self.value(e[3], env)
            both = xnum & ynum
            with np.errstate(invalid="ignore"):
                val = _CMP[e[1]](x, y) & both
                self.unsure |= both & (np.abs(x - y) <= _SAFETY * (xerr + yerr))
            self.unsure |= xok & yok & ~xnum & ~ynum      # text against text: decided exactly
            return self._full(val), self._full(~both)
        if op == "and":
            parts = [self.truth(x, env) for x in e[1]]
            known_false = np.logical_or.reduce([~v & ~er for v, er in parts])
            any_err = np.logical_or.reduce([er for _, er in parts])
            return ~known_false & ~any_err, ~known_false & any_err
        if op == "or":
            parts = [self.truth(x, env) for x in e[1]]
            known_true = np.logical_or.reduce([v & ~er for v, er in parts])
            any_err = np.logical_or.reduce([er for _, er in parts])
            return known_true, ~known_true & any_err
        if op == "not":
            v, er = self.truth(e[1], env)
            return ~v & ~er, er
        if op == "bound":
            ok = env[e[1]][2] if e[1] in env else np.zeros(self.n, bool)
            return self._full(ok).copy(), np.zeros(self.n, bool)
        if op == "isnumeric":
            _, num, ok, _ = self.value(e[1], env)
            return self._full(num).copy(), self._full(~ok)
        raise Untranslatable(op)

    def rows(self, plan, cols: dict[str, Column]):
        """(alive, env) of a plan node."""
        op = plan[0]
        if op == "bgp":
            alive = np.ones(self.n, bool)
            env = {}
            for key, var in plan[1]:
                c = cols[key]
                alive &= c.bound
                env[var] = (c.x, c.num, c.bound, c.err)
            return alive, env
        if op == "optional":
            alive, env = self.rows(plan[1], cols)
            for key, var in plan[2]:
                c = cols[key]
                env[var] = (c.x, c.num, c.bound, c.err)
            return alive, env
        if op == "extend":
            alive, env = self.rows(plan[1], cols)
            env = {**env, plan[2]: self.value(plan[3], env)}
            return alive, env
        if op == "filter":
            alive, env = self.rows(plan[1], cols)
            val, _ = self.truth(plan[2], env)
            return alive & (val | self.unsure), env
        raise Untranslatable(op)


# ----------------------------------------------------------------------------- exact evaluation of a row

def _exact_value(e, env):
    op = e[0]
    if op == "var":
        return env.get(e[1])
    if op == "const":
        return e[1]
    if op == "arith":
        x = _exact_value(e[1], env)
        for sym, rhs in e[2]:
            y = _exact_value(rhs, env)
            if not (_is_num(x) and _is_num(y)):
                return None
            if sym == "/":
                if y == 0:
                    return None
                x = Decimal(x) / Decimal(y)           # integer / integer is a decimal in SPARQL
            else:
                x = _ARITH[sym](x, y)
        return x
    if op == "coalesce":
        for arg in e[1]:
            v = _exact_value(arg, env)
            if v is not None:
                return v
        return None
    if op == "abs":
        x = _exact_value(e[1], env)
        return abs(x) if _is_num(x) else None
    if op == "round":
        x = _exact_value(e[1], env)
        if not _is_num(x):
            return None
        # rdflib's ROUND (pySHACL's engine): halves away from zero above it, towards zero below
        r = int(Decimal(x).quantize(Decimal(1), ROUND_HALF_UP if x > 0 else ROUND_HALF_DOWN))
        return r if isinstance(x, int) else Decimal(r)
    raise Untranslatable(op)


def _is_num(v) -> bool:
    return isinstance(v, (int, Decimal)) and not isinstance(v, bool)


def _exact_truth(e, env):
    """True, False or None (an error)."""
    op = e[0]
    if op == "cmp":
        x, y = _exact_value(e[2], env), _exact_value(e[3], env)
        if _is_num(x) and _is_num(y) or isinstance(x, str) and isinstance(y, str):
            return _CMP[e[1]](x, y)
        return None
    if op == "and":
        parts = [_exact_truth(x, env) for x in e[1]]
        return False if False in parts else (None if None in parts else True)
    if op == "or":
        parts = [_exact_truth(x, env) for x in e[1]]
        return True if True in parts else (None if None in parts else False)
    if op == "not":
        v = _exact_truth(e[1], env)
        return None if v is None else not v
    if op == "bound":
        return env.get(e[1]) is not None
    if op == "isnumeric":
        v = _exact_value(e[1], env)
        return None if v is None else _is_num(v)
    raise Untranslatable(op)


def _exact_row(plan, cells: dict[str, Any]):
    """The row's bindings if it passes the plan exactly, else None."""
    op = plan[0]
    if op in ("bgp", "optional"):
        env = {} if op == "bgp" else _exact_row(plan[1], cells)
        if env is None:
            return None
        for key, var in plan[-1]:
            v = cells.get(key)
            if v is None and op == "bgp":
                return None
            if v is not None:
                env[var] = v
        return env
    env = _exact_row(plan[1], cells)
    if env is None:
        return None
    if op == "extend":
        v = _exact_value(plan[3], env)
        return {**env, plan[2]: v} if v is not None else env
    if op == "filter":
        return env if _exact_truth(plan[2], env) is True else None
    raise Untranslatable(op)


def _cell(region, key: str, datatype: str):
    """The cell as the store holds it: an int (xsd:integer), the Decimal of its lexical form
    (xsd:decimal), text (a raw cell or a text column), or None."""
    v = region.values.get(key)
    if v is None:
        return region.raw.get(key)
    if datatype == "decimal":
        return Decimal(repr(float(v)))
    if datatype == "integer":
        return int(v)
    return str(v)


def _plain(v):
    """?value as the store's answer reads (shacl_fast.plain): int for an integer, float for a decimal."""
    if isinstance(v, Decimal):
        try:
            return float(v)
        except (InvalidOperation, ValueError):
            return None
    return v


def run(q: ColumnQuery, regions, cols: dict[str, Column], datatypes: dict[str, str]) -> list[tuple[int, Any]]:
    """(index of the region, ?value) of every row the query returns."""
    if not regions:
        return []
    arrays = _Arrays(len(regions))
    alive, _ = arrays.rows(q.plan, cols)
    out = []
    for i in np.flatnonzero(alive):
        r = regions[i]
        env = _exact_row(q.plan, {k: _cell(r, k, datatypes[k]) for k in q.keys})
        if env is not None:
            out.append((int(i), _plain(env.get("value"))))
    return out
