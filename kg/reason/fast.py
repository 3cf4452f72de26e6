"""The fast reasoning path: integration type, model and ranked measures for a
whole batch at once.

It executes the rule records of kg.knowledge.rules (rules/type-scoring.ttl,
rules/measure-ranking.ttl) as numpy arrays across regions; the model of each type comes
from the ontology (kg.knowledge.pathway.type_models, the hasValue restriction), never
from a table here. kg.reason.reference reaches the same verdicts through pySHACL rules
and an OWL RL closure; the two are compared on whole verdicts (kg.reason.verdict).
Nothing here words anything: kg.present.advice does."""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress, repeat

import numpy as np

from kg.knowledge import pathway
from kg.knowledge.rules import AccountShare, Boost, Evidence, rules
from kg.namespaces import TH
from kg.reason.indicators import PLAIN_NUMBERS, account_columns, column_array, compute_batch, number
from kg.reason import verdict
from kg.reason.verdict import (NOISE_DIGITS, SCORE_DIGITS, RankedMeasure, Reason, Verdict, close_calls, round_array,
                               kept_parts, rank_order, rounded_array)


def account_share(a: AccountShare, balances: list[dict | None], accounts=None) -> np.ndarray:
    """The account share of each region (NaN when the line or the total is missing, or the total is not above 0).
    `accounts`: the balances with their plans' arrays (kg.account.balance.Accounts), read instead of the dicts."""
    return account_shares([a], balances, accounts)[a.key]


def account_shares(shares: list[AccountShare], balances: list[dict | None], accounts=None) -> dict[str, np.ndarray]:
    """account_share of each of these shares, by key (the accounts' plans walked once for all of them)."""
    if accounts is not None:
        wanted = [w for a in shares for w in ((a.source or a.flux, "by_source" if a.source else "by_table1"),
                                              (a.total, None))]
        cols = account_columns(accounts, wanted)
        parts = [(cols[wanted[2 * k]], cols[wanted[2 * k + 1]]) for k in range(len(shares))]
    else:
        dicts = [b or {} for b in balances]
        parts = []
        for a in shares:
            lines = [(b.get("by_source") if a.source else b.get("by_table1")) or {} for b in dicts]
            parts.append((column_array(lines, a.source or a.flux), column_array(dicts, a.total)))
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for a, (part, total) in zip(shares, parts):
            out[a.key] = np.where(~np.isnan(part) & (total > 0), a.scale * part / total, np.nan)
    return out


def table1_iri(key) -> str:
    """A Table 1 class as the account's by_table1 names it — its local name in the ontology's namespace (the rules'
    th:table1 keys), or a whole IRI — as its IRI."""
    return key if str(key).startswith("http") else TH + key


def table1_key(iri: str) -> str:
    """table1_iri's inverse: how by_table1 names the class `iri`."""
    return iri[len(TH):] if iri.startswith(TH) else iri


def big_flux_shares(balances: list[dict | None], share: float, accounts=None) -> list[dict[str, float]]:
    """For each region, {Table 1 flux class: its share of the region's gross flux} for the classes carrying at
    least `share` of it (balance["by_table1"]: {class local name or IRI: amount, sinks negative}). Read
    generically from whatever lines the account has, never from a fixed list. Regions whose accounts list the
    same lines in the same order (most of a batch; every region of a plan of `accounts`,
    kg.account.balance.Accounts) are worked out as arrays, their gross flux added line by line in that order, as
    the sum of one region's lines."""
    out: list = [None] * _count(balances, accounts)
    for rows, iris, shares, big in _big_groups(balances, share, accounts):
        if iris is None:
            out[rows] = shares
            continue
        for i, s, k in zip(rows, shares.tolist(), big.tolist()):
            out[i] = dict(compress(zip(iris, s), k))
    return out


def big_fluxes(balances: list[dict | None], share: float, accounts=None) -> tuple[list[frozenset[str]], tuple]:
    """What ranking reads of big_flux_shares: each region's big flux classes as a frozenset (one object for regions
    whose classes come in the same order) and (columns, the regions × classes matrix of their shares, 0 where not
    big; columns: every class big somewhere, sorted) — made from big_flux_shares' arrays, no dict per region."""
    groups = list(_big_groups(balances, share, accounts))
    columns = set()
    for rows, iris, shares, big in groups:
        columns.update(compress(iris, big.any(axis=0).tolist()) if iris is not None else shares)
    cols = {f: j for j, f in enumerate(sorted(columns))}
    n = _count(balances, accounts)
    matrix = np.zeros((n, len(cols)))
    sets = np.empty(n, dtype=object)
    memo: dict[tuple, frozenset] = {}
    for rows, iris, shares, big in groups:
        if iris is None:                                   # a region worked out alone: its dict
            key = tuple(shares)
            sets[rows] = memo[key] if key in memo else memo.setdefault(key, frozenset(key))
            for f, x in shares.items():
                matrix[rows, cols[f]] = x
            continue
        at = np.asarray(rows)
        for j in np.flatnonzero(big.any(axis=0)).tolist():
            matrix[at, cols[iris[j]]] = np.where(big[:, j], shares[:, j], 0.0)
        bits = np.packbits(big, axis=1)                    # each region's pattern as bytes: the key of its set
        patterns = bits.view(np.dtype((np.void, bits.shape[1]))).reshape(-1).tolist()
        first = dict(zip(patterns, range(len(patterns))))  # a region of each pattern
        made = []
        for i in first.values():
            key = tuple(compress(iris, big[i].tolist()))
            made.append(memo[key] if key in memo else memo.setdefault(key, frozenset(key)))
        sets[at] = _objects(made)[list(map(dict(zip(first, range(len(first)))).__getitem__, patterns))]
    return sets.tolist(), (cols, matrix)


def _objects(items: list) -> np.ndarray:
    """A 1-D object array of these items (any objects, never read as sequences)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _count(balances, accounts) -> int:
    """How many regions: the accounts' (their balances then need not be made), else the balances'."""
    return accounts.n if accounts is not None else len(balances)


def _big_groups(balances, share: float, accounts):
    """(regions, classes, shares, big) for each group of regions whose accounts list the same lines (regions ×
    lines arrays: each line's share of the gross flux, whether it is big), or (region, None, its
    big_flux_shares dict, None) for a region worked out alone. The accounts' plans that list the same lines are
    one group (their line matrices stacked)."""
    if accounts is not None:
        groups = [(idx, plan.get("by_table1") or {}) for idx, plan in accounts.plans]
    else:
        tables = [(b or {}).get("by_table1") or {} for b in balances]
        same: dict[tuple, list[int]] = {}
        for i, t in enumerate(tables):
            same.setdefault(tuple(t), []).append(i)
        groups = [(rows, dict.fromkeys(keys)) for keys, rows in same.items()]
    stacked: dict[tuple, tuple[list, list]] = {}          # lines -> (regions, their line matrices)
    for rows, lines in groups:
        keys = tuple(lines)
        iris = [table1_iri(k) for k in keys]
        a = None
        if keys and len(set(iris)) == len(iris):
            if accounts is not None:
                a = _line_matrix(list(lines.values()), len(rows))
            else:
                cells = [list(tables[i].values()) for i in rows]
                if PLAIN_NUMBERS.issuperset(map(type, chain.from_iterable(cells))):
                    a = np.abs(np.array(cells, dtype=float))
        if a is None:
            # amounts given as records or text, or a class under its local name and its IRI: region by region
            dicts = accounts.balances if accounts is not None else balances
            for i in rows:
                yield i, None, _big_flux_shares((dicts[i] or {}).get("by_table1") or {}, share), None
            continue
        got = stacked.setdefault(keys, ([], []))
        got[0].extend(rows)
        got[1].append(a)
    for keys, (rows, matrices) in stacked.items():
        a = np.concatenate(matrices) if len(matrices) > 1 else matrices[0]
        ok = np.isfinite(a)
        gross = np.zeros(len(rows))
        for j in range(len(keys)):      # each region's lines added in their order, as one region's
            gross = gross + np.where(ok[:, j], a[:, j], 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = a / gross[:, None]
            big = ok & (shares >= share) & (gross > 0)[:, None]
        yield rows, [table1_iri(k) for k in keys], shares, big


def _line_matrix(columns: list, n: int) -> np.ndarray | None:
    """|amounts| of a plan's lines (regions × lines) from its columns (arrays over its n regions, or one number for
    all of them); None when one is neither (then its regions are read one by one)."""
    out = np.empty((n, len(columns)))
    for j, c in enumerate(columns):
        if c is None or c.__class__ is float or c.__class__ is int:
            out[:, j] = np.nan if c is None else c
        elif isinstance(c, np.ndarray) and c.dtype == np.float64 and c.shape == (n,):
            out[:, j] = c
        else:
            return None
    return np.abs(out)


def _big_flux_shares(lines: dict, share: float) -> dict[str, float]:
    """big_flux_shares of one region's by_table1 lines."""
    amounts = {}
    for k, v in lines.items():
        f = number(v.get("t_co2e") if isinstance(v, dict) else v)
        if f is not None:
            amounts[table1_iri(k)] = abs(f)
    gross = sum(amounts.values())
    return {k: a / gross for k, a in amounts.items() if a / gross >= share} if gross > 0 else {}


def _graded(raw: np.ndarray) -> np.ndarray:
    """(x − typical) ÷ (full − typical) held to 0 … 1."""
    return np.where(raw > 0, np.minimum(raw, 1.0), 0.0)


def boost_arrays(ind: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For every boost at once (regions × boosts, rules' order): its intensity — how far beyond the typical value
    the region lies, 0 … 1 (0 where the indicator is missing), times the same grading of the gate indicator for a
    gated boost; the boost fires where it is above 0 —, the region's position, clip((x − typical) ÷ (full −
    typical), −1, 1) fired or not, 0 where missing (the tie-break's input), and the figures its reasons quote:
    the indicator, and the gate indicator × the gate's reason scale (NaN where missing or not gated)."""
    boosts = rules().boosts
    if not boosts:
        empty = np.zeros((n, 0))
        return empty, empty, empty, empty
    nan = np.full(n, np.nan)
    figures = np.column_stack([ind.get(b.indicator, nan) for b in boosts])
    typical = np.array([b.typical for b in boosts], dtype=float)
    full = np.array([b.full for b in boosts], dtype=float)
    with np.errstate(invalid="ignore"):
        raw = (figures - typical) / (full - typical)
    strength = _graded(raw)
    gated = [j for j, b in enumerate(boosts) if b.gate]
    if gated:
        on = [boosts[j] for j in gated]
        gate_typical = np.array([b.gate_typical for b in on], dtype=float)
        gate_full = np.array([b.gate_full for b in on], dtype=float)
        at = np.column_stack([ind[b.gate] for b in on])
        with np.errstate(invalid="ignore"):
            strength[:, gated] = strength[:, gated] * _graded((at - gate_typical) / (gate_full - gate_typical))
    gates = np.column_stack([ind.get(b.gate, nan) * b.gate_reason_scale if b.gate else nan for b in boosts])
    return strength, np.where(np.isnan(raw), 0.0, np.clip(raw, -1.0, 1.0)), figures, gates


@lru_cache(maxsize=None)
def boost_share(b: Boost, m: pathway.Measure) -> float:
    """How much of a boost a measure gets: all of it when the boost names the measure,
    else the share of the measure's own targets that the boost concerns (a target or a
    subclass of one) — a focused measure gains the full weight, a broad one a part."""
    if m.iri in b.measures:
        return 1.0
    own = pathway.measure_targets(m.iri)
    hit = [x for x in own if x in b.targets or b.targets & pathway.superclasses(x)]
    return len(hit) / len(own) if own else 0.0


@lru_cache(maxsize=None)
def target_reach(m_iri: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """For each thing a measure acts on, the flux classes it reaches (a flux class reaches
    itself and its subclasses, a process the fluxes it drives and their subclasses)."""
    flux = pathway.flux_classes()
    return tuple((x, (frozenset({x}) & flux) | pathway.measure_reach(x))
                 for x in sorted(pathway.measure_targets(m_iri)))


def reach_shares(m_iri: str, big_matrix: tuple[dict[str, int], np.ndarray]) -> np.ndarray:
    """How much of each region's gross flux a measure reaches: for each thing it acts on, the share of
    the largest big flux that thing reaches (0 if none), averaged over its targets — a focused measure
    on a line carrying 40 % of emissions gets 0.4, a broad one a part of it. A target that is itself an
    account flux outside Table 1 (th:AgriculturalNonCO2Emission, issue 14) reaches itself, as in the
    reference rule (rdfs:subClassOf* includes the class itself). All regions at once, the maxima added in
    target order (shares are above 0, so a flux that is not big counts as 0)."""
    return reach_matrix((m_iri,), big_matrix)[:, 0]


def reach_matrix(measures: tuple[str, ...], big_matrix: tuple[dict[str, int], np.ndarray]) -> np.ndarray:
    """reach_shares of several measures (regions × measures): the largest big flux of each set of flux columns
    some target reaches is taken once for all the measures whose targets reach that set."""
    return np.ascontiguousarray(reach_by_measure(measures, big_matrix).T)


def reach_by_measure(measures: tuple[str, ...], big_matrix: tuple[dict[str, int], np.ndarray]) -> np.ndarray:
    """reach_matrix turned (measures × regions): each measure's maxima added in target order — the t-th of every
    measure at once (reach_steps) —, then divided by its count of targets (0 without targets)."""
    cols, shares = big_matrix
    sets, steps, count = reach_steps(measures, tuple(cols.items()))
    total = np.zeros((len(measures), len(shares)))
    if sets:
        tops = np.array([shares[:, list(idx)].max(axis=1) for idx in sets]).reshape(len(sets), len(shares))
        for at, which in steps:
            total[at] += tops[which]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count[:, None] > 0, total / count[:, None], 0.0)


@lru_cache(maxsize=256)
def reach_steps(measures: tuple[str, ...], cols: tuple[tuple[str, int], ...]) -> tuple:
    """_reach_columns as arrays: the distinct sets of flux columns the measures' targets reach, for t = 0, 1, …
    (the measures with a t-th set, the sets), and each measure's count of targets."""
    per = _reach_columns(measures, cols)
    sets = sorted({idx for reached, _ in per for idx in reached})
    place = {idx: u for u, idx in enumerate(sets)}
    steps = []
    for t in range(max((len(reached) for reached, _ in per), default=0)):
        at = [k for k, (reached, _) in enumerate(per) if len(reached) > t]
        steps.append((np.array(at, dtype=np.int64), np.array([place[per[k][0][t]] for k in at], dtype=np.int64)))
    return sets, steps, np.array([c for _, c in per], dtype=float)


@lru_cache(maxsize=256)
def _reach_columns(measures: tuple[str, ...], cols: tuple[tuple[str, int], ...]) -> tuple:
    """For each measure: (the big-flux columns each of its targets reaches, in target order, those reaching none
    left out; how many targets it has)."""
    at = dict(cols)
    out = []
    for m in measures:
        tr = target_reach(m)
        reached = (tuple(sorted(at[f] for f in fl | {x} if f in at)) for x, fl in tr)
        out.append((tuple(idx for idx in reached if idx), len(tr)))
    return tuple(out)


@lru_cache(maxsize=None)
def reached_by(m_iri: str) -> frozenset[str]:
    """Every flux class a measure reaches through any of its targets (as `reach_shares` counts them)."""
    return frozenset().union(*(fl | {x} for x, fl in target_reach(m_iri)))


# ------------------------------------------------------------------ fast path, in bulk

def membership(x: np.ndarray, ev: Evidence) -> np.ndarray:
    rising = np.clip((x - ev.low) / (ev.high - ev.low), 0.0, 1.0)
    return rising if ev.increasing else 1.0 - rising


def score_types(ind: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Scores (n × types in tie order, NaN when no evidence) and each evidence's contribution, evidence by evidence
    in the rules' order. (Session 7 tried every evidence at once, evidence × regions stacked: ~0.3 µs a region less on
    chunks of 1,000 — 0.1 s at 284,400 —, but the stacked copies made Monte Carlo's draws, arrays ~65× bigger, 23 %
    slower: 4.6 → 5.7 s for 2,844 × 1,000.)"""
    r = rules()
    n = len(next(iter(ind.values()))) if ind else 0
    num = {t: np.zeros(n) for t in r.type_order}
    den = {t: np.zeros(n) for t in r.type_order}
    parts = {}
    for ev in r.evidence:
        x = ind[ev.indicator]
        ok = ~np.isnan(x)
        wm = np.where(ok, ev.weight * membership(x, ev), 0.0)     # NaN's membership is NaN, left out here
        parts[ev.iri] = (wm, ok)
        num[ev.type_iri] += wm
        den[ev.type_iri] += ev.weight * ok
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.column_stack([np.where(den[t] > 0, num[t] / den[t], np.nan) for t in r.type_order])
        contrib = {e.iri: np.where(parts[e.iri][1], parts[e.iri][0] / den[e.type_iri], np.nan) for e in r.evidence}
    return scores, contrib


def rank_scores(model_iri: str, strength: np.ndarray, big_matrix: tuple[dict[str, int], np.ndarray]) -> np.ndarray:
    """The scores of one model's measures (regions × measures, in model_weights order) over the regions given:
    their boost intensities (regions × boosts) and their big-flux shares (big_fluxes' matrix, the same rows). Each
    boost's part is added in boost order, as the reference rule adds them: a measure's parts of the boosts it has
    no share of are 0 and change no sum (the sums start at +0: −0 never arises), so only its own are added — the
    t-th of every measure at once (score_steps), measures × regions (rows of contiguous memory), then turned."""
    r = rules()
    steps, base, factor = score_steps(model_iri)
    evidence = r.reach_weight * reach_by_measure(model_weights(model_iri)[0], big_matrix)
    by_boost = np.ascontiguousarray(strength.T)
    for measures, boosts, weights in steps:
        evidence[measures] += weights[:, None] * by_boost[boosts]
    return np.ascontiguousarray((base[:, None] + factor[:, None] * evidence).T)


@lru_cache(maxsize=None)
def score_steps(model_iri: str) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray]], np.ndarray, np.ndarray]:
    """What rank_scores adds, for one model: for t = 0, 1, …, the measures with a t-th boost they have a share of
    (boosts in rules' order), those boosts and their weight × share; and each measure's base and governance factor."""
    r = rules()
    ms = pathway.model_measures().get(model_iri, ())
    weights = model_weights(model_iri)[1]
    own = [np.flatnonzero(w) for w in weights]
    steps = []
    for t in range(max(map(len, own), default=0)):
        measures = np.array([m for m, js in enumerate(own) if len(js) > t], dtype=np.int64)
        boosts = np.array([own[m][t] for m in measures.tolist()], dtype=np.int64)
        steps.append((measures, boosts, weights[measures, boosts]))
    gov = [m.iri in r.governance for m in ms]
    base = np.array([(r.common_base if m.common else r.model_base) + (r.governance_offset if g else 0.0)
                     for m, g in zip(ms, gov)], dtype=float)
    factor = np.array([r.governance_factor if g else 1.0 for g in gov], dtype=float)
    return steps, base, factor


def designated_type(values: dict) -> str | None:
    """The type class IRI of a region's official designation (official_zone_type), or None."""
    key = str(values.get("official_zone_type") or "").strip()
    return next((t for t, tm in pathway.type_models().items() if tm.key == key), None) if key else None


@lru_cache(maxsize=None)
def model_weights(model_iri: str) -> tuple[tuple[str, ...], np.ndarray]:
    """The model's measures and, for each, weight × share of every boost (measures × boosts): what does not
    depend on the region."""
    r = rules()
    ms = pathway.model_measures().get(model_iri, ())
    return (tuple(m.iri for m in ms),
            np.array([[b.weight * boost_share(b, m) for b in r.boosts] for m in ms], dtype=float).reshape(len(ms), -1))


_SHARED: dict[Reason, Reason] = {}


def shared(reason: Reason) -> Reason:
    """One object for equal reasons that do not depend on a region's figures (a model's or a common
    measure's reason, a set of reached fluxes): presentation words each object once a region."""
    return _SHARED.setdefault(reason, reason)


@lru_cache(maxsize=None)
def base_reason(model_iri: str, measure_iri: str) -> Reason:
    common = next(m.common for m in pathway.model_measures()[model_iri] if m.iri == measure_iri)
    return shared(Reason("common") if common else Reason("model", model_iri))


@lru_cache(maxsize=None)
def key_ranks(model_iri: str) -> np.ndarray:
    """Each measure's place among the model's measure keys (rank's last sort key), in model_weights order."""
    keys = measure_keys()
    iris = model_weights(model_iri)[0]
    names = [keys.get(m, m) for m in iris]
    return np.array([sorted(names).index(k) for k in names], dtype=np.int64)


@lru_cache(maxsize=None)
def boost_ranks() -> np.ndarray:
    """Each boost's place among the boost IRIs (boost_reasons' second sort key)."""
    iris = [b.iri for b in rules().boosts]
    return np.array([sorted(iris).index(x) for x in iris], dtype=np.int64)


@lru_cache(maxsize=4096)
def fixed_reasons(model_iri: str, big: frozenset[str]) -> tuple[tuple[Reason, ...], ...]:
    """For each of the model's measures, its reasons that do not depend on the region's figures: its base
    reason and, when it reaches some of these big fluxes, its reach reason (few distinct sets of big
    fluxes: each worked out once). Equal tuples are one object, so that presentation words one once."""
    out = []
    for m in model_weights(model_iri)[0]:
        reached = tuple(sorted(reached_by(m) & big))
        reasons = (base_reason(model_iri, m), *((shared(Reason("reach", fluxes=reached)),) if reached else ()))
        out.append(_SHARED_LISTS.setdefault(reasons, reasons))
    return tuple(out)


_SHARED_LISTS: dict[tuple[Reason, ...], tuple[Reason, ...]] = {}


@dataclass(frozen=True)
class WeightClasses:
    """One model's measures grouped, for each boost, by the weight × share they have of it (measures with the
    same one get the same part of it in any region, so that they share one Reason object); zero weights left
    out. Classes are listed by boost in IRI order; class c is boost `boost[c]` (a column of the boost
    matrices) with weight `weight[c]`, held by the measures members[offset[c]:offset[c + 1]]."""
    boost: np.ndarray
    weight: np.ndarray
    offset: np.ndarray
    members: np.ndarray
    first: np.ndarray       # by boost in IRI order: its first class (classes of boost k: first[k]:first[k + 1])
    count: np.ndarray       # by boost in IRI order: how many classes it has
    held: np.ndarray        # by class: how many measures hold it


@lru_cache(maxsize=None)
def weight_classes(model_iri: str) -> WeightClasses:
    weights = model_weights(model_iri)[1]
    boost, weight, members, first = [], [], [], [0]
    for j in boost_order().tolist():
        for w in sorted(set(weights[:, j].tolist())):      # np.unique's values (its first call imports numpy.ma)
            if w != 0:
                boost.append(j)
                weight.append(w)
                members.append(np.flatnonzero(weights[:, j] == w))
        first.append(len(boost))
    sizes = [len(m) for m in members]
    return WeightClasses(np.array(boost, dtype=np.int64), np.array(weight, dtype=float),
                         np.concatenate(([0], np.cumsum(sizes))).astype(np.int64),
                         np.concatenate(members).astype(np.int64) if members else np.zeros(0, dtype=np.int64),
                         np.array(first, dtype=np.int64), np.diff(first).astype(np.int64),
                         np.array(sizes, dtype=np.int64))


@lru_cache(maxsize=None)
def boost_order() -> np.ndarray:
    """The boosts in the order of their IRIs (boost_reasons' second sort key)."""
    return np.argsort(boost_ranks(), kind="stable")


def dense_rank(x: np.ndarray) -> tuple[int, np.ndarray]:
    """(how many distinct values, each element's place among them, smallest first): np.unique(x, return_inverse=True)
    for values without NaN, without its first call's import of numpy.ma (~30 ms of a one-region run's ~0.28 s)."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    new = np.ones(len(x), dtype=bool)
    new[1:] = xs[1:] != xs[:-1]
    rank = np.empty(len(x), dtype=np.int64)
    rank[order] = np.cumsum(new) - 1
    return int(new.sum()), rank


def spread(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """starts[i], starts[i] + 1, …, starts[i] + counts[i] − 1 for every i, one after the other."""
    total = int(counts.sum())
    return np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(total)


@dataclass(frozen=True)
class BoostReasons:
    """One model's boost reasons over its regions (kg.reason.verdict's rule as array operations): one reason per
    region, fired boost and weight class whose part reaches the reason minimum — `row` (its region's place among
    the model's regions), `boost` (the boost's column), `value`, `gate` (the figures it quotes, NaN where
    missing), `part` (rounded) — and, in cell order, which reason each (region, measure) cell gives: `which`
    (reason index) and `cell` (row × measures + measure), the largest part of a cell first, then by boost IRI.
    The figures are arrays (NaN where missing)."""
    row: np.ndarray
    boost: np.ndarray
    value: np.ndarray
    gate: np.ndarray
    part: np.ndarray
    which: np.ndarray
    cell: np.ndarray


def boost_reason_cells(model_iri: str, strength: np.ndarray, figures: np.ndarray, gates: np.ndarray,
                       rows: np.ndarray | None = None, fired: np.ndarray | None = None) -> BoostReasons:
    """boost_reasons for every region and measure of one model at once, as array operations under
    kg.reason.verdict's rule: each fired boost's part (weight × share × intensity) for each weight class of
    measures, the parts that reach the reason minimum, then their order in each (region, measure) cell.
    `strength`: the model's regions' boost intensities (regions × boosts); `figures`, `gates`: each region's
    figure and gate figure (× the gate's reason scale) of each boost, NaN where missing — the same regions, or
    the batch's when `rows` says which of its regions the model's are; `fired`: strength > 0 with the boosts in
    IRI order (boost_order), when the caller has it."""
    r = rules()
    n_m = len(model_weights(model_iri)[0])
    n_b = strength.shape[1]
    wc = weight_classes(model_iri)
    # each fired boost of each region (by region, then boost IRI) × the boost's weight classes
    fp, fk = np.nonzero(strength[:, boost_order()] > 0 if fired is None else fired)
    n_cls = wc.count[fk]
    c = spread(wc.first[fk], n_cls)
    at = np.repeat(fp * n_b, n_cls) + wc.boost[c]          # (region, boost) in the regions × boosts arrays
    parts = wc.weight[c] * np.ravel(strength)[at]
    keep, size, noiseless = kept_parts(parts, r.reason_minimum)
    c, at, size = c[keep], at[keep], size[keep]
    # each reason to the measures of its class; in each cell the largest part first, then by boost IRI (the
    # order they come in)
    held = wc.held[c]
    which = np.repeat(np.arange(len(c)), held)
    p, j = np.divmod(at, n_b)
    cell = np.repeat(p * n_m, held) + wc.members[spread(wc.offset[c], held)]
    order = cell_order(cell, np.repeat(size, held))
    quoted = at if rows is None else rows[p] * n_b + j
    return BoostReasons(p, j, np.ravel(figures)[quoted], np.ravel(gates)[quoted],
                        round_array(noiseless[keep], SCORE_DIGITS), which[order], cell[order])


def cell_order(cell: np.ndarray, size: np.ndarray) -> np.ndarray:
    """The stable order of (cell, −size): by cell, the largest size first, equal ones in arrival order — as one
    int64 an entry (cell, −size as an integer: sizes are rounded to NOISE_DIGITS, the arrival index in the lowest
    bits) sorted by np.sort (~3× a stable argsort of floats); keys too wide for that: a stable argsort of
    cell_order_key."""
    if len(cell):
        step = np.rint(size * 10.0 ** NOISE_DIGITS)
        top = float(step.max())
        bits = (len(cell) - 1).bit_length()
        if (float(cell.max()) + 1) * (top + 1) * 2.0 ** bits < 2.0 ** 62:
            key = (cell * (int(top) + 1) + (int(top) - step.astype(np.int64))) << bits | np.arange(len(cell))
            return np.sort(key) & ((1 << bits) - 1)
    return np.argsort(cell_order_key(cell, size), kind="stable")


def cell_order_key(cell: np.ndarray, size: np.ndarray) -> np.ndarray:
    """A key ordering by cell, then by size, largest first, with equal (cell, size) pairs equal: cell × K − size
    (K a power of two above the largest size: cell × K exact, and the cells' bands do not overlap), as floats
    where their spacing there (≤ 2^-50 of the largest key) is far below any two sizes' difference (sizes are
    rounded to NOISE_DIGITS: ≥ 10^-NOISE_DIGITS apart); else, for batches too big for that, as integers from the
    sizes' dense ranks."""
    if not len(cell):
        return cell
    k = 2.0 ** math.ceil(math.log2(float(size.max()) + 1.0))
    if float(cell.max()) * k * 2.0 ** -50 < 10.0 ** -NOISE_DIGITS / 4:
        return cell * k - size
    count, rank = dense_rank(-size)
    return cell * count + rank


def boost_reason_objects(b: BoostReasons) -> list[Reason]:
    """The Reasons of BoostReasons, in cell order (one object per reason, shared by the cells it lifts)."""
    iris = [x.iri for x in rules().boosts]
    made = verdict.made(Reason, kind=["boost"] * len(b.row), ref=list(map(iris.__getitem__, b.boost.tolist())),
                        value=plain(b.value), gate=plain(b.gate), part=b.part.tolist(), fluxes=[()] * len(b.row))
    return list(map(made.__getitem__, b.which.tolist()))


def plain(a: np.ndarray) -> list:
    """A float array (1-D) as a list of Python floats, None where NaN (as a Verdict gives a missing figure)."""
    missing = np.isnan(a)
    if not missing.any():
        return a.tolist()
    out = a.tolist()
    deque(map(out.__setitem__, np.flatnonzero(missing).tolist(), repeat(None)), 0)
    return out


@dataclass(frozen=True)
class RankedModel:
    """One model's ranking over the regions that need it, as arrays: `rows` (those regions, batch rows),
    `iris` (its measures, model_weights order), `order` (rows × measures: measure indices, best first),
    `score`, `concern` (rows × measures, rounded, model_weights order), `big_sets` (each row's big fluxes) and
    its boost reasons."""
    model: str
    rows: list[int]
    iris: tuple[str, ...]
    order: np.ndarray
    score: np.ndarray
    concern: np.ndarray
    big_sets: list[frozenset[str]]
    boosts: BoostReasons | None

    def measures(self) -> list[tuple[RankedMeasure, ...]]:
        """Each row's ranked measures as objects (kg.reason.verdict.made)."""
        n_p, n_m = len(self.rows), len(self.iris)
        if not n_m:
            return [()] * n_p
        b = self.boosts
        reasons = cell_reasons(self.model, self.big_sets, boost_reason_objects(b), b.cell)
        order = self.order
        at = (np.arange(n_p)[:, None] * n_m + order).reshape(-1).tolist()
        ranked = tuple(verdict.made(RankedMeasure, iri=list(map(self.iris.__getitem__, order.reshape(-1).tolist())),
                                    score=np.take_along_axis(self.score, order, axis=1).reshape(-1).tolist(),
                                    concern=np.take_along_axis(self.concern, order, axis=1).reshape(-1).tolist(),
                                    reasons=list(map(reasons.__getitem__, at))))
        return [ranked[a:a + n_m] for a in range(0, n_p * n_m, n_m)]


def rank_models(wanted: dict[str, list[int]], strength: np.ndarray, pos: np.ndarray,
                big_matrix: tuple[dict[str, int], np.ndarray], big_sets: list[frozenset[str]], figures: np.ndarray,
                gates: np.ndarray) -> dict[str, RankedModel]:
    """The models regions need ranked, each over its regions (`wanted`: {model IRI: regions}, in its order;
    `figures`, `gates`: the boosts' figures its reasons quote, regions × boosts; `big_matrix`, `big_sets`: the
    regions' big fluxes). Scores, concerns, boost parts, their rounding and the orders are array operations over
    the model's regions × measures (× boosts)."""
    out: dict[str, RankedModel] = {}
    cols, shares = big_matrix
    by_iri = strength[:, boost_order()] > 0             # what fired, the boosts in IRI order (the reasons' order)
    for model, rows in wanted.items():
        rows = np.asarray(rows, dtype=np.int64)
        idx = rows.tolist()
        iris, weights = model_weights(model)
        sets = list(map(big_sets.__getitem__, idx))
        if not iris:
            empty = np.zeros((len(idx), 0))
            out[model] = RankedModel(model, idx, iris, empty.astype(np.int64), empty, empty, sets, None)
            continue
        mine = strength[rows]
        score, score_grid = rounded_array(rank_scores(model, mine, (cols, shares[rows])), grid=True)
        concern, concern_grid = rounded_array(pos[rows] @ weights.T, grid=True)
        order = rank_order(score, concern, key_ranks(model), (score_grid, concern_grid))
        out[model] = RankedModel(model, idx, iris, order, score, concern, sets,
                                 boost_reason_cells(model, mine, figures, gates, rows, by_iri[rows]))
    return out


def cell_reasons(model_iri: str, big_sets: list[frozenset[str]], boosts: list[Reason], cell: np.ndarray
                 ) -> list[tuple[Reason, ...]]:
    """The reasons of each (region, measure) cell of one model, region × measures + measure: its fixed reasons
    (fixed_reasons' shared tuple) or, where boosts give reasons (`boosts` in cell order, `cell` the cell of
    each), the base reason, the boost reasons, then the reach reason."""
    out = list(chain.from_iterable(fixed_reasons(model_iri, b) for b in big_sets))
    if len(cell):
        starts = np.flatnonzero(np.diff(cell, prepend=-1))
        for c, s, e in zip(cell[starts].tolist(), starts.tolist(), [*starts[1:].tolist(), len(cell)]):
            fixed = out[c]
            out[c] = (fixed[0], *boosts[s:e], *fixed[1:])
    return out


@lru_cache(maxsize=1)
def measure_keys() -> dict[str, str]:
    return {m.iri: m.key for ms in pathway.model_measures().values() for m in ms}


def _type_evidence(types: list[str | None], contrib: dict[str, np.ndarray]):
    """For each type with regions diagnosed as it: its evidence records, those regions and their contributions
    (regions × evidence, NaN where an indicator is missing)."""
    r = rules()
    place = {t: k for k, t in enumerate(r.type_order)}
    code = np.fromiter(map(place.get, types, repeat(-1)), dtype=np.int64, count=len(types))
    for k, t in enumerate(r.type_order):
        ev = [e for e in r.evidence if e.type_iri == t]
        rows = np.flatnonzero(code == k)
        if ev and len(rows):
            yield ev, rows.tolist(), np.column_stack([contrib[e.iri][rows] for e in ev])


def driver_orders(types: list[str | None], contrib: dict[str, np.ndarray]) -> dict[int, tuple[str, ...]]:
    """{region: its diagnosed type's evidence IRIs, weightiest first} (kg.reason.verdict.driver_order: by
    rounded contribution, weight, indicator) for all regions of each type at once; missing evidence left out.
    Regions whose evidence comes in the same order, with the same given, share one tuple (made once)."""
    out: dict[int, tuple[str, ...]] = {}
    for ev, rows, c in _type_evidence(types, contrib):
        iris = [e.iri for e in ev]
        c, steps = rounded_array(c, grid=True)
        given = ~np.isnan(c)
        # a missing contribution is left out: any value below every contribution orders it last, as lexsort's NaN
        # (one on the SCORE_DIGITS grid keeps rank_order's integer keys); ties by weight, then indicator: each
        # evidence's place in that order
        ties = sorted((-e.weight, e.indicator) for e in ev)
        none = np.zeros(c.shape)
        order = rank_order(np.where(given, c, MISSING_LAST), none,
                           np.array([ties.index((-e.weight, e.indicator)) for e in ev]),
                           (np.where(given, steps, MISSING_LAST * 10.0 ** SCORE_DIGITS), none))
        given = np.take_along_axis(given, order, axis=1)
        m = len(ev)
        if m < 128:         # each row's (order, given) as m bytes: the key of its tuple
            keys = np.ascontiguousarray((order + m * given).astype(np.uint8)).view(np.dtype((np.void, m)))
            keys = keys.reshape(-1).tolist()
            first = dict(zip(keys, range(len(keys))))    # a region of each key
            at = list(first.values())
            made = dict(zip(first, map(tuple, map(compress, _objects(iris)[order[at]].tolist(), given[at].tolist()))))
            out.update(zip(rows, map(made.__getitem__, keys)))
            continue
        out.update(zip(rows, map(tuple, map(compress, map(map, repeat(iris.__getitem__), order.tolist()),
                                            given.tolist()))))
    return out


MISSING_LAST = -2.0 ** 20      # below any contribution (0 … 1), and k ÷ 10^SCORE_DIGITS for an integer k


def designations(rows: list[dict], numbers=None) -> list[str | None]:
    """designated_type of every region (worked out once for each distinct designation given). `numbers`
    (kg.read.numbers): the batch's cells, read instead of the rows."""
    cells = numbers.cells("official_zone_type") if numbers is not None else [v.get("official_zone_type") for v in rows]
    try:
        memo = {key: designated_type({"official_zone_type": key}) for key in set(cells)}
    except TypeError:       # a cell that is not hashable: not a designation, but designated_type says so
        return [designated_type({"official_zone_type": key}) for key in cells]
    return list(map(memo.__getitem__, cells))


def fired_sets(fired: np.ndarray, boost_iris: list[str]) -> list[frozenset[str]]:
    """The fired boosts of each region (regions × boosts), one frozenset object for regions where the same fire."""
    if not fired.shape[1]:
        return [frozenset()] * len(fired)
    bits = np.packbits(fired, axis=1)                   # each row's pattern as bytes: the key of its set
    keys = bits.view(np.dtype((np.void, bits.shape[1]))).reshape(-1).tolist()
    memo: dict[bytes, frozenset[str]] = {}
    out = []
    for k, row in zip(keys, fired.tolist()):
        s = memo.get(k)
        if s is None:
            s = memo[k] = frozenset(compress(boost_iris, row))
        out.append(s)
    return out


@dataclass
class Verdicts:
    """What the fast path concludes for a batch, as arrays (n regions): `type_iri`, `model_iri`, `designated`,
    `runner_up`, `margin` (lists), `scores` (regions × types in tie order, NaN without evidence), `contrib`
    ({evidence IRI: contributions}), `ind` ({indicator: figures}), `fired` (regions × boosts), `strength` (the
    fired boosts' intensities), `big_sets`, `drivers` ({region: evidence IRIs, weightiest first}) and `ranked`
    ({model IRI: RankedModel}, with `place[i]`: {model IRI: region i's row in it}). Verdict objects are made
    from them only when asked (`objects`); the compact output is written from them (kg.present.compact)."""
    type_iri: list
    model_iri: list
    designated: list
    runner_up: list
    margin: list
    scores: np.ndarray
    contrib: dict[str, np.ndarray]
    ind: dict[str, np.ndarray]
    fired: np.ndarray
    strength: np.ndarray
    big_sets: list[frozenset[str]]
    drivers: dict[int, tuple[str, ...]]
    ranked: dict[str, RankedModel]
    place: Places

    def __len__(self) -> int:
        return len(self.type_iri)

    def objects(self) -> list[Verdict]:
        """One Verdict per region, each record (dicts, tuples, Verdict) made from the columns."""
        r = rules()
        n = len(self)
        keys = list(self.ind)
        figures = list(map(dict, map(zip, repeat(keys), zip(*(plain(np.asarray(self.ind[k], dtype=float))
                                                               for k in keys))))) if keys else [{} for _ in range(n)]
        ranking: list[dict] = [{} for _ in range(n)]
        for model, rm in self.ranked.items():
            for i, ranked in zip(rm.rows, rm.measures()):
                ranking[i][model] = ranked
        boost_iris = [b.iri for b in r.boosts]
        on = self.fired
        # each region's fired boosts with their intensities: the fired values in row order, each region's taken
        # from one iterator by a zip that stops with the region's fired boosts
        lifts = iter(self.strength[on].tolist())
        intensities = list(map(dict, map(zip, map(compress, repeat(boost_iris), on.tolist()), repeat(lifts))))
        return verdict.made(Verdict, type_iri=self.type_iri, scores=type_scores(self.scores, r.type_order),
                            contributions=evidence_given(self.type_iri, self.contrib), indicators=figures,
                            model_iri=self.model_iri, fired=fired_sets(on, boost_iris), big_fluxes=self.big_sets,
                            designated=self.designated, runner_up=self.runner_up, margin=self.margin,
                            drivers=[self.drivers.get(i, ()) for i in range(n)], intensities=intensities,
                            ranking=ranking)


def reason_batch(rows: list[dict], balances: list[dict | None], *, numbers=None, accounts=None) -> list[Verdict]:
    """The fast path: one Verdict per region (rows are profile value dicts), made from reason_arrays' columns."""
    return reason_arrays(rows, balances, numbers=numbers, accounts=accounts).objects()


def reason_arrays(rows: list[dict], balances: list[dict | None], *, numbers=None, accounts=None) -> Verdicts:
    """The fast path's conclusions for a batch as arrays: every number is an array operation over the regions.
    `numbers`: the rows' number columns (kg.read.numbers), `accounts`: the balances with their plans' arrays
    (kg.account.balance.Accounts), when the caller has them — then `balances` is not read (None will do) and the
    accounts' per-region dicts are not made."""
    r = rules()
    n = len(rows)
    if n == 0:
        none = np.zeros((0, len(r.boosts)), dtype=bool)
        return Verdicts([], [], [], [], [], np.zeros((0, len(r.type_order))), {}, {}, none, none.astype(float), [], {},
                        {}, Places((), np.zeros((0, 0), dtype=np.int64)))
    ind = compute_batch(rows, balances, numbers, accounts)
    ind.update(account_shares(r.account_shares, balances, accounts))
    scores, contrib = score_types(ind)
    types = pathway.type_models()
    has = ~np.all(np.isnan(scores), axis=1)
    best = np.argmax(np.where(np.isnan(scores), -1.0, scores), axis=1)   # first max = lowest tie order
    strength, pos, boost_figures, gates = boost_arrays(ind, n)
    big_sets, big_matrix = big_fluxes(balances, r.big_flux_share, accounts)
    tiris = list(map([*r.type_order, None].__getitem__, np.where(has, best, len(r.type_order)).tolist()))
    runners, margins = close_calls(scores, r)
    designated = designations(rows, numbers)
    wanted, place = wanted_models(tiris, runners, designated)
    ranked = rank_models(wanted, strength, pos, big_matrix, big_sets, boost_figures, gates)
    model_of = {t: tm.model_iri for t, tm in types.items()}
    return Verdicts(type_iri=tiris, model_iri=list(map(model_of.get, tiris)), designated=designated,
                    runner_up=runners, margin=margins, scores=scores, contrib=contrib, ind=ind, fired=strength > 0,
                    strength=strength, big_sets=big_sets, drivers=driver_orders(tiris, contrib), ranked=ranked,
                    place=place)


def wanted_models(*typings: list[str | None]) -> tuple[dict[str, np.ndarray], "Places"]:
    """The models to rank and where (each region's diagnosed type's, its runner-up's on a close call, its designated
    type's: `typings`, one list of type IRIs or None each): {model IRI: its regions}, the models in the order regions
    first need them (each region's in IRI order), and each region's row in each model it needs — as arrays: each
    region's models a bit set."""
    types = pathway.type_models()
    models = sorted({tm.model_iri for tm in types.values()})
    bit = {t: 1 << models.index(tm.model_iri) for t, tm in types.items()}
    n = len(typings[0])
    need = np.zeros(n, dtype=np.int64)
    for given in typings:
        need |= np.fromiter(map(bit.get, given, repeat(0)), dtype=np.int64, count=n)
    rows = [np.flatnonzero(need & (1 << k)) for k in range(len(models))]
    at = np.full((n, len(models)), -1, dtype=np.int64)
    for k, idx in enumerate(rows):
        at[idx, k] = np.arange(len(idx))
    first = sorted((int(idx[0]), k) for k, idx in enumerate(rows) if len(idx))
    return {models[k]: rows[k] for _, k in first}, Places(tuple(models), at)


class Places:
    """Each region's row in each ranked model: places[i] is {model IRI: row} of region i's models, in IRI order
    (made when asked: only close calls and disagreements are); `at` is regions × models (IRI order), −1 where
    region i does not need the model."""

    def __init__(self, models: tuple[str, ...], at: np.ndarray):
        self.models, self.at = models, at

    def __len__(self) -> int:
        return len(self.at)

    def __getitem__(self, i: int) -> dict[str, int]:
        return {m: a for m, a in zip(self.models, self.at[i].tolist()) if a >= 0}

    def __iter__(self):
        return map(self.__getitem__, range(len(self)))


def type_scores(scores: np.ndarray, type_order: tuple[str, ...]) -> list[dict[str, float | None]]:
    """{type IRI: score or None} of each region, in tie order."""
    if not type_order:
        return [{} for _ in range(len(scores))]
    return list(map(dict, map(zip, repeat(type_order), zip(*(plain(c) for c in scores.T)))))


def evidence_given(types: list[str | None], contrib: dict[str, np.ndarray]) -> list[dict[str, float]]:
    """{evidence IRI: contribution} of each region's diagnosed type, for the evidence it has a figure for."""
    out: list[dict[str, float]] = [{} for _ in types]
    for ev, rows, c in _type_evidence(types, contrib):
        iris = [e.iri for e in ev]
        for i, row, gap in zip(rows, c.tolist(), np.isnan(c).any(axis=1).tolist()):
            out[i] = {e: x for e, x in zip(iris, row) if x == x} if gap else dict(zip(iris, row))
    return out
