"""Issue 11 item 7: a query of 5,000 nested parentheses or braces (10 KB)
segfaulted `tanheng query`, the app's console (killing Streamlit) and the
endpoint's Oxigraph. It is refused before parsing: exit 2, one sentence."""
import pytest

from issue11_helpers import tanheng, env  # noqa: F401 (fixtures)
from kg.knowledge import query

DEEP = {"parentheses": "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
        "braces": "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
        "brackets": "SELECT * WHERE { ?s ?p " + "[ <urn:p> " * 5000 + "]" * 5000 + " }"}


@pytest.mark.parametrize("kind", sorted(DEEP))
def test_deep_queries_are_refused_not_crashed(env, kind):
    out = tanheng(env, "query", "-e", DEEP[kind], "--lang", "en")
    assert out.returncode == 2, (out.returncode, out.stderr[-300:])
    assert "nested too deeply" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_the_console_function_refuses_deep_and_huge_queries():
    with pytest.raises(query.QueryTooComplex):
        query.run(DEEP["parentheses"])
    with pytest.raises(query.QueryTooComplex, match="too long"):
        query.run("SELECT * WHERE { ?s ?p ?o } #" + "x" * query.MAX_QUERY_CHARS)


def test_ordinary_nesting_still_runs():
    text = "SELECT (((1 + 2) * 3) AS ?x) WHERE { { { ?m a th:IntegrationModel } } } LIMIT 1"
    assert query.run(text).rows == [["9"]]
    assert max(query.nesting_depth(q.text) for q in query.named_queries().values()) < query.MAX_NESTING
