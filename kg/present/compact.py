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



def numbers(values: list) -> list[bytes]:
    """Each number (or None) as orjson writes it: one dumps of the list, cut at its commas."""
    return orjson.dumps(values)[1:-1].split(b",") if values else []


@lru_cache(maxsize=None)
def _heads(model_iri: str) -> tuple[np.ndarray, np.ndarray]:
    """`,{"id":"…","score":` of each of the model's measures (model_weights order), then `[{"id":"…","score":`,
    and their lengths."""
    fields = model_fields(model_iri)
    heads = [b'{"id":' + orjson.dumps(fields[m]["id"]) + b',"score":' for m in _iris(model_iri)]
    heads = [b"," + h for h in heads] + [b"[" + h for h in heads]
    return _objects(heads), _lengths(heads)


def _iris(model_iri: str) -> tuple[str, ...]:
    return tuple(m.iri for m in pathway.model_measures().get(model_iri, ()))


@lru_cache(maxsize=None)
def _common(model_iri: str) -> tuple[bool, ...]:
    fields = model_fields(model_iri)
    return tuple(fields[m]["common"] for m in _iris(model_iri))


_OPEN, _CLOSE = b',"reasons":[', b"]}"


@lru_cache(maxsize=4096)
def _fixed(model_iri: str, big: frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
    """For each of the model's measures, its reasons that do not depend on the region's figures (fixed_reasons)
    encoded, as the tokens of a measure's record after its score: (all of them, closed), (its base reason, opened)
    and (the reach reason or nothing, closed) — an object array, measures × 3, and their lengths."""
    out = []
    for reasons in fixed_reasons(model_iri, big):
        base = _OPEN + reference_text(reasons[0])
        tail = b"".join(b"," + reference_text(x) for x in reasons[1:]) + _CLOSE
        out.append((base + tail, base, tail))
    table = _table(out)
    return table, np.vectorize(len, otypes=[np.int64])(table)


def _table(rows: list[tuple]) -> np.ndarray:
    table = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    table[:] = rows
    return table


def _fixed_rows(model_iri: str, bigs: list[frozenset[str]]) -> tuple[np.ndarray, np.ndarray]:
    """_fixed of each row's big fluxes (rows × measures × 3) and their lengths, each distinct set looked up once."""
    sets: dict[frozenset[str], int] = {}
    at = [sets.setdefault(b, len(sets)) for b in bigs]
    tables = [_fixed(model_iri, b) for b in sets]
    return np.stack([t for t, _ in tables])[at], np.stack([n for _, n in tables])[at]


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
    """One model's ranked measures encoded for all its rows in one text: row i's list (JSON array) is
    text[row[i]:row[i + 1]], its q-th measure (best first) text[entry[i·measures + q]:end[i·measures + q]]."""
    text: bytes
    row: list[int]
    entry: list[int]
    end: list[int]

    def listed(self, i: int) -> bytes:
        return self.text[self.row[i]:self.row[i + 1]]

    def some(self, at: list[int]) -> orjson.Fragment:
        """The measures at these places (row × measures + rank) as a JSON array."""
        t, entry, end = self.text, self.entry, self.end
        return orjson.Fragment(b"[" + b",".join([t[entry[a]:end[a]] for a in at]) + b"]")


def cut(tokens: np.ndarray, lengths: np.ndarray, last: np.ndarray) -> list[bytes]:
    """The tokens joined once and cut into records, each ending with the token at `last` (ascending token
    indices, the last token among them), by the tokens' lengths."""
    text = b"".join(tokens.tolist())
    ends = np.cumsum(lengths)[last].tolist()
    return [text[a:b] for a, b in zip([0, *ends[:-1]], ends)]


def objects_text(keys: list[str], columns: list[np.ndarray]) -> list[bytes]:
    """JSON objects with the same keys, {"k1": v1, …}, row i's values the i-th of each column (floats, NaN as
    null): a dict each, encoded by orjson (cheaper than tokens for a few dozen numbers: their formatting is most
    of the cost either way)."""
    values = [plain(c) for c in columns]
    return list(map(orjson.dumps, map(dict, map(zip, repeat(keys), zip(*values))))) if keys else None


def drivers_text(vs: Verdicts, figures: dict[str, np.ndarray], contrib: dict[str, np.ndarray]) -> list[bytes]:
    """Each region's drivers, [{"indicator", "value", "contribution"}, …] weightiest first ([] without a type),
    from the rounded figures and contributions."""
    n = len(vs)
    r = rules()
    evidence = [e.iri for e in r.evidence]
    at = {e: j for j, e in enumerate(evidence)}
    listed = [vs.drivers.get(i, ()) if t else () for i, t in enumerate(vs.type_iri)]
    count = _lengths(listed)
    flat = np.fromiter(map(at.__getitem__, chain.from_iterable(listed)), dtype=np.int64, count=int(count.sum()))
    size = np.maximum(5 * count, 1)
    start = np.cumsum(size) - size
    tok = np.empty(int(size.sum()), dtype=object)
    length = np.empty(len(tok), dtype=np.int64)
    none = count == 0
    tok[start[none]], length[start[none]] = b"[]", 2
    if len(flat):
        region = np.repeat(np.arange(n), count)
        nth = np.arange(len(flat)) - np.repeat(np.cumsum(count) - count, count)
        first, last = nth == 0, nth == count[region] - 1
        heads = [b'{"indicator":' + orjson.dumps(e.indicator) + b',"value":' for e in r.evidence]
        head = _objects([b"," + h for h in heads] + [b"[" + h for h in heads])
        values = numbers(plain(np.column_stack([figures[e.indicator] for e in r.evidence])[region, flat]))
        parts = numbers(plain(np.column_stack([contrib[e] for e in evidence])[region, flat]))
        where = start[region] + 5 * nth
        place = flat + len(heads) * first
        tok[where], length[where] = head[place], _lengths(head.tolist())[place]
        tok[where + 1], length[where + 1] = _objects(values), _lengths(values)
        tok[where + 2], length[where + 2] = b',"contribution":', 16
        tok[where + 3], length[where + 3] = _objects(parts), _lengths(parts)
        tok[where + 4], length[where + 4] = np.where(last, b"}]", b"}").astype(object), 1 + last
    return cut(tok, length, start + size - 1)


def measure_texts(rm: RankedModel) -> MeasureTexts:
    """Each row's measures of one model, best first, each encoded as {"id","score","reasons"}. The reasons of a
    cell are its fixed ones, or the base reason, the boost reasons (largest part first) and the reach reason.
    All of it laid out as one token array (numpy places each piece: a boost reason, encoded once, in every cell it
    lifts) and joined once; the records are found by the tokens' lengths, placed alongside."""
    n_p, n_m = len(rm.rows), len(rm.iris)
    n = n_p * n_m
    if not n_m:
        return MeasureTexts(b"[]" * n_p, list(range(0, 2 * n_p + 1, 2)), [], [])
    order = rm.order.reshape(-1)
    cells = np.repeat(np.arange(0, n, n_m), n_m) + order           # each entry's cell (row × measures + measure)
    fixed, fixed_len = _fixed_rows(rm.model, rm.big_sets)
    fixed, fixed_len = fixed.reshape(n, 3)[cells], fixed_len.reshape(n, 3)[cells]
    b = rm.boosts
    k = np.bincount(b.cell, minlength=n)[cells] if len(b.cell) else np.zeros(n, dtype=np.int64)
    has = k > 0
    size = 3 + has + k
    start = np.cumsum(size) - size
    tok = np.empty(int(size.sum()), dtype=object)
    length = np.empty(len(tok), dtype=np.int64)
    head = order + n_m * (np.arange(n) % n_m == 0)                    # a row's first measure opens its list
    heads, head_len = _heads(rm.model)
    tok[start], length[start] = heads[head], head_len[head]
    scores = numbers(np.take_along_axis(rm.score, rm.order, axis=1).reshape(-1).tolist())
    tok[start + 1], length[start + 1] = _objects(scores), _lengths(scores)
    which = np.where(has, 1, 0)
    tok[start + 2], length[start + 2] = fixed[np.arange(n), which], fixed_len[np.arange(n), which]
    if has.any():
        tail = (start + 3 + k)[has]                                  # after the base and the boosts
        tok[tail], length[tail] = fixed[has, 2], fixed_len[has, 2]
        at = np.empty(n, dtype=np.int64)
        at[cells] = start                                            # each cell's entry's first token
        firsts = np.flatnonzero(np.diff(b.cell, prepend=-1))        # each cell's reasons are consecutive
        nth = np.arange(len(b.cell)) - np.repeat(firsts, np.diff(np.append(firsts, len(b.cell))))
        texts = boost_texts(b)
        where = at[b.cell] + 3 + nth
        tok[where], length[where] = _objects(texts)[b.which], _lengths(texts)[b.which]
    last = (start + size - 1)[n_m - 1::n_m]                          # each row's last token closes its list
    tok[last] = [x + b"]" for x in tok[last].tolist()]
    length[last] += 1
    offsets = np.concatenate(([0], np.cumsum(length)))
    entry = offsets[start] + 1                                       # after its "[" or ","
    end = offsets[start + size]
    end[n_m - 1::n_m] -= 1                                           # before its row's "]"
    return MeasureTexts(b"".join(tok.tolist()), offsets[start[::n_m]].tolist() + [int(offsets[-1])], entry.tolist(),
                        end.tolist())


def boost_texts(b) -> list[bytes]:
    """Each boost reason of BoostReasons encoded as it follows another reason:
    ,{"kind":"boost","boost","value","gate","part"} (the numbers written by one orjson call for all)."""
    figures = numbers(plain(np.column_stack((b.value, b.gate, b.part)).reshape(-1)))
    keys = _boost_keys()
    return [b'%s%s,"gate":%s,"part":%s}' % t for t in zip(map(keys.__getitem__, b.boost.tolist()), figures[0::3],
                                                          figures[1::3], figures[2::3])]


def _rounded(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each figure rounded for display (Python's round to SCORE_DIGITS; NaN stays: null)."""
    return {k: round_array(np.asarray(a, dtype=float), SCORE_DIGITS) for k, a in columns.items()}


_AGREE = {None: b',"zone_agreement":null,"balance":', True: b',"zone_agreement":true,"balance":',
          False: b',"zone_agreement":false,"balance":'}


def records(vs: Verdicts, heads: list[dict], balances: list[dict], zone_types: list) -> list[bytes]:
    """Each region's compact record (schema 2) encoded: its `head` (who it is, what validation found), its
    advice fields in the schema's key order, its compact `balance` (kg.pipeline.advice.Bases.view) among them.
    Written from pre-encoded pieces: what depends only on the region's type and designation once per batch,
    figures, type scores, drivers and measure lists in bulk (objects_text, drivers_text, measure_texts), the
    head and balance by orjson. `zone_types`: each region's official_zone_type as given."""
    r = rules()
    types = pathway.type_models()
    key_of = {t: types[t].key for t in r.type_order}
    n = len(vs)
    n_secondary = int(r.messages["secondary-measures"]["n"])
    texts, orders = {}, {}
    for model, rm in vs.ranked.items():
        texts[model] = measure_texts(rm)
        orders[model] = rm.order.tolist()
    figures = _rounded(vs.ind)
    indicators = objects_text(list(figures), list(figures.values())) or [b"{}"] * n
    type_scores = objects_text([key_of[t] for t in r.type_order], list(round_array(vs.scores, SCORE_DIGITS).T)) \
        or [b"{}"] * n
    drivers = drivers_text(vs, figures, _rounded(vs.contrib))
    typing: dict[tuple, tuple] = {}
    said: dict = {}

    def own(type_iri: str, i: int) -> orjson.Fragment:
        """The best own measures (not common) of a type's model for region i, for `secondary`."""
        model = types[type_iri].model_iri
        at = vs.place[i][model]
        common = _common(model)
        row = at * len(common)
        return texts[model].some([row + q for q, m in enumerate(orders[model][at]) if not common[m]][:n_secondary])

    out = []
    dumps = orjson.dumps
    for i, (inferred, designated, runner, margin, official) in enumerate(
            zip(vs.type_iri, vs.designated, vs.runner_up, vs.margin, zone_types)):
        place = vs.place[i]
        t = typing.get((inferred, designated))
        if t is None:       # few distinct pairs a batch
            fields, type_iri = typing_fields(inferred, designated, key_of)
            model_iri = types[type_iri].model_iri if type_iri else None
            t = typing[(inferred, designated)] = (
                b"," + dumps(fields)[1:-1] + b',"type_scores":',
                b',"model":' + dumps(types[type_iri].model_key if type_iri else None) + b',"indicators":',
                fields["inferred_type"], model_iri)
        before, middle, inferred_key, model_iri = t
        official = official_zone(official)
        close = secondary = None
        if runner:
            second = types[runner]
            close = {"runner_up_type": second.key, "runner_up_model": second.model_key, "margin": margin,
                     "threshold": r.margin,
                     "runner_up_measures": orjson.Fragment(texts[second.model_iri].listed(place[second.model_iri]))}
        if designated and inferred and designated != inferred:
            scores_of = dict(zip(r.type_order, plain(vs.scores[i])))
            secondary = secondary_fields("designation-disagrees", inferred, own(inferred, i),
                                         disagreement(designated, inferred, vs.drivers.get(i, ()), scores_of))
        elif close and not designated:
            secondary = secondary_fields("close-call", runner, own(runner, i), close_explanation(runner, margin))
        zone = said.get(official)
        if zone is None:
            zone = said[official] = b',"official_zone_type":' + dumps(official)
        out.append(b"".join((
            dumps(heads[i])[:-1], before, type_scores[i], middle, indicators[i], zone,
            _AGREE[None if official is None or inferred_key is None else official == inferred_key],
            dumps(balances[i]), b',"secondary":', dumps(secondary), b',"measures":',
            texts[model_iri].listed(place[model_iri]) if model_iri else b"[]", b',"drivers":', drivers[i],
            b',"close_call":', dumps(close), b"}")))
    return out
