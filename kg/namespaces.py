"""The project's namespaces, in one place (see docs/CONVENTIONS.md).

A namespace is the IRI prefix as a string (as rdflib's Namespace is); a term taken from it
(`TH.Region`, `THP["area_km2"]`) is an rdflib URIRef, made when first asked for. rdflib is
imported only then: importing it costs ~0.1–0.2 s CPU (its plugin registry reads the entry
points of every installed distribution), more than half of a one-region `tanheng advise`,
which needs only the prefixes (its knowledge comes compiled from kg.knowledge.cache)."""
import re
from urllib.parse import quote, unquote


class Namespace(str):
    """An IRI prefix; attribute or item access gives the term (an rdflib URIRef), like rdflib's Namespace."""

    __slots__ = ()

    def term(self, name: str):
        from rdflib import URIRef

        return URIRef(str(self) + name)

    __getitem__ = term

    def __getattr__(self, name: str):
        if name.startswith("__"):      # copy, pickle and friends probe for dunders: never a term
            raise AttributeError(name)
        return self.term(name)

    @property
    def title(self):                 # str.title would shadow the term (dcterms:title), as in rdflib
        return self.term("title")

    def __repr__(self) -> str:
        return f"Namespace({str(self)!r})"


TH = Namespace("https://w3id.org/tanheng/ontology#")     # classes and properties
THR = Namespace("https://w3id.org/tanheng/resource/")    # individuals: models, measures, cases, coefficients, references
THP = Namespace("https://w3id.org/tanheng/profile#")     # one property per profile column
THS = Namespace("https://w3id.org/tanheng/shapes#")      # SHACL shapes
THX = Namespace("https://w3id.org/tanheng/rules#")       # rule data: weights, cut-offs, accounting lines
REGION = "https://w3id.org/tanheng/region/"
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
SH = Namespace("http://www.w3.org/ns/shacl#")
BIBO = Namespace("http://purl.org/ontology/bibo/")
# the W3C vocabularies, as rdflib.namespace names them (the same IRIs, without importing rdflib)
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")

PREFIXES = {
    "th": TH, "thr": THR, "thp": THP, "ths": THS, "thx": THX,
    "qudt": QUDT, "unit": UNIT, "sh": SH, "bibo": BIBO,
    "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS,
    "dcterms": DCTERMS, "prov": PROV,
}

SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def region_iri(region_id: str):
    """Mint a region IRI (an rdflib URIRef) from any user-given id; every reserved or unsafe
    character is percent-encoded so that the id can never break out of the IRI."""
    from rdflib import URIRef

    return URIRef(region_iri_text(region_id))


def region_iri_text(region_id: str) -> str:
    """The same IRI as a plain string (for what never meets an rdflib graph)."""
    text = str(region_id)
    # an id of the characters quote() never encodes is its own encoding (most codes: 410526)
    return REGION + (text if _UNRESERVED.fullmatch(text) else quote(text, safe=""))


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def region_id_of(iri: str) -> str:
    """The exact id a region IRI was minted from."""
    return unquote(str(iri)[len(REGION):])


def bind_all(graph) -> None:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
