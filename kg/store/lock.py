"""One lock per store folder, so that processes take turns instead of failing.

RocksDB (under Oxigraph) lets one process open a folder read-write and says
that reading it while another process writes is undefined: readers then meet
SST files a compaction has just deleted ("corruption"), and two writers
opening at once race on rotating LOG files (`unlink() LOG.old`). So every
open takes an flock on the folder itself — exclusive for a writer, shared for
readers — before Oxigraph sees it. Readers therefore see the last committed
state, writers queue, and a process killed with -9 drops its lock with it
(the kernel releases flocks). Locking the folder rather than a file in it
means a read never adds a file to a folder that might not be a store."""
from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from .base import StoreBusy


class FolderLock:
    def __init__(self, path: Path, *, exclusive: bool, wait: float):
        self.path = path
        self.fd: int | None = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        deadline = time.monotonic() + wait
        pause = 0.005
        while True:
            try:
                fcntl.flock(self.fd, mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self.release()
                    raise StoreBusy("store.busy-waited", path=path, wait=f"{wait:g}") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.05)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)           # closing the descriptor drops the flock
            self.fd = None

    def __del__(self):
        self.release()
