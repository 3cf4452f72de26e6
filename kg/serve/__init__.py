"""`tanheng serve`: a read-only SPARQL 1.1 endpoint over the knowledge graph
and the saved analyses, at http://HOST:PORT/sparql.

  snapshot  the private copy that is served, and the leftovers of killed fronts
  engine    the Oxigraph processes that answer, restartable, tied to the front
  front     the HTTP front: refusals, limits, worker pool, streaming

`Server` puts them together; kg.commands.serve is its command-line wrapper."""
from __future__ import annotations

import shutil
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from .engine import EngineError, Engines
from .front import Limits, PooledHTTPServer, SparqlHandler
from .snapshot import clean_leftovers, make_snapshot, work_folder

__all__ = ["EngineError", "Server", "ServeOptions"]


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 7878
    timeout: float = 30.0             # seconds a query may run
    max_bytes: int = 20_000_000       # largest answer
    threads: int = 128                # worker threads of the front
    read_timeout: float = 10.0        # seconds for a request's line and headers, and idle keep-alive
    log_requests: bool = False


class Server:
    """The snapshot, its engine and the front; `with Server(opts) as s: s.serve_forever()`.
    Opening raises OSError (the port cannot be bound) or EngineError."""

    def __init__(self, opts: ServeOptions, report=None):
        self.opts = opts
        self.report = report or (lambda text: print(text, file=sys.stderr, flush=True))
        for folder in clean_leftovers():
            self.report(f"tanheng serve: removed {folder}, left by a server that was killed")
        self.workdir = work_folder()
        self.engines = None
        self.httpd = None
        try:
            self.info = make_snapshot(self.workdir / "db")
            self.engines = Engines(self.workdir / "db", self.workdir / "oxigraph.log", self.report)
            handler = type("Handler", (SparqlHandler,), {
                "engines": self.engines, "log_requests": opts.log_requests,
                "limits": Limits(opts.timeout, opts.max_bytes, opts.read_timeout)})
            self.httpd = PooledHTTPServer((opts.host, opts.port), handler, workers=opts.threads,
                                          read_timeout=opts.read_timeout)
        except BaseException:
            self.close()
            raise

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/sparql"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.5)

    def shutdown(self) -> None:
        """Stop serve_forever from another thread or a signal handler."""
        threading.Thread(target=self.httpd.shutdown, daemon=True).start()

    def close(self) -> None:
        if self.httpd is not None:
            self.httpd.server_close()
        if self.engines is not None:
            self.engines.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
