"""The private copy `tanheng serve` serves, in a work folder of its own.

The copy holds the saved analyses as the store has them (read-only: serving
never creates or changes the user's store) and the knowledge graph as
ontology/ holds it now, without the store's bookkeeping (the meta graph).
The work folder is named after the serving process, so a later start can
tell the leftovers of a front that was killed with -9 (folder and, from
versions before the engine's life was tied to the front, its engine) and
remove them."""
from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
from pathlib import Path

from ..store import META_GRAPH, KnowledgeStore, StoreMissing, open_disk_store

_PREFIX = "tanheng-serve-"
_NAME = re.compile(re.escape(_PREFIX) + r"(\d+)-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _processes_using(folder: Path) -> list[int]:
    """Our own processes whose command line names `folder` (an orphaned engine)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != os.getuid():
                continue
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(folder).encode() in cmdline or any(a.startswith(str(folder).encode() + b"/") for a in cmdline):
            found.append(int(entry.name))
    return found


def clean_leftovers(base: Path | None = None) -> list[Path]:
    """Remove the work folders of serving processes that no longer run, and
    stop any engine still running on one; returns the folders removed."""
    base = Path(base or tempfile.gettempdir())
    removed = []
    for folder in base.glob(_PREFIX + "*"):
        m = _NAME.match(folder.name)
        if not m or not folder.is_dir() or _alive(int(m.group(1))):
            continue
        for pid in _processes_using(folder):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def work_folder(base: Path | None = None) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=base))


def make_snapshot(target: Path) -> dict:
    """Fill `target` with what is served; returns the copy's info."""
    try:
        with open_disk_store() as s:
            s.snapshot(target)
    except StoreMissing:
        pass                                           # nothing saved yet: serve the knowledge graph alone
    with KnowledgeStore(target, wait=0) as copy:       # loads the knowledge graph if stale or absent
        info = copy.info()
        copy.store.remove_graph(META_GRAPH)
    return info
