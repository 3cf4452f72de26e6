"""HTTP/1.1 as the front needs it, without the standard library's header parser.

http.client and http.server read headers through the email package: about two thirds of
the front's CPU per request went there (two header blocks a request). The front only ever
reads a request head its watcher has seen whole, and answers from one local Oxigraph, so
both sides are parsed here in a few lines: header names are case-insensitive, bodies come
with a Content-Length or chunked, nothing else is needed."""
from __future__ import annotations

import socket


class Headers(dict):
    """Header fields by lower-case name (the last one wins, as for a proxy's purposes)."""

    def get(self, name, default=None):
        return super().get(name.lower(), default)

    def __getitem__(self, name):
        return super().__getitem__(name.lower())

    def __contains__(self, name):
        return super().__contains__(name.lower())


class HeadError(ValueError):
    """A request or response head that is not HTTP/1.x."""


def read_head(rfile, max_fields: int = 100) -> Headers:
    """The header fields after a start line, up to the blank line."""
    headers = Headers()
    for _ in range(max_fields + 1):
        line = rfile.readline(65537)
        if line in (b"\r\n", b"\n", b""):
            return headers
        if len(line) > 65536 or b":" not in line:
            raise HeadError("a header line is malformed or too long")
        name, _, value = line.decode("iso-8859-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    raise HeadError("too many header fields")


class Response:
    """An answer of the engine: status, headers, and its body as it arrives."""

    def __init__(self, conn: "Connection"):
        self._conn, self._rfile = conn, conn.rfile
        line = self._rfile.readline(65537)
        parts = line.decode("iso-8859-1").split(None, 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise ConnectionResetError("the engine closed the connection") if not line else HeadError(line[:80])
        self.status = int(parts[1])
        self.headers = read_head(self._rfile)
        self.will_close = self.headers.get("connection", "").lower() == "close" or parts[0] == "HTTP/1.0"
        self._chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        length = self.headers.get("content-length")
        self._left = int(length) if length is not None and not self._chunked else None
        self.done = self._left == 0

    def getheader(self, name: str, default=None):
        return self.headers.get(name, default)

    def read1(self, n: int = 65536) -> bytes:
        """The next piece of the body (b"" at its end)."""
        if self.done:
            return b""
        if self._chunked:
            size = int(self._rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self._rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass                           # trailer fields
                self.done = True
                return b""
            data = self._rfile.read(size)
            self._rfile.readline(3)                # the CRLF after the chunk
            if len(data) < size:
                raise ConnectionResetError("the engine's answer was cut off")
            return data
        if self._left is None:                     # until the engine closes the connection
            data = self._rfile.read1(n)
            self.done = not data
            self.will_close = True
            return data
        data = self._rfile.read1(min(n, self._left))
        if not data:
            raise ConnectionResetError("the engine's answer was cut off")
        self._left -= len(data)
        self.done = self._left == 0
        return data

    def isclosed(self) -> bool:
        return self.done


class Connection:
    """One keep-alive connection to the engine."""

    def __init__(self, port: int, timeout: float):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = self.sock.makefile("rb")

    def request(self, method: str, target: str, body: bytes | None, headers: dict) -> None:
        lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("iso-8859-1") + (body or b""))

    def getresponse(self) -> Response:
        return Response(self)

    def close(self) -> None:
        try:
            self.rfile.close()
            self.sock.close()
        except OSError:
            pass
