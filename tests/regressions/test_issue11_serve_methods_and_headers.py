"""Issue 11 item 19: OPTIONS and HEAD answer 405 as documented, an unknown
function is the client's mistake (400, not Oxigraph's 500), and no answer
carries a Server header telling versions."""
from issue11_helpers import MODELS, ask, http, served  # noqa: F401 (fixtures)


def test_options_and_head_are_405_with_allow(served):
    for method in ("OPTIONS", "HEAD", "PUT", "DELETE", "PATCH"):
        status, headers, _ = http(served.url, method=method)
        assert status == 405, method
        assert headers["Allow"] == "GET, POST"


def test_an_unknown_function_is_400(served):
    status, _, body = ask(served.url, "SELECT (<urn:nobody:fn>(1) AS ?x) WHERE {}")
    assert status == 400 and "urn:nobody:fn" in body


def test_no_answer_names_a_server(served):
    answers = [ask(served.url, MODELS), ask(served.url, "SELEC x"), http(served.url, method="OPTIONS"),
               http(served.url.replace("/sparql", "/nothing")), ask(served.url, "DROP ALL")]
    assert [a[0] for a in answers] == [200, 400, 405, 404, 403]
    for _, headers, _ in answers:
        assert headers.get("Server") is None
