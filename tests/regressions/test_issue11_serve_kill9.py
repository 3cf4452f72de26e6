"""Issue 11 item 18: `kill -9` of the front left Oxigraph orphaned and
listening, and its snapshot copy on disk. The engine's life is tied to the
front's (PR_SET_PDEATHSIG), and a new start removes what a killed one left."""
import os
import signal
import time
from pathlib import Path

from issue11_helpers import Served, env  # noqa: F401 (fixtures)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def test_kill_9_of_the_front_takes_the_engine_and_a_restart_cleans_up(env, tmp_path):
    temp = tmp_path / "tmp"                 # a temp folder of its own: no other server cleans it meanwhile
    temp.mkdir()
    env["TMPDIR"] = str(temp)
    first = Served(env, tmp_path)
    engines = first.engines()
    assert len(engines) == 1
    folders = list(temp.glob(f"tanheng-serve-{first.proc.pid}-*"))
    assert len(folders) == 1
    os.kill(first.proc.pid, signal.SIGKILL)
    first.proc.wait()
    deadline = time.monotonic() + 5
    while _alive(engines[0]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(engines[0]), "the engine outlived its front"
    assert folders[0].exists()                        # nobody was left to remove it…
    second = Served(env, tmp_path)
    try:
        assert not folders[0].exists()                # …until the next start
        assert f"removed {folders[0]}" in second.stderr()
    finally:
        second.stop()
    assert not list(temp.glob(f"tanheng-serve-{second.proc.pid}-*"))
