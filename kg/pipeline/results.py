"""Results as one tidy table in a partitioned Parquet dataset, queried with DuckDB.

Every figure of every region-evaluation is one row:
    region_id, year, scenario, coefficient_set, draw, figure, value, unit
(`scenario` and `draw` name the sweep a figure comes from: "observed" and 0 for
plain advice). The dataset is partitioned by province — the first two digits of a
Chinese administrative code, "other" for ids that are not codes — and written
chunk by chunk (one file per chunk and province), so it never has to fit in
memory; the process that gathers the chunks writes them (a cluster's workers send
their rows back, so no shared file system is needed).

A chunk's rows travel as a `Tidy`: columns of numbers (each row's region, figure and
value; the chunk's region ids, years and figure names once each). The fast engine's
are made from the arrays its records are written from (`advice_tidy`: the validation,
the accounts' plans, the reasoning's Verdicts — no record parsed back; ~5 µs a region
instead of ~90); the reference engine's and the --full form's from the records read
back (`tidy` over `figures`), the oracle the array form is tested against
(tests/test_tidy_results.py). `--save`'s key figures likewise (`advice_keys`, the
oracle kg.history.key_figures).

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

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from typing import Iterable
from pathlib import Path

import numpy as np

COLUMNS = ("region_id", "year", "scenario", "coefficient_set", "draw", "figure", "value", "unit")
_PROVINCE = re.compile(r"^(\d{2})\d{4}")


def province(region_id: str) -> str:
    m = _PROVINCE.match(region_id or "")
    return m.group(1) if m else "other"


def figures(region: dict, units: dict[str, str] | None = None) -> list[tuple[str, float | None, str]]:
    """(figure, value, unit) of one advised region (kg.pipeline.advice.advise's form, compact or full). `units`:
    each indicator's unit (an IndicatorUnits), when the caller asks for many regions. The records' way (the reference
    engine, --full, and the oracle advice_tidy is tested against)."""
    out = [("valid", 1.0 if region["valid"] else 0.0, "1"), ("violations", float(len(region["violations"])), "count")]
    b = region.get("balance")
    if b:
        for key in _TOTALS:
            out.append((key, b[key], _TOTALS[key]))
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


_TOTALS = {"emissions_t_co2e": "t CO2e/a", "sinks_t_co2e": "t CO2e/a", "net_t_co2e": "t CO2e/a", "balance_ratio": "1"}


class IndicatorUnits(dict):
    """Each indicator's English unit, asked of the rules once per key (not once per region and indicator: ~100
    look-ups a region, each reading the environment for the store, were half of what --results cost)."""

    def __missing__(self, key: str) -> str:
        from kg.knowledge.rules import indicator_unit

        unit = self[key] = indicator_unit(key)["en"]
        return unit


@dataclass
class Tidy:
    """One chunk's tidy rows as columns, cheap to pickle from a worker to the process that writes: row k is region
    `region[k]` (its id `ids[…]`, its year `years[…]`), figure `names[figure[k]]` in `units[figure[k]]`, value
    `value[k]` (NaN: no value, written as null — JSON has no NaN, so a record never held one). The rows are in
    the records' order: region by region, each region's figures in `figures`' order."""
    ids: list
    years: list
    region: np.ndarray
    names: list[str]
    units: list[str]
    figure: np.ndarray
    value: np.ndarray
    coefficient_set: str
    scenario: str = "observed"
    draw: int = 0

    def __len__(self) -> int:
        return len(self.figure)


class _Names:
    """The figure names of a chunk (each with its unit), each numbered once."""

    def __init__(self):
        self.code: dict[str, int] = {}
        self.units: list[str] = []

    def __call__(self, name: str, unit: str) -> int:
        c = self.code.get(name)
        if c is None:
            c = self.code[name] = len(self.units)
            self.units.append(unit)
        return c


def tidy(regions: Iterable[dict], years: list, coefficient_set: str, scenario: str = "observed",
         draw: int = 0) -> Tidy:
    """The tidy rows of advised regions' records (with their profile years): region by region, from each record's
    fields (`figures`)."""
    names, units, ids = _Names(), IndicatorUnits(), []
    region: list[int] = []
    figure: list[int] = []
    value: list = []
    for i, (r, year) in enumerate(zip(regions, years)):
        ids.append(r["region_id"])
        made = figures(r, units)
        region += repeat(i, len(made))
        figure += [names(f, u) for f, _, u in made]
        value += [v for _, v, _ in made]
    return Tidy(ids, list(years[:len(ids)]), np.array(region, dtype=np.int32), list(names.code), names.units,
                np.array(figure, dtype=np.int32), np.array([np.nan if v is None else v for v in value], dtype=float),
                coefficient_set, scenario, draw)


def advised_types(vs) -> tuple[list, list, list]:
    """Each valid region's advised type key, model key and model IRI (designation first, as
    kg.present.advice.typing_fields decides; None without a type), from the reasoning's arrays."""
    from kg.knowledge import pathway

    types = pathway.type_models()
    key_of = _type_keys()
    kinds = {}
    for t in set(vs.designated) | set(vs.type_iri):
        kinds[t] = (key_of.get(t), types[t].model_key, types[t].model_iri) if t else (None, None, None)
    advised = list(map(kinds.__getitem__, [d or t for d, t in zip(vs.designated, vs.type_iri)]))
    return tuple(map(list, zip(*advised))) if advised else ([], [], [])


def advice_tidy(regions: list, checked, accounts, verdicts, coefficient_set: str) -> Tidy:
    """The tidy rows of a chunk advised by the fast engine, made from what its records are written from — the
    validation (`checked`), the accounts' plans (kg.account.balance.Accounts), the reasoning's arrays
    (kg.reason.fast.Verdicts) — as columns, without a record read back: the rows of `tidy` over the records, in
    the same order, each value the very float the record writes (the same arrays, the same rounding)."""
    from kg.knowledge.rules import rules
    from kg.reason.verdict import SCORE_DIGITS, round_array

    r = rules()
    n, names, units = len(regions), _Names(), IndicatorUnits()
    valid = checked.valid
    where = {id(x): p for p, x in enumerate(regions)}
    at = np.array([where[id(x)] for x in valid], dtype=np.int64)   # each valid region's place in the chunk
    ok = np.zeros(n, dtype=bool)
    ok[at] = True
    violations = np.zeros(n)
    for p in np.flatnonzero(~ok).tolist():
        violations[p] = sum(x["severity"] == "violation" for x in checked.results_of(regions[p]))
    # the balances: each plan's figures as a table (its regions × figures)
    balance = np.zeros(n, dtype=np.int64)
    plans = []
    for idx, plan in accounts.plans:
        figs, table = _balance_table(plan, len(idx))
        plans.append((at[idx], np.array([names(f, u) for f, u in figs], dtype=np.int32), table))
        balance[at[idx]] = len(figs)
    # the regions with a type: type scores, type, model, the model's measures, indicators
    type_key, model_key, model_iri = advised_types(verdicts)
    typed = np.array([i for i, k in enumerate(type_key) if k], dtype=np.int64)
    key_of = _type_keys()
    score_codes = np.array([names(f"type_score:{key_of[t]}", "score") for t in r.type_order], dtype=np.int32)
    ind_names = list(verdicts.ind)
    ind_codes = np.array([names(f"indicator:{k}", units[k]) for k in ind_names], dtype=np.int32)
    chosen = {km: (names(f"type:{km[0]}", "1"), names(f"model:{km[1]}", "1"))
              for km in dict.fromkeys(zip(map(type_key.__getitem__, typed.tolist()),
                                          map(model_key.__getitem__, typed.tolist())))}
    measures = np.zeros(len(valid), dtype=np.int64)
    ranked = []
    for model, rm in verdicts.ranked.items():
        mine = typed[[model_iri[i] == model for i in typed.tolist()]] if len(typed) else typed
        if not len(mine) or not len(rm.iris):
            continue
        row = np.empty(len(verdicts), dtype=np.int64)
        row[rm.rows] = np.arange(len(rm.rows))
        order = rm.order[row[mine]]
        codes = np.array([names(f"measure_score:{m}", "score") for m in _measure_ids(model, rm.iris)], dtype=np.int32)
        ranked.append((mine, codes[order], np.take_along_axis(rm.score[row[mine]], order, axis=1)))
        measures[mine] = len(rm.iris)
    size = 2 + balance
    size[at[typed]] += len(score_codes) + 2 + measures[typed] + len(ind_codes)
    # every row in its place: region by region, each region's figures in `figures`' order
    start = np.cumsum(size) - size
    figure = np.empty(int(size.sum()), dtype=np.int32)
    value = np.empty(len(figure))
    figure[start], value[start] = names("valid", "1"), ok
    figure[start + 1], value[start + 1] = names("violations", "count"), violations
    for places, codes, table in plans:
        cells = start[places][:, None] + 2 + np.arange(len(codes))
        figure[cells], value[cells] = codes, table
    if len(typed):
        t = start[at[typed]] + 2 + balance[at[typed]]
        cells = t[:, None] + np.arange(len(score_codes))
        figure[cells], value[cells] = score_codes, round_array(verdicts.scores[typed], SCORE_DIGITS)
        t = t + len(score_codes)
        pair = np.array([chosen[km] for km in zip(map(type_key.__getitem__, typed.tolist()),
                                                   map(model_key.__getitem__, typed.tolist()))], dtype=np.int32)
        figure[t], figure[t + 1], value[t], value[t + 1] = pair[:, 0], pair[:, 1], 1.0, 1.0
        first = np.zeros(len(valid), dtype=np.int64)
        first[typed] = t + 2
        for mine, codes, scores in ranked:
            cells = first[mine][:, None] + np.arange(codes.shape[1])
            figure[cells], value[cells] = codes, scores
        if len(ind_codes):
            cells = (t + 2 + measures[typed])[:, None] + np.arange(len(ind_codes))
            figure[cells] = ind_codes
            value[cells] = round_array(np.column_stack([verdicts.ind[k] for k in ind_names]), SCORE_DIGITS)[typed]
    with np.errstate(invalid="ignore"):
        value[~np.isfinite(value)] = np.nan         # written as null (orjson writes NaN and ±inf as null)
    return Tidy([x.region_id for x in regions], [x.year for x in regions],
                np.repeat(np.arange(n, dtype=np.int32), size), list(names.code), names.units, figure, value,
                coefficient_set)


def advice_keys(regions: list, checked, accounts, verdicts) -> list[dict]:
    """kg.history.key_figures of each region of a chunk advised by the fast engine (id, name, year, validity,
    type, model, the account's totals), made from the same arrays as advice_tidy, without a record read back."""
    valid = checked.valid
    type_key, model_key, _ = advised_types(verdicts)
    totals: list = [None] * len(valid)
    for idx, plan in accounts.plans:
        for i, figures in zip(idx, zip(*[_plain(plan[k], len(idx)) for k in _TOTALS])):
            totals[i] = dict(zip(_TOTALS, figures))
    advised = {id(x): i for i, x in enumerate(valid)}
    out = []
    for x in regions:
        i = advised.get(id(x))
        out.append({"region_id": x.region_id, "name": x.name, "year": x.year, "valid": i is not None,
                    "type": None if i is None else type_key[i], "model": None if i is None else model_key[i],
                    "balance": None if i is None else totals[i]})
    return out


def _plain(c, m: int) -> list:
    """A figure's values for a plan's m regions as its records read back give them (null: None)."""
    if isinstance(c, np.ndarray):
        values = np.broadcast_to(c, m).tolist()
        return [None if x is None or x.__class__ is float and not math.isfinite(x) else x for x in values]
    return [None if c is None or c.__class__ is float and not math.isfinite(c) else c] * m


def _type_keys() -> dict[str, str]:
    from kg.knowledge import pathway

    return {t: m.key for t, m in pathway.type_models().items()}


@lru_cache(maxsize=None)
def _measure_ids(model_iri: str, iris: tuple[str, ...]) -> tuple[str, ...]:
    from kg.present.advice import model_fields

    fields = model_fields(model_iri)
    return tuple(fields[m]["id"] for m in iris)


_AMOUNTS = (("by_source", "source", "t CO2e/a"), ("by_sink", "sink", "t CO2e/a"), ("stocks", "stock", "t C"))


def _balance_table(plan: dict, m: int) -> tuple[list[tuple[str, str]], np.ndarray]:
    """A plan's figures (`figures`' balance part: names with units) and their values for its m regions, m × figures
    (kg.pipeline.advice.balance_texts writes the same values: an array per figure, or one value for all)."""
    figs = [(k, u) for k, u in _TOTALS.items()]
    columns = [plan[k] for k in _TOTALS]
    for key, prefix, unit in _AMOUNTS:
        figs += [(f"{prefix}:{k}", unit) for k in plan[key]]
        columns += plan[key].values()
    table = np.empty((m, len(columns)))
    for j, c in enumerate(columns):
        table[:, j] = _floats(c)
    return figs, table


def _floats(c) -> np.ndarray | float:
    """A figure's values as floats, NaN where the record has null (None, NaN, ±inf)."""
    if isinstance(c, np.ndarray) and c.dtype != object:
        return c
    if isinstance(c, np.ndarray):
        return np.array([np.nan if x is None else x for x in c.tolist()], dtype=float)
    return np.nan if c is None else c


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
    """Write tidy rows given as lists (kg.pipeline.sweeps' trajectories) as one Parquet file per province:
    DIR/province=XX/NAME.parquet."""
    import polars as pl

    schema = _schema()
    return [write_frame(directory, prov, name, pl.DataFrame({c: cols[c] for c in COLUMNS}, schema=schema))
            for prov, cols in sorted(by_province.items())]


def write_tidy(directory: str | Path, name: str, rows: Tidy) -> list[Path]:
    """Write a chunk's tidy rows as one Parquet file per province, DIR/province=XX/NAME.parquet, each province's
    rows in their order. Written by the process that gathers the chunks (never a forked worker: polars' thread
    pool does not survive a fork; on a cluster no shared file system is needed)."""
    import polars as pl

    provinces = [province(i) for i in rows.ids]
    named = sorted(set(provinces))
    code = np.array(list(map({p: k for k, p in enumerate(named)}.__getitem__, provinces)), dtype=np.int32)
    ids, years = pl.Series(rows.ids, dtype=pl.String), pl.Series(rows.years, dtype=pl.Int32)
    names, units = pl.Series(rows.names, dtype=pl.String), pl.Series(rows.units, dtype=pl.String)
    out = []
    for k, prov in enumerate(named):
        at = np.flatnonzero(code[rows.region] == k) if len(named) > 1 else slice(None)
        region, figure, m = rows.region[at], rows.figure[at], len(rows.region[at])
        frame = pl.DataFrame({"region_id": ids.gather(region), "year": years.gather(region),
                              "scenario": pl.repeat(rows.scenario, m, dtype=pl.String, eager=True),
                              "coefficient_set": pl.repeat(rows.coefficient_set, m, dtype=pl.String, eager=True),
                              "draw": pl.repeat(rows.draw, m, dtype=pl.Int32, eager=True),
                              "figure": names.gather(figure), "value": pl.Series(rows.value[at]).fill_nan(None),
                              "unit": units.gather(figure)})
        out.append(write_frame(directory, prov, name, frame))
    return out


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
