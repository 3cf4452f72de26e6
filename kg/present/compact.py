"""The compact advice records (schema 2) of a whole batch, written as bytes from the fast path's arrays
(kg.reason.fast.Verdicts) without a Verdict, RankedMeasure or Reason object per region.

The same records as kg.present.advice.present(compact=True) gives for the Verdicts (with
kg.pipeline.advice's head and compact balance), in the same key order and to the byte as orjson writes
them. Each record is joined from pre-encoded pieces: what depends only on the region's type and
designation encoded once a batch; each model's measure lists for all its regions one token array (each
measure's head and each reason that does not depend on a region's figures encoded once, scores and boost
figures written by orjson in bulk and cut at their commas, each boost reason of a region encoded once and
placed in every measure it lifts) joined once and cut by the tokens' lengths — a region's list given again
as its close call's runner-up measures and, picked by rank, its secondary measures; drivers likewise.
Nothing here computes: every number comes from the reasoning's arrays; this module rounds for display
only, as present does."""
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


def _fixed_rows(model_iri: str, bigs: list[frozenset[str]]) -> tuple[np.ndarray, np.ndarray]:
    """_fixed of each distinct set of big fluxes among the rows, one flat object array (sets × measures × 3), and
    where each row's set begins in it."""
    sets: dict[frozenset[str], int] = {}
    at = [sets.setdefault(b, len(sets)) for b in bigs]
    table = np.concatenate([_fixed(model_iri, b).reshape(-1) for b in sets]) if sets else np.empty(0, dtype=object)
    return table, np.array(at, dtype=np.int64) * (3 * len(_iris(model_iri)))


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
    """One model's ranked measures encoded for all its rows: row i's list (a JSON array) is lists[i]; the tokens of
    its q-th measure (best first) are tokens[start[c]:stop[c]], c = i·measures + q, the first of them opening
    with "[" or ","."""
    lists: list[bytes]
    tokens: list[bytes]
    start: np.ndarray
    stop: np.ndarray

    def listed(self, i: int) -> bytes:
        return self.lists[i]

    def some(self, at: list[int]) -> orjson.Fragment:
        """The measures at these places (row × measures + rank) as a JSON array."""
        t, join = self.tokens, b"".join
        return orjson.Fragment(b"[" + b",".join([join(t[a:b])[1:] for a, b in zip(self.start[at].tolist(),
                                                                                self.stop[at].tolist())]) + b"]")


def joined(tokens: list[bytes], start: np.ndarray, stop: np.ndarray) -> list[bytes]:
    """The tokens from each start to its stop, joined."""
    join = b"".join
    return [join(tokens[a:b]) for a, b in zip(start.tolist(), stop.tolist())]


def objects_text(keys: list[str], table: np.ndarray) -> list[bytes]:
    """JSON objects with the same keys, {"k1": v1, …}, row i's values the i-th row of the table (floats, NaN as
    null): every figure written by one orjson call and cut at the commas, each row's filled into the keys' template."""
    tmpl = template(dict.fromkeys(keys, HOLE))
    return [tmpl % t for t in rows_of(numbers(table), len(keys))]


def drivers_text(vs: Verdicts) -> list[bytes]:
    """Each region's drivers, [{"indicator", "value", "contribution"}, …] weightiest first ([] without a type),
    their figures and contributions rounded for display: all of them written by one orjson call, each region's
    filled into the template of its drivers (few distinct lists a batch)."""
    r = rules()
    at = {e.iri: j for j, e in enumerate(r.evidence)}
    listed = [vs.drivers.get(i, ()) if t else () for i, t in enumerate(vs.type_iri)]
    count = _lengths(listed)
    flat = np.fromiter(map(at.__getitem__, chain.from_iterable(listed)), dtype=np.int64, count=int(count.sum()))
    if not len(flat):
        return [b"[]"] * len(listed)
    region = np.repeat(np.arange(len(listed)), count)
    cells = numbers(np.column_stack((_shown(np.column_stack([vs.ind[e.indicator] for e in r.evidence])[region, flat]),
                                     _shown(np.column_stack([vs.contrib[e.iri] for e in r.evidence])[region, flat]))))
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
    All of it laid out as one token array, each row's tokens followed by its closing "]" (numpy places each piece:
    a boost reason, encoded once, in every cell it lifts), and each row's joined once."""
    n_p, n_m = len(rm.rows), len(rm.iris)
    n = n_p * n_m
    if not n_m:
        return MeasureTexts([b"[]"] * n_p, [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    order = rm.order.reshape(-1)
    cells = np.repeat(np.arange(0, n, n_m), n_m) + order           # each entry's cell (row × measures + measure)
    b = rm.boosts
    k = np.bincount(b.cell, minlength=n)[cells] if len(b.cell) else np.zeros(n, dtype=np.int64)
    has = k > 0
    size = 3 + has + k
    start = np.cumsum(size) - size + np.arange(n) // n_m            # a "]" after each row
    stop = start + size
    tok = np.empty(int(stop[-1]) + 1, dtype=object)
    head = order + n_m * (np.arange(n) % n_m == 0)                    # a row's first measure opens its list
    tok[start] = _heads(rm.model)[head]
    tok[start + 1] = _objects(numbers(np.take_along_axis(rm.score, rm.order, axis=1)))
    fixed = _fixed_rows(rm.model, rm.big_sets)          # (distinct sets × measures × 3) flat, each row's set's first
    tok[start + 2] = fixed[0][fixed[1][cells // n_m] + 3 * order + has]
    if has.any():
        tok[(start + 3 + k)[has]] = fixed[0][(fixed[1][cells // n_m] + 3 * order + 2)[has]]   # after the boosts
        at = np.empty(n, dtype=np.int64)
        at[cells] = start                                            # each cell's entry's first token
        firsts = np.flatnonzero(np.diff(b.cell, prepend=-1))        # each cell's reasons are consecutive
        nth = np.arange(len(b.cell)) - np.repeat(firsts, np.diff(np.append(firsts, len(b.cell))))
        tok[at[b.cell] + 3 + nth] = _objects(boost_texts(b))[b.which]
    ends = stop[n_m - 1::n_m]
    tok[ends] = b"]"
    tokens = tok.tolist()
    return MeasureTexts(joined(tokens, start[::n_m], ends + 1), tokens, start, stop)


def boost_texts(b) -> list[bytes]:
    """Each boost reason of BoostReasons encoded as it follows another reason:
    ,{"kind":"boost","boost","value","gate","part"} — what it quotes (boost, value, gate: the same for each weight
    class of a region's boost) encoded once per region and boost, the numbers by one orjson call for all."""
    if not len(b.row):
        return []
    quoted, first, which = np.unique(b.row * len(_boost_keys()) + b.boost, return_index=True, return_inverse=True)
    figures = numbers(np.column_stack((b.value[first], b.gate[first])))
    keys = _boost_keys()
    said = [b'%s%s,"gate":%s,"part":' % t for t in zip(map(keys.__getitem__, b.boost[first].tolist()),
                                                          figures[0::2], figures[1::2])]
    return [b"%s%s}" % t for t in zip(map(said.__getitem__, which.tolist()), numbers(b.part))]


def _shown(a: np.ndarray) -> np.ndarray:
    """Figures rounded for display (Python's round to SCORE_DIGITS; NaN stays: null)."""
    return round_array(a, SCORE_DIGITS)


_close_words = lru_cache(maxsize=4096)(close_explanation)     # the same words for a runner-up and margin


_AGREE = {None: b',"zone_agreement":null,"balance":', True: b',"zone_agreement":true,"balance":',
          False: b',"zone_agreement":false,"balance":'}


def records(vs: Verdicts, heads: list[bytes], balances: list[bytes], zone_types: list, ends: list[bytes]):
    """Each region's compact record (schema 2) as a tuple of encoded pieces, to be joined: its `head` (who it is,
    what validation found; encoded, open), its advice fields in the schema's key order, its compact `balance`
    (encoded, kg.pipeline.advice.balance_texts) among them, and its end (`ends`: its closing brace and what follows
    it). Every piece is made for all regions at once: what depends only on the region's type, designation and
    official zone once per batch, figures, type scores, drivers and measure lists in bulk (objects_text,
    drivers_text, measure_texts); only close calls and disagreements are written region by region.
    `zone_types`: each region's official_zone_type as given."""
    r = rules()
    types = pathway.type_models()
    key_of = {t: types[t].key for t in r.type_order}
    n = len(vs)
    n_secondary = int(r.messages["secondary-measures"]["n"])
    texts = {model: measure_texts(rm) for model, rm in vs.ranked.items()}
    names = list(vs.ind)
    indicators = objects_text(names, _shown(np.column_stack(list(vs.ind.values())))) if names and n else [b"{}"] * n
    type_scores = objects_text([key_of[t] for t in r.type_order], _shown(vs.scores)) if r.type_order and n \
        else [b"{}"] * n
    drivers = drivers_text(vs)
    dumps = orjson.dumps

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
            secondary = secondary_fields("close-call", runner, own(runner, i), _close_words(runner, margin))
        if secondary is not None:
            secondaries[i] = b',"secondary":' + dumps(secondary) + b',"measures":'
    return zip(heads, before, type_scores, middle, indicators, zone, balances, secondaries, measures.tolist(),
               repeat(b',"drivers":'), drivers, closes, ends)
