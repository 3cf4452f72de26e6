"""The embedded store: an on-disk Oxigraph database holding the knowledge
graph (in its own named graph) and the profiles and advice users save (one
named graph per saved analysis, see kg.history).

The knowledge graph is reloaded only when the Turtle under ontology/ changed
(a digest is kept in the meta graph), so opening an existing store is fast.

Opening never harms what is on disk: a writer creates a store only in a
missing or empty folder, a reader opens read-only and never creates, and a
folder that holds something other than a whole store (no CURRENT, a garbage
MANIFEST, a truncated file) is refused in one sentence with its files left as
they are. Processes take turns through a folder lock (kg.store.lock): one
writer at a time, readers only between writes."""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from ..namespaces import SPARQL_PREFIXES
from .base import DIGEST, KG_GRAPH, META_GRAPH, SELF, StoreBase, StoreBusy, StoreMissing, StoreUnavailable
from .base import parse_files
from .lock import FolderLock

_KEEP_OLD_LOGS = 2          # RocksDB keeps up to 1,000 rotated info logs; nobody reads them
_WAIT_DEFAULT = 60.0        # seconds a command waits its turn (TANHENG_STORE_WAIT)


def store_wait() -> float:
    """Seconds to wait for another process to finish with the store
    (TANHENG_STORE_WAIT, default 60): writers queue, readers wait for the write."""
    try:
        wait = float(os.environ.get("TANHENG_STORE_WAIT", _WAIT_DEFAULT))
    except ValueError:
        return _WAIT_DEFAULT
    return wait if wait >= 0 else _WAIT_DEFAULT


def _damaged(path: Path, reason: str) -> StoreUnavailable:
    return StoreUnavailable("store.damaged", path=path, reason=reason)


def folder_state(path: Path) -> str:
    """'missing', 'empty' or 'store' — or StoreUnavailable naming why the
    folder is none of these. Checked before Oxigraph opens it, because RocksDB
    would 'repair' a folder without CURRENT into a new empty store."""
    if not path.exists():
        return "missing"
    if not path.is_dir():
        raise StoreUnavailable("store.is-a-file", path=path)
    try:
        names = os.listdir(path)
    except OSError as exc:
        raise StoreUnavailable("store.cannot-open", path=path, reason=exc.strerror) from None
    if not names:
        return "empty"
    if "CURRENT" not in names:
        raise _damaged(path, "no CURRENT file")
    try:
        current = (path / "CURRENT").read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise StoreUnavailable("store.cannot-open", path=path, reason=exc.strerror) from None
    if not re.fullmatch(r"MANIFEST-\d+\n", current):
        raise _damaged(path, "its CURRENT file does not name a MANIFEST")
    if current.strip() not in names:
        raise _damaged(path, f"{current.strip()} is missing")
    return "store"


def _prune_old_logs(path: Path) -> None:
    old = sorted(path.glob("LOG.old.*"), key=lambda p: p.name)
    for p in old[:-_KEEP_OLD_LOGS] if _KEEP_OLD_LOGS else old:
        try:
            p.unlink()
        except OSError:
            pass


class KnowledgeStore(StoreBase):
    def __init__(self, path: str | Path | None = None, *, read_only: bool = False, wait: float | None = None):
        """path=None gives an in-memory store (tests, one-shot commands).
        read_only opens an existing store without ever creating or changing it;
        otherwise the folder is opened (or created) read-write and the knowledge
        graph loaded if it is absent or stale. Both wait their turn (`wait`
        seconds, default TANHENG_STORE_WAIT) while another process writes."""
        self.path = Path(path) if path else None
        self.read_only = read_only
        self.store = None
        self._lock: FolderLock | None = None
        if self.path is None:
            self.store = ox.Store()
        else:
            self._open(store_wait() if wait is None else wait)
        # True when opening (re)loaded the knowledge graph, so `store load` can say so
        self.loaded_on_open = False if read_only else self.ensure_loaded()

    def _open(self, wait: float) -> None:
        path = self.path
        state = folder_state(path)
        if state in ("missing", "empty") and self.read_only:
            raise StoreMissing("store.missing", path=path)
        if state == "missing":
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailable("store.cannot-create", path=path, reason=exc.strerror) from None
        try:
            self._lock = FolderLock(path, exclusive=not self.read_only, wait=wait)
        except PermissionError as exc:
            raise StoreUnavailable("store.cannot-open", path=path, reason=exc.strerror) from None
        try:
            state = folder_state(path)          # again, now that nobody else writes
            if self.read_only and state != "store":
                raise StoreMissing("store.missing", path=path)
            self.store = ox.Store.read_only(str(path)) if self.read_only else ox.Store(str(path))
        except (StoreUnavailable, StoreBusy):
            self._release()
            raise
        except (OSError, RuntimeError) as exc:
            self._release()
            text = str(exc)
            if isinstance(exc, PermissionError) or "Permission denied" in text:
                raise StoreUnavailable("store.permission-denied", path=path) from None
            if "lock" in text.lower():      # a process of an older Tanheng that does not take turns
                raise StoreBusy("store.busy", path=path) from None
            raise _damaged(path, text.split("\n")[0][:200]) from None
        if not self.read_only:
            _prune_old_logs(path)

    def _release(self) -> None:
        self.store = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # -- lifetime -------------------------------------------------------------
    def close(self) -> None:
        """Flush, close Oxigraph (it closes when the last reference goes) and let the next process in."""
        if self.store is not None and self.path and not self.read_only:
            self.store.flush()
        self._release()

    # -- the knowledge graph --------------------------------------------------
    def stored_digest(self) -> str | None:
        for q in self.store.quads_for_pattern(SELF, DIGEST, None, META_GRAPH):
            return q.object.value
        return None

    def _load(self, files: list[Path], digest: str) -> None:
        self.store.clear_graph(KG_GRAPH)
        # one bulk_extend of all files is ~6x faster than a bulk_load per file
        self.store.bulk_extend([ox.Quad(t.subject, t.predicate, t.object, KG_GRAPH) for t in parse_files(files)])
        self.store.clear_graph(META_GRAPH)
        self.store.add(ox.Quad(SELF, DIGEST, ox.Literal(digest), META_GRAPH))
        if self.path:
            self.store.flush()

    # -- SPARQL ---------------------------------------------------------------
    def query(self, sparql: str, *, prefixed: bool = True, substitutions: dict | None = None):
        """Run a SPARQL query over the union of all graphs. substitutions binds
        variables to terms ({"country": ox.Literal("DE")}) without touching the text."""
        text = SPARQL_PREFIXES + sparql if prefixed else sparql
        subs = {ox.Variable(k) if isinstance(k, str) else k: v for k, v in (substitutions or {}).items()}
        return self.store.query(text, use_default_graph_as_union=True, substitutions=subs or None)

    def update(self, sparql: str, *, prefixed: bool = True) -> None:
        """One update, one transaction: it is on disk whole or not at all."""
        if self.read_only:
            raise StoreBusy("store.read-only", path=self.path)
        self.store.update(SPARQL_PREFIXES + sparql if prefixed else sparql)
        if self.path:
            self.store.flush()

    # -- housekeeping -----------------------------------------------------------
    def info(self) -> dict:
        graphs = [g.value for g in self.store.named_graphs()]
        kg_triples = sum(1 for _ in self.store.quads_for_pattern(None, None, None, KG_GRAPH))
        return {"location": str(self.path) if self.path else "memory",
                "read_only": self.read_only,
                "knowledge_triples": kg_triples,
                "digest": self.stored_digest(),
                "stale": self.is_stale(),
                "analyses": sum(1 for g in graphs if g.startswith("urn:tanheng:analysis:")),
                "named_graphs": len(graphs)}

    def snapshot(self, target: str | Path) -> Path:
        """A consistent copy of the store (Oxigraph backup) for a read-only server."""
        self.store.backup(str(target))
        return Path(target)

    def clear(self) -> None:
        """Remove everything, saved analyses included, then reload the knowledge graph."""
        self.store.clear()
        self.ensure_loaded()


def open_disk_store(path: str | Path | None = None, *, write: bool = False,
                    wait: float | None = None) -> KnowledgeStore:
    """The embedded store: read-write (created if the folder is missing or
    empty) for a writer, read-only for a reader — which never creates a store
    (StoreMissing) and waits for a writer to finish rather than read half a write."""
    from ..paths import default_store_dir

    return KnowledgeStore(Path(path) if path else default_store_dir(), read_only=not write, wait=wait)


@lru_cache(maxsize=1)
def memory_store() -> KnowledgeStore:
    """A process-wide in-memory copy of the knowledge graph, for fast look-ups."""
    return KnowledgeStore(None)
