"""The one message catalogue (issue 10, item 5): every key the code asks for is in
kg/messages.csv with Chinese and English, and Chinese output carries neither a
catalogue key nor an English sentence of the catalogue where a Chinese one exists
(validate, advise, balance, scenario, evaluate, zoning, rollup, import, query and the handed-on report)."""
import ast
import csv
import re
from pathlib import Path

import pytest

from kg import messages
from kg.cli import main

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"

# calls whose first argument is a catalogue key (or a plain sentence, which has spaces); in app/, t() too
# (in kg/ a local t or say adds its own prefix)
KEY_TAKERS = {"text", "both", "both_ways", "has", "text_of", "UserError", "UnknownValue", "AnalysisNotFound",
              "StoreBusy", "StoreUnavailable", "StoreMissing", "KnowledgeUnavailable", "QueryRefused",
              "QueryTooComplex", "__init__"}
_KEYLIKE = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+\.?$")


def _catalogue() -> dict[str, dict[str, str]]:
    with messages.CATALOGUE.open(encoding="utf-8", newline="") as f:
        return {r["key"]: r for r in csv.DictReader(f)}


def _called(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def keys_in_code():
    """(file, key) for every literal key, (file, prefix + "…") for every f-string key, passed to a key taker."""
    for path in sorted((ROOT / "kg").rglob("*.py")) + sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            takers = KEY_TAKERS | ({"t"} if path.relative_to(ROOT).parts[0] == "app" else set())
            if not (isinstance(node, ast.Call) and node.args and _called(node) in takers):
                continue
            arg, where = node.args[0], f"{path.relative_to(ROOT)}:{node.lineno}"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and _KEYLIKE.match(arg.value):
                yield where, arg.value
            elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                head = arg.values[0].value
                if _KEYLIKE.match(head.rstrip(".") + ".x") and head.endswith("."):
                    yield where, head + "…"


def test_every_key_the_code_asks_for_is_in_the_catalogue_in_both_languages():
    table = _catalogue()
    found = list(keys_in_code())
    assert len(found) > 150, "the scan found too few keys: has the calling convention changed?"
    missing = []
    for where, key in found:
        if key.endswith("…"):
            if not any(k.startswith(key[:-1]) for k in table):
                missing.append(f"{where}: no key starts with {key[:-1]!r}")
        elif key not in table:
            missing.append(f"{where}: {key}")
    assert not missing, "keys missing from kg/messages.csv:\n" + "\n".join(missing)
    for key, row in table.items():
        assert row["zh"].strip() and row["en"].strip(), f"{key} lacks a translation"
        assert set(re.findall(r"\{(\w+)\}", row["zh"])) == set(re.findall(r"\{(\w+)\}", row["en"])), key


def test_no_interface_text_left_in_python_dicts():
    """Interface words are in the catalogue, not in {"zh": …, "en": …} literals of the code (records
    built from the graph or from the catalogue may still carry both languages)."""
    def chinese_literal(node) -> bool:
        return any(isinstance(n, ast.Constant) and isinstance(n.value, str) and re.search(r"[\u4e00-\u9fff]", n.value)
                   for n in ast.walk(node))

    offenders = []
    for path in sorted((ROOT / "kg").rglob("*.py")) + sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                given = {k.value: v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)}
                if "zh" in given and "en" in given and chinese_literal(given["zh"]):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, "interface text in a Python dict (move it to kg/messages.csv): " + ", ".join(offenders)


def _english_sentences() -> set[str]:
    """The English-only parts of the catalogue: for each message whose English differs from its Chinese,
    each literal stretch between its {fields} that is a phrase (two words or more)."""
    out = set()
    for row in _catalogue().values():
        if row["zh"] == row["en"]:
            continue
        for stretch in re.split(r"\{\w+\}", row["en"]):
            stretch = stretch.strip(" :;,.()")
            if len(stretch) >= 8 and len(re.findall(r"[A-Za-z]{3,}", stretch)) >= 2 and stretch not in row["zh"]:
                out.add(stretch)
    return out


RUNS = [
    ["validate", EX / "invalid-regions.csv"],
    ["validate", EX / "typical-regions.csv"],
    ["validate", EX / "no-such-file.csv"],
    ["advise", EX / "invalid-regions.csv", "--format", "md"],
    ["advise", EX / "typical-regions.csv", "--format", "table"],
    ["balance", EX / "invalid-regions.csv"],
    ["balance", EX / "typical-regions.csv", "--format", "md"],
    ["evaluate", EX / "labelled" / "zoning-labelled.csv"],
    ["zoning", EX / "invalid-regions.csv", "--format", "md"],
    ["rollup", EX / "invalid-regions.csv", "--format", "md"],
    ["scenario", EX / "typical-regions.csv", "--region", "310115", "--set", "coal_t=-5%"],
    ["scenario", EX / "typical-regions.csv", "--region", "310115", "--set", "area_km2=-5"],
    ["import", EX / "yearbook-2022.xlsx"],
    ["query", "no-such-query"],
    ["query", "-e", "SELECT * WHERE { ?s ?p ?o"],
    ["query", "-e", "INSERT DATA { <a:b> <a:c> <a:d> }"],
]


@pytest.mark.parametrize("argv", RUNS, ids=lambda a: " ".join(str(x).replace(str(EX) + "/", "") for x in a))
def test_chinese_output_has_no_key_and_no_english_sentence(capsys, argv):
    main([*map(str, argv), "--lang", "zh"])
    out, err = capsys.readouterr()
    # an error is said in both languages, the chosen one first ("tanheng: 中文 / English", kg.errors)
    shown = out + "\n".join(line.split(" / ")[0] for line in err.splitlines())
    assert shown.strip(), "the command said nothing"
    assert re.search(r"[\u4e00-\u9fff]", shown), shown[:500]
    _assert_chinese_only(shown)
    assert not re.search(r"\[(error|warning|note)\]", shown)


def _assert_chinese_only(shown: str) -> None:
    keys = [k for k in _catalogue() if "." in k and re.search(rf"(?<![\w/.-]){re.escape(k)}(?![\w-])", shown)]
    assert not keys, f"catalogue keys in Chinese output: {keys}"
    leaked = [s for s in _english_sentences() if s in shown]
    assert not leaked, f"English sentences in Chinese output: {leaked}"


@pytest.mark.slow
def test_the_handed_on_report_in_chinese_has_no_key_and_no_english_sentence(tmp_path, capsys):
    out = tmp_path / "报告.md"
    assert main(["report", str(EX / "typical-regions.csv"), "--region", "310115", "--lang", "zh", "-o", str(out)]) == 0
    assert f"已写入 {out}" in capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    assert "城乡融合碳平衡诊断报告" in text and "碳核算" in text
    _assert_chinese_only(text)
