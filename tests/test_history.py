"""Saved analyses: save / list / get / delete, surviving a restart."""
import json
import os
import subprocess
import sys

import pytest

from kg import history
from kg.namespaces import region_iri
from kg.paths import ROOT
from kg.store import KnowledgeStore

HOSTILE_ID = '县<a> "x" }; DROP ALL #'
ADVICE = {"regions": [{"region_id": "330503", "type": "urbanized", "name": "南浔区"},
                      {"region_id": HOSTILE_ID, "type": "ecological"}],
          "note": "碳平衡 — carbon balance"}


@pytest.fixture
def disk(tmp_path):
    with KnowledgeStore(tmp_path / "s") as s:
        yield s


def test_save_get_round_trip_keeps_every_character(disk):
    aid = history.save(ADVICE, "南浔 2024 试算", store=disk)
    got = history.get(aid, store=disk)
    assert got.id == aid and got.title == "南浔 2024 试算"
    assert got.advice == ADVICE
    assert got.region_ids == sorted(["330503", HOSTILE_ID])
    assert got.created.endswith("Z")


def test_regions_are_linked_by_their_minted_iris(disk):
    aid = history.save(ADVICE, "t", store=disk)
    rows = list(disk.query(f"SELECT ?r WHERE {{ GRAPH <urn:tanheng:analysis:{aid}> {{ ?g dcterms:subject ?r }} }}"))
    assert {r["r"].value for r in rows} == {str(region_iri("330503")), str(region_iri(HOSTILE_ID))}


def test_list_is_newest_first_and_delete_removes_only_one(disk):
    a = history.save({"regions": []}, "first", store=disk)
    b = history.save({"regions": []}, "second", store=disk)
    c = history.save({"regions": []}, "third", store=disk)
    assert [x.title for x in history.list(store=disk)] == ["third", "second", "first"]
    history.delete(b, store=disk)
    assert [x.id for x in history.list(store=disk)] == [c, a]
    with pytest.raises(history.AnalysisNotFound, match="no saved analysis"):
        history.get(b, store=disk)
    assert disk.info()["analyses"] == 2


def test_profiles_and_advice_are_kept_apart(disk):
    profiles = [{"region_id": "A1", "name": "甲县", "area_km2": 1200.5}]
    aid = history.save(title="both", advice={"regions": []}, profiles=profiles, store=disk)
    got = history.get(aid, store=disk)
    assert got.profiles == profiles and got.advice == {"regions": []}
    assert got.region_ids == ["A1"]


@pytest.mark.parametrize("bad", ["nope", "../../etc", "> } DROP ALL", ""])
def test_unknown_or_malformed_ids_get_a_clear_error(disk, bad):
    with pytest.raises(history.AnalysisNotFound, match="not a saved-analysis id"):
        history.get(bad, store=disk)
    with pytest.raises(history.AnalysisNotFound):
        history.delete(bad, store=disk)


def _in_new_process(code: str, store_dir) -> str:
    env = {**os.environ, "TANHENG_STORE": str(store_dir), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_saved_analysis_survives_a_restart(tmp_path):
    store_dir = tmp_path / "restart"
    aid = _in_new_process("from kg import history; "
                          f"print(history.save({ADVICE!r}, '重启之后'))", store_dir).strip()
    listed = json.loads(_in_new_process(
        "import json; from kg import history; "
        "print(json.dumps([[a.id, a.title, a.region_ids] for a in history.list()], ensure_ascii=False))",
        store_dir))
    assert listed == [[aid, "重启之后", sorted(["330503", HOSTILE_ID])]]
    with KnowledgeStore(store_dir) as s:     # and this process sees it too
        assert history.get(aid, store=s).advice == ADVICE


def test_a_profile_batch_is_saved_as_json_and_as_queryable_rdf(disk):
    from kg.paths import EXAMPLES_DIR
    from kg.read.profiles import read_profiles

    batch = read_profiles(EXAMPLES_DIR / "typical-regions.csv")
    aid = history.save(batch, "示例县", store=disk)
    got = history.get(aid, store=disk)
    assert got.region_ids == sorted(set(batch.ids()))
    assert [r["region_id"] for r in got.profiles["regions"]] == batch.ids()
    n = next(iter(disk.query(f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ GRAPH <urn:tanheng:analysis:{aid}> "
                             "{ ?r a th:RegionProfile } }")))["n"]
    assert int(n.value) == len(set(batch.node_iris()))
    history.delete(aid, store=disk)
    assert not bool(disk.query("ASK { ?r a th:RegionProfile }"))     # the regions went with it


def test_two_processes_saving_at_once_both_succeed(tmp_path):
    """The app and the command line share one store: writers take turns."""
    store_dir = tmp_path / "shared"
    KnowledgeStore(store_dir).close()
    code = ("import sys; from kg import history\n"
            "for i in range(5): history.save({'regions': []}, f'{sys.argv[1]}-{i}')")
    env = {**os.environ, "TANHENG_STORE": str(store_dir), "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", code, who], env=env, cwd=ROOT, stderr=subprocess.PIPE,
                              text=True) for who in ("app", "cli")]
    for p in procs:
        assert p.wait(120) == 0, p.stderr.read()
    with KnowledgeStore(store_dir) as s:
        titles = sorted(a.title for a in history.list(store=s))
    assert titles == sorted(f"{w}-{i}" for w in ("app", "cli") for i in range(5))


def test_key_figures_are_triples_sparql_can_ask(disk, tmp_path):
    """Issue 12: type, model and totals per region are triples, not only inside a JSON literal,
    and the analysis points to its Parquet results."""
    advice = {"regions": [
        {"region_id": "330503", "row": 2, "year": 2022, "type": "urbanized", "model": "low-carbon-unit-layout",
         "balance": {"emissions_t_co2e": 1250.5, "sinks_t_co2e": 80.25, "net_t_co2e": 1170.25, "balance_ratio": 0.0642}},
        {"region_id": HOSTILE_ID, "row": "3> . <x", "type": "ecological", "balance": None},
        {"region_id": "330504", "type": None}]}
    aid = history.save(advice, "figures", store=disk, results=str(tmp_path / "res"))
    rows = disk.query("""
        PREFIX h: <urn:tanheng:history#> PREFIX th: <https://w3id.org/tanheng/ontology#>
        SELECT ?region ?type ?model ?net ?year ?results WHERE { GRAPH ?g {
          ?g h:result ?r ; h:results ?results . ?r h:region ?region ; h:type ?type ; th:recommendedModel ?model .
          OPTIONAL { ?r h:net_t_co2e ?net } OPTIONAL { ?r h:year ?year } } } ORDER BY ?net""")
    got = sorted((sol["region"].value, sol["type"].value.rsplit("#", 1)[-1], sol["net"] and float(sol["net"].value),
                  sol["year"] and int(sol["year"].value)) for sol in rows)
    assert got == sorted([(str(region_iri("330503")), "UrbanizedArea", 1170.25, 2022),
                          (str(region_iri(HOSTILE_ID)), "EcologicalFunctionArea", None, None)])
    assert history.get(aid, store=disk).advice == advice


def test_advise_save_keeps_key_figures_as_triples_and_points_to_its_files(tmp_path, monkeypatch, capsys):
    """Issue 12 item 4: `tanheng advise --save` (the streamed path) saves each region's type, model and totals
    as triples, pointing to the advice file and the Parquet results, which hold the whole advice."""
    from kg.cli import main
    from kg.paths import EXAMPLES_DIR

    monkeypatch.setenv("TANHENG_STORE", str(tmp_path / "store"))
    out, res = tmp_path / "advice.json", tmp_path / "res"
    assert main(["advise", str(EXAMPLES_DIR / "typical-regions.csv"), "--save", "--title", "典型区域 <b>",
                 "-o", str(out), "--results", str(res), "--jobs", "1"]) == 0
    assert "已保存到存储" in capsys.readouterr().err
    advice = json.loads(out.read_text(encoding="utf-8"))
    [saved] = history.list_saved()
    assert saved.title == "典型区域 <b>"
    assert saved.region_ids == sorted(r["region_id"] for r in advice["regions"])
    payload = history.get(saved.id).advice
    assert payload["form"] == "key-figures" and payload["summary"] == advice["summary"]
    assert [(k["region_id"], k["type"], k["model"], k["balance"]["net_t_co2e"]) for k in payload["regions"]] == \
        [(r["region_id"], r["type"], r["model"], r["balance"]["net_t_co2e"]) for r in advice["regions"]]
    with KnowledgeStore(tmp_path / "store") as s:
        rows = list(s.query("""
            PREFIX h: <urn:tanheng:history#> PREFIX th: <https://w3id.org/tanheng/ontology#>
            SELECT ?region ?model ?net ?output ?results WHERE { GRAPH ?g {
              ?g h:result ?r ; h:output ?output ; h:results ?results .
              ?r h:region ?region ; th:recommendedModel ?model ; h:net_t_co2e ?net } }"""))
    assert len(rows) == len(advice["regions"])
    assert {sol["output"].value for sol in rows} == {out.resolve().as_uri()}
    assert {sol["results"].value for sol in rows} == {res.resolve().as_uri()}
    by_region = {sol["region"].value: float(sol["net"].value) for sol in rows}
    assert by_region == {str(region_iri(r["region_id"])): r["balance"]["net_t_co2e"] for r in advice["regions"]}
    # a report form has no key figures to stream: said, not ignored
    assert main(["advise", str(EXAMPLES_DIR / "typical-regions.csv"), "--save", "--format", "md"]) == 2
    assert "--save" in capsys.readouterr().err
