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
from functools import lru_cache

import numpy as np

from kg.knowledge import pathway
from kg.knowledge.rules import AccountShare, Boost, Evidence, rules
from kg.namespaces import TH
from kg.reason.indicators import compute_batch, number
from kg.reason.verdict import Reason, Verdict, boost_reasons, close_call, driver_order, rank


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


@lru_cache(maxsize=None)
def base_reason(model_iri: str, measure_iri: str) -> Reason:
    common = next(m.common for m in pathway.model_measures()[model_iri] if m.iri == measure_iri)
    return Reason("common") if common else Reason("model", model_iri)


def positions(ind: dict[str, np.ndarray]) -> np.ndarray:
    """Where each region lies relative to each boost, clip((x − typical) ÷ (full − typical), −1, 1), fired or
    not, 0 where the figure is missing (regions × boosts): the tie-break's input."""
    r = rules()
    n = len(next(iter(ind.values()))) if ind else 0
    cols = [np.nan_to_num(np.clip((ind[b.indicator] - b.typical) / (b.full - b.typical), -1.0, 1.0), nan=0.0)
            for b in r.boosts]
    return np.column_stack(cols) if cols else np.zeros((n, 0))


def rank_models(wanted: dict[str, list[int]], strength: np.ndarray, pos: np.ndarray, bigs: list[dict[str, float]],
                figures: list[dict[str, float | None]]) -> dict[int, dict]:
    """{region: {model IRI: ranked measures}} for the models each region needs ranked (`figures`: each
    region's indicators, the values its reasons quote)."""
    r = rules()
    keys = measure_keys()
    out: dict[int, dict] = {}
    for model, idx in wanted.items():
        rows = np.array(idx)
        scores = rank_scores(model, strength[rows], [bigs[i] for i in idx])
        iris, weights = model_weights(model)
        concerns = pos[rows] @ weights.T if len(iris) else np.zeros((len(idx), 0))
        for p, i in enumerate(idx):
            fired = [j for j in range(len(r.boosts)) if strength[i, j] > 0]
            big = frozenset(bigs[i])
            reasons = {}
            for q, m in enumerate(iris):
                parts = {r.boosts[j].iri: weights[q, j] * strength[i, j] for j in fired if weights[q, j]}
                reached = tuple(sorted(reached_by(m) & big))
                reasons[m] = (base_reason(model, m), *boost_reasons(parts, r, figures[i]),
                              *((Reason("reach", fluxes=reached),) if reached else ()))
            out.setdefault(i, {})[model] = rank({m: float(a[p]) for m, a in scores.items()},
                                                dict(zip(iris, map(float, concerns[p]))), reasons, keys)
    return out


@lru_cache(maxsize=1)
def measure_keys() -> dict[str, str]:
    return {m.iri: m.key for ms in pathway.model_measures().values() for m in ms}


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
    for i in range(n):
        type_scores = {t: (None if math.isnan(scores[i, j]) else float(scores[i, j])) for j, t in enumerate(r.type_order)}
        tiri = r.type_order[best[i]] if has[i] else None
        runner, margin = close_call(type_scores, r) if tiri else (None, None)
        designated = designated_type(rows[i])
        decided.append((type_scores, tiri, runner, margin, designated))
        # models to rank: the diagnosed one, the runner-up's on a close call, the designated type's
        for model in sorted({types[t].model_iri for t in (tiri, runner, designated) if t}):
            wanted.setdefault(model, []).append(i)
    figures = [{k: (None if math.isnan(a[i]) else float(a[i])) for k, a in ind.items()} for i in range(n)]
    ranking = rank_models(wanted, strength, positions(ind), bigs, figures)
    boost_iris = [b.iri for b in r.boosts]
    out = []
    for i, (type_scores, tiri, runner, margin, designated) in enumerate(decided):
        ranked = ranking.get(i, {})
        contributions = {e.iri: float(contrib[e.iri][i]) for e in r.evidence
                         if e.type_iri == tiri and not math.isnan(contrib[e.iri][i])}
        out.append(Verdict(
            type_iri=tiri, scores=type_scores, contributions=contributions,
            indicators=figures[i],
            model_iri=types[tiri].model_iri if tiri else None,
            fired=frozenset(b for j, b in enumerate(boost_iris) if strength[i, j] > 0),
            big_fluxes=frozenset(bigs[i]), designated=designated, runner_up=runner, margin=margin,
            drivers=driver_order(contributions, r),
            intensities={b: float(strength[i, j]) for j, b in enumerate(boost_iris) if strength[i, j] > 0},
            ranking=ranked))
    return out
