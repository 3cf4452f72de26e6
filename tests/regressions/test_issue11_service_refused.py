"""Issue 11 item 5: SPARQL SERVICE was executed by `tanheng query`, the app's
console and the endpoint — a query could make Tanheng fetch any URL (a
canary on 127.0.0.1 received the request; a host that never answers hung the
command). SERVICE is refused everywhere, before anything runs."""
import time

import pytest

from issue11_helpers import tanheng, env, canary  # noqa: F401 (fixtures)
from kg.knowledge import query


def _federated(url: str) -> list[str]:
    return [f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
            f"select * {{ ?a ?b ?c . service silent <{url}/x> {{ ?a ?d ?e }} }}",
            f"PREFIX c: <{url}/>\nSELECT * WHERE {{\n  SERVICE c:endpoint {{ ?s ?p ?o }}\n}}"]


def test_tanheng_query_refuses_service_and_fetches_nothing(env, canary):
    for text in _federated(canary.url):
        out = tanheng(env, "query", "-e", text, "--lang", "en")
        assert out.returncode == 2, out.stderr
        assert "SERVICE" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert canary.hits == []


def test_a_host_that_never_answers_does_not_hang_the_command(env):
    t0 = time.monotonic()
    out = tanheng(env, "query", "-e", "SELECT * { SERVICE <http://10.255.255.1/sparql> { ?s ?p ?o } }")
    assert out.returncode == 2 and time.monotonic() - t0 < 30


def test_the_console_function_refuses_service(canary):
    # the app's SPARQL console runs kg.knowledge.query.run; it raises, the page shows the message
    for text in _federated(canary.url):
        with pytest.raises(query.FederationRefused) as exc:
            query.run(text)
        assert "SERVICE" in exc.value.message("en")
    assert canary.hits == []


@pytest.mark.parametrize("text", [
    'SELECT ?service WHERE { ?service ?p "SERVICE <http://x/>" } # SERVICE <http://y/>',
    "PREFIX ex: <urn:ex:> SELECT * WHERE { ?s ex:service ?o }",
])
def test_the_word_in_names_strings_and_comments_is_not_federation(text):
    query.guard(text)
