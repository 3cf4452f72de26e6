"""The same advice and the same tidy results from one process, two processes and a real
Dask LocalCluster of 2 workers (issue 12), queried with DuckDB as `tanheng results` does."""
import io

import pytest

from kg.pipeline import results, stream
from kg.read import chunked
from kg.bench import batch_from_rows, generate, write_csv
from kg.cli import main


def _run(batch, tmp_path, name, **kw):
    out = io.BytesIO()
    stream.advise_to(batch, out, results=str(tmp_path / name), **kw)
    names, rows = results.query(tmp_path / name, "SELECT * FROM results ORDER BY region_id, figure")
    return out.getvalue(), names, rows


@pytest.mark.cluster
@pytest.mark.slow
def test_jobs_and_local_cluster_give_identical_results(tmp_path, capsys):
    rows = generate(60, seed=8)
    for i, r in enumerate(rows):
        # three provinces; never a code ending in 00, which a page of its own units reads as its total (issue 13)
        r["region_id"] = f"{[31, 15, 41][i % 3]}{i + 1:04d}"
    rows[5]["coal_t"] = "lots"                                       # one invalid region
    batch = batch_from_rows(rows)
    one = _run(batch, tmp_path, "one", jobs=1)
    two = _run(batch, tmp_path, "two", jobs=2, chunk=20)
    # the file read in pieces as they are advised (as `tanheng advise` reads a big CSV file)
    pieced = lambda: chunked.open_pieces(write_csv(rows, tmp_path / "profiles.csv"))   # noqa: E731
    two_read_in_pieces = _run(pieced(), tmp_path, "two-pieces", jobs=2, chunk=20)
    dask = _run(pieced(), tmp_path, "dask", cluster="local", chunk=20)
    assert one == two == two_read_in_pieces == dask
    body, names, table = one
    assert names == ["region_id", "year", "scenario", "coefficient_set", "draw", "figure", "value", "unit", "province"]
    assert {r[8] for r in table} == {"31", "15", "41"}
    assert sorted(p.name for p in (tmp_path / "dask").iterdir()) == ["province=15", "province=31", "province=41"]
    bad = rows[5]["region_id"]
    assert [r[6] for r in table if r[0] == bad and r[5] == "valid"] == [0.0]
    assert sum(1 for r in table if r[5].startswith("type:") and r[6] == 1.0) == 59
    # as a user asks it
    assert main(["results", str(tmp_path / "dask"), "SELECT count(DISTINCT region_id) AS n FROM results "
                 "WHERE figure = 'net_t_co2e'", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "59"]


def _close(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12, abs=1e-12)
    return a == b


@pytest.mark.cluster
@pytest.mark.slow
def test_trajectories_on_a_local_cluster_match_one_process_and_land_in_the_results(tmp_path, monkeypatch):
    """Issue 12 item 4: trajectories run as tasks of a real Dask LocalCluster (whole regions per task) give the
    answer of one process, and every figure — history, each scenario's series, peaks, Monte Carlo bands — is
    a row of the tidy results table."""
    import json

    from kg.paths import EXAMPLES_DIR
    from kg.pipeline import sweeps

    monkeypatch.setattr(sweeps, "REGIONS_PER_TASK", 1)             # two counties: two tasks
    src = EXAMPLES_DIR / "trajectory" / "two-counties-2015-2023.csv"
    here, there = tmp_path / "here.json", tmp_path / "there.json"
    assert main(["trajectory", str(src), "--to", "2040", "-o", str(here)]) == 0
    assert main(["trajectory", str(src), "--to", "2040", "-o", str(there), "--cluster", "local",
                 "--results", str(tmp_path / "res")]) == 0
    answer = json.loads(here.read_text())
    # the same answer — the series' coefficient set decided once for the batch, its note once; a float may
    # differ in its last bit (numpy sums over one region or two round differently)
    assert _close(json.loads(there.read_text()), answer)
    assert answer["coefficient_set"] == "grid-regional" and len(answer["notes"]) == 1
    names, rows = results.query(tmp_path / "res", "SELECT region_id, scenario, year, value FROM results "
                                "WHERE figure = 'emissions_t_co2e' ORDER BY region_id, scenario, year")
    for region in answer["regions"]:
        hist = [(r[2], r[3]) for r in rows if r[0] == region["region_id"] and r[1] == "observed"]
        assert hist == [(h["year"], pytest.approx(h["emissions_t_co2e"])) for h in region["history"]]
        base = next(s for s in region["scenarios"] if s["name"] == "baseline")
        proj = [(r[2], r[3]) for r in rows if r[0] == region["region_id"] and r[1] == "baseline"]
        assert proj == [(s["year"], pytest.approx(s["emissions_t_co2e"])) for s in base["series"]]
        _, peak = results.query(tmp_path / "res", f"SELECT value FROM results WHERE region_id = '{region['region_id']}' "
                                "AND scenario = 'baseline' AND figure = 'peak_year'")
        assert peak == [(base["peak_year"],)]
