"""What every store shares: the names of its graphs, the knowledge graph's
digest bookkeeping, and the errors a user can meet when opening one.

The embedded store (kg.store.embedded) and a remote SPARQL server
(kg.store.remote) both build on this module and never on each other."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.knowledge.graph import files_digest, ontology_files

KG_GRAPH = ox.NamedNode("urn:tanheng:graph:kg")
META_GRAPH = ox.NamedNode("urn:tanheng:graph:meta")
DIGEST = ox.NamedNode("urn:tanheng:digest")
SELF = ox.NamedNode("urn:tanheng:store")


from kg.errors import StoreBusy, StoreMissing, StoreUnavailable  # noqa: E402,F401  (raised here; defined with every user error)


def parse_files(files: list[Path]) -> list[ox.Triple]:
    """The triples of the given Turtle files; a broken file names itself."""
    out = []
    for f in files:
        try:
            out += ox.parse(path=str(f), format=ox.RdfFormat.TURTLE)
        except SyntaxError as exc:
            raise ValueError(f"cannot parse {f.name}: {exc}") from None
    return out


class StoreBase:
    """What the embedded and the remote store share: knowing whether the
    knowledge graph they hold matches ontology/ now, and context management."""
    read_only = False

    def stored_digest(self) -> str | None:
        raise NotImplementedError

    def _load(self, files: list[Path], digest: str) -> None:
        raise NotImplementedError

    def update(self, sparql: str, *, prefixed: bool = True) -> None:
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
