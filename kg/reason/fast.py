"""The fast reasoning path: integration type, model and ranked measures for a
whole batch at once.

It executes the rule records of kg.knowledge.rules (rules/type-scoring.ttl,
rules/measure-ranking.ttl) as numpy arrays across regions; the model of each type comes
from the ontology (kg.knowledge.pathway.type_models, the hasValue restriction), never
from a table here. kg.reason.reference reaches the same verdicts through pySHACL rules
and an OWL RL closure; the two are compared on whole verdicts (kg.reason.verdict).
Nothing here words anything: kg.present.advice does."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from kg.knowledge import pathway
from kg.knowledge.rules import AccountShare, Boost, Evidence, rules
from kg.namespaces import TH
from kg.reason.indicators import compute_batch, number
from kg.reason.verdict import (RankedMeasure, Reason, Verdict, close_call, kept_parts, rank_order, rounded_array)


def account_share(a: AccountShare, balances: list[dict | None]) -> np.ndarray:
    """The account share of each region (NaN when the line or the total is missing, or the total is not above 0)."""
    out = np.full(len(balances), np.nan)
    for i, b in enumerate(balances):
        b = b or {}
        lines = b.get("by_source") if a.source else b.get("by_table1")
        part = number((lines or {}).get(a.source or a.flux))
        total = number(b.get(a.total))
        if part is not None and total is not None and total > 0:
            out[i] = a.scale * part / total
    return out


def big_flux_shares(balance: dict | None, share: float) -> dict[str, float]:
    """{Table 1 flux class: its share of the region's gross flux} for the classes carrying at least
    `share` of it (balance["by_table1"]: {class local name or IRI: amount, sinks negative}). Read
    generically from whatever lines the account has, never from a fixed list."""
    lines = (balance or {}).get("by_table1") or {}
    amounts = {}
    for k, v in lines.items():
        f = number(v.get("t_co2e") if isinstance(v, dict) else v)
        if f is not None:
            amounts[k if str(k).startswith("http") else TH + k] = abs(f)
    gross = sum(amounts.values())
    if gross <= 0:
        return {}
    return {k: a / gross for k, a in amounts.items() if a / gross >= share}


def big_fluxes(balance: dict | None, share: float) -> frozenset[str]:
    """The Table 1 flux classes carrying at least `share` of the region's gross flux."""
    return frozenset(big_flux_shares(balance, share))


def _graded(x: np.ndarray, typical: float, full: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        raw = (x - typical) / (full - typical)
    return np.where(raw > 0, np.minimum(raw, 1.0), 0.0)


def intensity(b: Boost, x: np.ndarray, gate: np.ndarray | None = None) -> np.ndarray:
    """How far beyond the typical value the region lies, 0 … 1 (0 where the indicator is missing),
    times the same grading of the gate indicator for a gated boost; the boost fires where this is above 0."""
    main = _graded(x, b.typical, b.full)
    if b.gate is None:
        return main
    return main * _graded(np.full(len(x), np.nan) if gate is None else gate, b.gate_typical, b.gate_full)


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


def flux_matrix(bigs: list[dict[str, float]]) -> tuple[dict[str, int], np.ndarray]:
    """The regions' big-flux shares as a matrix (regions × flux classes, 0 where not big) and its columns."""
    cols = {f: j for j, f in enumerate(sorted({f for b in bigs for f in b}))}
    out = np.zeros((len(bigs), len(cols)))
    for i, b in enumerate(bigs):
        for f, share in b.items():
            out[i, cols[f]] = share
    return cols, out


def reach_shares(m_iri: str, big_matrix: tuple[dict[str, int], np.ndarray]) -> np.ndarray:
    """How much of each region's gross flux a measure reaches: for each thing it acts on, the share of
    the largest big flux that thing reaches (0 if none), averaged over its targets — a focused measure
    on a line carrying 40 % of emissions gets 0.4, a broad one a part of it. A target that is itself an
    account flux outside Table 1 (th:AgriculturalNonCO2Emission, issue 14) reaches itself, as in the
    reference rule (rdfs:subClassOf* includes the class itself). All regions at once, the maxima added in
    target order (shares are above 0, so a flux that is not big counts as 0)."""
    cols, shares = big_matrix
    tr = target_reach(m_iri)
    total = np.zeros(len(shares))
    if not tr:
        return total
    for x, fl in tr:
        idx = sorted(cols[f] for f in fl | {x} if f in cols)
        total = total + (shares[:, idx].max(axis=1) if idx else 0.0)
    return total / len(tr)


@lru_cache(maxsize=None)
def reached_by(m_iri: str) -> frozenset[str]:
    """Every flux class a measure reaches through any of its targets (as `reach_shares` counts them)."""
    return frozenset().union(*(fl | {x} for x, fl in target_reach(m_iri)))


# ------------------------------------------------------------------ fast path, in bulk

def membership(x: np.ndarray, ev: Evidence) -> np.ndarray:
    rising = np.clip((x - ev.low) / (ev.high - ev.low), 0.0, 1.0)
    return rising if ev.increasing else 1.0 - rising


def score_types(ind: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Scores (n × types in tie order, NaN when no evidence) and each evidence's contribution."""
    r = rules()
    n = len(next(iter(ind.values()))) if ind else 0
    num = {t: np.zeros(n) for t in r.type_order}
    den = {t: np.zeros(n) for t in r.type_order}
    parts = {}
    for ev in r.evidence:
        x = ind[ev.indicator]
        ok = ~np.isnan(x)
        wm = np.where(ok, ev.weight * membership(np.nan_to_num(x), ev), 0.0)
        parts[ev.iri] = (wm, ok)
        num[ev.type_iri] += wm
        den[ev.type_iri] += ev.weight * ok
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.column_stack([np.where(den[t] > 0, num[t] / den[t], np.nan) for t in r.type_order])
        contrib = {e.iri: np.where(parts[e.iri][1], parts[e.iri][0] / den[e.type_iri], np.nan) for e in r.evidence}
    return scores, contrib


def rank_scores(model_iri: str, strength: np.ndarray, bigs: list[dict[str, float]]) -> dict[str, np.ndarray]:
    """{measure IRI: score array} for one model over the regions given (their boost
    intensities, regions × boosts, and their big fluxes)."""
    r = rules()
    out = {}
    big_matrix = flux_matrix(bigs)
    for m in pathway.model_measures().get(model_iri, ()):
        gov = m.iri in r.governance
        base = (r.common_base if m.common else r.model_base) + (r.governance_offset if gov else 0.0)
        evidence = r.reach_weight * reach_shares(m.iri, big_matrix)
        for j, b in enumerate(r.boosts):
            share = boost_share(b, m)
            if share:
                evidence = evidence + b.weight * share * strength[:, j]
        out[m.iri] = base + (r.governance_factor if gov else 1.0) * evidence
    return out


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


def positions(ind: dict[str, np.ndarray]) -> np.ndarray:
    """Where each region lies relative to each boost, clip((x − typical) ÷ (full − typical), −1, 1), fired or
    not, 0 where the figure is missing (regions × boosts): the tie-break's input."""
    r = rules()
    n = len(next(iter(ind.values()))) if ind else 0
    cols = [np.nan_to_num(np.clip((ind[b.indicator] - b.typical) / (b.full - b.typical), -1.0, 1.0), nan=0.0)
            for b in r.boosts]
    return np.column_stack(cols) if cols else np.zeros((n, 0))


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


@lru_cache(maxsize=None)
def weight_classes(model_iri: str) -> np.ndarray:
    """measures × boosts: measures given the same weight × share of a boost share a class (their part of it is
    the same for any region), so that they can share one Reason object."""
    weights = model_weights(model_iri)[1]
    out = np.zeros(weights.shape, dtype=np.int64)
    for j in range(weights.shape[1]):
        out[:, j] = np.unique(weights[:, j], return_inverse=True)[1].reshape(-1)
    return out


def boost_reason_cells(model_iri: str, strength: np.ndarray, rows: list[int],
                       figures: list[dict[str, float | None]]) -> tuple[list[Reason], list[int]]:
    """boost_reasons for every region and measure of one model at once: the parts (weight × share ×
    intensity, regions × measures × boosts), which are kept and their order are array operations under
    kg.reason.verdict's rule. Returns the reasons in (region, measure, order) order and where each
    (region, measure) cell starts: cell c = region × measures + measure holds reasons[starts[c]:starts[c + 1]].
    One Reason per region, boost and weight class."""
    r = rules()
    weights = model_weights(model_iri)[1]
    n_m, n_b = weights.shape
    parts = weights[None, :, :] * strength[:, None, :]
    keep, size = kept_parts(parts, r.reason_minimum)
    keep &= (strength > 0)[:, None, :] & (weights != 0)[None, :, :]
    p, q, j = np.nonzero(keep)
    order = np.lexsort((boost_ranks()[j], -size[p, q, j], q, p))
    p, q, j = p[order], q[order], j[order]
    shown = rounded_array(parts[p, q, j]).tolist()
    _, first, inverse = np.unique((p * n_b + j) * n_m + weight_classes(model_iri)[q, j],
                                  return_index=True, return_inverse=True)
    made, p_l, j_l = [], p.tolist(), j.tolist()
    for u in first.tolist():
        boost = r.boosts[j_l[u]]
        ind = figures[rows[p_l[u]]]
        gate = ind.get(boost.gate) if boost.gate else None
        made.append(Reason("boost", boost.iri, ind.get(boost.indicator),
                           None if gate is None else gate * boost.gate_reason_scale, shown[u]))
    starts = np.searchsorted(p * n_m + q, np.arange(len(strength) * n_m + 1)).tolist()
    return [made[k] for k in inverse.reshape(-1).tolist()], starts


def rank_models(wanted: dict[str, list[int]], strength: np.ndarray, pos: np.ndarray, bigs: list[dict[str, float]],
                figures: list[dict[str, float | None]]) -> dict[int, dict]:
    """{region: {model IRI: ranked measures}} for the models each region needs ranked (`figures`: each
    region's indicators, the values its reasons quote). Scores, concerns, boost parts, their rounding and
    the orders are array operations over the model's regions × measures (× boosts); only the records are
    built one by one."""
    out: dict[int, dict] = {}
    for model, idx in wanted.items():
        rows = np.array(idx)
        iris, weights = model_weights(model)
        if not iris:
            for i in idx:
                out.setdefault(i, {})[model] = ()
            continue
        scores = rank_scores(model, strength[rows], [bigs[i] for i in idx])
        score = rounded_array(np.column_stack([scores[m] for m in iris]))
        concern = rounded_array(pos[rows] @ weights.T)
        order = rank_order(score, concern, key_ranks(model)).tolist()
        boosts, starts = boost_reason_cells(model, strength[rows], idx, figures)
        score_l, concern_l, n_m = score.tolist(), concern.tolist(), len(iris)
        for p, i in enumerate(idx):
            fixed = fixed_reasons(model, frozenset(bigs[i]))
            sp, cp, at = score_l[p], concern_l[p], p * n_m
            # a boost reason comes after the base reason, before the reach reason
            out.setdefault(i, {})[model] = tuple(
                RankedMeasure(iris[q], sp[q], cp[q], (fixed[q][0], *boosts[starts[at + q]:starts[at + q + 1]],
                                                      *fixed[q][1:]) if starts[at + q] < starts[at + q + 1] else fixed[q])
                for q in order[p])
    return out


@lru_cache(maxsize=1)
def measure_keys() -> dict[str, str]:
    return {m.iri: m.key for ms in pathway.model_measures().values() for m in ms}


def driver_orders(types: list[str | None], contrib: dict[str, np.ndarray]) -> dict[int, tuple[str, ...]]:
    """{region: its diagnosed type's evidence IRIs, weightiest first} (kg.reason.verdict.driver_order: by
    rounded contribution, weight, indicator) for all regions of each type at once; missing evidence left out."""
    r = rules()
    out: dict[int, tuple[str, ...]] = {}
    for t in r.type_order:
        ev = [e for e in r.evidence if e.type_iri == t]
        rows = [i for i, x in enumerate(types) if x == t]
        if not ev or not rows:
            continue
        c = np.column_stack([contrib[e.iri][rows] for e in ev])
        names = [e.indicator for e in ev]
        order = rank_order(rounded_array(c), np.broadcast_to(np.array([e.weight for e in ev], dtype=float), c.shape),
                           np.array([sorted(names).index(x) for x in names]))
        for i, ks, ok in zip(rows, order.tolist(), (~np.isnan(c)).tolist()):
            out[i] = tuple(ev[k].iri for k in ks if ok[k])
    return out


def reason_batch(rows: list[dict], balances: list[dict | None]) -> list[Verdict]:
    """The fast path: one Verdict per region (rows are profile value dicts)."""
    r = rules()
    n = len(rows)
    if n == 0:
        return []
    ind = compute_batch(rows, balances)
    for a in r.account_shares:
        ind[a.key] = account_share(a, balances)
    scores, contrib = score_types(ind)
    types = pathway.type_models()
    has = ~np.all(np.isnan(scores), axis=1)
    best = np.argmax(np.nan_to_num(scores, nan=-1.0), axis=1)   # first max = lowest tie order
    strength = np.column_stack([intensity(b, ind[b.indicator], ind[b.gate] if b.gate else None)
                                for b in r.boosts]) if r.boosts else np.zeros((n, 0))
    bigs = [big_flux_shares(b, r.big_flux_share) for b in balances]
    decided = []
    wanted: dict[str, list[int]] = {}
    # plain floats (NaN for missing) row by row: indexing numpy arrays one element at a time costs more
    score_rows, best_l, has_l = scores.tolist(), best.tolist(), has.tolist()
    for i in range(n):
        type_scores = {t: (None if s != s else s) for t, s in zip(r.type_order, score_rows[i])}
        tiri = r.type_order[best_l[i]] if has_l[i] else None
        runner, margin = close_call(type_scores, r) if tiri else (None, None)
        designated = designated_type(rows[i])
        decided.append((type_scores, tiri, runner, margin, designated))
        # models to rank: the diagnosed one, the runner-up's on a close call, the designated type's
        for model in sorted({types[t].model_iri for t in (tiri, runner, designated) if t}):
            wanted.setdefault(model, []).append(i)
    keys = list(ind)
    figures = [{k: (None if x != x else x) for k, x in zip(keys, row)}
               for row in zip(*(np.asarray(ind[k], dtype=float).tolist() for k in keys))] if keys else [{} for _ in range(n)]
    ranking = rank_models(wanted, strength, positions(ind), bigs, figures)
    boost_iris = [b.iri for b in r.boosts]
    by_type = {t: [(e.iri, np.asarray(contrib[e.iri], dtype=float).tolist()) for e in r.evidence if e.type_iri == t]
               for t in r.type_order}
    drivers = driver_orders([d[1] for d in decided], contrib)
    out = []
    for i, ((type_scores, tiri, runner, margin, designated), lifts) in enumerate(zip(decided, strength.tolist())):
        contributions = {e: c[i] for e, c in by_type.get(tiri, ()) if c[i] == c[i]}
        out.append(Verdict(
            type_iri=tiri, scores=type_scores, contributions=contributions,
            indicators=figures[i],
            model_iri=types[tiri].model_iri if tiri else None,
            fired=frozenset(b for b, x in zip(boost_iris, lifts) if x > 0),
            big_fluxes=frozenset(bigs[i]), designated=designated, runner_up=runner, margin=margin,
            drivers=drivers.get(i, ()),
            intensities={b: x for b, x in zip(boost_iris, lifts) if x > 0},
            ranking=ranking.get(i, {})))
    return out
