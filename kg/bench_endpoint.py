"""The endpoint figure of `tanheng bench` (issue 12 item 6, issue 11): `tanheng serve` on
127.0.0.1 answering one simple SELECT over and over from 8 keep-alive clients — requests/s,
p50, p99 and errors; target ≥ 1,500 requests/s with p99 ≤ 50 ms and no error.

The load comes from `wrk` (Debian's package, C, one thread per core) when it is installed:
a Python client on the same 2 cores would measure itself more than the server. Without wrk a
client of 8 processes is used, and the figure says so."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from .bench import figure

TARGET_RPS, TARGET_P99_MS, CLIENTS = 1_500.0, 50.0, 8
QUERY = "SELECT ?m WHERE { ?m a <https://w3id.org/tanheng/ontology#IntegrationModel> } ORDER BY ?m"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wrk(url: str, clients: int, seconds: float) -> dict:
    out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{max(1, int(seconds))}s", "--latency",
                          "-H", "Accept: application/sparql-results+json", url],
                         capture_output=True, text=True, timeout=seconds + 60).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"client": "wrk", "requests": total, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": ms("50%"), "p99_ms": ms("99%"), "errors": errors + (int(non2xx.group(1)) if non2xx else 0)}


def _python_client(url: str, clients: int, seconds: float) -> dict:
    """Fallback load: `clients` processes, each one keep-alive connection, latencies in ms."""
    code = (
        "import http.client, sys, time, urllib.parse\n"
        "u = urllib.parse.urlsplit(sys.argv[1]); end = time.monotonic() + float(sys.argv[2])\n"
        "c = http.client.HTTPConnection(u.hostname, u.port); lat = []; err = 0\n"
        "while time.monotonic() < end:\n"
        "    t = time.perf_counter()\n"
        "    try:\n"
        "        c.request('GET', u.path + '?' + u.query, headers={'Accept': 'application/sparql-results+json'})\n"
        "        r = c.getresponse(); r.read(); err += r.status != 200\n"
        "    except OSError:\n"
        "        err += 1; c = http.client.HTTPConnection(u.hostname, u.port)\n"
        "    lat.append((time.perf_counter() - t) * 1000)\n"
        "print(err, *lat)\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, url, str(seconds)], stdout=subprocess.PIPE, text=True)
             for _ in range(clients)]
    lat, errors = [], 0
    for p in procs:
        first, *rest = p.communicate(timeout=seconds + 60)[0].split()
        errors += int(first)
        lat += map(float, rest)
    lat.sort()
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
    return {"client": "python (wrk not installed)", "requests": len(lat), "rps": len(lat) / seconds,
            "p50_ms": pick(0.50), "p99_ms": pick(0.99), "errors": errors}


def measure(clients: int = CLIENTS, seconds: float = 10.0) -> dict:
    """Start `tanheng serve` on a store of its own, put `clients` connections on it for `seconds`."""
    with tempfile.TemporaryDirectory() as d:
        port = _free_port()
        env = {**os.environ, "TANHENG_STORE": str(Path(d) / "store")}
        server = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 120
            while "SPARQL endpoint" not in (server.stderr.readline() or ""):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("tanheng serve did not start")
            url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": QUERY})
            run = _wrk if shutil.which("wrk") else _python_client
            return {"clients": clients, "seconds": seconds, **run(url, clients, seconds)}
        finally:
            server.terminate()
            server.wait(10)


@figure("endpoint")
def endpoint_figure(say, quick: bool = False) -> dict:
    r = measure(CLIENTS, 2 if quick else 10)
    met = r["rps"] >= TARGET_RPS and r["p99_ms"] <= TARGET_P99_MS and r["errors"] == 0
    say(f"endpoint      {CLIENTS} clients, {r['seconds']:g} s ({r['client']}): {r['rps']:,.0f} requests/s, "
        f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, {r['errors']} errors "
        f"(target ≥ {TARGET_RPS:,.0f}/s, p99 ≤ {TARGET_P99_MS:.0f} ms, 0 errors: {'met' if met else 'NOT met'})")
    return {**r, "target_rps": TARGET_RPS, "target_p99_ms": TARGET_P99_MS, "met": met}
