"""kg.store.remote against a real SPARQL 1.1 server (the oxigraph CLI): the same
queries and the same history code give the same answers as the embedded store."""
import pyoxigraph as ox
import pytest

from conftest import free_port
from kg import history
from kg.knowledge import query
from kg.store.remote import RemoteStore
from kg.store import KnowledgeStore, open_store


@pytest.fixture(scope="module")
def remote(oxigraph_server):
    r = RemoteStore(oxigraph_server + "/query")
    assert r.ensure_loaded() is True        # an empty server gets the knowledge graph ...
    assert r.ensure_loaded() is False       # ... once
    return r


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    with KnowledgeStore(tmp_path_factory.mktemp("local") / "s") as s:
        yield s


QUERIES = [
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:tanheng:graph:kg> { ?s ?p ?o } }",
    "SELECT ?m ?key ?zh ?en WHERE { ?m a th:IntegrationModel ; th:key ?key ; rdfs:label ?zh, ?en "
    "FILTER(lang(?zh) = 'zh' && lang(?en) = 'en') }",
    "SELECT ?c (COUNT(?sub) AS ?n) WHERE { ?sub rdfs:subClassOf ?c FILTER(isIRI(?c)) } GROUP BY ?c",
    "ASK { th:UrbanizedArea rdfs:subClassOf th:IntegrationRegion }",
    "ASK { th:UrbanizedArea rdfs:subClassOf th:NoSuchClass }",
    "CONSTRUCT { ?m rdfs:label ?l } WHERE { ?m a th:IntegrationModel ; rdfs:label ?l }",
]


def _answer(res):
    if isinstance(res, ox.QueryBoolean):
        return bool(res)
    if isinstance(res, ox.QueryTriples):
        return sorted(str(t) for t in res)
    return sorted(tuple(str(sol[v]) for v in res.variables) for sol in res)


@pytest.mark.parametrize("sparql", QUERIES)
def test_same_answers_as_the_embedded_store(remote, local, sparql):
    got, want = _answer(remote.query(sparql)), _answer(local.query(sparql))
    assert got == want
    assert got not in ([], None)


def test_the_server_holds_the_whole_knowledge_graph(remote, local):
    assert remote.info()["knowledge_triples"] == local.info()["knowledge_triples"] > 1000
    assert remote.is_stale() is False


def test_query_module_formats_remote_results_like_local(remote, local):
    sparql = QUERIES[1]
    assert query.to_csv(query.run(sparql, remote)).splitlines()[0] == "m,key,zh,en"
    assert sorted(query.to_csv(query.run(sparql, remote)).splitlines()) == \
        sorted(query.to_csv(query.run(sparql, local)).splitlines())


def test_bound_values_work_remotely_and_stay_values(remote, local):
    sparql = "SELECT ?m ?key WHERE { ?m th:key ?key }"
    for key in ["low-carbon-unit-layout", 'x" } ; CLEAR ALL ; #']:
        subs = {"key": ox.Literal(key)}
        assert _answer(remote.query(sparql, substitutions=subs)) == \
            _answer(local.query(sparql, substitutions=subs))
    assert remote.info()["knowledge_triples"] == local.info()["knowledge_triples"]


def test_history_runs_unchanged_against_the_server(remote):
    aid = history.save({"regions": [{"region_id": "湖州 <1>"}]}, "远程保存", store=remote)
    assert [a.id for a in history.list(store=remote)][0] == aid
    assert history.get(aid, store=remote).region_ids == ["湖州 <1>"]
    history.delete(aid, store=remote)
    assert aid not in [a.id for a in history.list(store=remote)]


def test_endpoint_from_the_environment(oxigraph_server, monkeypatch):
    monkeypatch.setenv("TANHENG_SPARQL_URL", oxigraph_server + "/query")
    s = open_store()
    assert isinstance(s, RemoteStore) and bool(s.query("ASK { th:UrbanizedArea ?p ?o }"))


def test_malformed_query_and_unreachable_server_fail_clearly(remote):
    with pytest.raises(SyntaxError):
        remote.query("SELEC ?x WHERE {")
    with pytest.raises(OSError, match="cannot reach the SPARQL endpoint"):
        RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2).query("ASK {}")
    with pytest.raises(ValueError, match="http"):
        RemoteStore("file:///etc/passwd")
