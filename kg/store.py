"""The embedded store: an on-disk Oxigraph database holding the knowledge
graph (in its own named graph) and the profiles and advice users save (one
named graph per saved analysis, see kg.history).

The knowledge graph is reloaded only when the Turtle under ontology/ changed
(a digest is kept in the meta graph), so opening an existing store is fast.

Oxigraph lets one process at a time open a store directory read-write (a
RocksDB lock). The CLI and the app therefore open the store per operation and
close it at once (`with open_store() as s: ...`); a reader that finds the lock
taken waits briefly and then falls back to a read-only view."""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from .graph import files_digest, ontology_files
from .namespaces import SPARQL_PREFIXES
from .paths import default_store_dir

KG_GRAPH = ox.NamedNode("urn:tanheng:graph:kg")
META_GRAPH = ox.NamedNode("urn:tanheng:graph:meta")
_DIGEST = ox.NamedNode("urn:tanheng:digest")
_SELF = ox.NamedNode("urn:tanheng:store")


class StoreBusy(OSError):
    """Another process holds the store read-write for longer than we waited."""


class StoreUnavailable(OSError):
    """The store directory cannot be opened or created (not a directory, no permission, …):
    one sentence naming the path."""


def parse_files(files: list[Path]) -> list[ox.Triple]:
    """The triples of the given Turtle files; a broken file names itself."""
    out = []
    for f in files:
        try:
            out += ox.parse(path=str(f), format=ox.RdfFormat.TURTLE)
        except SyntaxError as exc:
            raise ValueError(f"cannot parse {f.name}: {exc}") from None
    return out


def _is_lock_error(exc: OSError) -> bool:
    return "lock" in str(exc).lower()


class StoreBase:
    """What the embedded and the remote store share: knowing whether the
    knowledge graph they hold matches ontology/ now, and context management."""

    def stored_digest(self) -> str | None:
        raise NotImplementedError

    def _load(self, files: list[Path], digest: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def is_stale(self) -> bool:
        return self.stored_digest() != files_digest(ontology_files())

    def ensure_loaded(self) -> bool:
        """Load the knowledge graph if absent or stale; True when it (re)loaded."""
        files = ontology_files()
        digest = files_digest(files)
        if self.stored_digest() == digest:
            return False
        self._load(files, digest)
        return True

    def clear_knowledge(self) -> None:
        """Forget the loaded knowledge graph, so that ensure_loaded reloads it."""
        self.update(f"DROP SILENT GRAPH {KG_GRAPH} ; DROP SILENT GRAPH {META_GRAPH}", prefixed=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class KnowledgeStore(StoreBase):
    def __init__(self, path: str | Path | None = None, *, read_only: bool = False):
        """path=None gives an in-memory store (tests, one-shot commands);
        read_only opens a view of a store another process may hold."""
        self.path = Path(path) if path else None
        self.read_only = read_only
        if self.path and read_only:
            self.store = ox.Store.read_only(str(self.path))
        elif self.path:
            self.path.mkdir(parents=True, exist_ok=True)
            self.store = ox.Store(str(self.path))
        else:
            self.store = ox.Store()
        if not read_only:
            self.ensure_loaded()

    # -- lifetime -------------------------------------------------------------
    def close(self) -> None:
        """Release the directory lock (Oxigraph closes when the last reference goes)."""
        if getattr(self, "store", None) is not None:
            if self.path and not self.read_only:
                self.store.flush()
            self.store = None

    # -- the knowledge graph --------------------------------------------------
    def stored_digest(self) -> str | None:
        for q in self.store.quads_for_pattern(_SELF, _DIGEST, None, META_GRAPH):
            return q.object.value
        return None

    def _load(self, files: list[Path], digest: str) -> None:
        self.store.clear_graph(KG_GRAPH)
        # one bulk_extend of all files is ~6x faster than a bulk_load per file
        self.store.bulk_extend([ox.Quad(t.subject, t.predicate, t.object, KG_GRAPH) for t in parse_files(files)])
        self.store.clear_graph(META_GRAPH)
        self.store.add(ox.Quad(_SELF, _DIGEST, ox.Literal(digest), META_GRAPH))
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
        if self.read_only:
            raise StoreBusy(f"the store at {self.path} is open read-only; cannot change it now")
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


def _default_wait(write: bool) -> float:
    """Seconds to wait for a store another process holds: writers 5 (or
    TANHENG_STORE_WAIT), readers at most 1 before they take a read-only view."""
    try:
        wait = float(os.environ.get("TANHENG_STORE_WAIT", 5.0))
    except ValueError:
        wait = 5.0
    return wait if write else min(wait, 1.0)


def open_disk_store(path: str | Path | None = None, *, write: bool = False,
                    wait: float | None = None) -> KnowledgeStore:
    """Open the embedded store, waiting a little for another process to
    release it; readers then fall back to a read-only view."""
    path = Path(path) if path else default_store_dir()
    wait = _default_wait(write) if wait is None else wait
    deadline = time.monotonic() + wait
    while True:
        try:
            return KnowledgeStore(path)
        except OSError as exc:
            if not _is_lock_error(exc):
                reason = exc.strerror or str(exc)
                raise StoreUnavailable(f"cannot open the store at {path}: {reason} "
                                       "(set TANHENG_STORE to a directory Tanheng may write)") from None
            if time.monotonic() < deadline:
                time.sleep(0.1)
                continue
            if not write and (path / "CURRENT").exists():
                return KnowledgeStore(path, read_only=True)
            raise StoreBusy(f"the store at {path} is in use by another Tanheng process "
                            f"(waited {wait:g} s); try again when it has finished") from None


def remote_store(endpoint: str | None = None):
    """The remote SPARQL server given by `endpoint` or TANHENG_SPARQL_URL, or None."""
    url = endpoint or os.environ.get("TANHENG_SPARQL_URL")
    if not url:
        return None
    from .remote import RemoteStore

    return RemoteStore(url, os.environ.get("TANHENG_SPARQL_UPDATE_URL"))


def open_store(endpoint: str | None = None, *, write: bool = False, wait: float | None = None):
    """The configured store for reading and writing saved analyses: a remote
    server when configured, else the embedded store on disk."""
    return remote_store(endpoint) or open_disk_store(write=write, wait=wait)


def knowledge_store(endpoint: str | None = None):
    """For read-only look-ups in the knowledge graph: the remote server when
    configured, else the process-wide in-memory copy (no disk lock needed)."""
    return remote_store(endpoint) or memory_store()


@contextmanager
def using_store(store=None, *, write: bool = False):
    """Yield `store` if given (the caller keeps it open), else open the
    configured store for this one operation and close it afterwards."""
    if store is not None:
        yield store
        return
    s = open_store(write=write)
    try:
        yield s
    finally:
        s.close()


@lru_cache(maxsize=1)
def memory_store() -> KnowledgeStore:
    """A process-wide in-memory copy of the knowledge graph, for fast look-ups."""
    return KnowledgeStore(None)
