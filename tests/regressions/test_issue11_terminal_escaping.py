"""Issue 11 item 11: control characters and bidi marks in region names were
sent to the terminal as they are (`advise --format table`, `store list`),
where an escape sequence could clear the screen or a bidi override reorder
the line. They are shown escaped."""
from issue11_helpers import EXAMPLES, tanheng, env  # noqa: F401 (fixtures)

HOSTILE = "浦东\x1b[2J\u202e区\r"


def test_table_and_store_list_show_controls_escaped(env, tmp_path):
    lines = (EXAMPLES / "typical-regions.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("浦东新区", '"' + HOSTILE + '"', 1)
    path = tmp_path / "hostile.csv"
    path.write_text("\n".join(lines[:3]), encoding="utf-8", newline="")
    table = tanheng(env, "advise", path, "--format", "table", "--lang", "en")
    saved = tanheng(env, "store", "save", path, "--title", "标题\x1b]0;pwned\x07")
    listed = tanheng(env, "store", "list")
    query = tanheng(env, "query", "-e", 'SELECT ?x WHERE { BIND("a\\u001b[31mb\\u202Ec" AS ?x) }')
    for out in (table.stdout, saved.stderr, listed.stdout, query.stdout):
        assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out, repr(out[:300])
    assert "\\x1b[2J" in table.stdout and "\\u202e" in table.stdout
    assert "\\x1b]0;pwned\\x07" in listed.stdout
    assert "a\\x1b[31mb\\u202ec" in query.stdout
