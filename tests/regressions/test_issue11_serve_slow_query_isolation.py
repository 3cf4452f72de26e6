"""Issue 11 item 16: a timed-out query restarted Oxigraph and aborted every
other client's query in flight (13 of 1,500 innocent queries got 502). The
engine with the runaway is retired: a fresh one takes new requests at once,
the old one finishes the queries in flight, then stops."""
import threading
import time

from issue11_helpers import MODELS, RUNAWAY, ask, served  # noqa: F401 (fixtures)


def test_runaway_queries_cost_other_clients_nothing(served):
    innocent, runaway = [], []
    stop = time.monotonic() + 6

    def client():
        while time.monotonic() < stop:
            innocent.append(ask(served.url, MODELS)[0])

    def slow():
        while time.monotonic() < stop - 2:
            runaway.append(ask(served.url, RUNAWAY)[0])

    threads = [threading.Thread(target=client) for _ in range(6)] + [threading.Thread(target=slow)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert runaway and set(runaway) == {503}                  # each stopped at the limit
    assert len(innocent) > 100 and set(innocent) == {200}, {s: innocent.count(s) for s in set(innocent)}
    assert served.stderr().count("SPARQL engine restarted") >= len(runaway)
    time.sleep(1)
    assert len(served.engines()) == 1                         # retired engines were stopped
