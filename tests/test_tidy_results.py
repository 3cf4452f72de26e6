"""`--results` and `--save` key figures made from the fast path's arrays (issue 12): the very rows, in the very order,
with the very floats that reading each compact record back gives (kg.pipeline.results.tidy and
kg.history.key_figures over the records stay as the oracle, and as the way of the reference engine and --full)."""
import io

import numpy as np
import orjson
import polars as pl
import pytest

from kg.bench import batch_from_rows, generate
from kg.history import key_figures
from kg.pipeline import results, stream
from kg.pipeline.advice import advise_encoded

_CODES = ("110101", "110105", "320102", "320583", "440305", "510104", "650102", "330106")
_GONE = ("pigs_head", "coal_t", "electricity_mwh", "public_transport_share_pct")


def _rows(n: int, seed: int, gone: tuple[str, ...] = ()) -> list[dict]:
    """Generated regions with several years and provinces, ids that are codes and ids that are not, designations
    that agree, disagree or are unknown, blank figures, invalid rows; `gone`: columns the file does not have."""
    rows = generate(n, seed=seed)
    for i, r in enumerate(rows):
        r["year"] = (2005, 2015, 2020, 2022)[i % 4]
        if i % 3:
            r["region_id"] = f"{_CODES[i % len(_CODES)][:4]}{i % 97:02d}"
        elif i % 7 == 0:
            r["region_id"] = f"镇-{i}"
        if i % 4 == 0:
            r["official_zone_type"] = ["urbanized", "agricultural", "ecological", "unknown"][i // 4 % 4]
        if i % 5 == 0:
            r["public_transport_share_pct"] = r["electricity_mwh"] = ""
        for key in gone:
            r.pop(key, None)
    rows[9]["population"] = -5
    rows[10]["coal_t"] = "abc"
    rows[11]["region_id"] = ""
    rows[12]["forest_ha"] = "1e400"
    return rows


@pytest.fixture(scope="module", params=["all columns", "columns missing"])
def varied(request):
    return batch_from_rows(_rows(260, 31, _GONE if request.param == "columns missing" else ()))


def _listed(t: results.Tidy) -> list[tuple]:
    """Each row as (region id, year, figure, unit, value's bits or None)."""
    bits = [None if v != v else np.float64(v).tobytes() for v in t.value.tolist()]
    return [(t.ids[r], t.years[r], t.names[f], t.units[f], b)
            for r, f, b in zip(t.region.tolist(), t.figure.tolist(), bits)]


def test_tidy_rows_from_the_arrays_are_the_records_read_back(varied):
    """Chunk by chunk (cut in different places), the rows made from the arrays equal, row by row and bit by bit,
    the rows of the same chunk's compact records parsed back; the key figures likewise."""
    for size in (260, 97, 41):
        for span in stream.chunks(len(varied.regions), 1, size):
            sub = stream._piece(varied, [span], 0, stream.Companions.of_batch(varied.regions))
            res = advise_encoded(sub, apart=True, arrays=True)
            records = [orjson.loads(x) for x in res["regions"]]
            made = results.advice_tidy(sub.regions, **res["arrays"], coefficient_set="default")
            read = results.tidy(records, [r.values.get("year") for r in sub.regions], "default")
            assert _listed(made) == _listed(read)
            assert orjson.dumps(results.advice_keys(sub.regions, **res["arrays"])) \
                == orjson.dumps([key_figures(r) for r in records])
    t = results.advice_tidy(varied.regions, **advise_encoded(varied, arrays=True)["arrays"], coefficient_set="default")
    named = {t.names[f] for f in t.figure.tolist()}
    # what the batch covers: invalid regions, a blank id, type scores, measures, indicators left blank (null)
    assert {"valid", "violations", "type:urbanized", "balance_ratio"} <= named
    assert any(n.startswith("measure_score:") for n in named) and np.isnan(t.value).any()
    assert 0.0 in t.value[t.figure == t.names.index("valid")] and "" in t.ids
    assert {results.province(i) for i in t.ids} >= {"11", "32", "44", "other"}


def _dataset(directory) -> dict[str, pl.DataFrame]:
    return {str(p.relative_to(directory)): pl.read_parquet(p) for p in sorted(directory.glob("**/*.parquet"))}


def _same_datasets(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for name in a:
        assert a[name].schema == b[name].schema, name
        assert a[name].equals(b[name], null_equal=True), name          # the same rows in the same order


@pytest.fixture(scope="module")
def several():
    return batch_from_rows(_rows(260, 32))


def test_results_written_from_the_arrays_equal_the_full_forms_and_each_jobs(several, tmp_path):
    """The dataset the fast engine writes from its arrays (one job, two jobs, other chunk cuts) is, file by file
    and row by row, the one written from the --full records read back; the --save key figures too."""
    def written(name, **kw):
        keys = []
        stream.advise_to(several, io.BytesIO(), results=str(tmp_path / name), keep_keys=keys.append, **kw)
        return _dataset(tmp_path / name), [k for chunk in keys for k in chunk]
    one, keys = written("one", jobs=1, chunk=100)
    assert len(one) > 4 and keys
    full, full_keys = written("full", jobs=1, chunk=100, full=True)
    _same_datasets(one, full)
    assert orjson.dumps(keys) == orjson.dumps(full_keys)
    sql = ("SELECT province, figure, unit, count(*), count(value), min(value), max(value), max(year) FROM results "
           "GROUP BY ALL ORDER BY ALL")
    assert results.query(tmp_path / "one", sql) == results.query(tmp_path / "full", sql)
    two, two_keys = written("two", jobs=2, chunk=100)              # 4 chunks of 65: as one job cuts at 65
    assert stream.chunks(260, 2, 100) == stream.chunks(260, 1, 65)
    _same_datasets(written("one-65", jobs=1, chunk=65)[0], two)
    assert orjson.dumps(keys) == orjson.dumps(two_keys)
    cut, _ = written("cut", jobs=1, chunk=37)                         # other files, the same rows
    order = ["region_id", "year", "figure"]
    assert pl.concat(list(cut.values())).sort(order, maintain_order=True).equals(
        pl.concat(list(one.values())).sort(order, maintain_order=True), null_equal=True)
