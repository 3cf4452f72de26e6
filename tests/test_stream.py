"""Big batches (issue 12): advice in chunks on several processes gives the same bytes as
one process; the compact JSON loses nothing the full form has; NDJSON carries the same records."""
import io
import json
from itertools import accumulate

import orjson
import pytest

from kg.pipeline import stream
from kg.pipeline.advice import advise
from kg.present.advice import reason_words
from kg.bench import batch_from_rows, generate
from kg.cli import main


@pytest.fixture(scope="module")
def batch():
    rows = generate(240, seed=12)
    rows[7]["population"] = -5                 # one invalid region: listed, the others still advised
    rows[100]["official_zone_type"] = "ecological"
    return batch_from_rows(rows)


def _written(batch, **kw) -> bytes:
    buf = io.BytesIO()
    stream.advise_to(batch, buf, **kw)
    return buf.getvalue()


def test_jobs_and_chunks_give_the_same_bytes(batch):
    one = _written(batch, jobs=1, chunk=10_000)
    assert _written(batch, jobs=2, chunk=50) == one
    assert _written(batch, jobs=1, chunk=33) == one
    lines = _written(batch, fmt="ndjson", jobs=1, chunk=10_000)     # basis records sit where they sit, however cut
    assert _written(batch, fmt="ndjson", jobs=2, chunk=50) == lines == _written(batch, fmt="ndjson", jobs=1, chunk=7)
    spans = stream.chunks(240, 2, 50)
    assert [len(s) for s in spans] == [40] * 6           # at most 50 each, and as many for each of the 2 jobs
    assert [len(s) for s in stream.chunks(2_844, 2, 1_000)] == [711] * 4
    assert [len(s) for s in stream.chunks(2_844, 1, 1_000)] == [1_000, 1_000, 844]
    assert [len(s) for s in stream.chunks(4_844, 1)] == [2_000, 2_000, 844]     # the default: stream.CHUNK


def _measures_in_full(measures: list[dict], cat: dict) -> list[dict]:
    """Compact measures as the full form gives them: the catalog's fields, the reasons worded from the catalog."""
    return [{**cat["measures"][m["id"]], **m, "reasons": [reason_words(r, cat["reasons"]) for r in m["reasons"]]}
            for m in measures]


def _compact_loses_nothing(batch) -> list[dict]:
    """The compact JSON of a batch, read with its catalog and bases, region by region as the full form says;
    returns the full form's regions."""
    full = advise(batch)
    data = json.loads(_written(batch))
    assert data["schema_version"] == stream.SCHEMA_VERSION == 2 and data["form"] == "compact"
    assert data["summary"] == full["summary"]
    assert data["coefficients"] == full["coefficients"] and data["batch_warnings"] == full["batch_warnings"]
    cat, bases = data["catalog"], data["bases"]
    assert 1 <= len(bases) < 50                         # a basis per plan, not per region
    for compact, whole in zip(data["regions"], full["regions"]):
        whole = json.loads(orjson.dumps(whole))
        assert compact["region_id"] == whole["region_id"] and compact["valid"] == whole["valid"]
        for key in ("type", "type_basis", "inferred_type", "type_scores", "model", "indicators", "violations",
                    "warnings", "notes", "official_zone_type", "zone_agreement"):
            assert compact[key] == whole[key], key
        assert _measures_in_full(compact["measures"], cat) == whole["measures"]
        if whole["valid"]:
            b = dict(compact["balance"])
            basis = bases[b.pop("basis")]
            assert {**b, **basis} == whole["balance"]
            assert cat["pathways"][compact["model"]] == whole["pathway"]
            # the drivers are the indicator diagnosis's: weighed against the inferred type's evidence
            assert [{**cat["evidence"][compact["inferred_type"]][d["indicator"]], **d} for d in compact["drivers"]] \
                == whole["drivers"]
        assert bool(compact["close_call"]) == bool(whole["close_call"])
        if whole["close_call"]:
            assert _measures_in_full(compact["close_call"]["runner_up_measures"], cat) \
                == whole["close_call"]["runner_up_measures"]
            assert {k: v for k, v in compact["close_call"].items() if k != "runner_up_measures"} \
                == {k: v for k, v in whole["close_call"].items() if k not in ("runner_up_measures", "runner_up_pathway")}
        assert bool(compact["secondary"]) == bool(whole["secondary"])
        if whole["secondary"]:
            assert _measures_in_full(compact["secondary"]["measures"], cat) == whole["secondary"]["measures"]
            assert {**compact["secondary"], "measures": None} == {**whole["secondary"], "measures": None}
    assert len(data["regions"]) == len(batch.regions)
    return full["regions"]


def test_compact_json_with_its_catalog_loses_nothing(batch):
    regions = _compact_loses_nothing(batch)
    assert sum(not r["valid"] for r in regions) == 1 and len(regions) == 240
    assert any(r["close_call"] for r in regions) and any(r["secondary"] for r in regions)


@pytest.fixture(scope="module")
def awkward():
    """Designations that agree, disagree or are unknown, figures missing (boost reasons quoting null), invalid rows."""
    rows = generate(300, seed=21)
    for i, r in enumerate(rows):
        if i % 4 == 0:
            r["official_zone_type"] = ["urbanized", "agricultural", "ecological", "unknown"][i // 4 % 4]
        if i % 5 == 0:
            r["public_transport_share_pct"] = r["electricity_mwh"] = ""
    rows[9]["population"] = -5
    rows[10]["coal_t"] = "abc"
    return batch_from_rows(rows)


def test_compact_of_awkward_regions_loses_nothing(awkward):
    """The compact records written from the reasoning's arrays (kg.present.compact) say, with the catalog, what
    the full form says — on designations that disagree (secondary advice of the inferred type), close calls,
    invalid rows and missing figures."""
    regions = _compact_loses_nothing(awkward)
    assert sum(not r["valid"] for r in regions) >= 2
    assert any(r["secondary"] and r["secondary"]["why"] == "designation-disagrees" for r in regions)
    assert any(r["secondary"] and r["secondary"]["why"] == "close-call" for r in regions)


def test_compact_is_a_fraction_of_the_full_form(batch):
    """What issue 12 asked of the catalog: per region, the compact output is a small part of the full one
    (version 1, with reasons in words and every basis repeated, was ~70 % of it)."""
    compact, full = len(_written(batch)), len(_written(batch, full=True))
    assert compact < 0.3 * full, (compact, full)


def test_full_form_is_the_advice_as_before(batch):
    data = json.loads(_written(batch, full=True))
    assert "catalog" not in data and data["form"] == "full"
    assert data["regions"] == json.loads(orjson.dumps(advise(batch)["regions"]))


def test_full_form_as_ndjson_carries_the_same_records(batch):
    """Regression (session 6): `advise --full --format ndjson` failed (KeyError 'basis_of') once the compact form was
    written from arrays: the full form names no basis, and its lines are the full JSON's regions."""
    lines = [json.loads(x) for x in _written(batch, fmt="ndjson", full=True, jobs=2, chunk=70).splitlines()]
    assert lines[0]["record"] == "header" and lines[0]["form"] == "full" and "catalog" not in lines[0]
    assert {x["record"] for x in lines[1:-1]} == {"region"} and lines[-1]["record"] == "summary"
    assert [{k: v for k, v in x.items() if k != "record"} for x in lines[1:-1]] == \
        json.loads(_written(batch, full=True))["regions"]


def test_ndjson_header_regions_summary(batch):
    lines = [json.loads(x) for x in _written(batch, fmt="ndjson", jobs=2, chunk=100).splitlines()]
    assert lines[0]["record"] == "header" and "catalog" in lines[0]
    assert lines[-1]["record"] == "summary" and lines[-1]["summary"]["invalid"] == 1
    regions = [x for x in lines[1:-1] if x["record"] == "region"]
    assert len(regions) == 240 and {x["record"] for x in lines[1:-1]} == {"region", "basis"}
    seen = set()
    for x in lines[1:-1]:                     # a basis comes once, before the first region naming it
        if x["record"] == "basis":
            assert x["id"] not in seen
            seen.add(x["id"])
        elif x["valid"]:
            assert x["balance"]["basis"] in seen
    as_json = json.loads(_written(batch))
    assert [{k: v for k, v in x.items() if k != "record"} for x in regions] == as_json["regions"]
    assert {x["id"]: {k: v for k, v in x.items() if k not in ("record", "id")}
            for x in lines if x["record"] == "basis"} == as_json["bases"]


def test_repeated_ids_are_found_across_the_whole_batch():
    rows = generate(30, seed=4)
    rows[25]["region_id"] = rows[2]["region_id"]
    data = json.loads(_written(batch_from_rows(rows), jobs=2, chunk=10))
    bad = [r["row"] for r in data["regions"] if any(v["field"] == "region_id" for v in r["violations"])]
    assert bad == [4, 27]


def test_cli_jobs_must_be_positive(capsys, tmp_path):
    from kg.paths import EXAMPLES_DIR
    assert main(["advise", str(EXAMPLES_DIR / "typical-regions.csv"), "--jobs", "0"]) == 2
    assert "--jobs" in capsys.readouterr().err


def test_output_follows_the_published_schema(batch):
    import jsonschema

    from kg.paths import ROOT
    schema = json.loads((ROOT / "docs/schema/advice-output-2.schema.json").read_text(encoding="utf-8"))
    assert schema["$id"] == stream.SCHEMA_ID
    check = jsonschema.Draft202012Validator(schema)
    check.validate(json.loads(_written(batch)))
    check.validate(json.loads(_written(batch, full=True)))
    for line in _written(batch, fmt="ndjson").splitlines():
        check.validate(json.loads(line))
    broken = json.loads(_written(batch))
    del broken["regions"][0]["measures"][0]["reasons"]
    assert not check.is_valid(broken)
    broken = json.loads(_written(batch))
    broken["regions"][0]["measures"][0]["reasons"][0] = {"kind": "hunch"}
    assert not check.is_valid(broken)


def test_results_sql_reads_the_dataset_and_nothing_else(batch, tmp_path, capsys):
    from kg.pipeline import results

    stream.advise_to(batch, io.BytesIO(), results=str(tmp_path / "res"))
    names, rows = results.query(tmp_path / "res", "SELECT unit, count(*) FROM results "
                                "WHERE figure = 'emissions_t_co2e' GROUP BY unit")
    assert rows == [("t CO2e/a", 239)]
    for sql in ("SELECT * FROM read_csv('/etc/passwd')", "COPY results TO '/tmp/x.csv'",
                "SELECT * FROM read_parquet('https://example.org/x.parquet')", "INSTALL httpfs"):
        with pytest.raises(results.ResultsError):
            results.query(tmp_path / "res", sql)
    assert main(["results", str(tmp_path / "res"), "SELEC nonsense"]) == 2
    assert main(["results", str(tmp_path / "nothing-here")]) == 2
    err = capsys.readouterr().err
    assert "nothing-here" in err and "Traceback" not in err


def test_compact_written_from_arrays_is_the_compact_form_of_the_verdicts(awkward):
    """The fast path writes the compact records from its arrays (kg.present.compact), not from Verdict objects:
    byte for byte what present(compact=True) gives for the same verdicts — on close calls, designations that
    disagree, unknown designations, invalid regions, figures missing (null values and gates in reasons) and
    measures whose region's boosts give them no reason."""
    from kg.pipeline.advice import advise_encoded

    encoded = advise_encoded(awkward)
    records = advise(awkward, compact=True)
    regions = records["regions"]
    assert encoded["body"] == b",".join(orjson.dumps(r) for r in regions)
    assert encoded["bases"] == records["bases"] and encoded["summary"] == records["summary"]
    lines = advise_encoded(awkward, first={"record": "region"}, sep=b"\n")
    assert lines["body"] == b"\n".join(orjson.dumps({"record": "region", **r}) for r in regions)
    starts = [0, *accumulate(len(orjson.dumps({"record": "region", **r})) + 1 for r in regions)]
    assert advise_encoded(awkward, apart=True)["regions"] == [orjson.dumps(r) for r in regions]
    assert lines["at"] == {d: starts[next(i for i, r in enumerate(regions) if r["valid"] and r["balance"]["basis"] == d)]
                           for d in records["bases"]}
    assert any(r["close_call"] for r in regions) and not regions[9]["valid"]
    assert any(r["secondary"] and r["secondary"]["why"] == "designation-disagrees" for r in regions)
    reasons = [x for r in regions for m in r["measures"] for x in m["reasons"]]
    assert any(x["kind"] == "boost" and x["gate"] is None for x in reasons)
    assert any(r["valid"] and r["indicators"].get("public_transport_share") is None for r in regions)
    assert any(len(m["reasons"]) == 1 for r in regions for m in r["measures"])      # no boost reason, no reach


def test_forked_workers_hand_their_records_over_through_files_left_behind_none(batch, tmp_path, monkeypatch):
    """With --jobs > 1 each worker writes its chunk's records to a file in the temporary folder (not through the
    pipe: 284,400 regions were 2.4 GB pickled, piped and unpickled) and the parent writes them out: the same bytes
    as one process, and no file or folder left behind."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for fmt in ("json", "ndjson"):
        assert _written(batch, fmt=fmt, jobs=2, chunk=50) == _written(batch, fmt=fmt, jobs=1, chunk=10_000)
    assert _written(batch, full=True, jobs=2, chunk=60) == _written(batch, full=True, jobs=1)
    assert not list(tmp_path.iterdir())


def test_workers_for_a_batch_in_memory_do_not_load_polars(tmp_path):
    """Workers forked for a batch in memory never read a file, so polars is not imported for them: at 2,844 regions
    that import cost +0.15–0.3 s and +50 MB (regression of cf86f84, found by the session 8 bench)."""
    import subprocess
    import sys

    from kg.bench import write_csv

    path = write_csv(generate(300), tmp_path / "small.csv")          # read whole: no polars to read it
    code = ("import io, sys\nfrom kg.read.profiles import read_profiles\nfrom kg.pipeline import stream\n"
            f"batch = read_profiles({str(path)!r})\nbuf = io.BytesIO()\n"
            "stream.advise_to(batch, buf, jobs=2, chunk=50, fmt='ndjson')\n"
            "print(len(buf.getvalue()) > 0, 'polars' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert out.stdout.split() == ["True", "False"], out.stderr[-2000:]
