"""Regions among their peers: carbon-balance zoning (ECC/ESC), percentiles within the batch's regions
of the same type and province, and roll-ups by administrative code prefix.

Definitions, cut-offs, zone names and colours live in rules/carbon-zoning.ttl; this module executes
them. Every function takes `RegionRecord`s — a region's profile values beside its advice entry — built
by `records(batch, advice)`, so that the app, the command line and the report share one computation."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from rdflib.namespace import DCTERMS

from kg.knowledge.graph import lang_text, rules_file
from kg.namespaces import RDF, RDFS, SKOS, TH, THX

ZONING_FILE = "carbon-zoning.ttl"
GROUPINGS = ("all", "province")
ROLLUP_LEVELS = {"province": 2, "prefecture": 4}


@dataclass
class RegionRecord:
    region_id: str
    name: str | None
    values: dict
    advice: dict                     # the region's entry of the advice JSON

    @property
    def valid(self) -> bool:
        return bool(self.advice.get("valid"))

    @property
    def balance(self) -> dict:
        return self.advice.get("balance") or {}

    @property
    def code(self) -> str | None:
        """The 6-digit administrative code, when the region id is one."""
        rid = str(self.region_id or "").strip()
        return rid if len(rid) == 6 and rid.isdigit() else None

    @property
    def province_key(self) -> str | None:
        """The province by code prefix where the id is a code, else the profile's province field."""
        if self.code:
            return self.code[:2] + "0000"
        p = self.values.get("province")
        return str(p).strip() if p not in (None, "") else None


def records(batch, advice: dict) -> list[RegionRecord]:
    """Profile values and advice side by side (advice lists the regions in file order, one per row)."""
    return [RegionRecord(r.region_id, r.name, r.values, a) for r, a in zip(batch.regions, advice["regions"])]


# --- rule data -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Zone:
    key: str
    order: int
    ecc_high: bool
    esc_high: bool
    label: dict
    definition: dict
    note: dict
    colour: str
    models: tuple[str, ...]          # model keys (th:key of the models)


@dataclass(frozen=True)
class ZoningRules:
    ecc_threshold: float
    esc_threshold: float
    ecc_column: str                  # profile column of the ECC numerator (GDP)
    esc_account_key: str             # account number of the ESC numerator (sinks)
    zones: tuple[Zone, ...]
    coefficient_labels: dict         # key -> {"zh", "en"}
    source: dict                     # title/citation of the method


@dataclass(frozen=True)
class PeerMeasure:
    key: str
    order: int
    account_key: str
    column: str | None
    scale: float
    label: dict
    unit: dict
    lower_is_better: bool


def _local(iri) -> str:
    s = str(iri)
    return s.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@lru_cache(maxsize=1)
def _graph():
    return rules_file(ZONING_FILE)


def _model_keys() -> dict[str, str]:
    from kg.knowledge.pathway import type_models

    return {t.model_iri: t.model_key for t in type_models().values()}


@lru_cache(maxsize=1)
def zoning_rules() -> ZoningRules:
    g = _graph()
    coef = {str(g.value(s, TH.key)): s for s in g.subjects(RDF.type, THX.ZoningCoefficient)}
    ecc, esc = coef["ecc"], coef["esc"]
    models = _model_keys()
    zones = []
    for s in g.subjects(RDF.type, THX.CarbonBalanceZone):
        zones.append(Zone(
            key=str(g.value(s, TH.key)), order=int(g.value(s, TH.order)),
            ecc_high=bool(g.value(s, THX.eccAtLeastThreshold).toPython()),
            esc_high=bool(g.value(s, THX.escAtLeastThreshold).toPython()),
            label=lang_text(g, s, RDFS.label), definition=lang_text(g, s, SKOS.definition),
            note=lang_text(g, s, SKOS.note), colour=str(g.value(s, THX.colour)),
            models=tuple(sorted(models.get(str(m), _local(m)) for m in g.objects(s, THX.callsForModel)))))
    src = g.value(ecc, DCTERMS.source)
    source = {"title": lang_text(g, src, DCTERMS.title), "creator": str(g.value(src, DCTERMS.creator)),
              "in": str(g.value(src, DCTERMS.isPartOf)), "year": str(g.value(src, DCTERMS.date)),
              "confidence": str(g.value(src, TH.confidence)), "note": lang_text(g, src, SKOS.note)}
    return ZoningRules(
        ecc_threshold=float(g.value(ecc, THX.threshold)), esc_threshold=float(g.value(esc, THX.threshold)),
        ecc_column=_local(g.value(ecc, THX.numeratorColumn)), esc_account_key=str(g.value(esc, THX.numeratorFromAccount)),
        zones=tuple(sorted(zones, key=lambda z: z.order)),
        coefficient_labels={k: lang_text(g, s, RDFS.label) for k, s in coef.items()}, source=source)


@lru_cache(maxsize=1)
def peer_measures() -> tuple[PeerMeasure, ...]:
    g = _graph()
    out = []
    for s in g.subjects(RDF.type, THX.PeerMeasure):
        den = g.value(s, THX.denominator)
        out.append(PeerMeasure(
            key=str(g.value(s, TH.key)), order=int(g.value(s, TH.order)),
            account_key=str(g.value(s, THX.numeratorFromAccount)), column=_local(den) if den is not None else None,
            scale=float(g.value(s, THX.scale)), label=lang_text(g, s, RDFS.label), unit=lang_text(g, s, THX.unitLabel),
            lower_is_better=bool(g.value(s, THX.lowerIsBetter).toPython())))
    return tuple(sorted(out, key=lambda m: m.order))


def zone_by_key(key: str | None) -> Zone | None:
    return next((z for z in zoning_rules().zones if z.key == key), None)


# --- zoning ----------------------------------------------------------------------------------------

def _number(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if v == v else None           # NaN is "not reported"


def _group_key(rec: RegionRecord, by: str) -> str:
    return "all" if by == "all" else (rec.province_key or "—")


def zoning(recs: list[RegionRecord], by: str = "all") -> dict:
    """ECC, ESC and zone of every valid region with complete emissions, sinks and GDP, the sums taken
    over the regions zoned together (`by`: "all" the whole batch, "province" each province). Regions that
    cannot be zoned are listed under "not_zoned" with the reason."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; choose one of {', '.join(GROUPINGS)}")
    rules = zoning_rules()
    usable, skipped = [], []
    for rec in recs:
        b = rec.balance
        e, s, gdp = _number(b.get("emissions_t_co2e")), _number(b.get(rules.esc_account_key)), \
            _number(rec.values.get(rules.ecc_column))
        if not rec.valid:
            skipped.append({"region_id": rec.region_id, "name": rec.name, "reason": "invalid"})
        elif e is None or s is None or gdp is None or not b.get("complete", True):
            skipped.append({"region_id": rec.region_id, "name": rec.name, "reason": "incomplete"})
        elif e <= 0:
            skipped.append({"region_id": rec.region_id, "name": rec.name, "reason": "no-emissions"})
        else:
            usable.append((rec, e, s, gdp))
    groups: dict[str, list] = {}
    for item in usable:
        groups.setdefault(_group_key(item[0], by), []).append(item)
    out = []
    for key, items in list(groups.items()):
        if len(items) < 2:      # alone, a region's shares are all 1: nothing to compare it with
            skipped += [{"region_id": r.region_id, "name": r.name, "reason": "alone-in-group"} for r, *_ in items]
            continue
        se, ss, sg = (sum(x[i] for x in items) for i in (1, 2, 3))
        for rec, e, s, gdp in items:
            share_e = e / se
            ecc = (gdp / sg) / share_e if sg > 0 else None
            esc = (s / ss) / share_e if ss > 0 else None
            zone = None
            if ecc is not None and esc is not None:
                zone = next(z for z in rules.zones
                            if z.ecc_high == (ecc >= rules.ecc_threshold) and z.esc_high == (esc >= rules.esc_threshold))
            out.append({"region_id": rec.region_id, "name": rec.name, "group": key, "ecc": ecc, "esc": esc,
                        "zone": zone.key if zone else None,
                        "zone_label_zh": zone.label.get("zh") if zone else None,
                        "zone_label_en": zone.label.get("en") if zone else None,
                        "models": list(zone.models) if zone else []})
    order = {id(r): n for n, r in enumerate(recs)}
    by_id = {r.region_id: r for r, *_ in usable}
    out.sort(key=lambda x: order.get(id(by_id.get(x["region_id"])), 0))
    return {"by": by, "ecc_threshold": rules.ecc_threshold, "esc_threshold": rules.esc_threshold,
            "regions": out, "not_zoned": skipped}


# --- peers -----------------------------------------------------------------------------------------

def measure_value(rec: RegionRecord, m: PeerMeasure) -> float | None:
    num = _number(rec.balance.get(m.account_key))
    if num is None or (not rec.balance.get("complete", True) and m.account_key != "sinks_t_co2e"):
        return None
    if m.column is None:
        return m.scale * num
    den = _number(rec.values.get(m.column))
    return m.scale * num / den if den else None


def _percentile(value: float, others: list[float]) -> float:
    """Share of the group (itself included) with a lower value, ties counted half, in percent."""
    below = sum(1 for v in others if v < value)
    equal = sum(1 for v in others if v == value)
    return 100.0 * (below + 0.5 * equal) / len(others)


def peers(recs: list[RegionRecord]) -> dict[str, dict]:
    """For every valid region (by its position in the batch, as str), its peer group — the valid regions of
    the batch with the same type and province — and per measure its value and percentile (None where the
    value is missing or the region has no peer with a value)."""
    measures = peer_measures()
    valid = [r for r in recs if r.valid and r.advice.get("type")]
    groups: dict[tuple, list[RegionRecord]] = {}
    for r in valid:
        groups.setdefault((r.advice.get("type"), r.province_key), []).append(r)
    values = {id(r): {m.key: measure_value(r, m) for m in measures} for r in valid}
    out = {}
    for n, r in enumerate(recs):
        if id(r) not in values:
            continue
        group = groups[(r.advice.get("type"), r.province_key)]
        entry = {"type": r.advice.get("type"), "province": r.province_key, "n": len(group),
                 "peers": [p.region_id for p in group if p is not r], "measures": {}}
        for m in measures:
            v = values[id(r)][m.key]
            pool = [values[id(p)][m.key] for p in group if values[id(p)][m.key] is not None]
            pct = _percentile(v, pool) if v is not None and len(pool) > 1 else None
            entry["measures"][m.key] = {"value": v, "percentile": pct}
        out[str(n)] = entry
    return out


# --- roll-up ---------------------------------------------------------------------------------------

@dataclass
class _Group:
    code: str
    regions: list = field(default_factory=list)
    emissions: float = 0.0
    sinks: float = 0.0
    incomplete: list = field(default_factory=list)


def rollup(recs: list[RegionRecord], by: str = "province", names: dict[str, str] | None = None) -> dict:
    """Sum the accounts of the valid regions by administrative code prefix (2 digits: province,
    4: prefecture). Totals are the plain sums of the member regions; a group with an incomplete or
    invalid member is marked complete=False and names it. Regions whose id is not a 6-digit code
    cannot be placed and are listed under "ungrouped"."""
    if by not in ROLLUP_LEVELS:
        raise ValueError(f"unknown level {by!r}; choose one of {', '.join(ROLLUP_LEVELS)}")
    width = ROLLUP_LEVELS[by]
    groups: dict[str, _Group] = {}
    ungrouped = []
    for rec in recs:
        if not rec.code:
            ungrouped.append({"region_id": rec.region_id, "name": rec.name})
            continue
        code = rec.code[:width].ljust(6, "0")
        g = groups.setdefault(code, _Group(code))
        g.regions.append(rec.region_id)
        b = rec.balance
        e, s = _number(b.get("emissions_t_co2e")), _number(b.get("sinks_t_co2e"))
        if not rec.valid or not b.get("complete", False) or e is None or s is None:
            g.incomplete.append(rec.region_id)
        g.emissions += e or 0.0
        g.sinks += s or 0.0
    names = names or {}
    out = []
    for code in sorted(groups):
        g = groups[code]
        out.append({"code": code, "name": names.get(code), "regions": g.regions,
                    "emissions_t_co2e": g.emissions, "sinks_t_co2e": g.sinks, "net_t_co2e": g.emissions - g.sinks,
                    "balance_ratio": g.sinks / g.emissions if g.emissions > 0 else None,
                    "complete": not g.incomplete, "incomplete": g.incomplete})
    return {"by": by, "groups": out, "ungrouped": ungrouped}
