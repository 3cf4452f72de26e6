"""Where Tanheng keeps the knowledge graph and the analyses users save.

  base      graph names, digest bookkeeping, the errors of opening a store
  lock      one folder lock so that processes take turns
  embedded  the on-disk Oxigraph store (and the process-wide in-memory copy)
  remote    a SPARQL 1.1 server used in place of the embedded store

This module picks one of them from the configuration (TANHENG_SPARQL_URL,
TANHENG_STORE); embedded and remote build on base and never on each other."""
from __future__ import annotations

import os
from contextlib import contextmanager

from .base import KG_GRAPH, META_GRAPH, StoreBase, StoreBusy, StoreMissing, StoreUnavailable, parse_files
from .embedded import KnowledgeStore, folder_state, memory_store, open_disk_store, store_wait

__all__ = ["KG_GRAPH", "META_GRAPH", "KnowledgeStore", "StoreBase", "StoreBusy", "StoreMissing",
           "StoreUnavailable", "folder_state", "knowledge_store", "memory_store", "open_disk_store",
           "open_store", "parse_files", "remote_store", "store_wait", "using_store"]


def remote_store(endpoint: str | None = None):
    """The remote SPARQL server given by `endpoint` or TANHENG_SPARQL_URL, or None."""
    url = endpoint or os.environ.get("TANHENG_SPARQL_URL")
    if not url:
        return None
    from .remote import RemoteStore

    return RemoteStore(url, os.environ.get("TANHENG_SPARQL_UPDATE_URL"))


def open_store(endpoint: str | None = None, *, write: bool = False, wait: float | None = None):
    """The configured store for reading and writing saved analyses: a remote
    server when configured, else the embedded store on disk (read-only unless `write`)."""
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
