"""The SPARQL engines behind the front: `oxigraph serve-read-only` processes
on the snapshot, each on a private port, with pooled keep-alive connections.

- No `--timeout-s`: Oxigraph 0.5 starts a thread per query that lives for the
  whole timeout (15,760 threads under 8 clients, then SIGABRT). The front
  enforces the deadline instead, with socket timeouts (no timer threads).
- A query that outlives its deadline cannot be stopped inside Oxigraph, so its
  engine is retired: a fresh engine takes the new requests at once, the old
  one finishes the queries other clients have in flight and is then stopped.
  Slow queries therefore never cost another client its answer.
- Engines are started from one long-lived thread with PR_SET_PDEATHSIG (via
  util-linux `setpriv --pdeathsig`), so that a front killed with -9 takes its
  engines with it; their stderr goes to a log whose tail the front reports
  when an engine dies."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .wire import Connection

_START_TIMEOUT = 30.0


class EngineError(RuntimeError):
    """The engine could not be started."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    local = Path(sys.executable).parent / "oxigraph"
    found = str(local) if local.exists() else shutil.which("oxigraph")
    if not found:
        raise EngineError("the `oxigraph` server is not installed; run `pip install oxigraph`")
    return found


def _tied_to_parent(argv: list[str]) -> list[str]:
    """argv run so that the kernel kills it when its parent dies."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--", *argv] if setpriv else argv


class Engine:
    """One Oxigraph process and its idle keep-alive connections."""

    def __init__(self, location: Path, log: Path):
        self.port = _free_port()
        self.log_path = log
        self._log = open(log, "ab")
        self.proc = subprocess.Popen(
            _tied_to_parent([oxigraph_binary(), "serve-read-only", "--location", str(location),
                             "--bind", f"127.0.0.1:{self.port}", "--union-default-graph"]),
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log, close_fds=True)
        self.in_flight = 0
        self.retired = False
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        raise EngineError(f"the oxigraph server did not start on {location}: {self.log_tail()}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def connection(self, timeout: float) -> tuple[Connection, bool]:
        """(connection, reused): an idle pooled one if there is one."""
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is not None:
            conn.sock.settimeout(timeout)
            return conn, True
        return Connection(self.port, timeout), False

    def give_back(self, conn: Connection) -> None:
        with self._lock:
            if not self.retired:
                self._idle.append(conn)
                return
        conn.close()

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_path.read_bytes()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def stop(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for c in idle:
            c.close()
        if self.proc.poll() is None:
            self.proc.kill()             # read-only on a private copy: nothing to flush
        self.proc.wait(10)
        self._log.close()


class Engines:
    """The current engine, replaced when it dies or a query outlives its deadline."""

    def __init__(self, location: Path, log: Path, report=None):
        self.location, self.log = location, log
        self.report = report or (lambda text: print(text, file=sys.stderr, flush=True))
        # one long-lived thread starts every engine: PR_SET_PDEATHSIG fires when the *thread* that
        # started the child ends, so the short-lived threads of requests must never start one
        self._starter = ThreadPoolExecutor(1, thread_name_prefix="engine-starter")
        self._lock = threading.Lock()            # guards current and the in-flight counts
        self._replacing = threading.Lock()       # one replacement at a time; requests go on meanwhile
        self.restarts = 0
        self.all: set[Engine] = set()
        self.current = self._start()

    def _start(self) -> Engine:
        engine = self._starter.submit(Engine, self.location, self.log).result()
        self.all.add(engine)
        return engine

    def acquire(self) -> Engine:
        with self._lock:
            engine = self.current
            engine.in_flight += 1
            return engine

    def release(self, engine: Engine) -> None:
        with self._lock:
            engine.in_flight -= 1
            done = engine.retired and engine.in_flight == 0
        if done:
            self._stop(engine)

    def _stop(self, engine: Engine) -> None:
        engine.stop()
        self.all.discard(engine)

    def replace(self, engine: Engine, why: str) -> None:
        """Put a fresh engine in place of `engine` (once, however many requests saw it fail);
        `engine` stops when the queries others have in flight on it are answered."""
        with self._replacing:
            if engine is not self.current:
                return
            try:
                fresh = self._start()
            except EngineError as exc:
                self.report(f"tanheng serve: {exc}")
                return
            with self._lock:
                self.current = fresh
                self.restarts += 1
                engine.retired = True
                idle_now = engine.in_flight == 0
        tail = "" if engine.alive() else f"; its last words: {engine.log_tail()}"
        self.report(f"tanheng serve: SPARQL engine restarted ({why}){tail}")
        if idle_now:
            self._stop(engine)

    def close(self) -> None:
        for engine in list(self.all):
            self._stop(engine)
        self._starter.shutdown(wait=False)
