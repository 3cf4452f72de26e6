"""The embedded on-disk store: loads the knowledge graph once, reopens fast,
reloads when ontology/ changes, and copes with a second process holding it."""
import os
import shutil
import subprocess
import sys
import textwrap
import time

import pyoxigraph as ox
import pytest

from kg import store

from kg.knowledge import graph


def kg_triples() -> int:
    """Triples in ontology/ right now, counted independently by rdflib
    (other engineers may edit the Turtle while the suite runs)."""
    return len(graph._parse(graph.ontology_files()))
from kg.paths import ONTOLOGY_DIR, ROOT


def test_fresh_store_holds_exactly_the_knowledge_graph(tmp_path):
    with store.KnowledgeStore(tmp_path / "s") as s:
        info = s.info()
    # rdflib parses the same Turtle independently; both must count the same triples
    assert info["knowledge_triples"] == kg_triples() > 1000
    assert info["stale"] is False and info["analyses"] == 0


def test_reopening_an_existing_store_does_not_reload_and_is_faster(tmp_path):
    t0 = time.perf_counter()
    s = store.KnowledgeStore(tmp_path / "s")
    fresh = time.perf_counter() - t0
    s.close()
    t0 = time.perf_counter()
    s = store.KnowledgeStore(tmp_path / "s")
    reopen = time.perf_counter() - t0
    assert s.ensure_loaded() is False          # digest unchanged: nothing to do
    n = next(iter(s.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:tanheng:graph:kg> { ?s ?p ?o } }")))["n"]
    s.close()
    print(f"\nfresh load {fresh * 1000:.0f} ms, reopen {reopen * 1000:.0f} ms, {n.value} triples")
    assert int(n.value) == kg_triples()
    assert reopen < fresh


def test_store_reloads_when_the_ontology_changes(tmp_path, monkeypatch):
    onto = tmp_path / "onto"
    shutil.copytree(ONTOLOGY_DIR, onto)
    monkeypatch.setattr("kg.store.base.ontology_files", lambda: sorted(onto.glob("*.ttl")))
    with store.KnowledgeStore(tmp_path / "s") as s:
        before = s.info()["knowledge_triples"]
    (onto / "zz-extra.ttl").write_text('<urn:x:a> <urn:x:b> "new fact"@en .\n', encoding="utf-8")
    with store.KnowledgeStore(tmp_path / "s") as s:
        assert s.info()["knowledge_triples"] == before + 1
        assert bool(s.query('ASK { ?s ?p "new fact"@en }'))
    (onto / "zz-extra.ttl").unlink()
    with store.KnowledgeStore(tmp_path / "s") as s:   # removed knowledge disappears again
        assert s.info()["knowledge_triples"] == before
        assert not bool(s.query('ASK { ?s ?p "new fact"@en }'))


def test_bound_values_cannot_change_the_query(tmp_path):
    hostile = 'x" } ; DROP ALL ; SELECT * WHERE { ?a ?b "'
    with store.KnowledgeStore(tmp_path / "s") as s:
        rows = list(s.query("SELECT ?label ?c WHERE { ?c rdfs:label ?label }",
                            substitutions={"label": ox.Literal(hostile)}))
        assert rows == []
        assert s.info()["knowledge_triples"] == kg_triples()


def _hold_store(path, seconds: float) -> subprocess.Popen:
    """Another process that opens the store read-write and keeps it `seconds`."""
    code = textwrap.dedent(f"""
        import sys, time
        from kg.store import KnowledgeStore
        s = KnowledgeStore({str(path)!r})
        print("held", flush=True)
        time.sleep({seconds})
        s.close()
    """)
    p = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert p.stdout.readline().strip() == "held"
    return p


def test_a_reader_waits_for_a_writer_and_is_told_when_it_waited_too_long(tmp_path):
    path = tmp_path / "s"
    store.KnowledgeStore(path).close()
    holder = _hold_store(path, 30)
    try:
        # reading while another process writes is undefined in RocksDB: the reader waits its turn
        with pytest.raises(store.StoreBusy, match="in use by another Tanheng process"):
            store.open_disk_store(path, wait=0.3)
        with pytest.raises(store.StoreBusy, match="in use by another Tanheng process"):
            store.open_disk_store(path, write=True, wait=0.3)
    finally:
        holder.kill()
        holder.wait()
    with store.open_disk_store(path, wait=2) as s:              # the lock went with the process
        assert s.read_only and s.info()["knowledge_triples"] == kg_triples()
        with pytest.raises(store.StoreBusy, match="read-only"):
            s.update('INSERT DATA { <urn:x:a> <urn:x:b> "c" }')
    with store.open_disk_store(path, write=True, wait=2) as s:
        assert not s.read_only


def test_readers_share_the_store(tmp_path):
    path = tmp_path / "s"
    store.KnowledgeStore(path).close()
    with store.open_disk_store(path, wait=0) as a, store.open_disk_store(path, wait=0) as b:
        assert a.info()["knowledge_triples"] == b.info()["knowledge_triples"] == kg_triples()


def test_writer_waits_for_a_short_holder(tmp_path):
    path = tmp_path / "s"
    store.KnowledgeStore(path).close()
    holder = _hold_store(path, 0.8)
    try:
        t0 = time.perf_counter()
        with store.open_disk_store(path, write=True, wait=10) as s:
            s.update('INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:b> "c" } }')
        assert 0.3 < time.perf_counter() - t0 < 10
    finally:
        holder.wait(10)
    with store.open_disk_store(path) as s:
        assert bool(s.query('ASK { <urn:x:a> <urn:x:b> "c" }'))


def test_memory_store_is_shared_and_complete():
    assert store.memory_store() is store.memory_store()
    assert store.memory_store().info()["knowledge_triples"] == kg_triples()


def _tanheng(env, *args):
    return subprocess.run([sys.executable, "-c", "import sys; from kg.cli import main; sys.exit(main())", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_store_command_info_list_show_delete(tanheng_env):
    missing = _tanheng(tanheng_env, "store", "info")       # reading never creates the store
    assert missing.returncode == 2 and "there is no store at" in missing.stderr
    assert not os.path.exists(tanheng_env["TANHENG_STORE"])
    assert _tanheng(tanheng_env, "store", "load", "--lang", "en").stdout.startswith("loaded")
    info = _tanheng(tanheng_env, "store", "info")
    assert info.returncode == 0
    assert f"knowledge_triples  {kg_triples()}" in info.stdout
    from kg import history
    with store.KnowledgeStore(tanheng_env["TANHENG_STORE"]) as s:
        aid = history.save({"regions": [{"region_id": "县1"}]}, "命令行", store=s)
    listed = _tanheng(tanheng_env, "store", "list")
    assert listed.stdout.startswith(aid) and "命令行" in listed.stdout and "[县1]" in listed.stdout
    assert '"title": "命令行"' in _tanheng(tanheng_env, "store", "show", aid).stdout
    assert _tanheng(tanheng_env, "store", "delete", aid).returncode == 0
    again = _tanheng(tanheng_env, "store", "delete", aid)
    assert again.returncode == 2 and again.stderr.strip() == f"tanheng: no saved analysis '{aid}'"
    refuse = _tanheng(tanheng_env, "store", "clear")
    assert refuse.returncode == 2 and "--yes" in refuse.stderr


def test_store_command_reports_a_busy_store_without_a_traceback(tanheng_env):
    path = tanheng_env["TANHENG_STORE"]
    store.KnowledgeStore(path).close()
    holder = _hold_store(path, 30)
    tanheng_env["TANHENG_STORE_WAIT"] = "0.5"
    try:
        for action in (("load", "--force"), ("info",)):
            out = _tanheng(tanheng_env, "store", *action)
            assert out.returncode == 2 and "in use by another Tanheng process" in out.stderr
            assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    finally:
        holder.kill()
        holder.wait()


def test_store_command_loads_a_remote_server(tanheng_env, oxigraph_server):
    url = oxigraph_server + "/query"
    first = _tanheng(tanheng_env, "store", "--endpoint", url, "load", "--lang", "en")
    assert first.returncode == 0 and first.stdout.startswith("loaded")
    assert _tanheng(tanheng_env, "store", "--endpoint", url, "load").stdout.startswith("已是最新")
    from kg.store.remote import RemoteStore
    assert RemoteStore(url).info()["knowledge_triples"] == kg_triples()
    bad = _tanheng(tanheng_env, "store", "--endpoint", "ftp://x", "info")
    assert bad.returncode == 2 and "http" in bad.stderr
