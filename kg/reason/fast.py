"""The fast reasoning path: integration type, model and ranked measures for a
whole batch at once.

It executes the rule data (rules/type-scoring.ttl, rules/measure-ranking.ttl)
as numpy arrays, read once; the model of each type comes from the ontology
(kg.knowledge.pathway.type_models, the hasValue restriction), never from a table here.
kg/reason_reference.py reaches the same answers through pySHACL rules and an
OWL RL closure; both hand a `Verdict` to `present`, so the output is built once."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from kg.knowledge import pathway
from kg.knowledge.graph import rules_file
from kg.knowledge.graph import lang_text
from kg.reason.indicators import compute_batch, indicators, number
from kg.namespaces import RDF, RDFS, TH, THX
from kg.knowledge.cache import compiled_knowledge

SCORE_DIGITS = 4
# both paths add the same parts in different orders (SPARQL SUM has none): first round away that
# float noise, so that a score lying exactly on a 4-digit boundary rounds the same way in both
NOISE_DIGITS = 9


# ------------------------------------------------------------------ rule data

@dataclass(frozen=True)
class Evidence:
    iri: str
    type_iri: str
    indicator: str
    increasing: bool
    low: float
    high: float
    weight: float
    rationale_zh: str
    rationale_en: str


@dataclass(frozen=True)
class Boost:
    iri: str
    indicator: str
    typical: float                   # intensity 0 here ...
    full: float                      # ... and 1 here (below typical: the boost is for low values)
    weight: float
    targets: frozenset[str]          # processes, pool or flux classes
    measures: frozenset[str]         # measures named directly
    reason_zh: str
    reason_en: str
    gate: str | None = None          # a second indicator that must also lie beyond its typical value
    gate_typical: float = 0.0
    gate_full: float = 1.0
    gate_reason_scale: float = 1.0   # the gate figure is shown × this in the reason (a ratio as a percentage)


@dataclass(frozen=True)
class AccountShare:
    """An indicator read from the carbon account: scale × one line ÷ an account total."""
    key: str
    source: str | None               # a by_source line key ...
    flux: str | None                 # ... or a Table 1 class (local name) of by_table1
    total: str                       # the account total it is divided by
    scale: float
    label_zh: str
    label_en: str
    unit_zh: str
    unit_en: str


@dataclass(frozen=True)
class Rules:
    evidence: tuple[Evidence, ...]
    type_order: tuple[str, ...]      # type class IRIs by thx:tieOrder
    margin: float
    model_base: float
    common_base: float
    big_flux_share: float
    reach_weight: float
    governance: frozenset[str]       # governance measures (monitoring, disclosure, laws, procedure)
    governance_offset: float
    governance_factor: float
    max_cases: int
    reason_minimum: float            # a boost's part of a score below this is not shown as a reason
    boosts: tuple[Boost, ...]
    messages: dict = field(default_factory=dict)   # key -> {"zh","en"}
    account_shares: tuple[AccountShare, ...] = ()


def _float(g, s, p) -> float:
    return float(g.value(s, p))


def _indicator_key(iri) -> str:
    return str(iri).rsplit("#", 1)[-1]


@compiled_knowledge
def rules() -> Rules:
    g = rules_file("type-scoring.ttl") + rules_file("measure-ranking.ttl") + rules_file("advice-messages.ttl")
    evidence = []
    for s in sorted(g.subjects(RDF.type, THX.TypeEvidence)):
        rat = lang_text(g, s, THX.rationale)
        evidence.append(Evidence(str(s), str(g.value(s, THX.forType)), _indicator_key(g.value(s, THX.indicator)),
                                 g.value(s, THX.direction) == THX.increasing, _float(g, s, THX.lowAnchor),
                                 _float(g, s, THX.highAnchor), _float(g, s, THX.weight),
                                 rat.get("zh", ""), rat.get("en", "")))
    order = sorted(g.subject_objects(THX.tieOrder), key=lambda so: int(so[1]))
    boosts = []
    for s in sorted(g.subjects(RDF.type, THX.RankingBoost)):
        reason = lang_text(g, s, THX.reason)
        targets = {str(o) for p in (THX.targetProcess, THX.targetPool, THX.targetFlux) for o in g.objects(s, p)}
        gate = g.value(s, THX.gateIndicator)
        boosts.append(Boost(str(s), _indicator_key(g.value(s, THX.indicator)),
                            _float(g, s, THX.typicalValue), _float(g, s, THX.fullEffectAt),
                            _float(g, s, THX.weight), frozenset(targets),
                            frozenset(str(o) for o in g.objects(s, THX.targetMeasure)),
                            reason.get("zh", ""), reason.get("en", ""),
                            *((_indicator_key(gate), _float(g, s, THX.gateTypicalValue),
                               _float(g, s, THX.gateFullEffectAt), float(g.value(s, THX.gateReasonScale) or 1.0))
                              if gate is not None else ())))
    shares = []
    for s in sorted(g.subjects(RDF.type, THX.AccountShare)):
        labels, units = lang_text(g, s, RDFS.label), lang_text(g, s, THX.unitLabel)
        src, flux = g.value(s, THX.shareOfSource), g.value(s, THX.shareOfFlux)
        shares.append(AccountShare(str(g.value(s, TH.key)), None if src is None else str(src),
                                   None if flux is None else _indicator_key(flux), str(g.value(s, THX.ofAccount)),
                                   _float(g, s, THX.scale), labels.get("zh", ""), labels.get("en", ""),
                                   units.get("zh", ""), units.get("en", "")))
    scoring, ranking = THX["type-scoring"], THX["measure-ranking"]
    messages = {str(g.value(s, TH.key)): lang_text(g, s, RDFS.label) for s in g.subjects(RDF.type, THX.Message)}
    messages["reach"] = lang_text(g, ranking, THX.reachReason)
    for d in (THX.increasing, THX.decreasing):
        messages[_indicator_key(d)] = lang_text(g, d, RDFS.label)
    messages["secondary-measures"] = {"n": str(int(g.value(scoring, THX.secondaryMeasures) or 5))}
    return Rules(tuple(evidence), tuple(str(t) for t, _ in order), _float(g, scoring, THX.closeCallMargin),
                 _float(g, ranking, THX.modelMeasureBase), _float(g, ranking, THX.commonRequirementBase),
                 _float(g, ranking, THX.bigFluxShare), _float(g, ranking, THX.fluxReachWeight),
                 frozenset(str(o) for o in g.objects(ranking, THX.governanceMeasure)),
                 _float(g, ranking, THX.governanceBaseOffset), _float(g, ranking, THX.governanceEvidenceFactor),
                 int(g.value(ranking, THX.maxCasesPerMeasure)), _float(g, ranking, THX.reasonMinimumPart),
                 tuple(boosts), messages, tuple(shares))


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


def _figure(key: str):
    """An indicator of rules/indicators.ttl or an account share of rules/measure-ranking.ttl."""
    d = indicators().get(key)
    return d if d is not None else next((x for x in rules().account_shares if x.key == key), None)


def indicator_unit(key: str) -> dict[str, str]:
    """{"zh","en"} unit of an indicator or an account share."""
    f = _figure(key)
    return {"zh": f.unit_zh, "en": f.unit_en} if f else {"zh": "", "en": ""}


def indicator_label(key: str) -> dict[str, str]:
    """{"zh","en"} label of an indicator or an account share (the key itself if unknown)."""
    f = _figure(key)
    return {"zh": f.label_zh, "en": f.label_en} if f else {"zh": key, "en": key}


# ------------------------------------------------------------------ the verdict both paths produce

@dataclass
class Verdict:
    """What a reasoning path concludes for one region, before presentation."""
    type_iri: str | None
    scores: dict[str, float | None]              # type IRI -> score
    contributions: dict[str, float]              # evidence IRI -> contribution (available evidence)
    indicators: dict[str, float | None]
    model_iri: str | None
    measure_scores: dict[str, dict[str, float]]  # model IRI -> {measure IRI: score}
    fired: frozenset[str]                        # boost IRIs whose condition holds
    big_fluxes: frozenset[str]


def big_flux_shares(balance: dict | None, share: float) -> dict[str, float]:
    """{Table 1 flux class: its share of the region's gross flux} for the classes carrying at least
    `share` of it (balance["by_table1"]: {class local name or IRI: amount, sinks negative}). Read
    generically from whatever lines the account has, never from a fixed list."""
    lines = (balance or {}).get("by_table1") or {}
    amounts = {}
    for k, v in lines.items():
        f = number(v.get("t_co2e") if isinstance(v, dict) else v)
        if f is not None:
            amounts[k if str(k).startswith("http") else str(TH[k])] = abs(f)
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


def reach_share(m_iri: str, shares: dict[str, float]) -> float:
    """How much of the region's gross flux a measure reaches: for each thing it acts on, the share of
    the largest big flux that thing reaches (0 if none), averaged over its targets — a focused measure
    on a line carrying 40 % of emissions gets 0.4, a broad one a part of it."""
    tr = target_reach(m_iri)
    if not tr:
        return 0.0
    # a target that is itself an account flux outside Table 1 (th:AgriculturalNonCO2Emission, issue 14)
    # reaches itself, as in the reference rule (rdfs:subClassOf* includes the class itself)
    return sum(max((shares[f] for f in fl | {x} if f in shares), default=0.0) for x, fl in tr) / len(tr)


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
    for m in pathway.model_measures().get(model_iri, ()):
        gov = m.iri in r.governance
        base = (r.common_base if m.common else r.model_base) + (r.governance_offset if gov else 0.0)
        evidence = r.reach_weight * np.array([reach_share(m.iri, b) for b in bigs], dtype=float)
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
                                for b in r.boosts]) if r.boosts \
        else np.zeros((n, 0))
    fired = strength > 0
    bigs = [big_flux_shares(b, r.big_flux_share) for b in balances]
    # models to rank for each region: the chosen one and, on a close call, the runner-up
    second = np.argsort(-np.nan_to_num(scores, nan=-1.0), axis=1, kind="stable")[:, 1] if scores.shape[1] > 1 \
        else best
    top, runner = np.take_along_axis(scores, best[:, None], 1)[:, 0], np.take_along_axis(scores, second[:, None], 1)[:, 0]
    close = has & (top - np.nan_to_num(runner, nan=-np.inf) < r.margin)
    wanted: dict[str, list[int]] = {}
    for i in range(n):
        if has[i]:
            chosen = {types[r.type_order[best[i]]].model_iri}
            if close[i]:
                chosen.add(types[r.type_order[second[i]]].model_iri)
            designated = designated_type(rows[i])
            if designated:                      # designation first: the designated type's model is ranked too
                chosen.add(types[designated].model_iri)
            for model in sorted(chosen):
                wanted.setdefault(model, []).append(i)
    ranked = {model: rank_scores(model, strength[np.array(idx)], [bigs[i] for i in idx])
              for model, idx in wanted.items()}
    pos = {model: {i: p for p, i in enumerate(idx)} for model, idx in wanted.items()}
    boost_iris = [b.iri for b in r.boosts]
    keys = list(ind)
    out = []
    for i in range(n):
        tiri = r.type_order[best[i]] if has[i] else None
        ms = {}
        for model in wanted:
            p = pos[model].get(i)
            if p is not None:
                ms[model] = {m: float(a[p]) for m, a in ranked[model].items()}
        out.append(Verdict(
            type_iri=tiri,
            scores={t: (None if math.isnan(scores[i, j]) else float(scores[i, j])) for j, t in enumerate(r.type_order)},
            contributions={e.iri: float(contrib[e.iri][i]) for e in r.evidence
                           if e.type_iri == tiri and not math.isnan(contrib[e.iri][i])},
            indicators={k: (None if math.isnan(ind[k][i]) else float(ind[k][i])) for k in keys},
            model_iri=types[tiri].model_iri if tiri else None,
            measure_scores=ms,
            fired=frozenset(b for j, b in enumerate(boost_iris) if fired[i, j]),
            big_fluxes=frozenset(bigs[i])))
    return out


# ------------------------------------------------------------------ presentation (shared by both paths)

def _fmt(x: float | None) -> str:
    if x is None:
        return "—"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}" if abs(x) < 1 else f"{x:.1f}"


def _fill(template: dict, **kw) -> dict[str, str]:
    """A bilingual message with its placeholders filled (a dict value gives each language its own)."""
    plain = {k: v for k, v in kw.items() if not isinstance(v, dict)}
    return {lang: template.get(lang, "").format(**plain, **{k: v[lang] for k, v in kw.items() if isinstance(v, dict)})
            for lang in ("zh", "en")}


def order_measures(scores: dict[str, float], concern: dict[str, float] | None = None) -> list[tuple[str, float]]:
    """(measure IRI, rounded score) by score, then by how strongly the region's figures concern the
    measure (`concern`), then by key: a total order both paths share."""
    keys = _measure_keys()
    concern = concern or {}
    rounded = [(m, round(round(s, NOISE_DIGITS), SCORE_DIGITS)) for m, s in scores.items()]
    return sorted(rounded, key=lambda ms: (-ms[1], -concern.get(ms[0], 0.0), keys.get(ms[0], ms[0])))


def concern(v: Verdict, model_iri: str) -> dict[str, float]:
    """{measure IRI: Σ over the boosts matching it of weight × share × the region's position
    clip((x − typical) ÷ (full − typical), −1, 1)}, fired or not (missing figures count 0): how strongly
    the region's own figures point at the measure, the tie-break between equal scores."""
    pos = {}
    for b in rules().boosts:
        x = v.indicators.get(b.indicator)
        pos[b.iri] = 0.0 if x is None else max(-1.0, min(1.0, (x - b.typical) / (b.full - b.typical)))
    out = {}
    for iri in v.measure_scores.get(model_iri, {}):
        _, _, matching = _measure_static(model_iri, iri)
        out[iri] = round(round(sum(ws * pos[b] for b, ws in matching), NOISE_DIGITS), SCORE_DIGITS)
    return out


@lru_cache(maxsize=1)
def _measure_keys() -> dict[str, str]:
    return {m.iri: m.key for ms in pathway.model_measures().values() for m in ms}


@lru_cache(maxsize=None)
def _measure_static(model_iri: str, measure_iri: str) -> tuple[dict, dict, tuple[tuple[str, float], ...]]:
    """What does not depend on the region: the measure's fields, its base reason, the
    boosts it matches with weight × share (a measure is presented for thousands of regions)."""
    r = rules()
    m = next(x for x in pathway.model_measures()[model_iri] if x.iri == measure_iri)
    model_label = {"zh": pathway.label(model_iri, "zh"), "en": pathway.label(model_iri, "en")}
    base = _fill(r.messages["common-requirement"]) if m.common else _fill(r.messages["model-measure"], model=model_label)
    fields = {"id": m.key, "label_zh": m.label_zh, "label_en": m.label_en, "common": m.common,
              "extension": m.extension}      # the project's extension of the paper's model (issue 15), marked
    fields["cases"] = list(pathway.measure_cases().get(measure_iri, ()))[:r.max_cases]
    return fields, base, tuple((b.iri, b.weight * boost_share(b, m)) for b in r.boosts if boost_share(b, m))


@lru_cache(maxsize=4096)
def _reach_reason(fluxes: frozenset[str]) -> dict[str, str]:
    names = {"zh": "、".join(pathway.label(f, "zh") for f in sorted(fluxes)),
             "en": ", ".join(pathway.label(f, "en") for f in sorted(fluxes))}
    return _fill(rules().messages["reach"], fluxes=names)


def boost_reasons(v: Verdict) -> dict[str, dict[str, str]]:
    """{boost IRI: reason filled with the region's figures} for the boosts that fired."""
    out = {}
    for b in rules().boosts:
        if b.iri in v.fired:
            out[b.iri] = _fill({"zh": b.reason_zh, "en": b.reason_en}, value=_fmt(v.indicators.get(b.indicator)),
                               typical=_fmt(b.typical), unit=indicator_unit(b.indicator),
                               gate=_fmt(v.indicators[b.gate] * b.gate_reason_scale) if b.gate else "")
    return out


def _intensities(v: Verdict) -> dict[str, float]:
    """{boost IRI: intensity} for the boosts that fired (the same arithmetic as `intensity`)."""
    out = {}
    for b in rules().boosts:
        if b.iri in v.fired:
            raw = (v.indicators[b.indicator] - b.typical) / (b.full - b.typical)
            out[b.iri] = min(raw, 1.0)
            if b.gate is not None:
                gate = (v.indicators[b.gate] - b.gate_typical) / (b.gate_full - b.gate_typical)
                out[b.iri] = out[b.iri] * min(gate, 1.0)
    return out


def _boost_parts(strength: dict[str, float], matching: tuple[tuple[str, float], ...]) -> list[str]:
    """The fired boosts a measure matches whose part of its score (weight × share × intensity, before
    the governance factor) reaches the reason minimum, the largest part first (then by IRI)."""
    minimum = rules().reason_minimum
    parts = []
    for iri, weighted_share in matching:
        if iri in strength:
            part = round(weighted_share * strength[iri], NOISE_DIGITS)
            if abs(part) >= minimum:        # a demotion (negative weight) is a reason too: why it ranks low
                parts.append((-abs(part), iri))
    return [iri for _, iri in sorted(parts)]


def present_measures(model_iri: str, v: Verdict, fired_reasons: dict | None = None) -> list[dict]:
    """The ranked measures, each with its reasons: the model line, then the region's own figures
    (largest part of the score first), then the big fluxes it reaches."""
    fired_reasons = boost_reasons(v) if fired_reasons is None else fired_reasons
    strength = _intensities(v)
    scores = v.measure_scores.get(model_iri, {})
    out = []
    for iri, score in order_measures(scores, concern(v, model_iri)):
        fields, base, matching = _measure_static(model_iri, iri)
        reasons = [base] + [fired_reasons[b] for b in _boost_parts(strength, matching) if b in fired_reasons]
        reached = pathway.measure_reach(iri) & v.big_fluxes
        if reached:
            reasons.append(_reach_reason(reached))
        out.append({**fields, "score": score, "reasons": reasons})
    return out


def drivers(v: Verdict) -> list[dict]:
    r = rules()
    ind_defs = indicators()
    out = []
    for e in r.evidence:
        if e.iri not in v.contributions:
            continue
        d = ind_defs[e.indicator]
        out.append({"indicator": e.indicator, "label_zh": d.label_zh, "label_en": d.label_en,
                    "value": round(v.indicators[e.indicator], SCORE_DIGITS), "unit_zh": d.unit_zh, "unit_en": d.unit_en,
                    "direction": "increasing" if e.increasing else "decreasing",
                    "low": e.low, "high": e.high, "weight": e.weight,
                    "contribution": round(v.contributions[e.iri], SCORE_DIGITS),
                    "rationale_zh": e.rationale_zh, "rationale_en": e.rationale_en})
    return sorted(out, key=lambda d: (-d["contribution"], -d["weight"], d["indicator"]))


def _secondary(why: str, type_iri: str, v: Verdict, fired: dict, explanation: dict) -> dict:
    """The second model's best own measures (common requirements are already in the main list), labelled."""
    r = rules()
    tm = pathway.type_models()[type_iri]
    n = int(r.messages["secondary-measures"]["n"])
    own = [m for m in present_measures(tm.model_iri, v, fired) if not m["common"]][:n]
    return {"why": why, "type": tm.key, "model": tm.model_key, "measures": own, "explanation": explanation}


def _top_driver_names(v: Verdict, n: int = 3) -> dict[str, str]:
    """The indicators that weigh most in the diagnosed type, as a bilingual list."""
    ds = drivers(v)[:n]
    return {"zh": "、".join(d["label_zh"] for d in ds), "en": ", ".join(d["label_en"] for d in ds)}


def present(v: Verdict, official_zone_type: str | None = None) -> dict:
    """The advice fields of one region (type … secondary) from a Verdict. Designation first: when the
    region's official designation is given, `type` and the model follow it, `inferred_type` and
    `type_scores` are the indicator diagnosis, and a disagreement is explained, with the best measures
    of the inferred type's model added as secondary. Without a designation the inferred type decides;
    a close call adds the runner-up's best measures as secondary."""
    r = rules()
    types = pathway.type_models()
    key_of = {t: types[t].key for t in r.type_order}
    fired = boost_reasons(v)
    ranked = sorted((s, -i, t) for i, (t, s) in enumerate(v.scores.items()) if s is not None)[::-1]
    close = None
    if v.type_iri and len(ranked) > 1 and ranked[0][0] - ranked[1][0] < r.margin:
        second = ranked[1][2]
        close = {"runner_up_type": key_of[second], "runner_up_model": types[second].model_key,
                 "margin": round(ranked[0][0] - ranked[1][0], SCORE_DIGITS), "threshold": r.margin,
                 "runner_up_pathway": pathway.model_pathways().get(types[second].model_iri,
                                                                  {"pools": [], "processes": []}),
                 "runner_up_measures": present_measures(types[second].model_iri, v, fired)}
    inferred = key_of.get(v.type_iri) if v.type_iri else None
    official = (official_zone_type or "").strip() or None
    designated = designated_type({"official_zone_type": official}) if official else None
    type_iri = designated or v.type_iri
    model_iri = types[type_iri].model_iri if type_iri else None
    secondary = None
    if designated and v.type_iri and designated != v.type_iri:
        label = lambda t, lang: pathway.label(t, lang)  # noqa: E731
        secondary = _secondary("designation-disagrees", v.type_iri, v, fired, _fill(
            r.messages["designation-disagrees"],
            designated={lang: label(designated, lang) for lang in ("zh", "en")},
            inferred={lang: label(v.type_iri, lang) for lang in ("zh", "en")},
            model={lang: pathway.label(types[designated].model_iri, lang) for lang in ("zh", "en")},
            second={lang: pathway.label(types[v.type_iri].model_iri, lang) for lang in ("zh", "en")},
            drivers=_top_driver_names(v), score=_fmt(v.scores.get(v.type_iri)),
            own=_fmt(v.scores.get(designated))))
    elif close and not designated:
        second = ranked[1][2]
        secondary = _secondary("close-call", second, v, fired, _fill(
            r.messages["secondary-close-call"],
            second={lang: pathway.label(types[second].model_iri, lang) for lang in ("zh", "en")},
            margin=_fmt(close["margin"])))
    return {
        "type": key_of.get(type_iri) if type_iri else None,
        "type_basis": "designation" if designated else ("indicators" if v.type_iri else None),
        "inferred_type": inferred,
        "type_scores": {key_of[t]: (None if s is None else round(s, SCORE_DIGITS)) for t, s in v.scores.items()},
        "drivers": drivers(v) if v.type_iri else [],
        "model": types[type_iri].model_key if type_iri else None,
        "measures": present_measures(model_iri, v, fired) if model_iri else [],
        "pathway": pathway.model_pathways().get(model_iri, {"pools": [], "processes": []}) if model_iri
        else {"pools": [], "processes": []},
        "indicators": {k: (None if x is None else round(x, SCORE_DIGITS)) for k, x in v.indicators.items()},
        "official_zone_type": official,
        "zone_agreement": None if official is None or inferred is None else official == inferred,
        "close_call": close,
        "secondary": secondary,
    }
