"""Issue 11 (left open at its close): a heavy query typed into the app's console or given to `tanheng
query` ran until done — on a shared app, for good. Oxigraph cannot interrupt a query in its own thread,
so a query over the embedded graph runs in a forked child that is stopped at the limit (30 s by default,
the endpoint's default too); the answer of an ordinary query is unchanged."""
import time

from issue11_helpers import tanheng, env  # noqa: F401 (fixtures)
from kg.knowledge import query

# every triple × every triple × every triple: ~3 × 10^12 rows, never done
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_tanheng_query_stops_an_endless_query_at_its_limit(env):
    t0 = time.monotonic()
    out = tanheng(env, "query", "-e", ENDLESS, "--timeout", "2", "--lang", "en")
    assert out.returncode == 2, out.stderr
    assert "2 s limit" in out.stderr and "查询运行超过 2 秒" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert time.monotonic() - t0 < 60


def test_an_ordinary_query_gives_the_same_answer_within_a_limit():
    text = "SELECT ?m ?l WHERE { ?m a th:IntegrationModel ; rdfs:label ?l } ORDER BY ?m ?l"
    limited, free = query.run(text, timeout=20), query.run(text)
    assert limited.rows == free.rows and len(limited.rows) >= 6
    bad = "SELECT ?x WHERE { ?x a th:Nope "            # a syntax error raised in the child reaches the caller
    try:
        query.run(bad, timeout=20)
    except SyntaxError as exc:
        assert "error_message" not in str(exc)
    else:
        raise AssertionError("a syntax error must be raised")


def test_the_app_console_stops_an_endless_query(monkeypatch):
    from test_app import no_exception, open_page

    monkeypatch.setattr(query, "QUERY_SECONDS", 2.0)
    at = open_page("sparql", "en")
    at.text_area(key="sparql_text").set_value(ENDLESS).run()
    t0 = time.monotonic()
    at.button(key="sparql_run").click().run(timeout=60)
    no_exception(at)
    assert time.monotonic() - t0 < 60
    assert any("2 s limit" in e.value for e in at.error)
