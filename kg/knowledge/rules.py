"""The rule data of rules/*.ttl as typed records, read once (and compiled once on disk,
kg.knowledge.cache): the indicators (rules/indicators.ttl), the type evidence and the ranking
boosts and account shares (rules/type-scoring.ttl, rules/measure-ranking.ttl), the advice
messages (rules/advice-messages.ttl) and the accounting lines (rules/accounting.ttl). Reasoning and presentation take these records; no other
module parses those files. Every number in them is the rules' own, with its rationale there."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from kg.knowledge.cache import compiled_knowledge
from kg.knowledge.graph import lang_text, literal_in, rules_file

from kg.namespaces import RDF, RDFS, SKOS, TH, THP, THR, THX

INDICATORS_FILE = "indicators.ttl"
ACCOUNTING_FILE = "accounting.ttl"


@dataclass(frozen=True)
class Indicator:
    key: str
    iri: str
    numerators: tuple[str, ...]      # profile column keys, summed
    denominator: str | None          # a profile column key, or None
    scale: float
    from_account: str | None         # key in the balance dict instead of columns
    relative_to: tuple[tuple[int, float], ...] | None   # (year, value) of a yearly series the value is divided by
    label_zh: str
    label_en: str
    unit_zh: str
    unit_en: str

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def unit(self, lang: str) -> str:
        return self.unit_zh if lang == "zh" else self.unit_en


def _column(iri) -> str:
    """The local name of an IRI: a profile column, an indicator key."""
    return str(iri).rsplit("#", 1)[-1]


@compiled_knowledge
def indicators() -> dict[str, Indicator]:
    g = rules_file(INDICATORS_FILE)
    out = {}
    for s in g.subjects(RDF.type, THX.Indicator):
        labels, units = lang_text(g, s, RDFS.label), lang_text(g, s, THX.unitLabel)
        den = g.value(s, THX.denominator)
        acc = g.value(s, THX.fromAccount)
        series = g.value(s, THX.relativeTo)
        key = str(g.value(s, TH.key))
        out[key] = Indicator(
            key=key, iri=str(s),
            numerators=tuple(sorted(_column(o) for o in g.objects(s, THX.numerator))),
            denominator=_column(den) if den is not None else None,
            scale=float(g.value(s, THX.scale) or 1.0),
            from_account=str(acc) if acc is not None else None,
            relative_to=_series(g, series) if series is not None else None,
            label_zh=labels.get("zh", key), label_en=labels.get("en", key),
            unit_zh=units.get("zh", ""), unit_en=units.get("en", ""))
    return dict(sorted(out.items()))


def _series(g, series) -> tuple[tuple[int, float], ...]:
    """The (year, value) points of a yearly series (thx:point [thx:year; thx:value]), by year."""
    return tuple(sorted((int(g.value(p, THX.year)), float(g.value(p, THX.value))) for p in g.objects(series, THX.point)))


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

    @cached_property
    def boost_by_iri(self) -> dict[str, Boost]:
        return {b.iri: b for b in self.boosts}

    @cached_property
    def evidence_by_iri(self) -> dict[str, Evidence]:
        return {e.iri: e for e in self.evidence}


def _float(g, s, p) -> float:
    return float(g.value(s, p))


@compiled_knowledge
def rules() -> Rules:
    g = rules_file("type-scoring.ttl") + rules_file("measure-ranking.ttl") + rules_file("advice-messages.ttl")
    evidence = []
    for s in sorted(g.subjects(RDF.type, THX.TypeEvidence)):
        rat = lang_text(g, s, THX.rationale)
        evidence.append(Evidence(str(s), str(g.value(s, THX.forType)), _column(g.value(s, THX.indicator)),
                                 g.value(s, THX.direction) == THX.increasing, _float(g, s, THX.lowAnchor),
                                 _float(g, s, THX.highAnchor), _float(g, s, THX.weight),
                                 rat.get("zh", ""), rat.get("en", "")))
    order = sorted(g.subject_objects(THX.tieOrder), key=lambda so: int(so[1]))
    boosts = []
    for s in sorted(g.subjects(RDF.type, THX.RankingBoost)):
        reason = lang_text(g, s, THX.reason)
        targets = {str(o) for p in (THX.targetProcess, THX.targetPool, THX.targetFlux) for o in g.objects(s, p)}
        gate = g.value(s, THX.gateIndicator)
        boosts.append(Boost(str(s), _column(g.value(s, THX.indicator)),
                            _float(g, s, THX.typicalValue), _float(g, s, THX.fullEffectAt),
                            _float(g, s, THX.weight), frozenset(targets),
                            frozenset(str(o) for o in g.objects(s, THX.targetMeasure)),
                            reason.get("zh", ""), reason.get("en", ""),
                            *((_column(gate), _float(g, s, THX.gateTypicalValue),
                               _float(g, s, THX.gateFullEffectAt), float(g.value(s, THX.gateReasonScale) or 1.0))
                              if gate is not None else ())))
    shares = []
    for s in sorted(g.subjects(RDF.type, THX.AccountShare)):
        labels, units = lang_text(g, s, RDFS.label), lang_text(g, s, THX.unitLabel)
        src, flux = g.value(s, THX.shareOfSource), g.value(s, THX.shareOfFlux)
        shares.append(AccountShare(str(g.value(s, TH.key)), None if src is None else str(src),
                                   None if flux is None else _column(flux), str(g.value(s, THX.ofAccount)),
                                   _float(g, s, THX.scale), labels.get("zh", ""), labels.get("en", ""),
                                   units.get("zh", ""), units.get("en", "")))
    scoring, ranking = THX["type-scoring"], THX["measure-ranking"]
    messages = {str(g.value(s, TH.key)): lang_text(g, s, RDFS.label) for s in g.subjects(RDF.type, THX.Message)}
    messages["reach"] = lang_text(g, ranking, THX.reachReason)
    for d in (THX.increasing, THX.decreasing):
        messages[_column(d)] = lang_text(g, d, RDFS.label)
    messages["secondary-measures"] = {"n": str(int(g.value(scoring, THX.secondaryMeasures) or 5))}
    return Rules(tuple(evidence), tuple(str(t) for t, _ in order), _float(g, scoring, THX.closeCallMargin),
                 _float(g, ranking, THX.modelMeasureBase), _float(g, ranking, THX.commonRequirementBase),
                 _float(g, ranking, THX.bigFluxShare), _float(g, ranking, THX.fluxReachWeight),
                 frozenset(str(o) for o in g.objects(ranking, THX.governanceMeasure)),
                 _float(g, ranking, THX.governanceBaseOffset), _float(g, ranking, THX.governanceEvidenceFactor),
                 int(g.value(ranking, THX.maxCasesPerMeasure)), _float(g, ranking, THX.reasonMinimumPart),
                 tuple(boosts), messages, tuple(shares))


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


# ----------------------------------------------------------------------------- accounting lines (rules/accounting.ttl)
@dataclass(frozen=True)
class Line:
    key: str
    kind: str                   # "flux", "stock" or "omitted"
    order: int
    label_zh: str
    label_en: str
    input: str                  # profile column key
    factors: tuple[str, ...]    # variant groups multiplied, in order
    unit_factor: float
    gwp_group: str | None
    direction: str | None       # "source" | "sink" (flux lines)
    table1: str | None          # local name of the Table 1 class (or of its marked extension)
    scope_input: str | None     # column that selects among regional members (grid_region)
    fallback_scope: str | None
    optional: bool
    note_zh: str = ""
    note_en: str = ""
    result_unit: str = "t CO2e"
    ipcc: str | None = None             # local name of the IPCC 2006 category concept (thr:ipcc-…)
    boundary: str | None = None         # counted only in this boundary
    memo_in: str | None = None          # a memo item (not counted) in this boundary
    subtract_input: str | None = None   # activity = input − this (0 when not reported)
    input_alternative: str | None = None
    zero_when_missing: bool = False
    share_numerator: str | None = None
    share_denominators: tuple[str, ...] = ()
    share_complement: bool = False
    share_percent_input: str | None = None
    share_default_group: str | None = None
    scope_from_province: bool = False
    province_fallback: str | None = None
    where_given: bool = False           # missing input: listed, but the account stays complete
    provincial_scope: bool = False      # the profile's province (scope province-<code>) comes before scope_input
    method_zh: str = ""                 # the method the line uses (thx:method), stated in every account counting it
    method_en: str = ""

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def note(self, lang: str) -> str:
        return self.note_zh if lang == "zh" else self.note_en

    def method(self, lang: str) -> str:
        return self.method_zh if lang == "zh" else self.method_en

    def counted_in(self, boundary: str) -> bool:
        return (self.boundary is None or self.boundary == boundary) and self.memo_in != boundary

    def activity_fields(self) -> tuple[str, ...]:
        """Every profile column the line's activity reads."""
        out = [self.input, self.input_alternative, self.subtract_input, self.share_numerator,
               *self.share_denominators, self.share_percent_input]
        return tuple(f for f in out if f)


def local_name(iri, ns) -> str | None:
    """The part of an IRI after the namespace `ns` (None for None)."""
    return None if iri is None else str(iri)[len(str(ns)):]


@compiled_knowledge
def lines() -> tuple[Line, ...]:
    """Every accounting, stock and omitted line, in display order."""
    from rdflib.collection import Collection

    g = rules_file(ACCOUNTING_FILE)
    kinds = {THX.AccountingLine: "flux", THX.StockLine: "stock", THX.OmittedLine: "omitted"}
    out = []
    for cls, kind in kinds.items():
        for s in g.subjects(RDF.type, cls):
            v = lambda p: g.value(s, p)
            text = lambda p: str(v(p)) if v(p) is not None else None
            flag = lambda p: bool(v(p) is not None and v(p).toPython())
            lst = lambda p: tuple(x for x in Collection(g, v(p))) if v(p) is not None else ()
            out.append(Line(
                key=str(v(THX.lineKey)), kind=kind, order=int(v(THX.order) or 0),
                label_zh=literal_in(g, s, RDFS.label, "zh"), label_en=literal_in(g, s, RDFS.label, "en"),
                input=local_name(v(THX.input), THP),
                factors=tuple(str(x) for x in lst(THX.factors)),
                unit_factor=float(v(THX.unitFactor) or 1),
                gwp_group=text(THX.gwpGroup), direction=text(THX.direction),
                table1=local_name(v(THX.table1Class), TH),
                scope_input=local_name(v(THX.scopeInput), THP), fallback_scope=text(THX.fallbackScope),
                optional=flag(THX.optionalInSet),
                note_zh=literal_in(g, s, SKOS.note, "zh"), note_en=literal_in(g, s, SKOS.note, "en"),
                result_unit=str(v(THX.resultUnit) or "t CO2e"),
                ipcc=local_name(v(THX.ipccCategory), THR), boundary=text(THX.boundary), memo_in=text(THX.memoIn),
                subtract_input=local_name(v(THX.subtractInput), THP),
                input_alternative=local_name(v(THX.inputAlternative), THP),
                zero_when_missing=flag(THX.zeroWhenMissing),
                share_numerator=local_name(v(THX.shareNumerator), THP),
                share_denominators=tuple(local_name(x, THP) for x in lst(THX.shareDenominators)),
                share_complement=flag(THX.shareComplement),
                share_percent_input=local_name(v(THX.sharePercentInput), THP),
                share_default_group=text(THX.shareDefaultGroup),
                scope_from_province=flag(THX.scopeFromProvince), province_fallback=text(THX.provinceFallbackScope),
                where_given=flag(THX.countedWhereGiven), provincial_scope=flag(THX.provincialScope),
                method_zh=literal_in(g, s, THX.method, "zh"), method_en=literal_in(g, s, THX.method, "en"),
            ))
    return tuple(sorted(out, key=lambda ln: (ln.order, ln.key)))
