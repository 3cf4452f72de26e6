"""Pathways to 2030/2060 as a sweep: every region's trajectory on this machine or as tasks of a Dask
cluster (regions are independent: each task projects whole regions, all their years together), and the
figures as rows of the one tidy results table (kg.pipeline.results: region_id, year, scenario,
coefficient_set, draw, figure, value, unit), written as a partitioned Parquet dataset.

Rows written for a trajectory:
- scenario "observed", each history year: emissions_t_co2e, sinks_t_co2e, net_t_co2e (t CO2e/a), balance_ratio (1);
- each scenario (baseline, low-carbon, enhanced, the user's), each projected year: the same four figures;
- each scenario, year empty: peak_year and balance_year (year), peak_emissions_t_co2e (t CO2e/a),
  peak_by_2030 (1/0); with Monte Carlo draws p_peak_by_2030 (probability) and, per year, the 2.5 and 97.5
  percentiles of the three series (`emissions_t_co2e:p2.5`, `…:p97.5`; `draw` holds the number of draws).

Rows written for the inventory's Monte Carlo (`tanheng balance --uncertainty N --results DIR`): scenario
"monte-carlo", `draw` 1 … N, the profile's year: emissions_t_co2e, sinks_t_co2e, net_t_co2e of each draw —
built as columns (numpy), not row by row: 2,844 regions × 1,000 draws are 8.5 million rows. The Monte Carlo
runs here or as tasks of a Dask cluster (`--cluster`): blocks of whole regions, each region drawn from its
own streams of the seed, so that the intervals and the draws are those of one process."""
from __future__ import annotations

from itertools import repeat

from kg.pipeline.results import COLUMNS, province, write_frame, write_part

MC_BLOCKS_PER_TASK = 8          # Monte Carlo task: 8 blocks of kg.reason.uncertainty.CHUNK regions (2,048)
REGIONS_PER_TASK = 200          # regions of one trajectory task on a cluster: whole regions, every year
SERIES = (("emissions_t_co2e", "t CO2e/a"), ("sinks_t_co2e", "t CO2e/a"), ("net_t_co2e", "t CO2e/a"),
          ("balance_ratio", "1"))


def trajectory(rows: list, cluster: str | None = None, **options) -> dict:
    """kg.trajectory.trajectory over `rows` (Regions or value dicts, one per region and year), here or on
    the Dask cluster at `cluster` ("local" for a LocalCluster), the regions in the order given."""
    from kg.trajectory import trajectory as project

    if not cluster:
        return project(rows, **options)
    from kg.pipeline.stream import cluster_client

    from kg.account.coefficients import DEFAULT_SET
    from kg.trajectory import consistent_set

    values = [r if isinstance(r, dict) else r.values for r in rows]
    if options.get("region_id") is not None:
        values = [v for v in values if str(v.get("region_id")) == str(options["region_id"])]
    if not values:                  # nothing to send: one process gives the answer (or says what is wrong)
        return project(rows, **options)
    # the series' coefficient set is decided once for the whole batch, as one process decides it
    chosen, note = consistent_set(values, options.get("coefficient_set") or DEFAULT_SET)
    options = {**options, "coefficient_set": chosen}
    order: dict[str, list[dict]] = {}
    for v in values:
        order.setdefault(str(v.get("region_id") or ""), []).append(v)
    ids = list(order)
    tasks = [[v for rid in ids[i:i + REGIONS_PER_TASK] for v in order[rid]]
             for i in range(0, len(ids), REGIONS_PER_TASK)]
    with cluster_client(cluster) as client:
        answers = client.gather([client.submit(project, task, pure=False, **options) for task in tasks])
    first = answers[0]
    return {**first, "regions": [r for a in answers for r in a["regions"]],
            "notes": [n for a in answers for n in a["notes"]] + ([note] if note else [])}


def _rows_of(region: dict) -> list[tuple]:
    """(year, scenario, draw, figure, value, unit) of one region of a trajectory answer."""
    out = [(h["year"], "observed", 0, key, h.get(key), unit) for h in region["history"] for key, unit in SERIES]
    for sc in region["scenarios"]:
        name = sc["name"]
        out += [(s["year"], name, 0, key, s.get(key), unit) for s in sc["series"] for key, unit in SERIES]
        out += [(None, name, 0, "peak_year", sc["peak_year"], "year"),
                (None, name, 0, "peak_emissions_t_co2e", sc["peak_emissions_t_co2e"], "t CO2e/a"),
                (None, name, 0, "balance_year", sc["balance_year"], "year"),
                (None, name, 0, "peak_by_2030", None if sc["peak_by_2030"] is None else float(sc["peak_by_2030"]), "1")]
        u = sc.get("uncertainty")
        if u:
            draws = u["draws"]
            out.append((None, name, draws, "p_peak_by_2030", u["p_peak_by_2030"], "probability"))
            for point in u["series"]:
                for key, unit in SERIES[:3]:
                    low, high = point[key]
                    out += [(point["year"], name, draws, f"{key}:p2.5", low, unit),
                            (point["year"], name, draws, f"{key}:p97.5", high, unit)]
    return out


def tidy(answer: dict, coefficient_set: str) -> dict[str, dict[str, list]]:
    """The tidy rows of a trajectory answer, by province."""
    by_province: dict[str, dict[str, list]] = {}
    for region in answer["regions"]:
        cols = by_province.setdefault(province(region["region_id"]), {c: [] for c in COLUMNS})
        rows = _rows_of(region)
        if not rows:
            continue
        cols["region_id"] += repeat(region["region_id"], len(rows))
        # each column of the region's rows at once (not 8 appends a row: 1.3 million rows for 2,844 regions)
        for c, values in zip(("year", "scenario", "draw", "figure", "value", "unit"), zip(*rows)):
            cols[c] += [None if v is None else float(v) for v in values] if c == "value" else values
    for cols in by_province.values():
        cols["coefficient_set"] = [coefficient_set] * len(cols["figure"])
    return by_province


def write_trajectory(answer: dict, directory: str, coefficient_set: str, name: str = "trajectory") -> int:
    """Write the answer's rows into the dataset at `directory`; the number of rows."""
    parts = tidy(answer, coefficient_set)
    write_part(directory, name, parts)
    return sum(len(cols["figure"]) for cols in parts.values())


def draws_writer(directory: str, region_ids: list[str], years: list, coefficient_set: str):
    """keep_draws for kg.reason.uncertainty.monte_carlo: each chunk's draws written as Parquet, by province
    (kg.pipeline.results.write_frame)."""
    import numpy as np
    import polars as pl

    provinces = np.array([province(r) for r in region_ids])
    ids = np.array(region_ids, dtype=object)
    yrs = np.array([np.nan if y is None else float(y) for y in years])

    def keep(sl, emissions, sinks) -> None:
        n = emissions.shape[1]
        figures = (("emissions_t_co2e", emissions), ("sinks_t_co2e", sinks), ("net_t_co2e", emissions - sinks))
        for prov in sorted(set(provinces[sl])):
            rows = np.flatnonzero(provinces[sl] == prov)
            size = len(rows) * n
            region = np.repeat(ids[sl][rows], n).astype(str)
            year = pl.Series(np.repeat(yrs[sl][rows], n)).fill_nan(None).cast(pl.Int32)
            draw = pl.Series(np.tile(np.arange(1, n + 1, dtype=np.int32), len(rows)))
            frames = [pl.DataFrame({"region_id": region, "year": year,
                                    "scenario": pl.repeat("monte-carlo", size, eager=True),
                                    "coefficient_set": pl.repeat(coefficient_set, size, eager=True),
                                    "draw": draw, "figure": pl.repeat(figure, size, eager=True),
                                    "value": values[rows].ravel(), "unit": pl.repeat("t CO2e/a", size, eager=True)})
                      for figure, values in figures]
            write_frame(directory, prov, f"draws-{sl.start + 1:08d}-{sl.stop:08d}", pl.concat(frames))
    return keep


def _mc_task(values: list[dict], first: int, keep: bool, options: dict) -> tuple[list[dict], list]:
    """One Monte Carlo task: its regions' intervals and, with `keep`, each block's draws (regions × draws)."""
    from kg.reason.uncertainty import monte_carlo

    kept: list = []
    add = (lambda sl, e, s: kept.append((first + sl.start, first + sl.stop, e, s))) if keep else None
    return monte_carlo(values, first=first, keep_draws=add, **options), kept


def monte_carlo(regions, cluster: str | None = None, keep_draws=None, progress=None, **options) -> list[dict]:
    """kg.reason.uncertainty.monte_carlo over `regions`, here or as tasks of the Dask cluster at `cluster`
    ("local" for a LocalCluster): tasks of whole blocks of regions, the same seed everywhere (one is drawn here
    when none is given), so the answer and the draws passed to keep_draws are those of one process."""
    from kg.reason.uncertainty import CHUNK, monte_carlo as here, resolve_seed

    if not cluster:
        return here(regions, keep_draws=keep_draws, progress=progress, **options)
    from kg.pipeline.stream import in_order, cluster_client

    values = [r if isinstance(r, dict) else r.values for r in regions]
    options = {**options, "seed": resolve_seed(options.get("seed"))}
    per = MC_BLOCKS_PER_TASK * CHUNK
    starts = list(range(0, len(values), per)) or [0]
    out: list[dict] = []
    with cluster_client(cluster) as client:
        workers = max(1, len(client.scheduler_info()["workers"]))
        submit = lambda k: client.submit(_mc_task, values[starts[k]:starts[k] + per], starts[k],  # noqa: E731
                                         keep_draws is not None, options, pure=False)
        for intervals, kept in in_order(submit, len(starts), 2 * workers):
            for a, b, e, s in kept:
                keep_draws(slice(a, b), e, s)
            out += intervals
            if progress:
                progress(len(out), len(values))
    return out
