"""The embedded store: an on-disk Oxigraph database holding the knowledge
graph (in its own named graph) and, later, the profiles and advice users save.

The knowledge graph is reloaded only when the Turtle under ontology/ changed
(a digest is kept in the meta graph), so opening an existing store is fast."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from .graph import files_digest, ontology_files
from .namespaces import SPARQL_PREFIXES

KG_GRAPH = ox.NamedNode("urn:tanheng:graph:kg")
META_GRAPH = ox.NamedNode("urn:tanheng:graph:meta")
_DIGEST = ox.NamedNode("urn:tanheng:digest")
_SELF = ox.NamedNode("urn:tanheng:store")


class KnowledgeStore:
    def __init__(self, path: str | Path | None = None):
        """path=None gives an in-memory store (tests, one-shot commands)."""
        self.path = Path(path) if path else None
        if self.path:
            self.path.mkdir(parents=True, exist_ok=True)
            self.store = ox.Store(str(self.path))
        else:
            self.store = ox.Store()
        self.ensure_loaded()

    def _stored_digest(self) -> str | None:
        for q in self.store.quads_for_pattern(_SELF, _DIGEST, None, META_GRAPH):
            return q.object.value
        return None

    def ensure_loaded(self) -> bool:
        """Load the knowledge graph if absent or stale; True when it (re)loaded."""
        files = ontology_files()
        digest = files_digest(files)
        if self._stored_digest() == digest:
            return False
        self.store.clear_graph(KG_GRAPH)
        for f in files:
            self.store.bulk_load(path=str(f), format=ox.RdfFormat.TURTLE, to_graph=KG_GRAPH)
        self.store.remove_graph(META_GRAPH) if self.store.contains_named_graph(META_GRAPH) else None
        self.store.add(ox.Quad(_SELF, _DIGEST, ox.Literal(digest), META_GRAPH))
        self.store.flush() if self.path else None
        return True

    def query(self, sparql: str, *, prefixed: bool = True):
        """Run a SPARQL query over the union of all graphs."""
        text = SPARQL_PREFIXES + sparql if prefixed else sparql
        return self.store.query(text, use_default_graph_as_union=True)


@lru_cache(maxsize=1)
def memory_store() -> KnowledgeStore:
    """A process-wide in-memory copy of the knowledge graph, for fast look-ups."""
    return KnowledgeStore(None)
