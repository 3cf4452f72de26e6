"""The three standard scenarios of every region (baseline, low-carbon, enhanced) and the measure →
lever map, read from rules/trajectory-levers.ttl; turning scenarios into engine slots."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rdflib import RDF, RDFS, URIRef
from rdflib.namespace import SKOS

from kg.knowledge.graph import literal_in, rules_file
from ..namespaces import THP, THX
from .engine import Slot
from .levers import Lever, Scenario, parse_lever

LEVERS_FILE = "trajectory-levers.ttl"


@dataclass(frozen=True)
class StandardScenario:
    key: str
    order: int
    label_zh: str
    label_en: str
    measure_count: int
    effect_scale: float
    start: int | None
    end: int | None
    extra: tuple[Lever, ...]


@dataclass(frozen=True)
class MeasureLever:
    measure: str                 # measure key
    lever: Lever                 # at the typical effect, years filled in per scenario
    note_zh: str
    note_en: str


def _local(x) -> str | None:
    if x is None:
        return None
    return str(x)[len(str(THP)):] if isinstance(x, URIRef) and str(x).startswith(str(THP)) else str(x)


@lru_cache(maxsize=1)
def _graph():
    return rules_file(LEVERS_FILE)


@lru_cache(maxsize=1)
def measure_levers() -> tuple[MeasureLever, ...]:
    """Every measure lever of the rules file, in a fixed order (measure key, then field)."""
    g = _graph()
    out, problems = [], []
    for s in g.subjects(RDF.type, THX.MeasureLever):
        key = str(g.value(s, THX.measure)).rsplit("/", 1)[-1].removeprefix("measure-")
        item = {"field": _local(g.value(s, THX.field)), "change": str(g.value(s, THX.change)), "from": 2000}
        if g.value(s, THX.into) is not None:
            item["into"] = _local(g.value(s, THX.into))
        lv = parse_lever(item, 0, key, problems)
        if lv is None:
            raise ValueError(f"{LEVERS_FILE}: {'; '.join(problems)}")
        out.append(MeasureLever(key, lv, literal_in(g, s, SKOS.note, "zh"), literal_in(g, s, SKOS.note, "en")))
    return tuple(sorted(out, key=lambda m: (m.measure, m.lever.field)))


@lru_cache(maxsize=1)
def _by_measure() -> dict[str, tuple[MeasureLever, ...]]:
    out: dict = {}
    for m in measure_levers():
        out.setdefault(m.measure, []).append(m)
    return {k: tuple(v) for k, v in out.items()}


def levers_of(measure: str) -> tuple[MeasureLever, ...]:
    return _by_measure().get(measure, ())


@lru_cache(maxsize=1)
def standard_scenarios() -> tuple[StandardScenario, ...]:
    g = _graph()
    out = []
    for s in g.subjects(RDF.type, THX.StandardScenario):
        v = lambda p: g.value(s, p)  # noqa: E731
        extra, problems = [], []
        for b in g.objects(s, THX.extraLever):
            item = {"field": _local(g.value(b, THX.field)), "change": str(g.value(b, THX.change)),
                    "from": int(g.value(b, THX["from"])), "to": int(g.value(b, THX.to))}
            lv = parse_lever(item, len(extra) + 1, str(v(THX.key)), problems)
            if lv is None:
                raise ValueError(f"{LEVERS_FILE}: {'; '.join(problems)}")
            extra.append(lv)
        out.append(StandardScenario(
            str(v(THX.key)), int(v(THX.order)), literal_in(g, s, RDFS.label, "zh"), literal_in(g, s, RDFS.label, "en"),
            int(v(THX.measureCount)), float(v(THX.effectScale).toPython()) if v(THX.effectScale) is not None else 1.0,
            int(v(THX["from"])) if v(THX["from"]) is not None else None,
            int(v(THX.to)) if v(THX.to) is not None else None, tuple(extra)))
    return tuple(sorted(out, key=lambda s: s.order))


def chosen_measures(ranked: list[str], count: int) -> tuple[list[str], list[str]]:
    """The first `count` measures (best first) that have a lever, and those ranked above the last one
    chosen that have none (enabling measures, not quantified)."""
    chosen, skipped = [], []
    for m in ranked:
        if len(chosen) >= count:
            break
        (chosen if levers_of(m) else skipped).append(m)
    return chosen, skipped


def standard_slots(std: StandardScenario, chosen: list[list[str]]) -> tuple[list[Slot], list[list[Lever]]]:
    """Engine slots of a standard scenario for every region (chosen[r] = the region's measures) and
    each region's own lever list (for the answer)."""
    R = len(chosen)
    slots, per_region = [], [[] for _ in range(R)]
    for ml in measure_levers():
        on = np.array([ml.measure in c for c in chosen], dtype=bool)
        if not on.any():
            continue
        lv = ml.lever.scaled(std.effect_scale) if std.effect_scale != 1 else ml.lever
        lv = Lever(**{**lv.__dict__, "start": std.start, "end": std.end, "measure": ml.measure,
                      "label_zh": ml.note_zh, "label_en": ml.note_en})
        slots.append(Slot(lv.field, lv.kind, lv.per_year, lv.start, lv.end, np.where(on, lv.amount, 0.0),
                          lv.counterpart, ml.measure))
        for r in np.flatnonzero(on):
            per_region[r].append(lv)
    for lv in std.extra:
        slots.append(Slot(lv.field, lv.kind, lv.per_year, lv.start, lv.end, np.full(R, lv.amount),
                          lv.counterpart, f"{lv.field} {lv.change}"))
        for r in range(R):
            per_region[r].append(lv)
    return slots, per_region


def user_slots(sc: Scenario, R: int) -> list[Slot]:
    return [Slot(lv.field, lv.kind, lv.per_year, lv.start, lv.end, np.full(R, lv.amount), lv.counterpart,
                 f"{lv.field} {lv.change}") for lv in sc.levers]
