"""The one reader of the knowledge graph's store: every look-up of catalog, pathway,
coefficients, compare and query asks here, so that all of them ask the same store —
the SPARQL server named by TANHENG_SPARQL_URL when it is set, else the embedded
Oxigraph store (its process-wide in-memory copy). A server that does not answer is
one sentence (kg.errors.KnowledgeUnavailable, exit 2), never a silent fallback to the
embedded copy: a planner who pointed Tanheng at the institute's graph must not get
answers from another one without being told."""
from __future__ import annotations

import os

from kg.errors import KnowledgeUnavailable
from kg.store import knowledge_store


def source() -> str | None:
    """The server every look-up goes to, or None for the embedded store."""
    return os.environ.get("TANHENG_SPARQL_URL") or None


def query(sparql: str, **substitutions):
    """The answer of the one store (pyoxigraph results, the same for both stores)."""
    try:
        return knowledge_store().query(sparql, substitutions=substitutions or None)
    except OSError as exc:          # RemoteStore: unreachable, or an HTTP error
        raise KnowledgeUnavailable("error.knowledge-unavailable", url=source() or "", reason=str(exc)) from None


def select(sparql: str, **substitutions) -> list[dict]:
    """SELECT rows as dicts of pyoxigraph terms (None when unbound)."""
    res = query(sparql, **substitutions)
    return [{v.value: sol[v] for v in res.variables} for sol in res]
