"""Helpers for the regression tests: each file is named after the issue item
it guards and drives the real `tanheng` command on real files and stores."""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def tanheng(env: dict, *args, timeout: float = 120, input: str | None = None) -> subprocess.CompletedProcess:
    """Run the real command line in a fresh process."""
    return subprocess.run([sys.executable, "-m", "kg.cli", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, input=input)


def folder_fingerprint(path: Path) -> dict[str, str]:
    """Name → SHA-256 of every file in a folder, to prove it was left untouched
    (RocksDB's own info LOG excepted: it is not data)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.iterdir())
            if p.is_file() and not p.name.startswith("LOG")}


@pytest.fixture
def env(tmp_path) -> dict:
    e = dict(os.environ)
    e["TANHENG_STORE"] = str(tmp_path / "store")
    e["PYTHONPATH"] = str(ROOT)
    e.pop("TANHENG_SPARQL_URL", None)
    return e


@pytest.fixture
def saved_store(env) -> tuple[dict, Path, str]:
    """A store holding one analysis saved by `tanheng store save` on an example file."""
    out = tanheng(env, "store", "save", EXAMPLES / "typical-regions.csv", "--title", "示例")
    assert out.returncode == 0, out.stderr
    return env, Path(env["TANHENG_STORE"]), out.stdout.strip()


class Canary:
    """A real HTTP listener on 127.0.0.1 that records every request it gets:
    the proof that nothing reached out to the network."""

    def __init__(self):
        import http.server
        import threading

        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _hit(self):
                hits.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Type", "application/ld+json")
                self.end_headers()
                self.wfile.write(b'{"@context": {}}')

            do_GET = do_POST = _hit

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canary():
    c = Canary()
    yield c
    c.close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """A real `tanheng serve` process on a free port (stderr kept in a file)."""

    def __init__(self, env: dict, workdir: Path, *args):
        import time

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.stderr_path = workdir / f"serve-{self.port}.log"
        self._stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--port", str(self.port), *args],
                                     cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self._stderr)
        deadline = time.monotonic() + 60
        while "SPARQL endpoint" not in self.stderr():
            assert self.proc.poll() is None and time.monotonic() < deadline, self.stderr()
            time.sleep(0.05)

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def engines(self) -> list[int]:
        """Process ids of the Oxigraph engines this front started."""
        tasks = Path(f"/proc/{self.proc.pid}/task")
        out = []
        for task in tasks.iterdir():
            try:
                for pid in (task / "children").read_text().split():
                    if b"oxigraph" in Path(f"/proc/{pid}/cmdline").read_bytes():
                        out.append(int(pid))
            except OSError:
                continue
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._stderr.close()


def http(url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None,
         timeout: float = 30):
    """(status, headers, body text) of one request; HTTP errors are answers too."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")


def ask(url: str, query: str, timeout: float = 30):
    import urllib.parse

    return http(url + "?" + urllib.parse.urlencode({"query": query}),
                headers={"Accept": "application/sparql-results+json"}, timeout=timeout)


MODELS = "SELECT ?m WHERE { ?m a <https://w3id.org/tanheng/ontology#IntegrationModel> } ORDER BY ?m"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One endpoint for a module: 2 s query limit, 1 s read timeout, 16 workers."""
    tmp = tmp_path_factory.mktemp("served")
    env = {**os.environ, "TANHENG_STORE": str(tmp / "store"), "PYTHONPATH": str(ROOT)}
    s = Served(env, tmp, "--timeout", "2", "--read-timeout", "1", "--threads", "16")
    yield s
    s.stop()
