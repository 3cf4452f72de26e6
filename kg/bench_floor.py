"""The floor `tanheng bench` compares against: a plain vectorised script doing the
same kind of arithmetic as `tanheng advise` on the same file, with nothing else —
no knowledge graph, no messages, no provenance.

Columnar read (polars), ~60 column operations (range checks standing for
validation, accounting lines, indicators, type scores and the argmax), NDJSON
write. The coefficients are fixed representative values: the floor measures
what the arithmetic costs, not what it says. It imports nothing from kg (only
this module's own file), so its figures are the machine's, not ours.

    python -m kg.bench_floor PROFILES.csv OUT.ndjson
"""
from __future__ import annotations

import sys

# (column, low, high): one range check per column, as the shapes do
RANGES = [("area_km2", 0, 1e6), ("population", 0, 1e8), ("urbanization_rate_pct", 0, 100),
          ("gdp_100m_cny", 0, 1e6), ("primary_industry_pct", 0, 100), ("secondary_industry_pct", 0, 100),
          ("tertiary_industry_pct", 0, 100), ("cropland_ha", 0, 1e8), ("forest_ha", 0, 1e8),
          ("grassland_ha", 0, 1e8), ("wetland_ha", 0, 1e8), ("water_ha", 0, 1e8), ("built_up_ha", 0, 1e8),
          ("other_land_ha", 0, 1e8), ("ecological_redline_pct", 0, 100), ("coal_t", 0, 1e10),
          ("electricity_mwh", 0, 1e10), ("industry_energy_pct", 0, 100), ("transport_energy_pct", 0, 100),
          ("building_energy_pct", 0, 100)]
# accounting lines: input × one multiplied-out factor (t CO2e per unit)
SOURCES = {"coal_t": 1.9, "gasoline_t": 2.93, "diesel_t": 3.1, "natural_gas_10k_m3": 21.6,
           "electricity_mwh": 0.58, "cattle_head": 1.33, "pigs_head": 0.028, "sheep_head": 0.14,
           "nitrogen_fertilizer_t": 4.9}
SINKS = {"cropland_ha": 0.5, "forest_ha": 3.5, "grassland_ha": 0.3, "water_ha": 0.2}
# type evidence: (indicator, low, high, increasing, weight) per type
EVIDENCE = {"urban": [("density", 300, 3000, True, 1.0), ("urb", 40, 85, True, 1.0), ("built", 5, 30, True, 1.0)],
            "agri": [("crop", 10, 50, True, 1.0), ("primary", 5, 25, True, 1.0), ("density", 100, 800, False, 0.5)],
            "eco": [("eco", 30, 80, True, 1.0), ("redline", 10, 50, True, 1.0), ("ratio", 0.1, 1.0, True, 0.5)]}


def run(src: str, out: str) -> int:
    import polars as pl

    df = pl.read_csv(src, infer_schema_length=10_000)
    c = pl.col
    checks = [((c(k) < lo) | (c(k) > hi)).fill_null(False) for k, lo, hi in RANGES]
    checks.append((c("primary_industry_pct") + c("secondary_industry_pct") + c("tertiary_industry_pct") - 100).abs() > 1)
    land = sum(c(k) for k in ("cropland_ha", "forest_ha", "grassland_ha", "wetland_ha", "water_ha",
                              "built_up_ha", "other_land_ha"))
    checks.append(land > c("area_km2") * 100 * 1.05)
    df = df.with_columns(pl.any_horizontal(checks).alias("invalid"),
                         *[(c(k) * f).alias(f"src_{k}") for k, f in SOURCES.items()],
                         *[(c(k) * f).alias(f"snk_{k}") for k, f in SINKS.items()])
    area_ha = c("area_km2") * 100
    df = df.with_columns(
        pl.sum_horizontal([f"src_{k}" for k in SOURCES]).alias("emissions"),
        pl.sum_horizontal([f"snk_{k}" for k in SINKS]).alias("sinks"),
        (c("population") / c("area_km2")).alias("density"), c("urbanization_rate_pct").alias("urb"),
        (c("built_up_ha") / area_ha * 100).alias("built"), (c("cropland_ha") / area_ha * 100).alias("crop"),
        c("primary_industry_pct").alias("primary"), c("ecological_redline_pct").alias("redline"),
        ((c("forest_ha") + c("grassland_ha") + c("wetland_ha") + c("water_ha")) / area_ha * 100).alias("eco"))
    df = df.with_columns((c("sinks") / c("emissions")).alias("ratio"), (c("emissions") - c("sinks")).alias("net"))
    scores = []
    for t, evs in EVIDENCE.items():
        parts = []
        for ind, lo, hi, inc, w in evs:
            m = ((c(ind) - lo) / (hi - lo)).clip(0, 1)
            parts.append(w * (m if inc else 1 - m))
        scores.append((sum(parts) / sum(e[4] for e in evs)).alias(f"score_{t}"))
    df = df.with_columns(scores)
    types = list(EVIDENCE)
    best = pl.when((c("score_urban") >= c("score_agri")) & (c("score_urban") >= c("score_eco"))).then(pl.lit(types[0])) \
        .when(c("score_agri") >= c("score_eco")).then(pl.lit(types[1])).otherwise(pl.lit(types[2]))
    out_cols = ["region_id", "invalid", "emissions", "sinks", "net", "ratio",
                *[f"score_{t}" for t in types], "type"]
    df.with_columns(best.alias("type")).select(out_cols).write_ndjson(out)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1], sys.argv[2]))
