"""The HTTP front of `tanheng serve`: the SPARQL 1.1 Protocol on /sparql,
read-only, with time and size limits, in front of the Oxigraph engines.

Why a front at all: Oxigraph alone would run updates sent as queries, SERVICE
(a fetch of any URL), queries deep enough to overflow its parser's stack,
and queries with no end. The front refuses the first three before they reach
it and holds each query to its deadline and each answer to its size.

Built to hold load on a small machine:
  - one thread watches all connections and hands a connection to the fixed
    pool of worker threads only when its request head is all in (the listen
    backlog is 1,024, not Python's 5, which reset 2.8 % of connections at 50
    clients); a request's line and headers must arrive within --read-timeout
    seconds (slow loris), and idle keep-alive connections close after that;
  - connections to the engine are kept alive and pooled;
  - answers are streamed: small ones (up to 1 MB) go out with a
    Content-Length, larger ones chunked as the engine produces them, cut off
    at --max-bytes."""
from __future__ import annotations

import queue
import select
import selectors
import socket
import sys
import threading
import time
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from kg.knowledge.query import QueryRefused, UpdateNotAllowed, guard
from .engine import Engine, Engines
from .wire import HeadError, read_head

USAGE = ("Tanheng 碳衡 read-only SPARQL endpoint 只读 SPARQL 端点: "
         "GET or POST /sparql?query=… (SPARQL 1.1 Protocol)\n")
READ_ONLY = "This endpoint is read-only: SPARQL updates are refused. 此端点只读，拒绝更新。\n"
_FORWARDED = ("Accept", "Content-Type")
_MAX_BODY = 1_000_000            # a query text, not data
_STREAM_AFTER = 1024 * 1024      # answers up to this size are sent whole, with a Content-Length
_RETRYABLE = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


@lru_cache(maxsize=4096)
def _refusal(text: str) -> tuple[int, str] | None:
    """(status, message) if the query is refused; cached, as clients repeat their queries."""
    try:
        guard(text)
    except QueryRefused as exc:
        return exc.status, READ_ONLY if isinstance(exc, UpdateNotAllowed) else f"{exc.en}. {exc.zh}\n"
    return None


class Limits:
    def __init__(self, timeout: float, max_bytes: int, read_timeout: float):
        self.timeout, self.max_bytes, self.read_timeout = timeout, max_bytes, read_timeout


class PooledHTTPServer(HTTPServer):
    """An HTTP server whose worker threads only ever see whole request heads.

    One thread watches every connection (selectors): a new connection, or a
    kept-alive one between requests, costs no worker; a connection goes to the
    pool once its request line and headers are all in (a peek shows the blank
    line), and is closed if they are not in within `read_timeout`. So slow or
    idle clients cannot occupy the workers (slow loris), the number of threads
    is fixed, and a hundred keep-alive clients share 16 workers fairly."""
    allow_reuse_address = True
    request_queue_size = 1024
    max_connections = 4096

    def __init__(self, address, handler, *, workers: int, read_timeout: float):
        super().__init__(address, handler)
        self.read_timeout = read_timeout
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._parked: queue.SimpleQueue = queue.SimpleQueue()   # kept-alive connections coming back
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._workers = [threading.Thread(target=self._work, name=f"sparql-worker-{i}", daemon=True)
                         for i in range(workers)]
        for w in self._workers:
            w.start()

    # -- the watcher ---------------------------------------------------------------------
    def serve_forever(self, poll_interval: float = 0.5) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self.socket, selectors.EVENT_READ, None)
        sel.register(self._wake_r, selectors.EVENT_READ, None)
        due: dict[socket.socket, tuple[float, tuple]] = {}

        def watch(conn, addr):
            if len(due) >= self.max_connections:
                self._close(conn)
                return
            due[conn] = (time.monotonic() + self.read_timeout, addr)
            sel.register(conn, selectors.EVENT_READ, None)

        try:
            while not self._stopping.is_set():
                for key, _ in sel.select(timeout=min(poll_interval, self.read_timeout / 2)):
                    sock = key.fileobj
                    if sock is self.socket:
                        try:
                            conn, addr = self.socket.accept()
                        except OSError:
                            continue
                        watch(conn, addr)
                    elif sock is self._wake_r:
                        try:
                            self._wake_r.recv(4096)
                        except BlockingIOError:
                            pass
                        while True:
                            try:
                                watch(*self._parked.get_nowait())
                            except queue.Empty:
                                break
                    else:
                        try:
                            head = sock.recv(65536, socket.MSG_PEEK | socket.MSG_DONTWAIT)
                        except BlockingIOError:
                            continue
                        except OSError:
                            head = b""
                        if head and b"\r\n\r\n" not in head and len(head) < 65536:
                            continue                      # the head is not all in yet
                        sel.unregister(sock)
                        _, addr = due.pop(sock)
                        if head:
                            self._queue.put((sock, addr))
                        else:
                            self._close(sock)             # the client went away
                now = time.monotonic()
                for conn in [c for c, (d, _) in due.items() if d < now]:
                    sel.unregister(conn)
                    del due[conn]
                    self._close(conn)
        finally:
            for conn in due:
                self._close(conn)
            sel.close()
            self._stopped.set()

    def park(self, conn: socket.socket, addr) -> None:
        """A kept-alive connection waits for its next request without a worker."""
        self._parked.put((conn, addr))
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def shutdown(self) -> None:
        self._stopping.set()
        self._stopped.wait(10)

    @staticmethod
    def _close(conn: socket.socket) -> None:
        try:
            conn.close()
        except OSError:
            pass

    # -- the pool ----------------------------------------------------------------------------
    def _work(self):
        while True:
            item = self._queue.get()
            if item is None:
                return
            conn, addr = item
            keep = False
            try:
                handler = self.RequestHandlerClass(conn, addr, self)
                keep = not handler.close_connection
            except Exception:
                self.handle_error(conn, addr)
            if keep and not self._stopping.is_set():
                self.park(conn, addr)
            else:
                self.shutdown_request(conn)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            print(f"tanheng serve: request from {client_address[0]} failed: {type(exc).__name__}: {exc}",
                  file=sys.stderr, flush=True)

    def server_close(self):
        self._stopping.set()
        for _ in self._workers:
            self._queue.put(None)
        super().server_close()
        self._wake_r.close()
        self._wake_w.close()


class SparqlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    engines: Engines
    limits: Limits
    log_requests = False
    server: PooledHTTPServer

    # -- plumbing ---------------------------------------------------------------------
    def setup(self):
        self.timeout = self.limits.read_timeout
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    _FOLLOW_UP_S = 0.002          # a busy client's next request usually arrives within this
    _TURNS = 64                   # requests one connection may make before others get the worker

    def handle(self):
        """One request (its head is all in), then the next ones of the same client while
        they come at once; between requests that do not, the server waits for the
        client without a worker."""
        self.close_connection = True
        self.handle_one_request()
        turns = 1
        while not self.close_connection and turns < self._TURNS and self._next_head_is_in():
            self.handle_one_request()
            turns += 1

    def handle_one_request(self):
        """Read one request (its head is whole: the watcher saw it) and answer it. The head is
        parsed here (kg.serve.wire) rather than by http.server, whose parser costs more than
        the rest of the request."""
        try:
            line = self.rfile.readline(65537)
            if not line:
                self.close_connection = True
                return
            self.raw_requestline = line
            self.requestline = line.decode("iso-8859-1").rstrip("\r\n")
            words = self.requestline.split()
            if len(words) != 3 or not words[2].startswith("HTTP/1.") or len(line) > 65536:
                self.request_version, self.close_connection = "HTTP/1.0", True
                return self._reply(400, "Bad request line.\n")
            self.command, self.path, self.request_version = words
            try:
                self.headers = read_head(self.rfile)
            except HeadError as exc:
                self.close_connection = True
                return self._reply(431 if "many" in str(exc) else 400, f"Bad request: {exc}.\n")
            connection = self.headers.get("connection", "").lower()
            self.close_connection = connection == "close" or (
                self.request_version == "HTTP/1.0" and connection != "keep-alive")
            if self.headers.get("expect", "").lower() == "100-continue":
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            handler = getattr(self, "do_" + self.command, None)
            if handler is None:
                self.close_connection = True
                return self._reply(501, f"Method {self.command[:20]} is not supported.\n",
                                   headers=[("Allow", "GET, POST")])
            handler()
            self.wfile.flush()
        except TimeoutError:
            self.close_connection = True

    def _next_head_is_in(self) -> bool:
        """True when the client's next request can be read now: already in our buffer
        (pipelined), or its whole head arrives within a couple of milliseconds."""
        self.connection.setblocking(False)
        try:
            buffered = self.rfile.peek(1)      # what is buffered, or one read that does not wait
        except OSError:
            buffered = b""
        finally:
            self.connection.settimeout(self.timeout)
        if buffered:
            return True                        # already taken from the socket: only this worker can read it
        try:
            if not select.select([self.connection], [], [], self._FOLLOW_UP_S)[0]:
                return False
            head = self.connection.recv(65536, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except OSError:
            return False
        return bool(head) and (b"\r\n\r\n" in head or len(head) >= 65536)

    def send_response(self, code, message=None):
        """As the base class, without the Server header (no versions told to strangers)."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def log_message(self, fmt, *args):
        if self.log_requests:
            sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

    def log_error(self, fmt, *args):
        pass                                           # timeouts and resets of clients are not news

    def _keep_alive(self) -> None:
        if self.close_connection:
            self.send_header("Connection", "close")

    def _reply(self, code: int, text: str, ctype: str = "text/plain; charset=utf-8", headers=()) -> None:
        body = text.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self._keep_alive()
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()                           # one write: headers and body

    def _refuse_update(self) -> None:
        self._reply(403, READ_ONLY)

    # -- routing ------------------------------------------------------------------------
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
        params = parse_qs(parts.query)
        if "update" in params:
            self._refuse_update()
            return None
        return parts.query, params

    def _refused(self, texts: list[str]) -> bool:
        """Refuse (and answer) if any query is an update, federates, or is too long or deep."""
        for text in texts:
            if (refusal := _refusal(text)) is not None:
                self._reply(*refusal)
                return True
        return False

    def _body(self) -> bytes | None:
        """The request body, or None after answering why it cannot be read."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            self._reply(411, "Send the query with a Content-Length.\n")
            return None
        raw = self.headers.get("Content-Length") or "0"
        if not raw.strip().isdigit():                   # "-5", "1e3", "abc"
            self.close_connection = True
            self._reply(400, f"Content-Length {raw[:40]!r} is not a length.\n")
            return None
        length = int(raw)
        if length > _MAX_BODY:
            self.close_connection = True
            self._reply(413, f"A query of more than {_MAX_BODY:,} bytes is refused.\n")
            return None
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True
            return None
        return body

    def _query(self):
        """GET or POST /sparql by the SPARQL 1.1 Protocol: the query in the URL, a form, or the body."""
        if (route := self._route()) is None:
            return
        qs, params = route
        body = None
        if self.command == "GET":
            if "query" not in params:
                return self._reply(200, USAGE)
            texts = params["query"]
        elif (body := self._body()) is None or (texts := self._posted(body)) is None:
            return
        if not self._refused(texts + (params.get("query", []) if body is not None else [])):
            self._forward(self.command, qs, body)

    def _posted(self, body: bytes) -> list[str] | None:
        """The query texts of a POST, or None after answering why there are none."""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            return self._refuse_update()
        if ctype == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8", "replace"))
            if "update" in form:
                return self._refuse_update()
            if "query" not in form:
                return self._reply(400, "Missing the `query` parameter.\n")
            return form["query"]
        if ctype == "application/sparql-query":
            return [body.decode("utf-8", "replace")]
        return self._reply(415, "POST a form (application/x-www-form-urlencoded) or application/sparql-query.\n")

    do_GET = do_POST = _query

    def _refuse_method(self):
        self._reply(405, "Only GET and POST are allowed on this read-only endpoint.\n",
                    headers=[("Allow", "GET, POST")])

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_TRACE = do_CONNECT = _refuse_method

    # -- the engine -------------------------------------------------------------------------
    def _ask(self, engine: Engine, method: str, target: str, body, headers, deadline: float):
        """Send the request on a pooled connection (a fresh one if a reused one was closed meanwhile)."""
        for attempt in (1, 2):
            conn, reused = engine.connection(max(deadline - time.monotonic(), 0.001))
            try:
                conn.request(method, target, body=body, headers=headers)
                return conn, conn.getresponse()
            except _RETRYABLE:
                conn.close()
                if not reused or attempt == 2:
                    raise
            except BaseException:
                conn.close()
                raise

    def _forward(self, method: str, qs: str, body: bytes | None) -> None:
        limits = self.limits
        deadline = time.monotonic() + limits.timeout
        headers = {h: self.headers[h] for h in _FORWARDED if self.headers.get(h)}
        engine = self.engines.acquire()
        conn = None
        try:
            try:
                conn, resp = self._ask(engine, method, "/query" + (f"?{qs}" if qs else ""), body, headers, deadline)
                self._relay(engine, conn, resp, deadline)
            except (TimeoutError, socket.timeout):
                if conn is not None:
                    conn.close()
                timed_out = True
            except (OSError, HeadError) as exc:
                if conn is not None:
                    conn.close()
                if not engine.alive():
                    self.engines.replace(engine, "it stopped")
                return self._reply(502, f"The SPARQL engine failed: {type(exc).__name__}. SPARQL 引擎出错。\n")
            else:
                timed_out = False
        finally:
            self.engines.release(engine)
        if timed_out:
            self.engines.replace(engine, f"a query ran past the {limits.timeout:g} s limit")
            self._reply(503, f"The query ran longer than the limit of {limits.timeout:g} s and was stopped. "
                             f"查询超时（{limits.timeout:g} 秒）。\n")

    def _relay(self, engine: Engine, conn, resp, deadline: float) -> None:
        limits = self.limits
        keep = min(_STREAM_AFTER, limits.max_bytes)
        chunks, size = [], 0
        while size <= keep:
            conn.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            chunk = resp.read1(65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        ctype = resp.getheader("Content-Type", "application/octet-stream")
        if size <= keep:                                  # the whole answer is here
            payload = b"".join(chunks)
            self._give_back(engine, conn, resp)
            if resp.status == 500 and b"custom function" in payload:
                return self._reply(400, payload.decode("utf-8", "replace").strip() + "\n")
            self.send_response(resp.status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self._keep_alive()
            self._headers_buffer.append(b"\r\n")
            self._headers_buffer.append(payload)
            self.flush_headers()
            return
        if size > limits.max_bytes:
            conn.close()
            return self._reply(413, f"The result is larger than the limit of {limits.max_bytes:,} bytes; "
                                    "narrow the query or add LIMIT. 结果超出大小限制，请缩小查询或加 LIMIT。\n")
        self._stream(engine, conn, resp, ctype, chunks, size, deadline)

    def _stream(self, engine: Engine, conn, resp, ctype: str, chunks: list[bytes], size: int,
                deadline: float) -> None:
        """A large answer, passed on chunk by chunk as the engine writes it; cut off (no final
        chunk, so the client sees an incomplete answer) past the size limit or the deadline."""
        chunked = self.request_version != "HTTP/1.0"
        self.send_response(resp.status)
        self.send_header("Content-Type", ctype)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.close_connection = True
        self._keep_alive()
        self.end_headers()
        write = (lambda b: self.wfile.write(b"%x\r\n%s\r\n" % (len(b), b))) if chunked else self.wfile.write
        try:
            for c in chunks:
                write(c)
            while True:
                conn.sock.settimeout(max(deadline - time.monotonic(), 0.001))
                chunk = resp.read1(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.limits.max_bytes:
                    self.close_connection = True
                    conn.close()
                    return
                write(chunk)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except (TimeoutError, socket.timeout):             # the answer was begun: it can only be cut off
            self.close_connection = True
            conn.close()
            self.engines.replace(engine, "an answer ran past the time limit")
            return
        except OSError:                                    # the client went away
            self.close_connection = True
            conn.close()
            return
        self._give_back(engine, conn, resp)

    @staticmethod
    def _give_back(engine: Engine, conn, resp) -> None:
        """Back to the pool when the answer was read whole and the engine keeps the connection open."""
        if not resp.will_close and resp.isclosed():
            engine.give_back(conn)
        else:
            conn.close()
