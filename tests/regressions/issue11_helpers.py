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
