"""A smoke test of `tanheng bench`: it runs and prints its figures. Benchmarks
measure; they are not timed unit tests, so no time limit is asserted here."""
import io

from kg import bench
from kg.validate import validate


def test_generated_profiles_are_valid_and_mixed():
    batch = bench.generated_batch(200, seed=3)
    assert len(validate(batch).valid_region_ids()) == 200
    kinds = {r.name.split("-")[0] for r in batch.regions}
    assert kinds == set(bench.ARCHETYPES)


def test_bench_runs_and_reports(capsys):
    out = io.StringIO()
    results = bench.run([2], reference_n=1, out=out)
    text = out.getvalue()
    assert "CLI end to end" in text and "warm in process" in text and "reference path" in text
    size = results["sizes"][0]
    assert size["regions"] == 2 and size["rc"] == 0 and size["peak_rss_mb"] > 0
    assert results["reference"]["agree"] == results["reference"]["valid"] == 1
