"""Benchmark of the advice pipeline on generated profiles.

Profiles are drawn at random (fixed seed) from five archetypes — dense urban
district, grain county, pastoral county, forest county, mixed suburban county —
in roughly the mix of China's county-level units, each with every required
column filled consistently (land classes within the area, industry shares
summing to 100). Measured: the command line end to end per size (a fresh
process: interpreter start, reading, validation, accounting, reasoning, writing
JSON) with its peak memory; one region warm in process; the reference path on a
sample, extrapolated per region, with its agreement with the fast path."""
from __future__ import annotations

import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .paths import ROOT

# archetype: (share of regions, {field: (low, high)}) — plausible yearbook ranges, for load only
ARCHETYPES = {
    "urban":    (0.15, dict(area=(150, 1500), density=(1200, 8000), urb=(75, 99), gdp_pp=(6, 25), primary=(0.1, 4),
                            crop=(2, 15), forest=(2, 15), grass=(0, 3), wet=(0, 4), water=(2, 10), built=(25, 60),
                            redline=(0, 10))),
    "grain":    (0.35, dict(area=(800, 4000), density=(250, 900), urb=(30, 55), gdp_pp=(1.5, 5), primary=(12, 35),
                            crop=(35, 70), forest=(1, 20), grass=(0, 5), wet=(0, 3), water=(2, 8), built=(8, 22),
                            redline=(0, 12))),
    "pastoral": (0.10, dict(area=(3000, 30000), density=(1, 30), urb=(30, 60), gdp_pp=(2, 12), primary=(15, 40),
                            crop=(0, 6), forest=(0, 8), grass=(50, 85), wet=(0, 6), water=(0, 4), built=(0.5, 3),
                            redline=(25, 70))),
    "forest":   (0.20, dict(area=(1500, 8000), density=(30, 200), urb=(35, 60), gdp_pp=(2, 7), primary=(10, 25),
                            crop=(4, 15), forest=(55, 85), grass=(0, 5), wet=(0, 3), water=(1, 5), built=(1.5, 6),
                            redline=(25, 60))),
    "mixed":    (0.20, dict(area=(500, 2500), density=(300, 1200), urb=(50, 75), gdp_pp=(4, 15), primary=(3, 12),
                            crop=(15, 40), forest=(5, 30), grass=(0, 5), wet=(0, 5), water=(3, 12), built=(12, 28),
                            redline=(5, 25))),
}
HEADER = ["region_id", "name", "year", "area_km2", "population", "urbanization_rate_pct", "gdp_100m_cny",
          "primary_industry_pct", "secondary_industry_pct", "tertiary_industry_pct", "cropland_ha", "forest_ha",
          "grassland_ha", "wetland_ha", "water_ha", "built_up_ha", "other_land_ha", "ecological_redline_pct",
          "grain_output_t", "nitrogen_fertilizer_t", "cattle_head", "pigs_head", "sheep_head", "coal_t",
          "gasoline_t", "diesel_t", "natural_gas_10k_m3", "electricity_mwh", "grid_region", "msw_t",
          "industry_energy_pct", "transport_energy_pct", "building_energy_pct", "public_transport_share_pct",
          "urban_green_coverage_pct"]
GRIDS = ["north", "northeast", "east", "central", "northwest", "south", "southwest"]


def generate(n: int, seed: int = 2844) -> list[dict]:
    rnd = random.Random(seed)
    kinds = list(ARCHETYPES)
    weights = [ARCHETYPES[k][0] for k in kinds]
    rows = []
    for i in range(n):
        kind = rnd.choices(kinds, weights)[0]
        p = ARCHETYPES[kind][1]
        u = lambda key: rnd.uniform(*p[key])  # noqa: E731
        area = u("area")
        pop = int(area * u("density"))
        shares = {k: u(k) for k in ("crop", "forest", "grass", "wet", "water", "built")}
        scale = min(1.0, 96 / sum(shares.values()))
        ha = {k: round(area * v * scale, 1) for k, v in shares.items()}   # % of km² = ha / 100 … × 100
        primary = u("primary")
        secondary = rnd.uniform(25, 55)
        energy_ind = round(rnd.uniform(30, 65), 1)
        energy_tr = round(rnd.uniform(10, 35), 1)
        rows.append({
            "region_id": f"G{i:06d}", "name": f"{kind}-{i}", "year": 2022, "area_km2": round(area, 1),
            "population": pop, "urbanization_rate_pct": round(u("urb"), 1),
            "gdp_100m_cny": round(pop * u("gdp_pp") / 1e4, 2), "primary_industry_pct": round(primary, 1),
            "secondary_industry_pct": round(secondary, 1),
            "tertiary_industry_pct": round(100 - round(primary, 1) - round(secondary, 1), 1),
            "cropland_ha": ha["crop"], "forest_ha": ha["forest"], "grassland_ha": ha["grass"],
            "wetland_ha": ha["wet"], "water_ha": ha["water"], "built_up_ha": ha["built"],
            "other_land_ha": round(area * 100 - sum(ha.values()) - area * 2, 1),
            "ecological_redline_pct": round(u("redline"), 1),
            "grain_output_t": round(ha["crop"] * rnd.uniform(4, 9), 0),
            "nitrogen_fertilizer_t": round(ha["crop"] * rnd.uniform(0.1, 0.4), 0),
            "cattle_head": int(area * rnd.uniform(0, 30)), "pigs_head": int(ha["crop"] * rnd.uniform(0, 8)),
            "sheep_head": int(area * (rnd.uniform(20, 150) if kind == "pastoral" else rnd.uniform(0, 10))),
            "coal_t": int(pop * rnd.uniform(0.3, 3)), "gasoline_t": int(pop * rnd.uniform(0.05, 0.3)),
            "diesel_t": int(pop * rnd.uniform(0.05, 0.3)), "natural_gas_10k_m3": int(pop * rnd.uniform(0.001, 0.05)),
            "electricity_mwh": int(pop * rnd.uniform(2, 10)), "grid_region": rnd.choice(GRIDS),
            "msw_t": int(pop * rnd.uniform(0.15, 0.45)), "industry_energy_pct": energy_ind,
            "transport_energy_pct": energy_tr,
            "building_energy_pct": round(min(99.9 - energy_ind - energy_tr, rnd.uniform(10, 35)), 1),
            "public_transport_share_pct": round(rnd.uniform(5, 55), 1),
            "urban_green_coverage_pct": round(rnd.uniform(30, 46), 1),
        })
    return rows


def write_csv(rows: list[dict], path: Path) -> Path:
    header = HEADER + sorted({k for r in rows for k in r} - set(HEADER))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


def batch_from_rows(rows: list[dict]):
    """A ProfileBatch read (through the real CSV reader) from value dicts."""
    from .profiles import read_profiles

    with tempfile.TemporaryDirectory() as d:
        return read_profiles(write_csv(rows, Path(d) / "profiles.csv"))


def generated_batch(n: int, seed: int = 2844):
    return batch_from_rows(generate(n, seed))


_CHILD = """import json, os, resource, sys, time
t = time.perf_counter()
from kg.cli import main
rc = main(["advise", sys.argv[1], "-o", os.devnull])
u = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"rc": rc, "in_process_s": time.perf_counter() - t, "cpu_s": u.ru_utime + u.ru_stime,
                  "peak_rss_mb": u.ru_maxrss / 1024}))"""


def cli_run(path: Path) -> dict:
    """`tanheng advise FILE` in a fresh process: wall time (with interpreter start) and peak RSS."""
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t
    if out.returncode not in (0, 1):
        raise RuntimeError(f"advise failed: {out.stderr.strip()[-500:]}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["wall_s"] = wall
    return res


def same_answer(a: dict, b: dict) -> bool:
    """Type, scores, model and measure order agree (to the rounding of the output)."""
    return (a["type"] == b["type"] and a["type_scores"] == b["type_scores"] and a["model"] == b["model"]
            and [m["id"] for m in a["measures"]] == [m["id"] for m in b["measures"]]
            and [m["score"] for m in a["measures"]] == [m["score"] for m in b["measures"]])


def warm_one(batch, repeat: int = 5) -> float:
    from .advice import advise

    advise(batch)   # warm the caches: knowledge graph, rules, coefficient set
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        advise(batch)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def reference_sample(batch, n: int) -> dict:
    """Both paths on the first n regions: seconds per region and agreement."""
    from .advice import advise
    from .profiles import ProfileBatch

    sample = ProfileBatch(regions=batch.regions[:n])
    advise(sample, engine="fast")
    t = time.perf_counter()
    fast = advise(sample, engine="fast")
    fast_s = time.perf_counter() - t
    t = time.perf_counter()
    ref = advise(sample, engine="reference")
    ref_s = time.perf_counter() - t
    agree = sum(same_answer(a, b) for a, b in zip(fast["regions"], ref["regions"]) if a["valid"])
    return {"n": n, "reference_s_per_region": ref_s / n, "fast_s_per_region_same_sample": fast_s / n,
            "agree": agree, "valid": fast["summary"]["valid"]}


def run(sizes: list[int], reference_n: int, out=sys.stdout) -> dict:
    def say(text):
        print(text, file=out, flush=True)

    results = {"sizes": [], "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    with tempfile.TemporaryDirectory() as d:
        for n in sizes:
            path = write_csv(generate(n), Path(d) / f"gen-{n}.csv")
            r = cli_run(path)
            r["regions"] = n
            results["sizes"].append(r)
            say(f"{n:>7,} regions  CLI end to end {r['wall_s']:7.2f} s  (CPU {r['cpu_s']:6.2f} s, in process "
                f"{r['in_process_s']:6.2f} s)  peak RSS {r['peak_rss_mb']:6.0f} MB  {1000 * r['wall_s'] / n:8.3f} ms/region")
    by = {r["regions"]: r["wall_s"] for r in results["sizes"]}
    for a, b in zip(sizes, sizes[1:]):
        if b == 10 * a:
            say(f"scaling {a:,} → {b:,}: ×{by[b] / by[a]:.1f} time for ×10 regions")
    one = generated_batch(1)
    results["warm_one_s"] = warm_one(one)
    say(f"one region warm in process: {results['warm_one_s'] * 1000:.0f} ms")
    say(f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: wall times include waiting for CPU)")
    if reference_n:
        big = max(sizes)
        ref = reference_sample(generated_batch(max(reference_n, 1)), reference_n)
        ref["extrapolated_reference_s"] = ref["reference_s_per_region"] * big
        ref["fast_s"] = by[big]
        ref["speedup"] = ref["extrapolated_reference_s"] / by[big]
        results["reference"] = ref
        say(f"reference path: {ref['reference_s_per_region']:.2f} s/region on a sample of {reference_n} "
            f"(extrapolated to {big:,} regions: {ref['extrapolated_reference_s']:,.0f} s) — "
            f"fast path {by[big]:.1f} s end to end: ×{ref['speedup']:,.0f} faster; "
            f"paths agree on {ref['agree']}/{ref['valid']} sampled regions")
    return results
