"""Issue 11 item 15: `oxigraph serve-read-only --timeout-s` started a thread per
query living for the whole timeout; under 8 clients it grew to 15,760 threads
and aborted (502s). The engine now runs without that flag (the front keeps
the deadline), its thread count stays bounded, and its stderr goes to a log
whose last words the front reports when it restarts it."""
import os
import signal
import threading
import time
from pathlib import Path

from issue11_helpers import MODELS, ask, served  # noqa: F401 (fixtures)


def _threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def test_the_engine_runs_without_a_per_query_timeout_thread(served):
    (engine,) = served.engines()
    assert b"--timeout-s" not in Path(f"/proc/{engine}/cmdline").read_bytes()


def test_eight_clients_keep_the_engine_small_and_get_no_errors(served):
    (engine,) = served.engines()
    statuses, peak = [], [0]
    stop = time.monotonic() + 4

    def client():
        while time.monotonic() < stop:
            statuses.append(ask(served.url, MODELS)[0])

    clients = [threading.Thread(target=client) for _ in range(8)]
    for c in clients:
        c.start()
    while any(c.is_alive() for c in clients):
        peak[0] = max(peak[0], _threads(engine), _threads(served.proc.pid))
        time.sleep(0.1)
    assert len(statuses) > 100 and set(statuses) == {200}
    assert peak[0] < 100, peak                       # 16 front workers; the engine one per pooled connection
    assert served.engines() == [engine]              # never restarted


def test_a_dead_engine_is_replaced_and_its_log_reported(served):
    (engine,) = served.engines()
    os.kill(engine, signal.SIGKILL)
    time.sleep(0.3)
    ask(served.url, MODELS)                          # the request that finds it dead
    status, _, _ = ask(served.url, MODELS)
    assert status == 200
    assert "SPARQL engine restarted" in served.stderr()
    assert served.engines() and served.engines() != [engine]
