"""Issue 10: with TANHENG_SPARQL_URL set, every look-up of the knowledge graph (catalog,
pathway, coefficients, compare, query) goes to that server — shown by changing labels on
a real SPARQL server (the oxigraph CLI) and seeing them in tanheng's output; with the server
down (a real `tanheng serve` process, stopped) a command says so in one sentence, exit 2,
and never falls back silently to the embedded graph."""
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, free_port, stop, wait_for_port
from kg.paths import EXAMPLES_DIR
from kg.store.remote import RemoteStore

MODEL = "https://w3id.org/tanheng/resource/model-blue-green-sink"
COEF = "https://w3id.org/tanheng/resource/coefset-default"
SERVER_SYNONYM = "服务器上的人口"
CASE_COUNTRY = "SELECT (COUNT(?c) AS ?n) WHERE { ?c a th:Case ; th:countryCode \"DE\" }"


def tanheng(*args, url, tmp_path):
    env = {**os.environ, "TANHENG_SPARQL_URL": url, "TANHENG_STORE": str(tmp_path / "store"),
           "TANHENG_CACHE_DIR": "off", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "kg.cli", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def relabelled(oxigraph_server):
    """The knowledge graph on a real server, with the English labels of one model and one
    coefficient replaced: only a look-up that asks this server can print them."""
    url = oxigraph_server + "/query"
    store = RemoteStore(url)
    store.ensure_loaded()
    for iri, label in ((MODEL, "Blue-green FROM THE SERVER"), (COEF, "default set FROM THE SERVER")):
        store.update(f'DELETE {{ GRAPH ?g {{ <{iri}> rdfs:label ?l }} }} WHERE {{ GRAPH ?g {{ <{iri}> rdfs:label ?l '
                     f'FILTER(lang(?l) = "en") }} }}')
        store.update(f'INSERT DATA {{ GRAPH <urn:tanheng:graph:kg> {{ <{iri}> rdfs:label "{label}"@en }} }}')
    # a synonym of the population column only the server knows
    store.update('INSERT DATA { GRAPH <urn:tanheng:graph:kg> { '
                 f'<https://w3id.org/tanheng/profile#population> skos:altLabel "{SERVER_SYNONYM}"@zh }} }}')
    return url


def test_advice_takes_model_labels_from_the_server(relabelled, tmp_path):
    proc = tanheng("advise", EXAMPLES_DIR / "typical-regions.csv", "--format", "md", "--lang", "en",
                   url=relabelled, tmp_path=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Blue-green FROM THE SERVER" in proc.stdout


def test_profile_columns_come_from_the_server(relabelled, tmp_path):
    """The input contract is a view of the same store: a header only the server's vocabulary names is read
    as that column (kg.read.profiles.vocabulary_graph asks the reader)."""
    rows = (EXAMPLES_DIR / "typical-regions.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    header[header.index("population")] = SERVER_SYNONYM
    f = tmp_path / "synonym.csv"
    f.write_text("\n".join([",".join(header), *rows[1:]]) + "\n", encoding="utf-8")
    proc = tanheng("validate", f, "--format", "json", url=relabelled, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert SERVER_SYNONYM not in proc.stdout            # no "unknown column" warning names it
    local = subprocess.run([sys.executable, "-m", "kg.cli", "validate", str(f), "--format", "json"], cwd=ROOT,
                           env={**{k: v for k, v in os.environ.items() if k != "TANHENG_SPARQL_URL"},
                                "TANHENG_CACHE_DIR": "off", "PYTHONPATH": str(ROOT)},
                           capture_output=True, text=True, timeout=300)
    assert local.returncode == 1 and SERVER_SYNONYM in local.stdout   # the embedded vocabulary does not know it


def test_coefficients_come_from_the_server(relabelled, tmp_path):
    proc = tanheng("balance", "--list-coefficients", "--lang", "en", "--format", "md",
                   url=relabelled, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "default set FROM THE SERVER" in proc.stdout


def test_query_and_compare_ask_the_server(relabelled, tmp_path):
    proc = tanheng("query", "-e", f"SELECT ?l WHERE {{ <{MODEL}> rdfs:label ?l FILTER(lang(?l) = 'en') }}",
                   "--format", "json", url=relabelled, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Blue-green FROM THE SERVER" in proc.stdout
    proc = tanheng("compare", "--view", "records", "--model", "blue-green-sink", "--lang", "en", "--format", "json",
                   url=relabelled, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["records"]


@pytest.fixture(scope="module")
def stopped_server(tmp_path_factory):
    """The URL of a real `tanheng serve` process that answered, then was stopped."""
    port = free_port()
    env = {**os.environ, "TANHENG_STORE": str(tmp_path_factory.mktemp("served") / "store"), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc, timeout=60)
    finally:
        stop(proc)
    return f"http://127.0.0.1:{port}/sparql"


@pytest.mark.parametrize("args", [
    ["advise", EXAMPLES_DIR / "typical-regions.csv"],
    ["balance", "--list-coefficients"],
    ["query", "-e", "ASK { ?s ?p ?o }"],
    ["compare", "--view", "records"],
], ids=["advise", "coefficients", "query", "compare"])
def test_a_server_that_does_not_answer_is_one_sentence_and_exit_2(stopped_server, tmp_path, args):
    proc = tanheng(*args, url=stopped_server, tmp_path=tmp_path)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tanheng: ") and "Traceback" not in proc.stderr, lines
    assert "127.0.0.1" in lines[0] and "internal error" not in lines[0]
    assert not proc.stdout.strip()                   # no answer from another graph
