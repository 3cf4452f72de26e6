"""A remote SPARQL 1.1 server used in place of the embedded store.

RemoteStore has the embedded store's interface (query, update, info,
ensure_loaded, close) and returns the same pyoxigraph result objects, so
kg.knowledge.query, kg.history and kg.knowledge.compare run unchanged against it. Queries travel
by the SPARQL 1.1 Protocol (HTTP POST, form-encoded); updates go to the update
endpoint. Variable bindings are sent as a trailing VALUES block whose terms
pyoxigraph serializes (and escapes), never as text pasted into the query.

The knowledge graph is expected where `tanheng store load --endpoint URL`
puts it: the named graph urn:tanheng:graph:kg, queried through a default graph
that is the union of the named graphs (`oxigraph serve --union-default-graph`,
Fuseki's unionDefaultGraph, GraphDB and Virtuoso by default)."""
from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox

from kg.knowledge.graph import files_digest, ontology_files
from ..namespaces import SPARQL_PREFIXES
from .base import DIGEST, KG_GRAPH, META_GRAPH, SELF, StoreBase, parse_files

_ACCEPT = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
           "application/n-triples;q=0.8, text/turtle;q=0.7")


def _values_clause(substitutions: dict | None) -> str:
    if not substitutions:
        return ""
    names = [k.value if isinstance(k, ox.Variable) else str(k) for k in substitutions]
    terms = " ".join(str(t) for t in substitutions.values())
    return "\nVALUES (" + " ".join(f"?{n}" for n in names) + f") {{ ({terms}) }}"


def _as_query_triples(triples) -> ox.QueryTriples:
    """CONSTRUCT/DESCRIBE answers as the same type the embedded store gives."""
    tmp = ox.Store()
    tmp.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return tmp.query("CONSTRUCT WHERE { ?s ?p ?o }")


class RemoteStore(StoreBase):
    read_only = False
    path = None

    def __init__(self, query_url: str, update_url: str | None = None, timeout: float = 60.0):
        if not query_url.startswith(("http://", "https://")):
            raise ValueError(f"the SPARQL endpoint must be an http(s) URL, not {query_url!r}")
        self.query_url = query_url
        # Oxigraph serves /query and /update; SPARQL 1.1 lets one URL take both.
        self.update_url = update_url or (query_url[: -len("/query")] + "/update"
                                         if query_url.endswith("/query") else query_url)
        self.timeout = timeout

    def _post(self, url: str, data: bytes, content_type: str, accept: str = "*/*"):
        req = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": content_type, "Accept": accept})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.headers.get_content_type(), resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace").strip()[:300]
            if exc.code == 400:
                raise SyntaxError(detail or "the server rejected the request as malformed") from None
            raise OSError(f"the SPARQL endpoint {url} answered HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise OSError(f"cannot reach the SPARQL endpoint {url}: {reason}") from None

    def query(self, sparql: str, *, prefixed: bool = True, substitutions: dict | None = None):
        text = (SPARQL_PREFIXES + sparql if prefixed else sparql) + _values_clause(substitutions)
        ctype, body = self._post(self.query_url, urllib.parse.urlencode({"query": text}).encode(),
                                 "application/x-www-form-urlencoded", _ACCEPT)
        results_format = ox.QueryResultsFormat.from_media_type(ctype)
        if results_format is not None:
            try:
                answer = ox.parse_query_results(body, results_format)
            except (SyntaxError, ValueError) as exc:
                raise OSError(f"the SPARQL endpoint {self.query_url} answered something that is not "
                              f"SPARQL results ({str(exc).splitlines()[0][:120]})") from None
            self._check_variables(text, answer)
            return answer
        rdf_format = ox.RdfFormat.from_media_type(ctype)
        if rdf_format is None:
            raise OSError(f"the SPARQL endpoint {self.query_url} answered in an unknown format {ctype}")
        return _as_query_triples(ox.parse(body, rdf_format))

    def _check_variables(self, text: str, answer) -> None:
        """A SELECT answer must bind the variables the query asks for; a server holding
        other data (or no SPARQL at all) answers otherwise, and that is said, not stumbled on."""
        if not isinstance(answer, ox.QuerySolutions):
            return
        try:
            expected = {v.value for v in ox.Store().query(text).variables}   # parsed locally, on nothing
        except (SyntaxError, AttributeError, OSError, ValueError):
            return
        got = {v.value for v in answer.variables}
        if not expected <= got:
            raise OSError(f"the SPARQL endpoint {self.query_url} answered with the variables "
                          f"{', '.join(sorted(got)) or 'none'} instead of {', '.join(sorted(expected))}: "
                          "it is not a SPARQL server holding Tanheng's knowledge graph")

    def update(self, sparql: str, *, prefixed: bool = True) -> None:
        text = SPARQL_PREFIXES + sparql if prefixed else sparql
        self._post(self.update_url, text.encode("utf-8"), "application/sparql-update")

    # -- the knowledge graph on the server ------------------------------------------
    def stored_digest(self) -> str | None:
        rows = list(self.query(f"SELECT ?d WHERE {{ GRAPH {META_GRAPH} {{ {SELF} {DIGEST} ?d }} }}"))
        return rows[0]["d"].value if rows else None

    def _load(self, files, digest: str) -> None:
        """Upload the knowledge graph into its named graph (one update request)."""
        lines = [f"{t.subject} {t.predicate} {t.object} ." for t in parse_files(files)]
        self.update(f"DROP SILENT GRAPH {KG_GRAPH} ; DROP SILENT GRAPH {META_GRAPH} ;\n"
                    f"INSERT DATA {{ GRAPH {KG_GRAPH} {{\n" + "\n".join(lines) + "\n} } ;\n"
                    f"INSERT DATA {{ GRAPH {META_GRAPH} {{ {SELF} {DIGEST} {ox.Literal(digest)} }} }}",
                    prefixed=False)

    def info(self) -> dict:
        n = list(self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {KG_GRAPH} {{ ?s ?p ?o }} }}"))
        a = list(self.query('SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } '
                            'FILTER(STRSTARTS(STR(?g), "urn:tanheng:analysis:")) }'))
        digest = self.stored_digest()
        return {"location": self.query_url, "read_only": False,
                "knowledge_triples": int(n[0]["n"].value), "digest": digest,
                "stale": digest != files_digest(ontology_files()),
                "analyses": int(a[0]["n"].value)}

    def clear(self) -> None:
        self.update("CLEAR ALL", prefixed=False)
        self.ensure_loaded()

