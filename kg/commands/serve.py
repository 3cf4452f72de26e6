"""tanheng serve — a read-only SPARQL 1.1 endpoint over the knowledge graph
(and the saved analyses) at http://HOST:PORT/sparql.

The SPARQL work is done by `oxigraph serve-read-only` on a snapshot of the
store, so the embedded store stays free for the CLI and the app. Oxigraph
0.5's own --timeout-s does not stop every query (a large COUNT or a long
result stream runs on), and it has no result-size limit, so a small front
here enforces both and refuses updates before they reach anything:
  - only /sparql, GET or POST (form or direct), by the SPARQL 1.1 Protocol;
  - updates -> 403, other methods -> 405, malformed queries -> 400 (Oxigraph's message);
  - a query still running after --timeout seconds -> 503, and the Oxigraph
    process is restarted on the same snapshot, because that is the only way
    to stop a runaway query in it;
  - an answer larger than --max-bytes -> 413 (narrow the query or add LIMIT)."""
from __future__ import annotations

import http.client
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..cli import UserError
from ..query import is_update
from ..store import META_GRAPH, open_disk_store

USAGE = ("Tanheng 碳衡 read-only SPARQL endpoint 只读 SPARQL 端点: "
         "GET or POST /sparql?query=… (SPARQL 1.1 Protocol)\n")
_FORWARDED = ("Accept", "Content-Type")
_MAX_QUERY_BYTES = 1_000_000          # a query text, not data: updates are refused anyway


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _oxigraph_binary() -> str:
    local = Path(sys.executable).parent / "oxigraph"
    found = str(local) if local.exists() else shutil.which("oxigraph")
    if not found:
        raise UserError("the `oxigraph` server is not installed; run `pip install oxigraph`")
    return found


class Upstream:
    """The Oxigraph read-only server on a private port, restartable."""

    def __init__(self, location: Path, timeout: float):
        self.location, self.timeout = location, timeout
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.start()

    def start(self) -> None:
        self.port = _free_port("127.0.0.1")
        self.proc = subprocess.Popen(
            [_oxigraph_binary(), "serve-read-only", "--location", str(self.location),
             "--bind", f"127.0.0.1:{self.port}", "--union-default-graph",
             "--timeout-s", str(max(1, int(self.timeout)))],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise UserError(f"the oxigraph server did not start on the snapshot {self.location}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def restart(self, port_seen: int) -> None:
        """Restart once per runaway, however many requests noticed it."""
        with self.lock:
            if self.port == port_seen:
                self.stop()
                self.start()


class SparqlHandler(BaseHTTPRequestHandler):
    server_version = "Tanheng-SPARQL"
    upstream: Upstream
    timeout_s: float
    max_bytes: int

    def log_message(self, fmt, *args):      # one short line per request on stderr
        sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

    def _reply(self, code: int, text: str, ctype: str = "text/plain; charset=utf-8") -> None:
        body = text.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _refuse_update(self) -> None:
        self._reply(403, "This endpoint is read-only: SPARQL updates are refused. 此端点只读，拒绝更新。\n")

    def _route(self) -> tuple[str, dict] | None:
        parts = urlsplit(self.path)
        if parts.path in ("", "/"):
            self._reply(200, USAGE)
            return None
        if parts.path == "/update":
            self._refuse_update()
            return None
        if parts.path != "/sparql":
            self._reply(404, f"Not found: {parts.path}. The endpoint is /sparql.\n")
            return None
        return parts.query, parse_qs(parts.query)

    def do_GET(self):
        route = self._route()
        if route is None:
            return
        qs, params = route
        if "update" in params:
            return self._refuse_update()
        if "query" not in params:
            return self._reply(200, USAGE)
        if any(is_update(q) for q in params["query"]):     # an update sent as a query
            return self._refuse_update()
        self._forward("GET", qs, None)

    def do_POST(self):
        route = self._route()
        if route is None:
            return
        qs, params = route
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_QUERY_BYTES:
            return self._reply(413, f"A query of more than {_MAX_QUERY_BYTES:,} bytes is refused.\n")
        body = self.rfile.read(length)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update" or "update" in params:
            return self._refuse_update()
        if ctype == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8", "replace"))
            if "update" in form:
                return self._refuse_update()
            if "query" not in form:
                return self._reply(400, "Missing the `query` parameter.\n")
            texts = form["query"]
        elif ctype == "application/sparql-query":
            texts = [body.decode("utf-8", "replace")]
        else:
            return self._reply(415, "POST a form (application/x-www-form-urlencoded) or "
                                    "application/sparql-query.\n")
        if any(is_update(q) for q in texts + params.get("query", [])):   # an update sent as a query
            return self._refuse_update()
        self._forward("POST", qs, body)

    def _refuse_method(self):
        self._reply(405, "Only GET and POST are allowed on this read-only endpoint.\n")

    do_PUT = do_DELETE = do_PATCH = _refuse_method

    def _forward(self, method: str, qs: str, body: bytes | None) -> None:
        up = self.upstream
        port = up.port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=self.timeout_s + 5)
        timed_out = threading.Event()

        def cut():                                  # the deadline: close the upstream socket
            timed_out.set()
            if conn.sock is not None:
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        timer = threading.Timer(self.timeout_s, cut)
        timer.start()
        chunks, size, too_big, resp = [], 0, False, None
        try:
            headers = {h: self.headers[h] for h in _FORWARDED if self.headers.get(h)}
            conn.request(method, "/query" + (f"?{qs}" if qs else ""), body=body, headers=headers)
            resp = conn.getresponse()
            while chunk := resp.read1(65536):
                size += len(chunk)
                if size > self.max_bytes:
                    too_big = True
                    break
                chunks.append(chunk)
            failed = None
        except (OSError, http.client.HTTPException) as exc:
            failed = exc
        finally:
            timer.cancel()
            conn.close()
        if timed_out.is_set():
            up.restart(port)
            return self._reply(503, f"The query ran longer than the limit of {self.timeout_s:g} s "
                                    f"and was stopped. 查询超时（{self.timeout_s:g} 秒）。\n")
        if too_big:
            return self._reply(413, f"The result is larger than the limit of {self.max_bytes:,} bytes; "
                                    "narrow the query or add LIMIT. 结果超出大小限制，请缩小查询或加 LIMIT。\n")
        if failed is not None or resp is None:
            if up.proc.poll() is not None:          # it died: bring it back for the next request
                up.restart(port)
            return self._reply(502, f"The SPARQL engine failed: {failed}\n")
        payload = b"".join(chunks)
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.getheader("Content-Type", "application/octet-stream"))
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def make_snapshot(target: Path) -> dict:
    """A private copy of the embedded store at `target` to serve: the saved
    analyses as they are (read-only; a missing store serves none, and is not
    created) and the knowledge graph as ontology/ holds it now, without the
    store's own bookkeeping (the meta graph)."""
    from ..store import KnowledgeStore, StoreMissing

    try:
        with open_disk_store() as s:
            s.snapshot(target)
    except StoreMissing:
        pass
    with KnowledgeStore(target, wait=0) as copy:      # loads the knowledge graph if stale or absent
        info = copy.info()
        copy.store.remove_graph(META_GRAPH)
    return info


def register(sub):
    p = sub.add_parser("serve", help="serve a read-only SPARQL 1.1 endpoint at /sparql")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7878)
    p.add_argument("--timeout", type=float, default=30.0, help="seconds a query may run (default 30)")
    p.add_argument("--max-bytes", type=int, default=20_000_000,
                   help="largest answer in bytes (default 20,000,000)")
    p.set_defaults(func=run)


def run(args):
    if args.timeout <= 0 or args.max_bytes <= 0:
        raise UserError("--timeout and --max-bytes must be positive")
    workdir = Path(tempfile.mkdtemp(prefix="tanheng-serve-"))
    upstream = None
    try:
        info = make_snapshot(workdir / "db")
        upstream = Upstream(workdir / "db", args.timeout)
        handler = type("Handler", (SparqlHandler,), {
            "upstream": upstream, "timeout_s": args.timeout, "max_bytes": args.max_bytes})
        try:
            httpd = ThreadingHTTPServer((args.host, args.port), handler)
        except OSError as exc:
            raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
        httpd.daemon_threads = True
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=httpd.shutdown).start())
        print(f"Tanheng SPARQL endpoint (read-only): http://{args.host}:{args.port}/sparql — "
              f"{info['knowledge_triples']} knowledge triples, {info['analyses']} saved analyses, "
              f"timeout {args.timeout:g} s, answers up to {args.max_bytes:,} bytes", file=sys.stderr, flush=True)
        try:
            httpd.serve_forever()
        finally:
            httpd.server_close()
    finally:
        if upstream:
            upstream.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0
