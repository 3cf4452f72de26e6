"""Issue 11 items 5, 7 and 9 at the endpoint: SERVICE, queries nested 5,000
deep, `Content-Length: -5` and `serve --port 99999` were internal errors,
crashes or outbound requests; each is now a clear refusal."""
import socket
import urllib.parse

from issue11_helpers import MODELS, ask, canary, env, served, tanheng  # noqa: F401 (fixtures)


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data and b"Content-Length" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                if len(body) >= length:
                    break
        return data


def test_service_is_refused_and_fetches_nothing(served, canary):
    status, _, body = ask(served.url, f"SELECT * WHERE {{ SERVICE <{canary.url}/sparql> {{ ?s ?p ?o }} }}")
    assert status == 403 and "SERVICE" in body
    assert canary.hits == []


def test_deep_nesting_is_400_and_the_engine_lives_on(served):
    (engine,) = served.engines()
    deep = "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    status, _, body = ask(served.url, deep)
    assert status == 400 and "nested too deeply" in body
    assert ask(served.url, MODELS)[0] == 200 and served.engines() == [engine]


def test_a_negative_content_length_is_400(served):
    form = urllib.parse.urlencode({"query": MODELS}).encode()
    for length in (b"-5", b"abc", b"1e3"):
        answer = _raw(served.port, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: "
                      b"application/x-www-form-urlencoded\r\nContent-Length: " + length + b"\r\n\r\n" + form)
        assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert ask(served.url, MODELS)[0] == 200


def test_a_port_out_of_range_is_one_sentence(env):
    for port in ("99999", "-1", "http"):
        out = tanheng(env, "serve", "--port", port)
        assert out.returncode == 2 and "port" in out.stderr and "Traceback" not in out.stderr
