"""`tanheng query` messages: updates refused as one sentence, SPARQL syntax errors
counted in the user's own lines with the common causes named (zh and en), files
that are not UTF-8 text; the same messages in the app's SPARQL console."""
from __future__ import annotations

import subprocess

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, VENV_BIN
from kg.knowledge import query as q
from kg.store import KnowledgeStore, memory_store

REFUSED_EN = "updates are not allowed; this is a read-only query interface"
REFUSED_ZH = "不允许更新：这是只读查询接口"


def tanheng(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "tanheng"), "query", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def one_sentence(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr and "internal error" not in stderr, stderr
    return lines[0]


# ------------------------------------------------------------------ recognising updates (text only, never run)
@pytest.mark.parametrize("text", [
    "INSERT DATA { <a:b> <a:c> <a:d> }", "DELETE WHERE { ?s ?p ?o }", "delete data { <a:b> <a:c> <a:d> }",
    "LOAD <http://example.org/x.ttl>", "CLEAR ALL", "CREATE GRAPH <urn:g>", "DROP SILENT GRAPH <urn:g>",
    "COPY DEFAULT TO <urn:g>", "MOVE <urn:a> TO <urn:b>", "ADD <urn:a> TO <urn:b>",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "# a comment SELECT\nBASE <http://x/>\nPREFIX ex: <http://ex/>\nPREFIX : <http://y/>\n  INSERT DATA { ex:a ex:b ex:c }",
])
def test_updates_are_recognised_after_the_prologue(text):
    assert q.is_update(text)


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { ?s ?p ?o }", "ASK {}", "CONSTRUCT WHERE { ?s ?p ?o }", "DESCRIBE <urn:x>",
    "# DELETE WHERE { ?s ?p ?o }\nSELECT * {}", "PREFIX insert: <urn:x:>\nSELECT * { ?s insert:p ?o }",
    'SELECT * { ?s ?p "DELETE" }', "",
])
def test_queries_are_not_taken_for_updates(text):
    assert not q.is_update(text)


def test_run_refuses_an_update_and_leaves_the_data_alone():
    store = memory_store()
    before = len(q.run("SELECT * WHERE { ?s ?p ?o }", store).rows)
    with pytest.raises(q.UpdateNotAllowed):
        q.run("DELETE WHERE { ?s ?p ?o }", store)
    assert len(q.run("SELECT * WHERE { ?s ?p ?o }", store).rows) == before


# ------------------------------------------------------------------ syntax error messages
def _message(text: str, lang: str) -> str:
    with pytest.raises(SyntaxError) as exc:
        q.run(text, memory_store())
    return q.error_message(exc.value, text, lang)


def test_an_undeclared_prefix_is_named_at_its_line_in_the_users_text():
    en = _message("SELECT ?x WHERE { ?x nope:y ?z }", "en")
    assert en.startswith("the query is not valid SPARQL at line 1, column 28: prefix nope: is not declared")
    assert en.endswith("未声明前缀 nope:")
    zh = _message("SELECT ?x WHERE {\n  ?x a th:IntegrationModel .\n  ?x foo:bar ?y }", "zh")
    assert zh.startswith("查询不是有效的 SPARQL（第 3 行") and "未声明前缀 foo:" in zh
    assert zh.endswith("prefix foo: is not declared")


def test_other_errors_keep_the_parsers_first_clause_without_character_ranges():
    for text in ("SELECT ?x WHERE { ?x ?y ", "SELEC ?x", 'SELECT * WHERE { ?s ?p "open }'):
        en = _message(text, "en")
        assert "line 1, column" in en and "line 17" not in en
        assert "\\u{" not in en and "..=" not in en and "['" not in en and "\n" not in en, en


# ------------------------------------------------------------------ the command line
def test_cli_refuses_updates_in_one_sentence(tanheng_env):
    for text in ("DELETE WHERE { ?s ?p ?o }", "PREFIX x: <urn:x:>\nINSERT DATA { x:a x:b x:c }"):
        out = tanheng("-e", text, env=tanheng_env)
        assert out.returncode == 2
        assert one_sentence(out.stderr) == f"tanheng: {REFUSED_ZH} / {REFUSED_EN}"
    out = tanheng("--lang", "en", "-e", "CLEAR ALL", env=tanheng_env)
    assert out.returncode == 2 and one_sentence(out.stderr) == f"tanheng: {REFUSED_EN} / {REFUSED_ZH}"


def test_cli_names_an_undeclared_prefix_in_the_chosen_language_first(tanheng_env):
    zh = tanheng("-e", "SELECT ?x WHERE { ?x nope:y ?z }", env=tanheng_env)
    assert zh.returncode == 2
    assert one_sentence(zh.stderr).startswith("tanheng: 查询不是有效的 SPARQL（第 1 行第 28 列）：未声明前缀 nope:")
    en = tanheng("--lang", "en", "-e", "SELECT ?x WHERE { ?x nope:y ?z }", env=tanheng_env)
    line = one_sentence(en.stderr)
    assert line.startswith("tanheng: the query is not valid SPARQL at line 1, column 28: prefix nope: is not declared")
    assert "17:" not in line and "expected one of" not in line


def test_cli_reports_a_binary_file_as_not_a_utf8_query(tanheng_env, tmp_path):
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe\xfa")
    out = tanheng("--lang", "en", str(binary), env=tanheng_env)
    assert out.returncode == 2
    assert f"cannot read {binary} as a UTF-8 SPARQL query" in one_sentence(out.stderr)


def test_cli_still_runs_a_query_file(tanheng_env, tmp_path):
    f = tmp_path / "models.rq"
    f.write_text("# DELETE nothing\nSELECT (COUNT(?m) AS ?n) WHERE { ?m a th:IntegrationModel }", encoding="utf-8")
    out = tanheng(str(f), "--format", "csv", env=tanheng_env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["n", "3"]


# ------------------------------------------------------------------ the app's console says the same
def _console(lang: str, text: str) -> list[str]:
    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("views/sparql.py").run()
    at.text_area(key="sparql_text").set_value(text).run()
    at.button(key="sparql_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return [e.value.replace("\\", "") for e in at.error]


def test_app_console_uses_the_same_messages():
    errors = _console("en", "SELECT ?x WHERE { ?x nope:y ?z }")
    assert any("line 1, column 28: prefix nope: is not declared" in e for e in errors), errors
    errors = _console("zh", "DELETE WHERE { ?s ?p ?o }")
    assert any(REFUSED_ZH in e for e in errors), errors
