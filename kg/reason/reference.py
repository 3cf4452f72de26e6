"""The reference reasoning path: one region at a time, for real, with the
standard machinery — an rdflib graph of the region (its profile values, its
account lines) plus the rule data and the ontology's measures; pySHACL runs the
SHACL-AF rules of rules/advice-reference-rules.ttl (indicators → evidence →
type scores → type class → big fluxes → boosts → measure scores); owlrl's OWL 2 RL
closure then derives th:recommendedModel from the type class's owl:hasValue
restriction. It is slow by nature and exists to check the fast path
(kg.reason.fast): both must give the same verdict — type, scores, drivers, model, measure order and reasons."""
from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache

import owlrl
import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, URIRef, plugin
from rdflib.namespace import RDF, XSD
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.query import Processor

from kg.knowledge import pathway
from kg.knowledge.graph import rules_file
from kg.knowledge.rules import indicators, rules
from kg.namespaces import TH, THP, THX, bind_all, region_iri
from kg.reason.indicators import number
from kg.reason.fast import base_reason, designated_type, measure_keys, table1_iri
from kg.reason.verdict import Reason, Verdict, boost_reasons, close_call, driver_order, rank
from kg.store import memory_store

RULES_FILE = "advice-reference-rules.ttl"

_ONTOLOGY_PART = """CONSTRUCT {
    ?m th:key ?k ; th:partOfModel ?mo ; th:commonTo ?co ; a ?mt ;
       th:actsOnPool ?pool ; th:actsOnFlux ?flux ; th:actsOnProcess ?proc .
    ?p th:drivesFlux ?df .
    ?c rdfs:subClassOf ?d .
} WHERE {
    { ?m th:key ?k . { ?m th:partOfModel ?mo } UNION { ?m th:commonTo ?co }
      OPTIONAL { ?m a ?mt } OPTIONAL { ?m th:actsOnPool ?pool } OPTIONAL { ?m th:actsOnFlux ?flux }
      OPTIONAL { ?m th:actsOnProcess ?proc } }
    UNION { ?p th:drivesFlux ?df }
    UNION { ?c rdfs:subClassOf ?d FILTER(isIRI(?c) && isIRI(?d)) }
}"""

_TYPE_AXIOMS = """CONSTRUCT { ?t rdfs:subClassOf ?r . ?r a owl:Restriction ; owl:onProperty ?p ; owl:hasValue ?v . }
WHERE { ?t rdfs:subClassOf ?r . ?r owl:onProperty ?p ; owl:hasValue ?v .
        FILTER(?p = th:recommendedModel) }"""


def _from_store(construct: str) -> Graph:
    g = Graph()
    bind_all(g)
    data = memory_store().query(construct)
    g.parse(data=ox.serialize(data, format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    return g


@lru_cache(maxsize=1)
def static_graph() -> Graph:
    """Rule data + the measures, processes and class tree the rules read."""
    g = _from_store(_ONTOLOGY_PART)
    for name in ("indicators.ttl", "type-scoring.ttl", "measure-ranking.ttl"):
        g += rules_file(name)
    return g


@lru_cache(maxsize=1)
def type_axioms() -> Graph:
    return _from_store(_TYPE_AXIOMS)


@lru_cache(maxsize=1)
def shapes() -> Graph:
    return rules_file(RULES_FILE)


@lru_cache(maxsize=64)
def _translated(text: str, base, ns: frozenset):
    return translateQuery(parseQuery(text), base, dict(ns) or None)


class ParsedOnceProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor, parsing each query text once: pySHACL hands rdflib
    the same rule texts for every region, and parsing was half the time."""

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(strOrQuery, str):
            strOrQuery = _translated(strOrQuery, base, frozenset((initNs or {}).items()))
        return super().query(strOrQuery, initBindings, initNs, base, DEBUG)


@contextmanager
def parsed_once():
    plugin.register("sparql", Processor, __name__, "ParsedOnceProcessor")
    try:
        yield
    finally:
        plugin.register("sparql", Processor, "rdflib.plugins.sparql.processor", "SPARQLProcessor")


def region_graph(region_id: str, values: dict, balance: dict | None) -> tuple[Graph, URIRef]:
    g = Graph()
    bind_all(g)
    g += static_graph()
    r = region_iri(region_id)
    g.add((r, RDF.type, TH.IntegrationRegion))
    for k, v in values.items():
        f = number(v)
        if f is not None and not isinstance(v, str):
            g.add((r, THP[k], Literal(f, datatype=XSD.double)))
    balance = balance or {}
    totals = {k: v for k, v in balance.items() if not isinstance(v, (dict, list, str))}
    _add_lines(g, r, THX.accountValue, THX.accountKey, totals, Literal)
    _add_lines(g, r, THX.sourceLine, THX.accountKey, balance.get("by_source") or {}, Literal)
    _add_lines(g, r, THX.fluxLine, THX.flux, balance.get("by_table1") or {},
               lambda k: URIRef(table1_iri(k)))
    return g, r


def _add_lines(g: Graph, r: URIRef, link, key_prop, lines: dict, key_term) -> None:
    """One blank node per account line with a number: r link [key_prop key; rdf:value v]."""
    for k, v in lines.items():
        f = number(v)
        if f is not None:
            line = BNode()
            g.add((r, link, line))
            g.add((line, key_prop, key_term(k)))
            g.add((line, RDF.value, Literal(f, datatype=XSD.double)))


def _models_by_closure(g: Graph, r: URIRef, alt: URIRef, designated: URIRef | None = None) -> dict[URIRef, str]:
    """The OWL 2 RL closure of the typed region (its runner-up twin, and a twin typed with the
    official designation) with the type classes' hasValue restrictions: {node: recommended model IRI}."""
    types = set(map(URIRef, rules().type_order))
    o = Graph()
    o += type_axioms()
    twin = URIRef(str(r) + "#designated")
    for node in (r, alt):
        for t in g.objects(node, RDF.type):
            if t in types:
                o.add((node, RDF.type, t))
    if designated is not None:
        o.add((twin, RDF.type, designated))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False).expand(o)
    return {n: str(m) for n in (r, alt, twin) for m in o.objects(n, TH.recommendedModel)}


def reason_one(region_id: str, values: dict, balance: dict | None) -> Verdict:
    g, r = region_graph(region_id, values, balance)
    with parsed_once():
        pyshacl.shacl_rules(g, shacl_graph=shapes(), inplace=True, inference="none")
    rule = rules()
    order = rule.type_order
    type_iri = next((str(t) for t in g.objects(r, RDF.type) if str(t) in order), None)
    scores, den = {t: None for t in order}, {}
    for n in g.subjects(THX.ofRegion, r):
        s, t = g.value(n, THX.score), g.value(n, THX.forType)
        if s is not None and t is not None:
            scores[str(t)] = float(s)
            den[str(t)] = float(g.value(n, THX.weightSum))
    contributions = {}
    for n in g.subjects(THX.ofRegion, r):
        e, t = g.value(n, THX.evidence), g.value(n, THX.forType)
        if e is not None and str(t) == type_iri:
            contributions[str(e)] = float(g.value(n, THX.weightedMembership)) / den[type_iri]
    ind = {}
    for key in [*indicators(), *(a.key for a in rule.account_shares)]:
        v = g.value(r, THX[key])
        ind[key] = None if v is None else float(v)
    runner, margin = close_call(scores, rule) if type_iri else (None, None)
    alt = URIRef(str(r) + "#runner-up")
    designated = designated_type(values)       # designation first: its model is ranked too
    models = _models_by_closure(g, r, alt, URIRef(designated) if designated else None)
    measures = _measures(g, r, ind)
    ranking = {}
    for node in (r, alt, URIRef(str(r) + "#designated")):
        model = models.get(node)
        if model and (node != alt or runner):
            own = [m.iri for m in pathway.model_measures().get(model, ())]
            ranking[model] = rank({m: measures[m][0] for m in own if m in measures},
                                  {m: measures[m][1] for m in own if m in measures},
                                  {m: (base_reason(model, m), *measures[m][2]) for m in own if m in measures},
                                  measure_keys())
    return Verdict(type_iri=type_iri, scores=scores, contributions=contributions, indicators=ind,
                   model_iri=models.get(r), fired=frozenset(str(b) for b in g.objects(r, THX.fired)),
                   big_fluxes=frozenset(str(f) for f in g.objects(r, THX.bigFlux)),
                   designated=designated, runner_up=runner, margin=margin,
                   drivers=driver_order(contributions, rule),
                   intensities={str(g.value(n, THX.firedBoost)): float(g.value(n, THX.intensity))
                                for n in g.subjects(THX.firedBoost, None) if (n, THX.ofRegion, r) in g},
                   ranking=ranking)


def _measures(g: Graph, r: URIRef, ind: dict) -> dict[str, tuple[float, float, tuple[Reason, ...]]]:
    """{measure IRI: (score, concern, its boost and reach reasons)} as the rules derived them."""
    out = {}
    for node in g.subjects(THX.ofRegion, r):
        m = g.value(node, THX.measure)
        score = g.value(node, THX.score)
        if m is None or score is None:
            continue
        parts = {str(g.value(mb, THX.boost)): float(g.value(mb, THX.weighted))
                 for mb in g.subjects(THX.measureNode, node) if g.value(mb, THX.weighted) is not None}
        reached = tuple(sorted(str(f) for f in g.objects(node, THX.reaches)))
        out[str(m)] = (float(score), float(g.value(node, THX.concern) or 0.0),
                       (*boost_reasons(parts, rules(), ind), *((Reason("reach", fluxes=reached),) if reached else ())))
    return out
