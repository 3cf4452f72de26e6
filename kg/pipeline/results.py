"""Results as one tidy table in a partitioned Parquet dataset, queried with DuckDB.

Every figure of every region-evaluation is one row:
    region_id, year, scenario, coefficient_set, draw, figure, value, unit
(`scenario` and `draw` name the sweep a figure comes from: "observed" and 0 for
plain advice). The dataset is partitioned by province — the first two digits of a
Chinese administrative code, "other" for ids that are not codes — and written
chunk by chunk (one file per chunk and province), so it never has to fit in
memory; the process that gathers the chunks writes them (a cluster's workers send
their rows back, so no shared file system is needed).

Figures written for advice (units as stated):
- valid (1/0), violations (count);
- emissions_t_co2e, sinks_t_co2e, net_t_co2e (t CO2e/a), balance_ratio (1);
- source:<line>, sink:<line> (t CO2e/a), stock:<line> (t C);
- type_score:<type> (score 0–1), type:<type> and model:<model> (1 for the one chosen);
- measure_score:<measure> (score) for the recommended model's measures;
- indicator:<key> (the indicator's unit).

`tanheng results DIR "SQL"` runs SQL over it as a table named `results`: DuckDB
may read that dataset and nothing else (no other file, no network)."""
from __future__ import annotations

import re
from itertools import repeat
from typing import Iterable
from pathlib import Path

COLUMNS = ("region_id", "year", "scenario", "coefficient_set", "draw", "figure", "value", "unit")
_PROVINCE = re.compile(r"^(\d{2})\d{4}")


def province(region_id: str) -> str:
    m = _PROVINCE.match(region_id or "")
    return m.group(1) if m else "other"


def figures(region: dict, units: dict[str, str] | None = None) -> list[tuple[str, float | None, str]]:
    """(figure, value, unit) of one advised region (kg.pipeline.advice.advise's form, compact or full). `units`:
    each indicator's unit (an IndicatorUnits), when the caller asks for many regions."""
    out = [("valid", 1.0 if region["valid"] else 0.0, "1"), ("violations", float(len(region["violations"])), "count")]
    b = region.get("balance")
    if b:
        for key in ("emissions_t_co2e", "sinks_t_co2e", "net_t_co2e"):
            out.append((key, b[key], "t CO2e/a"))
        out.append(("balance_ratio", b["balance_ratio"], "1"))
        out += [(f"source:{k}", v, "t CO2e/a") for k, v in b["by_source"].items()]
        out += [(f"sink:{k}", v, "t CO2e/a") for k, v in b["by_sink"].items()]
        out += [(f"stock:{k}", v, "t C") for k, v in b["stocks"].items()]
    if region.get("type"):
        out += [(f"type_score:{t}", s, "score") for t, s in region["type_scores"].items()]
        out += [(f"type:{region['type']}", 1.0, "1"), (f"model:{region['model']}", 1.0, "1")]
        out += [(f"measure_score:{m['id']}", m["score"], "score") for m in region["measures"]]
        units = units if units is not None else IndicatorUnits()
        out += [(f"indicator:{k}", v, units[k]) for k, v in region["indicators"].items()]
    return out


class IndicatorUnits(dict):
    """Each indicator's English unit, asked of the rules once per key (not once per region and indicator: ~100
    look-ups a region, each reading the environment for the store, were half of what --results cost)."""

    def __missing__(self, key: str) -> str:
        from kg.knowledge.rules import indicator_unit

        unit = self[key] = indicator_unit(key)["en"]
        return unit


def tidy(regions: Iterable[dict], years: list, coefficient_set: str, scenario: str = "observed",
         draw: int = 0) -> dict[str, dict[str, list]]:
    """The tidy rows of advised regions (with their profile years), by province: plain lists, cheap
    to send from a worker process to the one that writes."""
    by_province: dict[str, dict[str, list]] = {}
    units = IndicatorUnits()
    for r, year in zip(regions, years):
        cols = by_province.setdefault(province(r["region_id"]), {c: [] for c in COLUMNS})
        names, values, unit = zip(*figures(r, units))
        cols["region_id"] += repeat(r["region_id"], len(names))
        cols["year"] += repeat(year, len(names))
        cols["figure"] += names
        cols["value"] += values
        cols["unit"] += unit
    for cols in by_province.values():
        n = len(cols["figure"])
        cols["scenario"], cols["coefficient_set"], cols["draw"] = [scenario] * n, [coefficient_set] * n, [draw] * n
    return by_province


def _schema() -> dict:
    import polars as pl

    return {"region_id": pl.String, "year": pl.Int32, "scenario": pl.String, "coefficient_set": pl.String,
            "draw": pl.Int32, "figure": pl.String, "value": pl.Float64, "unit": pl.String}


def write_frame(directory: str | Path, prov: str, name: str, frame) -> Path:
    """One province's rows (a polars frame with the table's columns) as DIR/province=XX/NAME.parquet, in the
    table's column order and types."""
    path = Path(directory) / f"province={prov}" / f"{name}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.select(list(COLUMNS)).cast(_schema()).write_parquet(path)
    return path


def write_part(directory: str | Path, name: str, by_province: dict[str, dict[str, list]]) -> list[Path]:
    """Write tidy rows as one Parquet file per province: DIR/province=XX/NAME.parquet. Written by the
    process that gathers the chunks (never a forked worker: polars' thread pool does not survive a fork;
    on a cluster no shared file system is needed)."""
    import polars as pl

    schema = _schema()
    return [write_frame(directory, prov, name, pl.DataFrame({c: cols[c] for c in COLUMNS}, schema=schema))
            for prov, cols in sorted(by_province.items())]


class ResultsError(ValueError):
    """A results directory that cannot be queried, or SQL that DuckDB refuses: one sentence."""


def query(directory: str | Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Run SQL over the dataset as the table `results`: (column names, rows of Python values)."""
    import duckdb

    directory = Path(directory)
    if not directory.is_dir() or not any(directory.glob("**/*.parquet")):
        raise ResultsError(f"{directory} holds no results (no Parquet files); write some with "
                           f"`tanheng advise FILE --results {directory}`")
    con = duckdb.connect(":memory:")
    root = str(directory.resolve())
    pattern = root.replace("'", "''") + "/**/*.parquet"
    con.execute(f"CREATE VIEW results AS SELECT * EXCLUDE (province), province FROM read_parquet('{pattern}', "
                "hive_partitioning = true, hive_types_autocast = false)")
    # the SQL may read this dataset and nothing else: no other file, no extension, no network
    con.execute("SET allowed_directories = [?]", [root + "/"])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    try:
        cur = con.execute(sql)
    except duckdb.Error as exc:
        raise ResultsError(str(exc).strip().splitlines()[0]) from None
    if cur.description is None:
        return [], []
    return [d[0] for d in cur.description], cur.fetchall()
