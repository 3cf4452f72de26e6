"""Shared, generic test fixtures. Every test session (every xdist worker) gets
its own temporary embedded store, so tests never touch var/store."""
import os
import socket
import sys
import tempfile
from pathlib import Path

import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="tanheng-test-"))
os.environ["TANHENG_STORE"] = str(_SESSION_DIR / "store")
os.environ.pop("TANHENG_SPARQL_URL", None)      # tests choose their endpoint explicitly
os.environ.pop("TANHENG_SPARQL_UPDATE_URL", None)

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def session_dir() -> Path:
    return _SESSION_DIR


@pytest.fixture
def tanheng_env(tmp_path) -> dict:
    """Environment for a `tanheng` subprocess with its own empty store."""
    env = dict(os.environ)
    env["TANHENG_STORE"] = str(tmp_path / "store")
    env["PYTHONPATH"] = str(ROOT)
    return env


def wait_for_port(port: int, proc=None, timeout: float = 20.0) -> None:
    """Block until something accepts connections on 127.0.0.1:port (or fail,
    with the process's output, if it exits or the time runs out)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


def stop(proc) -> None:
    """Stop a server started by a test: terminate, then kill if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except Exception:
            proc.kill()
            proc.wait(5)


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """A real, empty, read-write SPARQL 1.1 server (the oxigraph CLI) whose
    default graph is the union of its named graphs; yields its base URL."""
    import subprocess

    port = free_port()
    proc = subprocess.Popen([str(VENV_BIN / "oxigraph"), "serve", "--location",
                             str(tmp_path_factory.mktemp("oxigraph")), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)
