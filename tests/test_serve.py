"""`tanheng serve`: a real read-only SPARQL 1.1 endpoint process, driven by
real clients (SPARQLWrapper and urllib)."""
import csv
import os
import io
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, POST, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from conftest import ROOT, free_port, stop, wait_for_port
from kg import history
from kg.store import KnowledgeStore

MODELS = "SELECT ?m WHERE { ?m a <https://w3id.org/tanheng/ontology#IntegrationModel> } ORDER BY ?m"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
TIMEOUT = 2
MAX_BYTES = 300_000


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    store_dir = tmp_path_factory.mktemp("serve") / "store"
    with KnowledgeStore(store_dir) as s:
        saved = history.save({"regions": [{"region_id": "serve-1"}]}, "served", store=s)
        local_models = [r["m"].value for r in s.query(MODELS)]
        # everything but the store's own bookkeeping (the meta graph), which the endpoint does not serve
        local_count = int(next(iter(s.query(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g != <urn:tanheng:graph:meta>) }")))["n"].value)
    port = free_port()
    env = {**os.environ, "TANHENG_STORE": str(store_dir), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--port", str(port),
                             "--timeout", str(TIMEOUT), "--max-bytes", str(MAX_BYTES)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, proc, timeout=60)
        yield {"url": f"http://127.0.0.1:{port}/sparql", "store": store_dir, "saved": saved, "pid": proc.pid,
               "models": local_models, "count": local_count}
    finally:
        stop(proc)


def _http(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get_content_type(), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get_content_type(), e.read().decode("utf-8")


def _get(ep, query, accept="application/sparql-results+json"):
    return _http(ep["url"] + "?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})


def _count(ep) -> int:
    status, _, body = _get(ep, COUNT_ALL)
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_select_json_with_sparqlwrapper_matches_the_store(endpoint):
    sw = SPARQLWrapper(endpoint["url"])
    sw.setQuery(MODELS)
    sw.setReturnFormat(JSON)
    got = [b["m"]["value"] for b in sw.query().convert()["results"]["bindings"]]
    assert got == endpoint["models"] and len(got) == 3


@pytest.mark.parametrize("method", ["GET", "POST-form", "POST-direct"])
def test_all_three_protocol_methods_give_the_same_answer(endpoint, method):
    accept = {"Accept": "application/sparql-results+json"}
    if method == "GET":
        status, _, body = _get(endpoint, MODELS)
    elif method == "POST-form":
        status, _, body = _http(endpoint["url"], urllib.parse.urlencode({"query": MODELS}).encode(),
                                {**accept, "Content-Type": "application/x-www-form-urlencoded"})
    else:
        status, _, body = _http(endpoint["url"], MODELS.encode(),
                                {**accept, "Content-Type": "application/sparql-query"})
    assert status == 200
    assert [b["m"]["value"] for b in json.loads(body)["results"]["bindings"]] == endpoint["models"]


def test_xml_csv_tsv_results(endpoint):
    sw = SPARQLWrapper(endpoint["url"])
    sw.setQuery(MODELS)
    sw.setReturnFormat(XML)
    xml = sw.query().convert()
    assert [u.firstChild.data for u in xml.getElementsByTagName("uri")] == endpoint["models"]
    for fmt, delim in ((CSV, ","), (TSV, "\t")):
        sw.setReturnFormat(fmt)
        rows = list(csv.reader(io.StringIO(sw.query().convert().decode()), delimiter=delim))
        assert rows[0] == (["m"] if fmt == CSV else ["?m"])
        assert [r[0].strip("<>") for r in rows[1:]] == endpoint["models"]


def test_construct_as_turtle_and_json_ld(endpoint):
    q = ("CONSTRUCT { ?m a <https://w3id.org/tanheng/ontology#IntegrationModel> } "
         "WHERE { ?m a <https://w3id.org/tanheng/ontology#IntegrationModel> }")
    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld")):
        status, ctype, body = _get(endpoint, q, accept)
        assert status == 200 and ctype == accept
        g = rdflib.Graph().parse(data=body, format=fmt)
        assert sorted(str(s) for s in g.subjects()) == endpoint["models"]


def test_describe_as_turtle_with_sparqlwrapper(endpoint):
    sw = SPARQLWrapper(endpoint["url"])
    sw.setQuery("DESCRIBE <https://w3id.org/tanheng/resource/case-raumordnungsgesetz>")
    sw.setReturnFormat(TURTLE)
    g = rdflib.Graph().parse(data=sw.query().convert(), format="turtle")
    case = rdflib.URIRef("https://w3id.org/tanheng/resource/case-raumordnungsgesetz")
    assert (case, rdflib.URIRef("https://w3id.org/tanheng/ontology#countryCode"), rdflib.Literal("DE")) in g
    assert any("Raumordnungsgesetz" in str(o) for o in g.objects(case, rdflib.RDFS.label))


def test_ask_and_saved_analyses_are_served(endpoint):
    status, _, body = _get(endpoint, f"ASK {{ GRAPH <urn:tanheng:analysis:{endpoint['saved']}> {{ ?s ?p ?o }} }}")
    assert status == 200 and json.loads(body)["boolean"] is True


def test_malformed_query_is_400(endpoint):
    status, _, body = _get(endpoint, "SELEC ?x WHERE {")
    assert status == 400 and body
    sw = SPARQLWrapper(endpoint["url"])
    sw.setQuery("SELECT ?x WHERE { ?x ")
    with pytest.raises(QueryBadFormed):
        sw.query()


def test_updates_are_refused_and_change_nothing(endpoint):
    before = _count(endpoint)
    assert before == endpoint["count"]
    drop = "CLEAR ALL"
    sw = SPARQLWrapper(endpoint["url"])
    sw.setMethod(POST)
    sw.setQuery(drop)
    with pytest.raises(Exception, match="403"):
        sw.query()
    attempts = [
        _http(endpoint["url"], drop.encode(), {"Content-Type": "application/sparql-update"}),
        _http(endpoint["url"], urllib.parse.urlencode({"update": drop}).encode(),
              {"Content-Type": "application/x-www-form-urlencoded"}),
        _http(endpoint["url"] + "?" + urllib.parse.urlencode({"update": drop})),
        _http(endpoint["url"].replace("/sparql", "/update"), drop.encode(),
              {"Content-Type": "application/sparql-update"}),
    ]
    assert [a[0] for a in attempts] == [403] * 4
    assert "read-only" in attempts[0][2]
    assert _count(endpoint) == before
    assert _http(endpoint["url"], b"x", {"Content-Type": "text/turtle"}, method="PUT")[0] == 405
    with KnowledgeStore(endpoint["store"]) as s:          # the store itself is untouched and not locked
        assert history.get(endpoint["saved"], store=s).title == "served"


def test_a_runaway_query_is_stopped_at_the_time_limit(endpoint):
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    t0 = time.perf_counter()
    status, _, body = _get(endpoint, heavy)
    took = time.perf_counter() - t0
    assert status == 503 and "limit" in body
    assert TIMEOUT <= took < TIMEOUT + 5
    assert _count(endpoint) == endpoint["count"]           # and the endpoint answers again


def test_answers_above_the_size_limit_are_refused(endpoint):
    status, _, body = _get(endpoint, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
    assert status == 413 and "LIMIT" in body
    status, _, body = _get(endpoint, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 10", "application/n-triples")
    assert status == 200 and len(body.strip().splitlines()) == 10


def test_unknown_paths_are_404(endpoint):
    assert _http(endpoint["url"].replace("/sparql", "/store"))[0] == 404


def test_the_endpoint_recovers_when_its_engine_dies(endpoint):
    # find the engine through the endpoint's own process tree: the oxigraph child of the server
    import pathlib
    server_pid = endpoint["pid"]
    children = [c for task in pathlib.Path(f"/proc/{server_pid}/task").iterdir()
                for c in (task / "children").read_text().split()]
    engines = [int(c) for c in children if "oxigraph" in pathlib.Path(f"/proc/{c}/cmdline").read_text()]
    assert len(engines) == 1
    os.kill(engines[0], 9)
    time.sleep(0.3)
    assert _get(endpoint, MODELS)[0] == 502          # the request that finds it dead
    assert _count(endpoint) == endpoint["count"]      # the next one is answered again


def test_the_store_bookkeeping_is_not_served(endpoint):
    status, _, body = _get(endpoint, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert status == 200 and "urn:tanheng:store" not in body and "urn:tanheng:digest" not in body
    for q in ("ASK { <urn:tanheng:store> ?p ?o }", "ASK { GRAPH <urn:tanheng:graph:meta> { ?s ?p ?o } }",
              "ASK { ?s <urn:tanheng:digest> ?o }"):
        status, _, body = _get(endpoint, q)
        assert status == 200 and json.loads(body)["boolean"] is False, q


@pytest.mark.parametrize("update", ["INSERT DATA { <a:b> <a:c> <a:d> }", "DELETE WHERE { ?s ?p ?o }",
                                    "# a comment\nPREFIX x: <urn:x:>\nCLEAR ALL", "drop all",
                                    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                    "LOAD <http://example.org/data.ttl>"])
def test_updates_sent_as_queries_are_refused_with_403(endpoint, update):
    attempts = [
        _get(endpoint, update),
        _http(endpoint["url"], urllib.parse.urlencode({"query": update}).encode(),
              {"Content-Type": "application/x-www-form-urlencoded"}),
        _http(endpoint["url"], update.encode(), {"Content-Type": "application/sparql-query"}),
    ]
    assert [a[0] for a in attempts] == [403] * 3, attempts
    assert all("read-only" in a[2] for a in attempts)
    assert _count(endpoint) == endpoint["count"]


def test_a_query_mentioning_update_words_is_still_answered(endpoint):
    q = ('# DELETE nothing\nPREFIX insert: <https://w3id.org/tanheng/ontology#>\n'
         'SELECT ?m WHERE { ?m a insert:IntegrationModel FILTER(!CONTAINS(STR(?m), "DROP")) } ORDER BY ?m')
    status, _, body = _get(endpoint, q)
    assert status == 200, body
    assert [b["m"]["value"] for b in json.loads(body)["results"]["bindings"]] == endpoint["models"]


@pytest.mark.slow
def test_the_bench_endpoint_figure_measures_a_real_server():
    from kg.bench_endpoint import endpoint_figure

    lines = []
    fig = endpoint_figure(lines.append, quick=True)
    assert fig["requests"] > 100 and fig["errors"] == 0 and fig["p50_ms"] <= fig["p99_ms"]
    assert lines and "requests/s" in lines[0] and ("met" in lines[0])
