"""Policy comparison over the real knowledge graph. Expected sets are worked
out independently by walking the rdflib graph (no SPARQL), facts from the
paper (§2) and REFERENCE-DATA §7."""
import json
import subprocess
import sys
from collections import Counter

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from conftest import ROOT
from kg.knowledge import compare as cmp
from kg.knowledge.graph import knowledge_graph
from kg.namespaces import DCTERMS, TH, THR
from kg.store.remote import RemoteStore

G = knowledge_graph()
CASES = set(G.subjects(RDF.type, TH.Case))


def _key(node) -> str:
    return str(G.value(node, TH.key))


def _keys_where(pred, obj_test) -> set[str]:
    return {_key(c) for c in CASES if any(obj_test(o) for o in G.objects(c, pred))}


def _ids(result) -> set[str]:
    return {r["id"] for r in result["records"]}


def test_germany_returns_the_spatial_planning_act_and_village_renewal():
    recs = {r["id"]: r for r in cmp.compare(["DE"])["records"]}
    assert {"raumordnungsgesetz", "german-village-renewal"} <= set(recs)
    assert {r["country"] for r in recs.values()} == {"DE"}
    rog = recs["raumordnungsgesetz"]
    assert rog["year"] == 1965 and rog["category"] == "law"          # REFERENCE-DATA §7: 8 Apr 1965
    assert "Raumordnungsgesetz" in rog["title_en"] and rog["title_zh"]
    assert len(recs) == len({c for c in CASES if str(G.value(c, TH.countryCode)) == "DE"})


def test_every_record_has_the_paper_as_source_and_at_least_one_model():
    recs = cmp.compare()["records"]
    assert len(recs) == len(CASES) >= 25
    for r in recs:
        assert str(THR.paper) in {s["iri"] for s in r["source"]}, r["id"]
        assert r["models"] and all(m["id"] and m["zh"] and m["en"] for m in r["models"]), r["id"]
        assert r["title_zh"] and r["title_en"] and r["country"] in {"US", "GB", "DE", "JP", "CN"}


def test_paper_claim_and_verified_fact_are_both_kept():
    seidel = next(r for r in cmp.compare("DE")["records"] if r["id"] == "hanns-seidel-equivalence")
    assert seidel["year"] == 1950                       # what the paper says
    d = seidel["discrepancy"]
    assert d["verified_year"] == 1966                   # foundation founded 7 Nov 1966
    assert "1950" in d["paper_claim"]["zh"] and d["verified_fact"]["en"] and d["source"]["iri"]
    with_disc = {r["id"] for r in cmp.compare()["records"] if r["discrepancy"]}
    assert with_disc == {_key(c) for c in CASES if G.value(c, TH.hasDiscrepancy) is not None}


@pytest.mark.parametrize("model", ["low-carbon-unit-layout", "production-waste-cycle", "blue-green-sink"])
def test_model_filter_matches_the_graph(model):
    want = _keys_where(TH.supportsModel, lambda m: str(G.value(m, TH.key)) == model)
    got = cmp.compare(model=model)
    assert _ids(got) == want and want
    assert all(model in [m["id"] for m in r["models"]] for r in got["records"])


def test_measure_and_sector_filters_match_the_graph():
    measure = "common-green-transport"
    assert _ids(cmp.compare(measure=measure)) == \
        _keys_where(TH.exemplifies, lambda m: str(G.value(m, TH.key)) == measure) != set()
    assert _ids(cmp.compare(sector="transport")) == _keys_where(TH.sector, lambda s: str(s) == "transport") != set()


def test_filters_combine_as_and_and_countries_as_or():
    us, gb = _ids(cmp.compare("US")), _ids(cmp.compare("GB"))
    assert _ids(cmp.compare("us,GB")) == us | gb
    assert _ids(cmp.compare(["US"], sector="transport")) == us & _ids(cmp.compare(sector="transport"))


def test_records_are_ordered_by_country_then_year():
    recs = cmp.compare()["records"]
    order = ["US", "GB", "DE", "JP", "CN"]
    keys = [(order.index(r["country"]), r["year"]) for r in recs]
    assert keys == sorted(keys)


@pytest.mark.parametrize("kwargs, kind", [({"countries": ["FR"]}, "country"),
                                          ({"countries": ['DE" } #']}, "country"),
                                          ({"model": "model-x"}, "model"),
                                          ({"measure": "bgs-nothing"}, "measure"),
                                          ({"sector": "space"}, "sector")])
def test_unknown_values_name_the_valid_ones(kwargs, kind):
    with pytest.raises(cmp.UnknownValue) as err:
        cmp.compare(**kwargs)
    msg = str(err.value)
    assert msg.startswith(f"unknown {kind}") and "valid" in msg
    if kind == "country":
        assert "US, GB, DE, JP, CN" in msg
    if kind == "model":
        assert "low-carbon-unit-layout" in msg


def test_matrix_labels_come_from_the_graph_in_both_languages():
    zh, en = cmp.matrix("zh"), cmp.matrix("en")
    assert [c["code"] for c in en["countries"]] == ["US", "GB", "DE", "JP", "CN"]
    assert [d["code"] for d in en["dimensions"]] == ["energy", "transport", "buildings", "green-infrastructure",
                                                    "land", "law", "participation"]
    assert dict((c["code"], c["label"]) for c in zh["countries"])["DE"] == "德国"
    assert dict((c["code"], c["label"]) for c in en["countries"])["DE"] == "Germany"
    for c in en["countries"] + en["dimensions"]:        # every label is a literal in the graph
        assert (None, RDFS.label, Literal(c["label"], lang="en")) in G
    assert zh["rule"]["definition"] and en["rule"]["label"] != zh["rule"]["label"]


def test_each_cell_holds_the_strongest_record_by_the_stated_rule():
    m = cmp.matrix("en")
    filled = 0
    for country in m["countries"]:
        for dim in m["dimensions"]:
            cands = [c for c in CASES if str(G.value(c, TH.countryCode)) == country["code"]
                     and Literal(dim["code"]) in set(G.objects(c, TH.dimension))]
            cell = m["cells"][country["code"]][dim["code"]]
            if not cands:
                assert cell is None
                continue
            filled += 1
            score = {_key(c): (len(set(G.objects(c, TH.exemplifies))), int(G.value(c, TH.year))) for c in cands}
            assert cell["count"] == len(cands)
            assert cell["measures"] == score[cell["id"]][0] == max(s[0] for s in score.values())
            assert score[cell["id"]] == max(score.values())
    assert filled >= 20
    law_de = m["cells"]["DE"]["law"]
    assert law_de and G.value(URIRef(THR["case-" + law_de["id"]]), TH.category) == Literal("law")


def test_timeline_is_ordered_by_year_and_holds_cases_and_events():
    items = cmp.timeline()["items"]
    years = [i["year"] for i in items]
    assert years == sorted(years)
    kinds = Counter(i["kind"] for i in items)
    assert kinds["case"] == len(CASES)
    assert kinds["event"] == len(set(G.subjects(RDF.type, TH.TimelineEvent))) > 5
    ids = [i["id"] for i in items]
    assert ids.index("raumordnungsgesetz") < ids.index("japan-global-warming-act")
    assert {i["country"] for i in cmp.timeline(["jp"])["items"]} == {"JP"}


def test_remote_server_gives_the_same_comparison(oxigraph_server):
    remote = RemoteStore(oxigraph_server + "/query")
    remote.ensure_loaded()
    assert cmp.compare("DE,JP", store=remote) == cmp.compare("DE,JP")
    assert cmp.compare(model="blue-green-sink", store=remote) == cmp.compare(model="blue-green-sink")
    assert cmp.matrix("zh", store=remote) == cmp.matrix("zh")
    assert cmp.timeline(store=remote) == cmp.timeline()
    via_cli = _cli("--endpoint", oxigraph_server + "/query", "--country", "DE", "--format", "json")
    assert json.loads(via_cli.stdout) == json.loads(_cli("--country", "DE", "--format", "json").stdout)
    down = _cli("--endpoint", "http://127.0.0.1:9/query")
    assert down.returncode == 2 and "cannot reach the SPARQL endpoint" in down.stderr


def _cli(*args):
    return subprocess.run([sys.executable, "-c", "import sys; from kg.cli import main; sys.exit(main())",
                           "compare", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_cli_json_table_markdown_and_errors():
    out = _cli("--country", "DE", "--format", "json")
    assert out.returncode == 0
    assert "raumordnungsgesetz" in {r["id"] for r in json.loads(out.stdout)["records"]}
    md = _cli("--view", "matrix", "--format", "md", "--lang", "en")
    assert md.returncode == 0 and md.stdout.startswith("| Country | Energy | Transport |")
    assert "| Germany |" in md.stdout
    table = _cli("--view", "timeline", "--country", "JP")
    assert table.returncode == 0 and "年份" in table.stdout and "日本" not in table.stdout.splitlines()[0]
    bad = _cli("--country", "FR")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip() == ("tanheng: 未知的国家“FR”；可用的值：US、GB、DE、JP、CN\n"
                                  "unknown country 'FR'; valid country values: US, GB, DE, JP, CN")
    assert _cli("--model", "nope").returncode == 2
    assert _cli("--view", "matrix", "--sector", "transport").returncode == 2


def test_cli_error_gives_both_languages_the_chosen_one_first():
    en = _cli("--country", "FR", "--lang", "en")
    assert en.returncode == 2
    assert en.stderr.strip().splitlines() == ["tanheng: unknown country 'FR'; valid country values: US, GB, DE, JP, CN",
                                              "未知的国家“FR”；可用的值：US、GB、DE、JP、CN"]
    zh = _cli("--model", "nope", "--view", "records")
    assert zh.returncode == 2 and zh.stderr.startswith("tanheng: 未知的") and "unknown model 'nope'" in zh.stderr


def _code_labels(prop, lang):
    """code -> label, walking the rdflib graph: the concept whose notation is the code."""
    from rdflib.namespace import SKOS
    out = {}
    for case in CASES:
        for code in G.objects(case, prop):
            concepts = [c for c in G.subjects(SKOS.notation, code)
                        if str(G.value(c, SKOS.inScheme)).startswith(str(THR) + "scheme-compare-")]
            labels = {str(l) for c in concepts for l in G.objects(c, RDFS.label) if l.language == lang}
            assert labels, (prop, code, lang)
            out[str(code)] = labels
    return out


@pytest.mark.parametrize("prop", [TH.category, TH.status, TH.instrumentType, TH.sector])
def test_every_record_code_has_a_bilingual_concept_with_a_source(prop):
    from rdflib.namespace import SKOS
    for lang in ("zh", "en"):
        assert _code_labels(prop, lang)
    codes = {str(o) for c in CASES for o in G.objects(c, prop)}
    for code in codes:
        concept = next(c for c in G.subjects(SKOS.notation, Literal(code))
                       if str(G.value(c, SKOS.inScheme)).startswith(str(THR) + "scheme-compare-")
                       and str(G.value(c, SKOS.inScheme)) != str(THR) + "scheme-compare-dimensions")
        assert G.value(concept, DCTERMS.source) in {THR["src-cclw"], THR["src-iea-pams"]}
        assert {d.language for d in G.objects(concept, SKOS.definition)} >= {"zh", "en"}


def test_zh_table_shows_chinese_labels_not_the_codes():
    out = _cli("--country", "DE")
    assert out.returncode == 0
    body = out.stdout
    for code in ("strategy", "in-force", "superseded", "production-waste-cycle", "low-carbon-unit-layout"):
        assert code not in body, code
    assert "战略" in body and "现行" in body and "法律" in body
    model_zh = next(str(l) for l in G.objects(THR["model-production-waste-cycle"], RDFS.label) if l.language == "zh")
    assert model_zh[:8] in body
    seidel = next(line for line in body.splitlines() if line.startswith("hanns-seidel-equivalence"))
    assert "论文：1950；核实：1966" in seidel
    js = json.loads(_cli("--country", "DE", "--format", "json").stdout)
    rec = next(r for r in js["records"] if r["id"] == "hanns-seidel-equivalence")
    assert rec["category"] == "strategy" and rec["status"] == "in-force"           # the JSON keeps the codes
    assert "production-waste-cycle" in {m["id"] for m in rec["models"]}
    assert rec["discrepancy"]["verified_year"] == 1966


def test_en_markdown_discrepancy_text_and_labels():
    md = _cli("--country", "DE", "--format", "md", "--lang", "en")
    assert md.returncode == 0
    seidel = next(line for line in md.stdout.splitlines() if "hanns-seidel-equivalence" in line)
    assert "paper: 1950; verified: 1966" in seidel and "| Strategy | In force |" in seidel
    assert "production-waste-cycle" not in seidel
