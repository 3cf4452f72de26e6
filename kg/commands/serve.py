"""tanheng serve — a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql
(the work is done by kg.serve; this module only reads the options)."""
from __future__ import annotations

import argparse
import signal
import sys

from kg.errors import UserError


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0–65535)")
    return port


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0 or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{text} must be a positive number")
        return value
    return parse


def register(sub):
    p = sub.add_parser("serve", help="serve a read-only SPARQL 1.1 endpoint at /sparql")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=7878, help="port (default 7878; 0 picks a free one)")
    p.add_argument("--timeout", type=_positive(float), default=30.0, help="seconds a query may run (default 30)")
    p.add_argument("--max-bytes", type=_positive(int), default=20_000_000,
                   help="largest answer in bytes (default 20,000,000)")
    p.add_argument("--threads", type=_positive(int), default=128,
                   help="worker threads answering requests (default 128)")
    p.add_argument("--read-timeout", type=_positive(float), default=10.0,
                   help="seconds a client has to send a request, and idle connections stay open (default 10)")
    p.add_argument("--log-requests", action="store_true", help="one line per request on stderr")
    p.set_defaults(func=run)


def run(args):
    from ..serve import EngineError, Server, ServeOptions

    opts = ServeOptions(args.host, args.port, args.timeout, args.max_bytes, args.threads,
                        args.read_timeout, args.log_requests)
    try:
        server = Server(opts)
    except EngineError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        if exc.filename is None and exc.errno:
            raise UserError("cli.cannot-listen", host=args.host, port=args.port, reason=exc.strerror) from None
        raise
    with server:
        signal.signal(signal.SIGTERM, lambda *_: server.shutdown())
        info = server.info
        print(f"Tanheng SPARQL endpoint (read-only): {server.url} — "
              f"{info['knowledge_triples']} knowledge triples, {info['analyses']} saved analyses, "
              f"timeout {args.timeout:g} s, answers up to {args.max_bytes:,} bytes", file=sys.stderr, flush=True)
        server.serve_forever()
    return 0
