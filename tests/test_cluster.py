"""The same advice and the same tidy results from one process, two processes and a real
Dask LocalCluster of 2 workers (issue 12), queried with DuckDB as `tanheng results` does."""
import io

import pytest

from kg.pipeline import results, stream
from kg.bench import batch_from_rows, generate
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
        r["region_id"] = f"{[31, 15, 41][i % 3]}{i:04d}"          # three provinces
    rows[5]["coal_t"] = "lots"                                       # one invalid region
    batch = batch_from_rows(rows)
    one = _run(batch, tmp_path, "one", jobs=1)
    two = _run(batch, tmp_path, "two", jobs=2, chunk=20)
    dask = _run(batch, tmp_path, "dask", cluster="local", chunk=20)
    assert one == two == dask
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
