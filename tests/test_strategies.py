"""Issue 15, items 7 and 8: corrections to the knowledge graph (each with its source, the paper's claim kept
beside the verified fact) and international strategies as first-class knowledge with a competency question."""
import pytest
from rdflib import RDF, URIRef
from rdflib.namespace import SKOS

from kg.knowledge import strategies
from kg.knowledge.graph import knowledge_graph
from kg.namespaces import DCTERMS, TH, THR
from kg.knowledge.query import named_queries, run


@pytest.fixture(scope="module")
def kg():
    return knowledge_graph()


def discrepancies(kg, subject):
    return [{p: {str(o) for o in kg.objects(d, p)} for p in (TH.paperClaim, TH.verifiedFact, TH.verifiedYear,
                                                             DCTERMS.source, TH.confidence)}
            for d in kg.objects(subject, TH.hasDiscrepancy)]


def test_safe_green_smart_equitable_is_nyc_dot_strategic_plan_2016(kg):
    case = THR["case-nyc-transportation-strategy"]
    assert kg.value(case, TH.year).toPython() == 2016
    (d,) = discrepancies(kg, case)
    assert d[TH.verifiedYear] == {"2016"} and d[DCTERMS.source] == {str(THR["src-nycdot-2016"])}
    assert any("Safe, Green, Smart, Equitable" in c for c in d[TH.paperClaim])
    assert kg.value(case, TH.verifiedDate) is None            # 28 April 2008 was Sustainable Streets, another plan


def test_forty_percent_green_space_comes_from_the_eco_towns_statement(kg):
    ds = discrepancies(kg, THR["case-uk-green-infrastructure-guidance"])
    eco = [d for d in ds if str(THR["src-eco-towns-pps-2009"]) in d[DCTERMS.source]]
    assert eco and any("40 %" in c for c in eco[0][TH.paperClaim])     # the paper's claim is kept
    assert any("NE176 sets no such share" in f for f in eco[0][TH.verifiedFact])
    assert (THR["src-eco-towns-pps-2009"], RDF.type, DCTERMS.BibliographicResource) in kg


def test_mlit_guideline_year_and_source(kg):
    (d,) = discrepancies(kg, THR["case-mlit-low-carbon-city-guideline"])
    assert d[TH.verifiedYear] == {"2010"}
    src = THR["src-mlit-low-carbon-guideline"]
    assert str(kg.value(src, DCTERMS.date)) == "2010-08-30"
    assert "mlit.go.jp" in str(kg.value(src, URIRef("http://purl.org/ontology/bibo/uri")))


def test_bavaria_1960_and_nanzhanglou_period_are_flagged(kg):
    (d,) = discrepancies(kg, THR["case-bavaria-equivalence-planning"])
    assert d[TH.confidence] == {"unconfirmed"} and not d[TH.verifiedYear]
    assert kg.value(THR["case-bavaria-equivalence-planning"], TH.year).toPython() == 1960   # the paper's year stays
    (hs,) = discrepancies(kg, THR["case-hanns-seidel-equivalence"])
    assert any("not confirmed" in f for f in hs[TH.verifiedFact])


def test_goldschmidt_was_norwegian(kg):
    event = THR["event-1934-goldschmidt-carbon-cycle"]
    assert str(kg.value(event, TH.countryCode)) == "NO"
    assert THR["src-goldschmidt"] in set(kg.objects(event, DCTERMS.source))


def test_type_characteristics_are_where_the_paper_puts_them(kg):
    urban_points = {str(o) for o in kg.objects(TH.UrbanizedArea, TH.developmentPoint)}
    assert not any("以城带乡" in p for p in urban_points)
    assert any("以城带乡实现整体转型" in str(o) for o in kg.objects(TH.UrbanizedArea, TH.currentMode))
    assert kg.value(TH.EcologicalFunctionArea, TH.urbanizationStage) is None
    eco_points = {str(o) for o in kg.objects(TH.EcologicalFunctionArea, TH.developmentPoint)}
    assert any(p.startswith("以生态安全为底线") for p in eco_points) and "尊重居民意愿" in eco_points
    assert "多为有传统农区基底特征的区域" in {str(o) for o in kg.objects(TH.MainAgriculturalProductionArea, TH.regionFeature)}


def test_engels_desakota_and_the_east_west_pattern(kg):
    ideas = {str(kg.value(i, TH.key)): i for i in kg.subjects(RDF.type, TH.Idea)}
    assert {"engels-urban-rural-integration", "desakota", "integration-level-east-west"} <= set(ideas)
    assert "东高西低、中部居中" in " ".join(str(o) for o in kg.objects(ideas["integration-level-east-west"], SKOS.definition))
    (d,) = discrepancies(kg, ideas["desakota"])
    assert d[TH.verifiedYear] == {"1991"} and THR["ref-09"] in set(kg.objects(ideas["desakota"], DCTERMS.source))


def test_every_case_belongs_to_exactly_one_strategy_of_its_country(kg):
    owner = {}
    for s in strategies.strategies():
        for c in s["cases"]:
            assert c not in owner, c
            owner[c] = s
    cases = {str(kg.value(c, TH.key)): str(kg.value(c, TH.countryCode)) for c in kg.subjects(RDF.type, TH.Case)}
    assert set(owner) == set(cases)
    assert all(owner[c]["country"] == code for c, code in cases.items())


def test_strategies_carry_characterisation_lessons_and_consistent_models():
    by_country = {s["country"]: s for s in strategies.strategies()}
    assert set(by_country) == {"US", "GB", "DE", "JP", "CN"}
    assert "城乡等值" in by_country["DE"]["label_zh"] and "自上而下" in by_country["US"]["characterisation_zh"]
    for s in by_country.values():
        assert s["characterisation_zh"] and s["characterisation_en"] and len(s["lessons"]) >= 3
        for lesson in s["lessons"]:
            assert lesson["text_zh"] and lesson["text_en"] and lesson["types"] and lesson["sections"]
            assert set(lesson["models"]) <= set(s["models"]), lesson["key"]


def test_competency_question_germany_for_an_agricultural_county():
    q = named_queries()["strategy-lessons-for-type"]
    assert "Germany" in q.title_en and "农产品主产区" in q.title_zh
    res = run(q.text)
    rows = [dict(zip(res.variables, r)) for r in res.rows]
    keys = [r["lesson_key"] for r in rows]
    assert keys and all(k.startswith("de-") for k in keys)
    farmland = next(r for r in rows if r["lesson_key"] == "de-farmland-and-ecology")
    assert "pwc-low-carbon-agriculture" in farmland["measures"] and "flurbereinigung" in farmland["cases"]
    # the same answer through the library, and other countries and types
    assert [x["key"] for x in strategies.lessons_for("DE", "agricultural")] == keys
    urban_us = strategies.lessons_for("us", "urbanized")
    assert urban_us and all(m.startswith(("lcu-", "common-")) for x in urban_us for m in x["measures_for_type"])


@pytest.mark.parametrize("country,type_key", [("FR", "agricultural"), ("DE", "x\" } } DROP ALL #")])
def test_competency_question_refuses_unknown_choices(country, type_key):
    with pytest.raises(strategies.UnknownChoice):
        strategies.lessons_for(country, type_key)


def test_app_shows_what_germany_teaches_an_agricultural_county():
    from streamlit.testing.v1 import AppTest

    from tests.test_app import MAIN
    at = AppTest.from_file(MAIN, default_timeout=120)
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page("views/compare.py").run()
    assert not at.exception
    assert at.selectbox(key="strategy_country").value == "DE"
    assert at.selectbox(key="strategy_type").value == "agricultural"
    text = " ".join(m.value for m in at.markdown)
    assert "land consolidation" in text and "Different in kind, equal in value" in text
    at.selectbox(key="strategy_country").set_value("JP").run()
    assert not at.exception and "carbon law" in " ".join(h.value for h in at.subheader)
