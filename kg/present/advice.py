"""A verdict in words: the advice fields of one region (type … secondary) as kg.pipeline.advice gives them to
the command line, the app and the reports. Everything numeric arrives computed in the verdict
(kg.reason.verdict); this module only looks up labels and cases, fills the sentences of
rules/advice-messages.ttl and rules/measure-ranking.ttl, and rounds for display."""
from __future__ import annotations

from functools import lru_cache

import orjson

from kg.knowledge import pathway
from kg.knowledge.catalog import local_name
from kg.knowledge.rules import indicator_unit, indicators, rules
from kg.present.numbers import in_words
from kg.reason.fast import reached_by, table1_key
from kg.reason.verdict import SCORE_DIGITS, RankedMeasure, Reason, Verdict

LANGS = ("zh", "en")
NO_PATHWAY = {"pools": [], "processes": []}


def fill(template: dict, **kw) -> dict[str, str]:
    """A bilingual message with its placeholders filled (a dict value gives each language its own)."""
    plain = {k: v for k, v in kw.items() if not isinstance(v, dict)}
    return {lang: template.get(lang, "").format(**plain, **{k: v[lang] for k, v in kw.items() if isinstance(v, dict)})
            for lang in LANGS}


def labels(iri: str) -> dict[str, str]:
    return {lang: pathway.label(iri, lang) for lang in LANGS}


@lru_cache(maxsize=None)
def measure_fields(model_iri: str, measure_iri: str) -> dict:
    """What does not depend on the region: the measure's labels, whether common, whether the project's own
    extension of the paper's model (issue 15, marked), its cases."""
    m = next(x for x in pathway.model_measures()[model_iri] if x.iri == measure_iri)
    return {"id": m.key, "label_zh": m.label_zh, "label_en": m.label_en, "common": m.common,
            "extension": m.extension, "cases": list(pathway.measure_cases().get(measure_iri, ()))[:rules().max_cases]}


# ----------------------------------------------------------------------------- reasons
# A reason is data (kg.reason.verdict.Reason). The compact output (schema 2) gives it as a reference — its kind and
# the figures it quotes — with the sentences once in the output's catalog (reason_catalog); the full form and the
# app give it in words. Both go through reason_words, so the words are the same whichever form a consumer reads.

@lru_cache(maxsize=1)
def reason_catalog() -> dict:
    """What wording a reason reference needs and no region changes: the sentences of
    rules/advice-messages.ttl and rules/measure-ranking.ttl (str.format templates), the labels of the models and
    flux classes they name, each boost's typical value and unit. Numbers go into the sentences by
    kg.present.numbers.in_words (≥ 100: thousands separated, no decimals; ≥ 1: one decimal; below: 3 significant)."""
    messages = rules().messages
    models = {t.model_key: labels(t.model_iri) for t in pathway.type_models().values()}
    fluxes = {table1_key(f): labels(f) for ms in pathway.model_measures().values() for m in ms for f in reached_by(m.iri)}
    boosts = {_boost_keys()[b.iri]: {"zh": b.reason_zh, "en": b.reason_en, "indicator": b.indicator, "typical": b.typical,
                            "unit": indicator_unit(b.indicator), "gated": b.gate is not None} for b in rules().boosts}
    return {"sentences": {kind: {lang: messages[k][lang] for lang in LANGS} for kind, k in _SENTENCES.items()},
            "models": models, "fluxes": dict(sorted(fluxes.items())), "boosts": boosts}


_SENTENCES = {"common": "common-requirement", "model": "model-measure", "reach": "reach"}


@lru_cache(maxsize=4096)
def _static_ref(r: Reason) -> dict:
    if r.kind == "common":
        return {"kind": "common"}
    if r.kind == "model":
        return {"kind": "model", "model": _model_keys()[r.ref]}
    return {"kind": "reach", "fluxes": [table1_key(f) for f in r.fluxes]}


@lru_cache(maxsize=1)
def _model_keys() -> dict[str, str]:
    return {t.model_iri: t.model_key for t in pathway.type_models().values()}


def reason_ref(r: Reason) -> dict:
    """A reason as the compact output gives it: {"kind": "common"}, {"kind": "model", "model": key},
    {"kind": "reach", "fluxes": [class, …]} or {"kind": "boost", "boost": key, "value", "gate", "part"} (the
    region's figure, its gate figure as the sentence shows it, the boost's part of the score)."""
    if r.kind != "boost":
        return _static_ref(r)
    return {"kind": "boost", "boost": _boost_keys()[r.ref], "value": r.value, "gate": r.gate, "part": r.part}


@lru_cache(maxsize=4096)
def reference_text(r: Reason) -> bytes:
    """A reason that does not depend on a region's figures (common, model, reach) as its compact reference
    encoded (kg.present.compact puts these bytes in the measure lists it writes)."""
    return orjson.dumps(_static_ref(r))


@lru_cache(maxsize=1)
def _boost_keys() -> dict[str, str]:
    return {b.iri: local_name(b.iri) for b in rules().boosts}


def reason_words(ref: dict, catalog: dict | None = None) -> dict[str, str]:
    """A reason reference in words, {"zh", "en"}, from the catalog's reasons section (reason_catalog())."""
    c = catalog or reason_catalog()
    kind = ref["kind"]
    if kind == "boost":
        b = c["boosts"][ref["boost"]]
        said = {"value": in_words(ref["value"]), "typical": in_words(b["typical"]),
                "gate": in_words(ref["gate"]) if b["gated"] else ""}
        return {lang: b[lang].format(**said, unit=b["unit"][lang]) for lang in LANGS}
    sentence = c["sentences"][kind]
    if kind == "model":
        return fill(sentence, model=c["models"][ref["model"]])
    if kind == "reach":
        names = [c["fluxes"][f] for f in ref["fluxes"]]
        return fill(sentence, fluxes={"zh": "、".join(n["zh"] for n in names), "en": ", ".join(n["en"] for n in names)})
    return fill(sentence)


@lru_cache(maxsize=4096)
def _static_reason(r: Reason) -> dict[str, str]:
    return reason_words(_static_ref(r))


def reason_text(r: Reason) -> dict[str, str]:
    if r.kind != "boost":
        return _static_reason(r)
    return _boost_text(r.ref, r.value, r.gate)


@lru_cache(maxsize=65_536)
def _boost_text(ref: str, value: float | None, gate: float | None) -> dict[str, str]:
    """A boost's reason depends only on the boost and the region's figures: a region gives the same one
    to each measure the boost lifts (~26 boost reasons a region, a few distinct — worded once each)."""
    return reason_words({"kind": "boost", "boost": _boost_keys()[ref], "value": value, "gate": gate})


@lru_cache(maxsize=None)
def model_fields(model_iri: str) -> dict[str, dict]:
    """{measure IRI: measure_fields} of a model's measures (one look-up a region instead of one a measure)."""
    return {m.iri: measure_fields(model_iri, m.iri) for m in pathway.model_measures().get(model_iri, ())}


def measures(model_iri: str, ranked: tuple[RankedMeasure, ...], compact: bool = False) -> list[dict]:
    """The ranked measures, each with its reasons in words (compact: id, score and reasons as references
    only — labels, cases and sentences are in the output's catalog). A region's measures share most of their
    reasons (the model reason, a boost lifting several measures, often the very same Reason object, or the same
    tuple of them): each reason and each tuple is given once per call, looked up by identity while `ranked`
    holds it."""
    fields = model_fields(model_iri)
    give = reason_ref if compact else reason_text
    worded: dict[int, dict] = {}
    lists: dict[int, list[dict]] = {}

    def said(m: RankedMeasure) -> list[dict]:
        out = lists.get(id(m.reasons))
        if out is None:      # a reason is never empty: `or` finds it given already
            out = lists[id(m.reasons)] = [worded.get(id(r)) or worded.setdefault(id(r), give(r)) for r in m.reasons]
        return out

    if compact:
        return [{"id": fields[m.iri]["id"], "score": m.score, "reasons": said(m)} for m in ranked]
    return [{**fields[m.iri], "score": m.score, "reasons": said(m)} for m in ranked]


def drivers(v: Verdict, compact: bool = False) -> list[dict]:
    by_iri = rules().evidence_by_iri
    if compact:
        return [{"indicator": by_iri[iri].indicator, "value": round(v.indicators[by_iri[iri].indicator], SCORE_DIGITS),
                 "contribution": round(v.contributions[iri], SCORE_DIGITS)} for iri in v.drivers]
    ind_defs = indicators()
    out = []
    for iri in v.drivers:
        e = by_iri[iri]
        d = ind_defs[e.indicator]
        out.append({"indicator": e.indicator, "label_zh": d.label_zh, "label_en": d.label_en,
                    "value": round(v.indicators[e.indicator], SCORE_DIGITS), "unit_zh": d.unit_zh, "unit_en": d.unit_en,
                    "direction": "increasing" if e.increasing else "decreasing",
                    "low": e.low, "high": e.high, "weight": e.weight,
                    "contribution": round(v.contributions[iri], SCORE_DIGITS),
                    "rationale_zh": e.rationale_zh, "rationale_en": e.rationale_en})
    return out


def _top_driver_names(evidence: tuple[str, ...], n: int = 3) -> dict[str, str]:
    """The indicators that weigh most in the diagnosed type (its drivers' evidence IRIs), as a bilingual list."""
    by_iri, ind_defs = rules().evidence_by_iri, indicators()
    names = [ind_defs[by_iri[e].indicator] for e in evidence[:n]]
    return {"zh": "、".join(d.label_zh for d in names), "en": ", ".join(d.label_en for d in names)}


def secondary_fields(why: str, type_iri: str, own: list, explanation: dict) -> dict:
    """The secondary advice: the second model's best own measures `own` (common requirements are already in the
    main list), labelled."""
    tm = pathway.type_models()[type_iri]
    return {"why": why, "type": tm.key, "model": tm.model_key, "measures": own, "explanation": explanation}


def _own_measures(type_iri: str, v: Verdict, worded: dict) -> list:
    tm = pathway.type_models()[type_iri]
    n = int(rules().messages["secondary-measures"]["n"])
    fields = model_fields(tm.model_iri)
    return [m for m, r in zip(worded.get(tm.model_iri, []), v.ranking.get(tm.model_iri, ()))
            if not fields[r.iri]["common"]][:n]


def disagreement(designated: str, inferred: str, drivers: tuple[str, ...], scores: dict) -> dict[str, str]:
    """Why the designated type's model is advised though the indicators point elsewhere (`drivers`: the inferred
    type's evidence IRIs, weightiest first; `scores`: {type IRI: score or None})."""
    types = pathway.type_models()
    return fill(rules().messages["designation-disagrees"], designated=labels(designated), inferred=labels(inferred),
                model=labels(types[designated].model_iri), second=labels(types[inferred].model_iri),
                drivers=_top_driver_names(drivers), score=in_words(scores.get(inferred)),
                own=in_words(scores.get(designated)))


def close_explanation(runner_up: str, margin: float) -> dict[str, str]:
    return _close_words(runner_up, in_words(margin))


@lru_cache(maxsize=4096)
def _close_words(runner_up: str, margin: str) -> dict[str, str]:
    """The words of a close call: the same for a runner-up and a margin in words (three digits), shared."""
    return fill(rules().messages["secondary-close-call"], second=_model_labels(runner_up), margin=margin)


@lru_cache(maxsize=64)
def _model_labels(type_iri: str) -> dict[str, str]:
    return labels(pathway.type_models()[type_iri].model_iri)


def typing_fields(inferred_iri: str | None, designated: str | None, key_of: dict) -> tuple[dict, str | None]:
    """Designation first: ({"type", "type_basis", "inferred_type"}, the type class advised)."""
    type_iri = designated or inferred_iri
    return ({"type": key_of.get(type_iri) if type_iri else None,
             "type_basis": "designation" if designated else ("indicators" if inferred_iri else None),
             "inferred_type": key_of.get(inferred_iri) if inferred_iri else None}, type_iri)


def official_zone(official_zone_type) -> str | None:
    """The official zone type as given, stripped, or None."""
    return (official_zone_type or "").strip() or None


def present(v: Verdict, official_zone_type: str | None = None, compact: bool = False) -> dict:
    """The advice fields of one region from its Verdict. Designation first: when the region's official
    designation is given, `type` and the model follow it, `inferred_type` and `type_scores` are the
    indicator diagnosis, and a disagreement is explained, with the best measures of the inferred type's
    model added as secondary. Without a designation the inferred type decides; a close call adds the
    runner-up's best measures as secondary. `compact`: measures and drivers without what the output's
    catalog holds (labels, cases, evidence), and no pathways (the reference path's compact form: the fast
    path's is written from its arrays by kg.present.compact)."""
    types = pathway.type_models()
    r = rules()
    key_of = {t: types[t].key for t in r.type_order}
    worded = {m: measures(m, ranked, compact) for m, ranked in v.ranking.items()}   # each ranked model once
    close = None
    if v.runner_up:
        second = types[v.runner_up]
        close = {"runner_up_type": second.key, "runner_up_model": second.model_key, "margin": v.margin,
                 "threshold": r.margin,
                 **({} if compact else
                    {"runner_up_pathway": pathway.model_pathways().get(second.model_iri, NO_PATHWAY)}),
                 "runner_up_measures": worded.get(second.model_iri, [])}
    head, type_iri = typing_fields(v.type_iri, v.designated, key_of)
    official = official_zone(official_zone_type)
    inferred = head["inferred_type"]
    designated = v.designated
    model_iri = types[type_iri].model_iri if type_iri else None
    disagrees = designated and v.type_iri and designated != v.type_iri
    secondary = None
    if disagrees:
        secondary = secondary_fields("designation-disagrees", v.type_iri, _own_measures(v.type_iri, v, worded),
                                     disagreement(designated, v.type_iri, v.drivers, v.scores))
    elif close and not designated:
        secondary = secondary_fields("close-call", v.runner_up, _own_measures(v.runner_up, v, worded),
                                     close_explanation(v.runner_up, v.margin))
    out = {
        **head,
        "type_scores": {key_of[t]: (None if s is None else round(s, SCORE_DIGITS)) for t, s in v.scores.items()},
        "drivers": drivers(v, compact) if v.type_iri else [],
        "model": types[type_iri].model_key if type_iri else None,
        "measures": worded.get(model_iri, []) if model_iri else [],
        "pathway": pathway.model_pathways().get(model_iri, NO_PATHWAY) if model_iri else NO_PATHWAY,
        "indicators": {k: (None if x is None else round(x, SCORE_DIGITS)) for k, x in v.indicators.items()},
        "official_zone_type": official,
        "zone_agreement": None if official is None or inferred is None else official == inferred,
        "close_call": close,
        "secondary": secondary,
    }
    if compact:
        del out["pathway"]
    return out
