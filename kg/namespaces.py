"""The project's namespaces, in one place (see docs/CONVENTIONS.md)."""
from urllib.parse import quote, unquote

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

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

PREFIXES = {
    "th": TH, "thr": THR, "thp": THP, "ths": THS, "thx": THX,
    "qudt": QUDT, "unit": UNIT, "sh": SH, "bibo": BIBO,
    "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS,
    "dcterms": DCTERMS, "prov": PROV,
}

SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def region_iri(region_id: str) -> URIRef:
    """Mint a region IRI from any user-given id; every reserved or unsafe
    character is percent-encoded so that the id can never break out of the IRI."""
    return URIRef(REGION + quote(str(region_id), safe=""))


def region_id_of(iri: str) -> str:
    """The exact id a region IRI was minted from."""
    return unquote(str(iri)[len(REGION):])


def bind_all(graph) -> None:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
