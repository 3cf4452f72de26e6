"""The compact advice records (schema 2) of a whole batch, written as bytes from the fast path's arrays
(kg.reason.fast.Verdicts) without a Verdict, RankedMeasure or Reason object per region.

The same records as kg.present.advice.present(compact=True) gives for the Verdicts (with
kg.pipeline.advice's head and compact balance), in the same key order and to the byte as orjson writes
them. Each record is joined from pre-encoded pieces: what depends only on the region's type and
designation encoded once a batch; type scores and indicators written by one orjson call, each region's
filled into one template; each model's measure lists for all its regions one token array (each
measure's head and each reason that does not depend on a region's figures encoded once, the text that closes a
measure together with the head that follows it; scores and boost figures written by orjson in bulk and cut at
their commas, a boost reason's constant text cut with its value — framed — rather than joined to it later) and
each row's tokens joined — a region's list given again as its close call's runner-up measures and, picked by
rank, its secondary measures; drivers likewise. What costs here is the number of bytes objects made and joined
(~50–100 ns each), so each piece is as big as its constant text allows. Nothing here computes: every number
comes from the reasoning's arrays; this module rounds for display only, as present does."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, repeat

import numpy as np
import orjson

from kg.knowledge import pathway
from kg.knowledge.rules import rules
from kg.present.advice import (close_explanation, disagreement, model_fields, official_zone, reference_text,
                               secondary_fields, typing_fields)
from kg.reason.fast import RankedModel, Verdicts, fixed_reasons, plain
from kg.reason.verdict import SCORE_DIGITS, round_array



def numbers(values) -> list[bytes]:
    """Each number (or None) of a list, or each element of a number array (NaN and ±inf: null), as orjson writes
    it: one dumps of them all, cut at its commas. An array is written by orjson directly (the same digits as its
    Python floats, without making them)."""
    if isinstance(values, np.ndarray):
        if values.dtype == object:
            values = values.tolist()
        elif values.size:
            return orjson.dumps(np.ascontiguousarray(values).reshape(-1), option=orjson.OPT_SERIALIZE_NUMPY)[1:-1] \
                .split(b",")
    return orjson.dumps(values)[1:-1].split(b",") if len(values) else []


HOLE = orjson.Fragment(b"\x00")     # orjson escapes a NUL in any string: a raw one is only ever a hole


def template(obj) -> bytes:
    """obj as orjson writes it, each HOLE in it a `%s` of a bytes template (filled in order with encoded values)."""
    return b"%s".join(p.replace(b"%", b"%%") for p in orjson.dumps(obj).split(b"\x00"))


def rows_of(cells: list, width: int):
    """Consecutive groups of `width` cells (a row-major table's rows), as tuples."""
    return zip(*[iter(cells)] * width)


@lru_cache(maxsize=None)
def _heads(model_iri: str) -> np.ndarray:
    """`,{"id":"…","score":` of each of the model's measures (model_weights order), then `[{"id":"…","score":`."""
    fields = model_fields(model_iri)
    heads = [b'{"id":' + orjson.dumps(fields[m]["id"]) + b',"score":' for m in _iris(model_iri)]
    return _objects([b"," + h for h in heads] + [b"[" + h for h in heads])


def _iris(model_iri: str) -> tuple[str, ...]:
    return tuple(m.iri for m in pathway.model_measures().get(model_iri, ()))


@lru_cache(maxsize=None)
def _common(model_iri: str) -> tuple[bool, ...]:
    fields = model_fields(model_iri)
    return tuple(fields[m]["common"] for m in _iris(model_iri))


_OPEN, _CLOSE = b',"reasons":[', b"]}"


@lru_cache(maxsize=4096)
def _fixed(model_iri: str, big: frozenset[str]) -> np.ndarray:
    """For each of the model's measures, its reasons that do not depend on the region's figures (fixed_reasons)
    encoded, as the tokens of a measure's record after its score: (all of them, closed), (its base reason, opened)
    and (the reach reason or nothing, closed) — an object array, measures × 3."""
    out = []
    for reasons in fixed_reasons(model_iri, big):
        base = _OPEN + reference_text(reasons[0])
        tail = b"".join(b"," + reference_text(x) for x in reasons[1:]) + _CLOSE
        out.append((base + tail, base, tail))
    return _table(out)


def _table(rows: list[tuple]) -> np.ndarray:
    table = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    table[:] = rows
    return table


@lru_cache(maxsize=1)
def _boost_keys() -> tuple[bytes, ...]:
    from kg.knowledge.catalog import local_name

    return tuple(b',{"kind":"boost","boost":' + orjson.dumps(local_name(b.iri)) + b',"value":' for b in rules().boosts)


def _objects(items: list) -> np.ndarray:
    """A 1-D object array of these items (numpy's fancy indexing then places them without a Python loop)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _lengths(texts: list[bytes]) -> np.ndarray:
    return np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))


@dataclass(frozen=True)
class MeasureTexts:
    """One model's ranked measures encoded for all its rows: row i's list (a JSON array) is lists[i]. The q-th
    measure (best first) of row i, c = i·measures + q, is measure order[c]; its record is its head (heads[order[c]]
    without the "," it opens with), then tokens[start[c]:stop[c]] joined, less the text they end with that opens
    the next measure's record (its head) or closes the list ("]")."""
    lists: list[bytes]
    tokens: list[bytes]
    start: np.ndarray
    stop: np.ndarray
    order: np.ndarray
    heads: np.ndarray

    def listed(self, i: int) -> bytes:
        return self.lists[i]

    def some(self, at: list[int]) -> orjson.Fragment:
        """The measures at these places (row × measures + rank) as a JSON array."""
        t, join, heads, n_m = self.tokens, b"".join, self.heads, len(self.heads) // 2
        order = self.order
        out = []
        for c, a, b in zip(at, self.start[at].tolist(), self.stop[at].tolist()):
            after = len(heads[order[c + 1]]) if (c + 1) % n_m else 1
            out.append(heads[order[c]][1:] + join(t[a:b])[:-after])
        return orjson.Fragment(b"[" + b",".join(out) + b"]")


def drivers_text(vs: Verdicts, shown: list[bytes], width: int, offset: int) -> list[bytes]:
    """Each region's drivers, [{"indicator", "value", "contribution"}, …] weightiest first ([] without a type),
    their figures and contributions rounded for display: the figures as `shown` has them (numbers() of a table,
    regions × width, whose columns from `offset` on are the rounded vs.ind, in its order), the contributions written
    by one orjson call; each region's filled into the template of its drivers (few distinct lists a batch)."""
    r = rules()
    at = {e.iri: j for j, e in enumerate(r.evidence)}
    listed = [vs.drivers.get(i, ()) if t else () for i, t in enumerate(vs.type_iri)]
    count = _lengths(listed)
    flat = np.fromiter(map(at.__getitem__, chain.from_iterable(listed)), dtype=np.int64, count=int(count.sum()))
    if not len(flat):
        return [b"[]"] * len(listed)
    region = np.repeat(np.arange(len(listed)), count)
    column = {k: offset + j for j, k in enumerate(vs.ind)}
    place = region * width + np.array([column[e.indicator] for e in r.evidence], dtype=np.int64)[flat]
    cells: list = [None] * (2 * len(flat))
    cells[0::2] = map(shown.__getitem__, place.tolist())
    cells[1::2] = numbers(_shown(np.column_stack([vs.contrib[e.iri] for e in r.evidence])[region, flat]))
    ends = np.cumsum(2 * count).tolist()
    forms = {key: _drivers_form(key) for key in set(listed)}
    return [forms[key] % tuple(cells[a:b]) for key, a, b in zip(listed, [0, *ends[:-1]], ends)]


@lru_cache(maxsize=4096)
def _drivers_form(drivers: tuple[str, ...]) -> bytes:
    indicator = {e.iri: e.indicator for e in rules().evidence}
    return template([{"indicator": indicator[e], "value": HOLE, "contribution": HOLE} for e in drivers])


def measure_texts(rm: RankedModel) -> MeasureTexts:
    """Each row's measures of one model, best first, each encoded as {"id","score","reasons"}. The reasons of a
    cell are its fixed ones, or the base reason, the boost reasons (largest part first) and the reach reason.
    All of it laid out as one token array (numpy places each piece: a boost reason, encoded once, in every cell it
    lifts) and each row's joined once. A row's tokens: the first measure's head, then for each measure its score,
    and either its fixed reasons closed or its base reason, its boost reasons and its tail (the reach reason,
    closed), the closing text ending with the next measure's head or the list's "]" (_closings: one token, not two).
    (Each row joined apart, not all at once and cut: a chunk's lists are megabytes, a row's stay in the CPU's cache.)"""
    n_p, n_m = len(rm.rows), len(rm.iris)
    n = n_p * n_m
    if not n_m:
        empty = np.zeros(0, dtype=np.int64)
        return MeasureTexts([b"[]"] * n_p, [], empty, empty, empty, _heads(rm.model))
    order = rm.order.reshape(-1)
    row = np.arange(n) // n_m
    cells = row * n_m + order                                        # each entry's cell (row × measures + measure)
    b = rm.boosts
    k = np.bincount(b.cell, minlength=n)[cells] if len(b.cell) else np.zeros(n, dtype=np.int64)
    has = k > 0
    size = 2 + has + 2 * k
    start = np.cumsum(size) - size + row + 1                         # each row opens with its first measure's head
    stop = start + size
    tok = np.empty(int(stop[-1]), dtype=object)
    heads = _heads(rm.model)
    firsts = start[::n_m]
    tok[firsts - 1] = heads[order[::n_m] + n_m]
    tok[start] = _objects(numbers(np.take_along_axis(rm.score, rm.order, axis=1)))
    sets: dict[frozenset[str], int] = {}
    kinds = np.array([sets.setdefault(x, len(sets)) for x in rm.big_sets], dtype=np.int64)[row] * n_m + order
    following = np.append(order[1:], 0)
    following[n_m - 1::n_m] = n_m                                    # after a row's last measure: "]"
    closing = np.concatenate([_closings(rm.model, x) for x in sets])
    tok[stop - 1] = closing[(kinds * 2 + has) * (n_m + 1) + following]
    if has.any():
        fixed = np.concatenate([_fixed(rm.model, x)[:, 1] for x in sets])
        tok[(start + 1)[has]] = fixed[kinds[has]]                   # the base reason, opened
        at = np.empty(n, dtype=np.int64)
        at[cells] = start                                            # each cell's entry's first token
        firsts_b = np.flatnonzero(np.diff(b.cell, prepend=-1))      # each cell's reasons are consecutive
        nth = np.arange(len(b.cell)) - np.repeat(firsts_b, np.diff(np.append(firsts_b, len(b.cell))))
        said, parts = boost_texts(b)
        place = at[b.cell] + 2 + 2 * nth
        tok[place] = said[b.which]
        tok[place + 1] = parts[b.which]
    tokens = tok.tolist()
    join = b"".join
    return MeasureTexts([join(tokens[a:z]) for a, z in zip((firsts - 1).tolist(), stop[n_m - 1::n_m].tolist())],
                        tokens, start, stop, order, heads)


@lru_cache(maxsize=4096)
def _closings(model_iri: str, big: frozenset[str]) -> np.ndarray:
    """What closes each of the model's measure records, with what follows it: for each measure, (its fixed reasons
    closed, its tail after boost reasons) × (the head of each measure that may come next, then "]") — a flat
    object array, (measure × 2 + boosted) × (measures + 1) + next."""
    fixed, heads = _fixed(model_iri, big), _heads(model_iri)
    n_m = len(fixed)
    after = [*heads[:n_m].tolist(), b"]"]
    return _objects([f + x for m in range(n_m) for f in (fixed[m, 0], fixed[m, 2]) for x in after])


def boost_texts(b) -> tuple[np.ndarray, np.ndarray]:
    """Each boost reason of BoostReasons encoded as it follows another reason,
    ,{"kind":"boost","boost","value","gate","part"}, as two tokens (object arrays, one element per reason): what it
    quotes up to its part (boost, value, gate: the same for each weight class of a region's boost), made once per
    region and boost — its value framed by the boost's key and, without a gate figure, `"gate":null` (framed: one
    orjson call and a few cuts for all), a gate figure added — and its part with the closing brace (one orjson
    call, cut)."""
    if not len(b.row):
        return np.empty(0, dtype=object), np.empty(0, dtype=object)
    quoted, first, which = np.unique(b.row * len(_boost_keys()) + b.boost, return_index=True, return_inverse=True)
    gate = b.gate[first]
    gated = ~np.isnan(gate)
    keys = _boost_keys()
    pieces, placed = framed(b.value[first], b.boost[first] * 2 + gated,
                            lambda k: (keys[k // 2], b',"gate":' if k % 2 else b',"gate":null,"part":'))
    said = np.empty(len(first), dtype=object)
    said[placed] = pieces
    if gated.any():
        said[gated] += _objects(_ended(gate[gated], b',"part":'))
    return said[which], _objects(_ended(b.part, b"}"))


def framed(values: np.ndarray, group: np.ndarray, texts) -> tuple[list[bytes], np.ndarray]:
    """Each value as orjson writes it (NaN and ±inf: null) between its group's texts, texts(g) = (before, after):
    all written by one orjson call, each group's numbers cut once — their commas replaced by (after, a NUL,
    before), split at the NULs — so that a piece is made with its constant texts rather than joined to them. The
    pieces come in group order: `placed` (the stable argsort of `group`) says whose each is."""
    placed = np.argsort(group.astype(np.int16) if len(group) and group.max() < 2 ** 15 else group, kind="stable")
    if not len(placed):
        return [], placed
    text = orjson.dumps(values[placed], option=orjson.OPT_SERIALIZE_NUMPY)[1:-1]
    ends = np.append(np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == ord(",")), len(text))
    starts = np.insert(ends[:-1] + 1, 0, 0)
    g = group[placed]
    firsts = np.flatnonzero(np.diff(g, prepend=-1))
    lasts = np.append(firsts[1:], len(g)) - 1
    out: list[bytes] = []
    for key, a, z in zip(g[firsts].tolist(), starts[firsts].tolist(), ends[lasts].tolist()):
        before, after = texts(key)
        pieces = text[a:z].replace(b",", after + b"\x00" + before).split(b"\x00")
        pieces[0] = before + pieces[0]
        pieces[-1] += after
        out += pieces
    return out, placed


def _ended(values: np.ndarray, end: bytes) -> list[bytes]:
    """numbers(values), each followed by `end`: one orjson call, its commas replaced by (end, a NUL), cut at the NULs."""
    text = orjson.dumps(values, option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].replace(b",", end + b"\x00") + end
    return text.split(b"\x00")


def _shown(a: np.ndarray) -> np.ndarray:
    """Figures rounded for display (Python's round to SCORE_DIGITS; NaN stays: null)."""
    return round_array(a, SCORE_DIGITS)


_AGREE = {None: b',"zone_agreement":null,"balance":', True: b',"zone_agreement":true,"balance":',
          False: b',"zone_agreement":false,"balance":'}


def records(vs: Verdicts, heads: list[bytes], balances: list[bytes], zone_types: list, ends: list[bytes]):
    """Each region's compact record (schema 2) as a tuple of encoded pieces, to be joined: its `head` (who it is,
    what validation found; encoded, open), its advice fields in the schema's key order, its compact `balance`
    (encoded, kg.pipeline.advice.balance_texts) among them, and its end (`ends`: its closing brace and what follows
    it). Every piece is made for all regions at once: what depends only on the region's type, designation and
    official zone once per batch, figures, type scores, drivers and measure lists in bulk (drivers_text,
    measure_texts); only close calls and disagreements are written region by region.
    `zone_types`: each region's official_zone_type as given."""
    r = rules()
    types = pathway.type_models()
    key_of = {t: types[t].key for t in r.type_order}
    n = len(vs)
    n_secondary = int(r.messages["secondary-measures"]["n"])
    texts = {model: measure_texts(rm) for model, rm in vs.ranked.items()}
    # type scores and indicators, rounded once and written by one orjson call: each region's filled into the
    # template of its typing (its scores' keys, its model, its indicators' keys)
    width, known = len(r.type_order) + len(vs.ind), len(r.type_order)
    figures = numbers(_shown(np.column_stack([vs.scores, *vs.ind.values()]))) if n and width else []
    drivers = drivers_text(vs, figures, width, known)
    dumps = orjson.dumps
    scores_form = template(dict.fromkeys([key_of[t] for t in r.type_order], HOLE))
    indicators_form = template(dict.fromkeys(vs.ind, HOLE))

    def typed(inferred: str | None, designated: str | None, official) -> tuple:
        fields, type_iri = typing_fields(inferred, designated, key_of)
        zone, inferred_key = official_zone(official), fields["inferred_type"]
        return (b"," + dumps(fields)[1:-1] + b',"type_scores":',
                b',"model":' + dumps(types[type_iri].model_key if type_iri else None) + b',"indicators":',
                b',"official_zone_type":' + dumps(zone) + _AGREE[None if zone is None or inferred_key is None
                                                                else zone == inferred_key],
                types[type_iri].model_iri if type_iri else None)

    keys = list(zip(vs.type_iri, vs.designated, zone_types))
    typing = {k: typed(*k) for k in set(keys)}          # few distinct a batch
    before, middle, zone, model_of = zip(*map(typing.__getitem__, keys)) if n else ((),) * 4
    forms = {m: scores_form + m.replace(b"%", b"%%") + indicators_form for m in set(middle)}
    scored = list(map(bytes.__mod__, map(forms.__getitem__, middle), rows_of(figures, width) if width else [()] * n))
    measures = np.full(n, b"[]", dtype=object)
    index = {model: j for j, model in enumerate(texts)}
    code = np.fromiter(map(index.get, model_of, repeat(-1)), dtype=np.int64, count=n)
    for model, t in texts.items():
        rm = vs.ranked[model]
        mine = np.flatnonzero(code == index[model])
        at = np.empty(n, dtype=np.int64)
        at[rm.rows] = np.arange(len(rm.rows))
        measures[mine] = _objects(t.lists)[at[mine]]

    def own(type_iri: str, i: int) -> orjson.Fragment:
        """The best own measures (not common) of a type's model for region i, for `secondary`."""
        model = types[type_iri].model_iri
        at = vs.place[i][model]
        common = _common(model)
        row = at * len(common)
        order = vs.ranked[model].order[at].tolist()
        return texts[model].some([row + q for q, m in enumerate(order) if not common[m]][:n_secondary])

    secondaries = [b',"secondary":null,"measures":'] * n
    closes = [b',"close_call":null'] * n
    for i in [i for i, (inferred, designated, runner) in enumerate(zip(vs.type_iri, vs.designated, vs.runner_up))
              if runner or designated and inferred and designated != inferred]:
        inferred, designated, runner, margin = vs.type_iri[i], vs.designated[i], vs.runner_up[i], vs.margin[i]
        place = vs.place[i]
        close = secondary = None
        if runner:
            second = types[runner]
            close = {"runner_up_type": second.key, "runner_up_model": second.model_key, "margin": margin,
                     "threshold": r.margin,
                     "runner_up_measures": orjson.Fragment(texts[second.model_iri].listed(place[second.model_iri]))}
            closes[i] = b',"close_call":' + dumps(close)
        if designated and inferred and designated != inferred:
            scores_of = dict(zip(r.type_order, plain(vs.scores[i])))
            secondary = secondary_fields("designation-disagrees", inferred, own(inferred, i),
                                         disagreement(designated, inferred, vs.drivers.get(i, ()), scores_of))
        elif close and not designated:
            secondary = secondary_fields("close-call", runner, own(runner, i), close_explanation(runner, margin))
        if secondary is not None:
            secondaries[i] = b',"secondary":' + dumps(secondary) + b',"measures":'
    return zip(heads, before, scored, zone, balances, secondaries, measures.tolist(),
               repeat(b',"drivers":'), drivers, closes, ends)
