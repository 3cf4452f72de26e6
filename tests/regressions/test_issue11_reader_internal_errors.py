"""Issue 11 item 9: inputs that ended in exit 3 'internal error' — CR-only,
mixed or bare-CR line endings, a cell over 131,072 characters, JSON nested
100k levels, a JSON integer of 4,301+ digits, a scenario with
"changes": [1, 2], a --endpoint answering foreign data, a broken pipe."""
import json
import subprocess
import sys

import pytest

from issue11_helpers import EXAMPLES, ROOT, tanheng, env  # noqa: F401 (fixtures)

LINES = (EXAMPLES / "typical-regions.csv").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("ending", ["\r", "mixed", "bare-cr-in-field"])
def test_old_and_mixed_line_endings_read(env, tmp_path, ending):
    if ending == "\r":
        text = "\r".join(LINES[:4])
    elif ending == "mixed":
        text = LINES[0] + "\r\n" + LINES[1] + "\r" + LINES[2] + "\n" + LINES[3]
    else:
        text = LINES[0] + "\n" + LINES[1].replace("浦东新区", '"浦东\r新区"', 1) + "\n" + LINES[2]
    path = tmp_path / "endings.csv"
    path.write_bytes(text.encode("utf-8"))
    out = tanheng(env, "validate", path, "--lang", "en", "--format", "json")
    assert out.returncode in (0, 1), out.stderr
    assert "internal error" not in out.stderr
    expected = 3 if ending != "bare-cr-in-field" else 2
    assert f"{path.name}" and len({r.get("row") for r in json.loads(out.stdout)["results"]} - {None}) <= expected


def test_a_cell_beyond_excel_s_limit_names_its_row(env, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(LINES[0] + "\n" + LINES[1].replace("浦东新区", "长" * 140_000, 1), encoding="utf-8")
    out = tanheng(env, "validate", path, "--lang", "en")
    assert out.returncode == 2 and "row 2 has a cell of 140,000 characters" in out.stderr


@pytest.mark.parametrize("content, words", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('[{"region_id": "1", "area_km2": ' + "9" * 4_301 + "}]", "4,301 digits"),
    ('[{"region_id": "1", "area_km2": 1e400}]', "out of any sensible range"),
])
def test_hostile_json_is_one_sentence(env, tmp_path, content, words):
    path = tmp_path / "hostile.json"
    path.write_text(content, encoding="utf-8")
    out = tanheng(env, "validate", path, "--lang", "en")
    assert out.returncode == 2 and words in out.stderr and "internal error" not in out.stderr


@pytest.mark.parametrize("changes", [[1, 2], [["coal_t"]], [None]])
def test_a_scenario_of_numbers_is_one_sentence(env, tmp_path, changes):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({"changes": changes}), encoding="utf-8")
    out = tanheng(env, "scenario", EXAMPLES / "typical-regions.csv", "--region", "310115",
                  "--scenario", path, "--lang", "en")
    assert out.returncode == 2 and "cannot read the setting" in out.stderr, out.stderr


def test_compare_against_a_server_holding_other_data(env, oxigraph_foreign):
    for url in oxigraph_foreign:
        out = tanheng(env, "compare", "--endpoint", url, "--lang", "en")
        assert out.returncode == 2 and "internal error" not in out.stderr, out.stderr
        assert "SPARQL" in out.stderr


def test_a_closed_pipe_ends_quietly(env):
    assert tanheng(env, "store", "save", EXAMPLES / "typical-regions.csv").returncode == 0
    for args in (["store", "list"], ["query", "-e", "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 20000"]):
        p = subprocess.Popen(f"{sys.executable} -m kg.cli {' '.join(repr(a) for a in args)} | head -c 10",
                             shell=True, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.communicate(timeout=120)
        assert len(out) == 10 and err == b"", err


@pytest.fixture
def oxigraph_foreign():
    """HTTP servers that answer a SPARQL query with other variables, broken JSON, and HTML."""
    import http.server
    import threading

    answers = {"vars": (b'{"head": {"vars": ["x"]}, "results": {"bindings": []}}', "application/sparql-results+json"),
               "broken": (b"{not json", "application/sparql-results+json"),
               "html": (b"<html>hello</html>", "text/html")}
    servers = []
    for body, ctype in answers.values():
        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self, body=body, ctype=ctype):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass
        s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=s.serve_forever, daemon=True).start()
        servers.append(s)
    yield [f"http://127.0.0.1:{s.server_address[1]}/query" for s in servers]
    for s in servers:
        s.shutdown()
        s.server_close()
