"""Issue 11 item 14: Markdown from `tanheng balance --format md` and `tanheng
scenario --format md` printed a region named "<img src=x onerror=…>" as live
HTML. Every Markdown output escapes user text (names, ids, messages quoting them)."""
import pytest

from issue11_helpers import EXAMPLES, tanheng, env  # noqa: F401 (fixtures)

HOSTILE = '<img src=x onerror=alert(1)>[link](javascript:alert(2))|x'


@pytest.mark.parametrize("command", [
    ["balance", "--format", "md"],
    ["scenario", "--region", "310115", "--set", "coal_t=-10%", "--format", "md"],
    ["advise", "--format", "md"],
])
def test_markdown_outputs_show_hostile_names_as_text(env, tmp_path, command):
    lines = (EXAMPLES / "typical-regions.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("浦东新区", '"' + HOSTILE + '"', 1)
    path = tmp_path / "hostile.csv"
    path.write_text("\n".join(lines[:3]), encoding="utf-8")
    out = tanheng(env, command[0], path, *command[1:])
    assert out.returncode in (0, 1), out.stderr
    assert "<img" not in out.stdout and "[link](" not in out.stdout
    assert "&lt;img src=x onerror=alert(1)&gt;" in out.stdout
