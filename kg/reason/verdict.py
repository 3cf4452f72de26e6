"""What a reasoning path concludes for one region: the `Verdict`, with every number presentation shows.

Both paths — kg.reason.fast (numpy over the rule records) and kg.reason.reference (pySHACL rules and
an OWL RL closure, one graph per region) — compute their own scores, contributions, boost intensities,
boost parts, tie-break concerns and reached fluxes, and build the same records from them here; the
agreement test compares whole verdicts, measure order and reasons included. What is defined once, here,
is only the rule that turns those numbers into an order (rounding, sort keys, the close-call margin),
so that the two paths cannot drift apart in how they order what they computed independently.
kg.present.advice turns a verdict into words and never computes."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, fields
from itertools import repeat

import numpy as np

from kg.knowledge.rules import Rules

SCORE_DIGITS = 4
# both paths add the same parts in different orders (SPARQL SUM has none): first round away that
# float noise, so that a score lying exactly on a 4-digit boundary rounds the same way in both
NOISE_DIGITS = 9


def rounded(x: float) -> float:
    """A score, concern or contribution as both paths report it."""
    # float(): numpy's round scales and rints, Python's rounds the decimal value — the paths must agree
    return round(round(float(x), NOISE_DIGITS), SCORE_DIGITS)


def round_array(a: np.ndarray, digits: int) -> np.ndarray:
    """Python's round(x, digits) of every element, exactly: the decimal value rounded half to even, then
    the nearest float. rint(x·10^digits) ÷ 10^digits is that wherever x·10^digits lies clearly off a
    half (its rounding error is far below the distance): both then give the float nearest to k ÷ 10^digits.
    NaN stays NaN (a missing contribution is NaN). The few elements near a half are decided exactly in numpy
    (halves_rounded, digits ≤ 9); those so large that x·10^digits is not exact (±inf among them) go through
    Python's round. The distance to a half is
    0.5 − |t − rint(t)| (t − rint(t) is exact); the arrays are reused in place: a chunk's tables are
    hundreds of KiB, and each fresh one costs the page faults of its first touch."""
    a = np.asarray(a, dtype=float)
    scale = 10.0 ** digits
    with np.errstate(over="ignore", invalid="ignore"):     # beyond 2^48 (or inf): Python's round below
        t = a * scale
        r = np.rint(t)
        off = np.subtract(t, r)
        np.abs(off, out=off)
        np.subtract(0.5, off, out=off)                   # how far t lies from a half (NaN: NaN, never unsure)
        size = np.abs(t, out=t)
        near = np.multiply(size, 2.0 ** -48)
        near += 1e-9                                     # far above t's own rounding error (|t|·2^-53)
        unsure = np.less_equal(off, near)
        unsure |= size >= 2.0 ** 48
    out = np.divide(r, scale, out=r)
    if unsure.any():
        at = np.flatnonzero(unsure.reshape(-1))
        flat, near = out.reshape(-1), a.reshape(-1)[at]
        with np.errstate(over="ignore", invalid="ignore"):     # halves_rounded's own test, so it never sends back
            exact = (np.abs(near * scale) < 2.0 ** 40) if digits <= 9 else np.zeros(len(at), bool)
        if exact.any():                                  # decided exactly in numpy (halves_rounded)
            flat[at[exact]] = halves_rounded(near[exact], digits)
        if not exact.all():                              # beyond 2^40 or ±inf: Python's round
            flat[at[~exact]] = [round(float(x), digits) for x in near[~exact]]
    return out


def rounded_array(a: np.ndarray, grid: bool = False):
    """rounded() of every element (the fast path's scores and concerns of many regions at once). Rounding to
    NOISE_DIGITS first moves x by at most 5·10^-10, i.e. x·10^SCORE_DIGITS by 5·10^-6: where that lies further
    than this (plus its float error) from a half, both roundings give the one-pass rint; the few elements near a
    half (or beyond 2^48) are rounded twice exactly (halves_rounded). NaN and ±inf stay themselves. With `grid`:
    (that, each element's k — the result is k ÷ 10^SCORE_DIGITS — as floats), which rank_order takes."""
    out, unsure, a, k = _rint_rounded(a, SCORE_DIGITS, 1e-5)
    if unsure.any():
        at = np.flatnonzero(unsure)
        out.reshape(-1)[at] = halves_rounded(halves_rounded(a.reshape(-1)[at], NOISE_DIGITS), SCORE_DIGITS)
        if grid:
            k.reshape(-1)[at] = np.rint(out.reshape(-1)[at] * 10.0 ** SCORE_DIGITS)
    return (out, k) if grid else out


def halves_rounded(a: np.ndarray, digits: int) -> np.ndarray:
    """Python's round(x, digits) of every element (digits ≤ 9), for the elements near a half that rint may round
    the wrong way (the decimal half k + ½ of x·10^digits is rarely a float: Python rounds x's exact binary value).
    Where x·10^digits lies below 2^40: k = floor(x·10^digits), and the sign of x·10^digits − (k + ½) worked out
    exactly — x split in two halves of its bits (Dekker: x = hi + lo, each of ≤ 27 bits), each times 10^digits
    (= 2^digits · 5^digits, ≤ 21 bits) exact, hi·10^digits − (k + ½) exact (the two lie close: Sterbenz), and a sum
    of two floats has its exact sign — then k + 1 above the half, k below, the even one on it; the result carries
    x's sign, as Python's −0.0. Larger, NaN or ±inf: round_array."""
    a = np.asarray(a, dtype=float)
    scale = 10.0 ** digits
    with np.errstate(over="ignore", invalid="ignore"):
        t = a * scale
        ok = np.abs(t) < 2.0 ** 40           # NaN, ±inf: False
    if not ok.all():
        out = round_array(a, digits)
        if ok.any():
            out[ok] = halves_rounded(a[ok], digits)
        return out
    k = np.floor(t)
    split = a * 134217729.0                 # 2^27 + 1
    hi = split - (split - a)
    above = (hi * scale - (k + 0.5)) + (a - hi) * scale
    k += (above > 0) | (above == 0) & (k % 2 == 1)
    return np.copysign(k / scale, a)


def _rint_rounded(a: np.ndarray, digits: int, slack: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(rint(x·10^digits) ÷ 10^digits of every element — the float nearest to k ÷ 10^digits, k the integer nearest
    to x·10^digits —, where x·10^digits lies closer than slack (plus its float error) to a half or beyond 2^48,
    the array as floats, k). Elsewhere the first is Python's round(x, digits) — and, with a slack covering what an
    earlier rounding may move x, that of the rounded x. NaN and ±inf stay themselves and are not unsure."""
    a = np.asarray(a, dtype=float)
    scale = 10.0 ** digits
    with np.errstate(over="ignore", invalid="ignore"):
        t = a * scale
        near = np.rint(t)
        unsure = np.abs(t - near) >= 0.5 - slack - np.abs(t) * 2.0 ** -48       # NaN (and ±inf: inf − inf) False
    return near / scale, unsure, a, near


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a measure ranks where it does, as data: `kind` is "model" (it belongs to the model `ref`),
    "common" (a requirement of every model), "boost" (the region's figure `value` lies beyond the
    typical value of the boost `ref`; `gate` is its gate figure as the reason shows it, `part` the
    boost's part of the score) or "reach" (it reaches the big fluxes `fluxes`)."""
    kind: str
    ref: str = ""
    value: float | None = None
    gate: float | None = None
    part: float | None = None
    fluxes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RankedMeasure:
    iri: str
    score: float                      # rounded
    concern: float                    # rounded: how strongly the region's figures point at it (the tie-break)
    reasons: tuple[Reason, ...]


def made(cls, **columns: list) -> list:
    """cls(**row) for every row of these columns (one list per field, by field name, every field given), for a
    slotted dataclass: the same objects, without calling __init__ once per object — a frozen dataclass's
    __init__ sets each field through object.__setattr__ (~3× the cost). The fast path makes hundreds of
    thousands of reasons and ranked measures a batch."""
    names = {f.name for f in fields(cls)}
    n = len(next(iter(columns.values()))) if columns else 0
    if set(columns) != names or any(len(c) != n for c in columns.values()):
        raise ValueError(f"{cls.__name__}: columns of equal length for {sorted(names)} expected, got "
                         f"{ {k: len(c) for k, c in columns.items()} }")
    objs = list(map(object.__new__, repeat(cls, n)))
    for name, col in columns.items():
        deque(map(getattr(cls, name).__set__, objs, col), 0)   # the slot's descriptor, bypassing frozen
    return objs


@dataclass(slots=True)
class Verdict:
    """The conclusion for one region. `type_iri` and `model_iri` are the indicator diagnosis; `designated`
    the type of the official designation when given (designation first: it decides the model shown);
    `runner_up`/`margin` a close call; `ranking` each ranked model's measures, best first."""
    type_iri: str | None
    scores: dict[str, float | None]              # type IRI -> score
    contributions: dict[str, float]              # evidence IRI -> contribution (available evidence)
    indicators: dict[str, float | None]
    model_iri: str | None
    fired: frozenset[str]                        # boost IRIs whose condition holds
    big_fluxes: frozenset[str]
    designated: str | None = None
    runner_up: str | None = None
    margin: float | None = None
    drivers: tuple[str, ...] = ()                # evidence IRIs of the diagnosed type, weightiest first
    intensities: dict[str, float] = field(default_factory=dict)   # fired boost IRI -> intensity
    ranking: dict[str, tuple[RankedMeasure, ...]] = field(default_factory=dict)


def close_call(scores: dict[str, float | None], rules: Rules) -> tuple[str | None, float | None]:
    """(runner-up type, margin) when the best two type scores lie closer than the margin, else (None, None).
    Scores are in tie order; an equal score goes to the type first in that order."""
    ranked = sorted(((s, -i, t) for i, (t, s) in enumerate(scores.items()) if s is not None), reverse=True)
    if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < rules.margin:
        return ranked[1][2], rounded(ranked[0][0] - ranked[1][0])
    return None, None


def close_calls(scores: np.ndarray, rules: Rules) -> tuple[list[str | None], list[float | None]]:
    """close_call for many regions at once (scores: regions × types in tie order, NaN where a type has no
    score): each region's runner-up type and margin, or None and None."""
    n, k = scores.shape
    runners: list[str | None] = [None] * n
    margins: list[float | None] = [None] * n
    if k < 2:
        return runners, margins
    s = np.where(np.isnan(scores), -np.inf, scores)
    # best first, an equal score to the type first in tie order (sorted's order on (score, −index) reversed):
    # argmax gives the first of equal maxima; the runner-up is the best of the others
    rows = np.arange(n)
    first = np.argmax(s, axis=1)
    top = s[rows, first]
    s[rows, first] = -np.inf
    runner = np.argmax(s, axis=1)
    second = s[rows, runner]
    with np.errstate(invalid="ignore"):
        gap = top - second
        close = np.flatnonzero((second > -np.inf) & (gap < rules.margin))
    for i, g, t in zip(close.tolist(), gap[close].tolist(), runner[close].tolist()):
        runners[i], margins[i] = rules.type_order[t], rounded(g)
    return runners, margins


def driver_order(contributions: dict[str, float], rules: Rules) -> tuple[str, ...]:
    """Evidence IRIs by contribution, then weight, then indicator key."""
    by_iri = rules.evidence_by_iri
    return tuple(sorted(contributions, key=lambda e: (-rounded(contributions[e]), -by_iri[e].weight,
                                                      by_iri[e].indicator)))


def boost_reasons(parts: dict[str, float], rules: Rules, indicators: dict[str, float | None]) -> list[Reason]:
    """The fired boosts of a measure whose part of its score (weight × share × intensity, before the
    governance factor) reaches the reason minimum, the largest part first (then by IRI). A demotion
    (negative weight) is a reason too: why it ranks low."""
    by_iri = rules.boost_by_iri
    kept = sorted((-abs(round(float(p), NOISE_DIGITS)), iri) for iri, p in parts.items()
                  if abs(round(float(p), NOISE_DIGITS)) >= rules.reason_minimum)
    out = []
    for _, iri in kept:
        b = by_iri[iri]
        gate = indicators.get(b.gate) if b.gate else None
        out.append(Reason("boost", iri, indicators.get(b.indicator),
                          None if gate is None else gate * b.gate_reason_scale, rounded(parts[iri])))
    return out


def kept_parts(parts: np.ndarray, minimum: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """boost_reasons' rule for many parts at once: which reach the reason minimum, the size they are ordered by
    (|part| rounded to NOISE_DIGITS, largest first, then by boost IRI), and the parts rounded to NOISE_DIGITS
    (rounded() is that rounded to SCORE_DIGITS)."""
    noiseless = round_array(parts, NOISE_DIGITS)
    size = np.abs(noiseless)
    return size >= minimum, size, noiseless


def rank_order(scores: np.ndarray, concerns: np.ndarray, key_rank: np.ndarray, grid=None) -> np.ndarray:
    """rank's order for many regions at once: scores and concerns rounded (regions × measures), key_rank each
    measure's place among the measures' keys (non-negative integers); each row of the result lists measure
    indices, best first. Equal keys keep the measures' own order, as sorted() does. Scores and concerns on the
    SCORE_DIGITS grid (what rounded_array gives; `grid`: their k, rounded_array(…, grid=True)'s, when the caller
    has them) are sorted as one integer a cell — (−score, −concern, key_rank, the measure's index) as the digits
    of one number, the index in the lowest bits: np.sort of those and the bits read back is ~5× faster than
    lexsort's three stable passes, and equal keys keep their order; anything else (NaN, off the grid, keys too big
    for 63 bits) by lexsort."""
    key = _grid_key(scores, concerns, key_rank, grid)
    if key is None:
        return np.lexsort((np.broadcast_to(key_rank, scores.shape), -concerns, -scores), axis=-1)
    bits = (scores.shape[-1] - 1).bit_length()
    return np.sort(key << bits | np.arange(scores.shape[-1]), axis=-1) & ((1 << bits) - 1)


def _grid_key(scores: np.ndarray, concerns: np.ndarray, key_rank: np.ndarray, grid=None) -> np.ndarray | None:
    """(−score, −concern, key_rank) of each cell as one int64 (below 2^(62 − bits of a measure index)), ordered as
    the triples are; None when a score or concern is not k ÷ 10^SCORE_DIGITS for an integer k (then the floats'
    order need not be k's) or the key would not fit."""
    if not scores.size or scores.ndim != 2 or key_rank.size and int(key_rank.min()) < 0:
        return None
    if grid is None:
        scale = 10.0 ** SCORE_DIGITS
        grid = []
        for a in (scores, concerns):
            with np.errstate(invalid="ignore", over="ignore"):
                k = np.rint(a * scale)
                if not (k / scale == a).all():         # NaN is not either
                    return None
            grid.append(k)
    steps, spans = [], []
    for k in grid:
        top, bottom = float(k.max()), float(k.min())
        if not (-2.0 ** 52 < bottom and top < 2.0 ** 52 and top - bottom < 2.0 ** 52):     # NaN fails too
            return None
        steps.append(top - k)                 # larger first: 0 for the largest (exact: integers below 2^52)
        spans.append(int(top - bottom) + 1)
    width = int(key_rank.max()) + 1 if key_rank.size else 1
    if spans[0] * spans[1] * width >= 2 ** (62 - (scores.shape[-1] - 1).bit_length()):
        return None
    s, c = (x.astype(np.int64) for x in steps)
    return (s * spans[1] + c) * width + key_rank


def rank(scores: dict[str, float], concerns: dict[str, float], reasons: dict[str, tuple[Reason, ...]],
         keys: dict[str, str]) -> tuple[RankedMeasure, ...]:
    """Measures by rounded score, then by concern, then by key: a total order."""
    ms = [RankedMeasure(m, rounded(s), rounded(concerns.get(m, 0.0)), reasons.get(m, ())) for m, s in scores.items()]
    return tuple(sorted(ms, key=lambda x: (-x.score, -x.concern, keys.get(x.iri, x.iri))))
