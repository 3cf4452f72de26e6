"""The assumptions of the projection, read from rules/trajectory.ttl (and the land-sum ratio from
rules/profile-shapes.ttl): settings, outlook paths, field drivers, year-dependent accounting factors,
Tapio classes. Nothing numeric is restated here; tests may build an Assumptions of their own."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from rdflib import RDF, RDFS, Namespace

from kg.knowledge.graph import literal_in, rules_file
from ..namespaces import THP, THX

RULES_FILE = "trajectory.ttl"
THS = Namespace("https://w3id.org/tanheng/shapes#")


@dataclass(frozen=True)
class Path:
    key: str
    form: str                              # "rate" | "level"
    points: tuple[tuple[int, float], ...]  # (year, value), sorted
    label_zh: str = ""
    label_en: str = ""
    project_own: bool = True
    note_zh: str = ""
    note_en: str = ""
    sources: tuple[str, ...] = ()
    confidence: str = ""

    def index(self, years: np.ndarray) -> np.ndarray:
        """The path as an index over `years` (consecutive): a rate path compounds its rate of each year
        (index[y] / index[y−1] = 1 + rate(y)); a level path is its interpolated level."""
        ys = np.array([p[0] for p in self.points], dtype=float)
        vs = np.array([p[1] for p in self.points], dtype=float)
        if self.form == "level":
            return np.interp(years, ys, vs)
        # rate in force in year y: the value of the last point at or before y (the first before any point)
        pos = np.clip(np.searchsorted(ys, years, side="right") - 1, 0, len(ys) - 1)
        rate = vs[pos]
        growth = np.log1p(rate)
        growth[0] = 0.0
        return np.exp(np.cumsum(growth))


@dataclass(frozen=True)
class Settings:
    min_history_years: int
    damping_years: float
    max_trend_rate: float
    default_target_year: int
    peak_deadline: int
    note_zh: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class TapioClass:
    key: str
    order: int
    label_zh: str
    label_en: str
    gdp_sign: int
    emission_sign: int
    e_min: float
    e_max: float


@dataclass(frozen=True)
class Assumptions:
    settings: Settings
    paths: dict                       # key → Path
    field_paths: dict                 # field → tuple of path keys (product)
    line_paths: dict                  # accounting line key → path key
    lever_factor_lines: dict          # lever pseudo-field (grid_factor) → accounting line key
    land_fields: tuple[str, ...]
    max_land_ratio: float
    tapio: tuple = ()
    driver_notes: dict = field(default_factory=dict)   # field → (zh, en) note of its driver

    def field_index(self, fld: str, years: np.ndarray) -> np.ndarray:
        """The outlook index of a field over consecutive years: the product of its driving paths."""
        out = np.ones(len(years))
        for key in self.field_paths.get(fld, ()):
            out = out * self.paths[key].index(years)
        return out

    def line_index(self, line_key: str, years: np.ndarray) -> np.ndarray:
        key = self.line_paths.get(line_key)
        return self.paths[key].index(years) if key else np.ones(len(years))

    def with_settings(self, **changes) -> "Assumptions":
        return replace(self, settings=replace(self.settings, **changes))


def _local(iri, ns) -> str:
    return str(iri)[len(str(ns)):]


def _num(x, default=None):
    return default if x is None else float(x.toPython())


@lru_cache(maxsize=1)
def rules_graph():
    return rules_file(RULES_FILE)


@lru_cache(maxsize=1)
def load() -> Assumptions:
    """The default assumptions of rules/trajectory.ttl."""
    from rdflib.namespace import DCTERMS, SKOS

    from ..namespaces import TH

    g = rules_graph()
    s = g.value(None, RDF.type, THX.ProjectionSettings)
    v = lambda p: g.value(s, p)  # noqa: E731
    settings = Settings(int(v(THX.minHistoryYears)), _num(v(THX.dampingYears)), _num(v(THX.maxTrendRate)),
                        int(v(THX.defaultTargetYear)), int(v(THX.peakDeadline)),
                        literal_in(g, s, SKOS.note, "zh"), literal_in(g, s, SKOS.note, "en"))
    paths = {}
    for p in g.subjects(RDF.type, THX.OutlookPath):
        pts = sorted((int(g.value(b, THX.year)), _num(g.value(b, THX.value))) for b in g.objects(p, THX.point))
        own = g.value(p, THX.projectOwn)
        paths[_local(p, THX)] = Path(
            _local(p, THX), str(g.value(p, THX.pathForm)), tuple(pts),
            literal_in(g, p, RDFS.label, "zh"), literal_in(g, p, RDFS.label, "en"),
            bool(own.toPython()) if own is not None else True,
            literal_in(g, p, SKOS.note, "zh"), literal_in(g, p, SKOS.note, "en"),
            tuple(sorted(_local(x, "https://w3id.org/tanheng/resource/") for x in g.objects(p, DCTERMS.source))),
            str(g.value(p, TH.confidence) or ""))
    field_paths, driver_notes = {}, {}
    for d in g.subjects(RDF.type, THX.FieldDriver):
        keys = tuple(sorted(_local(x, THX) for x in g.objects(d, THX.drivenBy)))
        for f in g.objects(d, THX.field):
            field_paths[_local(f, THP)] = keys
            driver_notes[_local(f, THP)] = (literal_in(g, d, RDFS.label, "zh"), literal_in(g, d, RDFS.label, "en"))
    line_paths, lever_lines = {}, {}
    for lf in g.subjects(RDF.type, THX.LineFactorPath):
        line = str(g.value(lf, THX.lineKey))
        line_paths[line] = _local(g.value(lf, THX.drivenBy), THX)
        lever_lines[str(g.value(lf, THX.leverField))] = line
    land = tuple(sorted(_local(f, THP) for f in g.objects(THX["land-classes"], THX.field)))
    tapio = []
    for t in g.subjects(RDF.type, THX.TapioClass):
        tapio.append(TapioClass(str(g.value(t, THX.key)), int(g.value(t, THX.order)),
                                literal_in(g, t, RDFS.label, "zh"), literal_in(g, t, RDFS.label, "en"),
                                int(g.value(t, THX.gdpSign)), int(g.value(t, THX.emissionSign)),
                                _num(g.value(t, THX.elasticityMin), -np.inf), _num(g.value(t, THX.elasticityMax), np.inf)))
    return Assumptions(settings, paths, field_paths, line_paths, lever_lines, land, _max_land_ratio(),
                       tuple(sorted(tapio, key=lambda t: t.order)), driver_notes)


def _max_land_ratio() -> float:
    """The upper bound of the land-class total as a share of the area, from the profile shapes
    (one threshold, one place)."""
    g = rules_file("profile-shapes.ttl")
    return float(g.value(THS.LandCoverageMaxShape, THS.maxLandRatio).toPython())


def say(key: str, lang: str | None = None, **fields) -> str:
    """A trajectory message of the catalogue (kg/messages.csv, key traj.<key>): one language, or "zh / en"
    when lang is None. A field given as {"zh": …, "en": …} (say_both of another message) is filled in the
    language of each side."""
    from kg import messages

    def text(lg: str) -> str:
        return messages.text(f"traj.{key}", lg, **{k: v[lg] if isinstance(v, dict) else v for k, v in fields.items()})
    return text(lang) if lang in ("zh", "en") else f"{text('zh')} / {text('en')}"


def say_both(key: str, **fields) -> dict[str, str]:
    return {"zh": say(key, "zh", **fields), "en": say(key, "en", **fields)}
