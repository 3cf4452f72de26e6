"""`tanheng export`: the written file holds the whole knowledge graph — every Table 1 leaf, type, model,
measure and case with @zh and @en labels in the right tree — in each of the four formats."""
from __future__ import annotations

import subprocess

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS

from conftest import VENV_BIN
from kg.namespaces import TH, THR

FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml"}


def export(tmp_path, env, fmt: str, *extra) -> Graph:
    out = tmp_path / f"kg.{fmt}"
    proc = subprocess.run([str(VENV_BIN / "tanheng"), "export", "--format", fmt, *extra, "-o", str(out), "--lang", "en"],
                          capture_output=True, text=True, env=env, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stderr
    g = Graph()
    g.parse(out, format=FORMATS[fmt])
    return g


@pytest.fixture(scope="module")
def turtle(tmp_path_factory) -> Graph:
    import os
    tmp = tmp_path_factory.mktemp("export")
    env = dict(os.environ, TANHENG_STORE=str(tmp / "store"))
    return export(tmp, env, "ttl")


def bilingual(g: Graph, node) -> bool:
    langs = {o.language for o in g.objects(node, RDFS.label) if isinstance(o, Literal)}
    return {"zh", "en"} <= langs


TABLE1_COLUMNS = {
    "NaturalCarbonPool": {"SoilCarbonPool", "WaterBodyCarbonPool", "RuralVegetationCarbonPool"},
    "AnthropogenicCarbonPool": {"UrbanVegetationCarbonPool", "BuildingCarbonPool", "FurnitureAndBookCarbonPool",
                                "HumanAndAnimalCarbonPool", "WasteCarbonPool"},
    "HorizontalCarbonInputFlux": {"FossilEnergyInput", "TimberInput", "BuildingMaterialInorganicCarbonInput",
                                  "FoodCarbonInput", "OtherCarbonProductInput", "OrganicFertilizerInput"},
    "VerticalCarbonInputFlux": {"PlantPhotosynthesis", "WaterBodyCarbonAbsorption", "RiverCarbonInput"},
    "HorizontalCarbonOutputFlux": {"ProductAndWasteExport", "DrainageNetworkCarbonOutput"},
    "VerticalCarbonOutputFlux": {"VegetationRespiration", "SoilRespiration", "HumanAndAnimalRespiration",
                                 "WaterBodyOutgassing", "FossilFuelCombustion", "IndustrialProductionEmission"},
}


def test_exported_turtle_holds_table1_in_its_tree_with_both_labels(turtle):
    for column, leaves in TABLE1_COLUMNS.items():
        found = {str(s).split("#")[1] for s in turtle.subjects(RDFS.subClassOf, TH[column])}
        assert found == leaves, column
        for leaf in leaves:
            assert bilingual(turtle, TH[leaf]), leaf
    assert (TH.NaturalCarbonPool, RDFS.subClassOf, TH.CarbonPool) in turtle
    assert (TH.VerticalCarbonOutputFlux, RDFS.subClassOf, TH.CarbonOutputFlux) in turtle


def test_exported_turtle_holds_types_models_measures_and_cases_with_both_labels(turtle):
    for t in (TH.UrbanizedArea, TH.MainAgriculturalProductionArea, TH.EcologicalFunctionArea):
        assert (t, RDFS.subClassOf, TH.IntegrationRegion) in turtle and bilingual(turtle, t)
    models = set(turtle.subjects(RDF.type, TH.IntegrationModel))
    assert models == {THR["model-low-carbon-unit-layout"], THR["model-production-waste-cycle"],
                      THR["model-blue-green-sink"]}
    measures = set(turtle.subjects(RDF.type, TH.Measure))
    cases = set(turtle.subjects(RDF.type, TH.Case))
    assert len(measures) >= 35 and len(cases) >= 20
    for node in models | measures | cases:
        assert bilingual(turtle, node), node
    for m in measures:
        owners = set(turtle.objects(m, TH.partOfModel)) | set(turtle.objects(m, TH.commonTo))
        assert owners and owners <= models, m


@pytest.mark.parametrize("fmt", ["nt", "jsonld", "xml"])
def test_other_formats_carry_the_same_triples(tmp_path, tanheng_env, turtle, fmt):
    g = export(tmp_path, tanheng_env, fmt)
    assert len(g) == len(turtle)
    assert (TH.SoilCarbonPool, RDFS.label, Literal("城乡土壤碳库", lang="zh")) in g
    assert (THR["case-milton-keynes"], TH.countryCode, Literal("GB")) in g


def test_inferred_export_adds_the_owl_rl_closure(tmp_path, tanheng_env, turtle):
    g = export(tmp_path, tanheng_env, "ttl", "--inferred")
    assert len(g) > len(turtle)
    # transitive subclass: a Table 1 leaf is a carbon flux although only its column is asserted
    assert (TH.FossilEnergyInput, RDFS.subClassOf, TH.CarbonFlux) not in turtle
    assert (TH.FossilEnergyInput, RDFS.subClassOf, TH.CarbonFlux) in g
    assert (TH.UrbanizedArea, RDFS.subClassOf, TH.Region) in g


def test_unknown_format_is_refused_without_traceback(tmp_path, tanheng_env):
    proc = subprocess.run([str(VENV_BIN / "tanheng"), "export", "--format", "docx", "-o", str(tmp_path / "x")],
                          capture_output=True, text=True, env=tanheng_env, timeout=60)
    assert proc.returncode == 2
    assert "docx" in proc.stderr and "Traceback" not in proc.stderr


def test_docs_command_writes_a_pylode_reference_of_every_table1_class(tmp_path, tanheng_env):
    proc = subprocess.run([str(VENV_BIN / "tanheng"), "docs", "-o", str(tmp_path / "site")],
                          capture_output=True, text=True, env=tanheng_env, timeout=180)
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "pyLODE" in html
    for leaves in TABLE1_COLUMNS.values():
        for leaf in leaves:
            assert f"https://w3id.org/tanheng/ontology#{leaf}" in html, leaf
    assert "城乡土壤碳库" in html and "Urban-rural soil carbon pool" in html
    assert "Ecological function area" in html and "生态功能区" in html
    # issue 16: pyLODE's import turned on DEBUG logging for everything ("DEBUG:asyncio:Using selector")
    assert "DEBUG" not in proc.stderr and "INFO:" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip().splitlines()[-1]]    # only "wrote …"


def test_docs_command_refuses_a_file_as_output_directory(tmp_path, tanheng_env):
    target = tmp_path / "a-file"
    target.write_text("x")
    proc = subprocess.run([str(VENV_BIN / "tanheng"), "docs", "-o", str(target)],
                          capture_output=True, text=True, env=tanheng_env, timeout=60)
    assert proc.returncode == 2
    assert "a-file" in proc.stderr and "Traceback" not in proc.stderr


# ------------------------------------------------------------------ write and store errors are worded as such
def _tanheng(*args, env):
    return subprocess.run([str(VENV_BIN / "tanheng"), *args], capture_output=True, text=True, env=env, timeout=180)


@pytest.mark.parametrize("args, target", [
    (("export", "-o", "{tmp}/no/such/dir/x.ttl"), "{tmp}/no/such/dir/x.ttl"),
    (("template", "-o", "{tmp}"), "{tmp}"),
    (("template", "--format", "xlsx", "-o", "{tmp}/missing/t.xlsx"), "{tmp}/missing/t.xlsx"),
])
def test_a_file_that_cannot_be_written_is_named_as_a_write_error(tmp_path, tanheng_env, args, target):
    proc = _tanheng(*(a.format(tmp=tmp_path) for a in args), env=tanheng_env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    path = target.format(tmp=tmp_path)      # one sentence, Chinese first, then English (kg.errors)
    assert len(lines) == 1 and lines[0].startswith(f"tanheng: 无法写入 {path}："), lines
    assert f" / cannot write {path}: " in lines[0], lines
    assert "cannot read" not in proc.stderr and "Errno" not in proc.stderr


def test_a_store_path_that_is_not_a_directory_is_one_sentence(tmp_path, tanheng_env):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    env = {**tanheng_env, "TANHENG_STORE": str(blocker / "store")}
    proc = _tanheng("store", "info", env=env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    # a read command never creates a store (issue 11): it says there is none there, in one sentence
    assert len(lines) == 1 and lines[0].startswith("tanheng: ") and str(blocker / "store") in lines[0], lines
    assert "TANHENG_STORE" in lines[0] and "Traceback" not in proc.stderr
    assert blocker.read_text() == "x"          # the file in the way is untouched


def test_the_generic_handler_says_read_or_write_and_names_the_file(capsys, monkeypatch):
    from kg import cli

    def boom(args):
        raise NotADirectoryError(20, "Not a directory", "/dev/null/x")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda argv=None: parser)
    args = parser.parse_args(["store", "info"])
    monkeypatch.setattr(parser, "parse_args", lambda argv=None: args)
    monkeypatch.setattr(args, "func", boom)
    assert cli.main([]) == 2
    assert capsys.readouterr().err == "tanheng: cannot read or write /dev/null/x: Not a directory\n"
