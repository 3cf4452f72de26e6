"""Issue 11 item 4: saving an analysis needed Python; `tanheng store save`
advises profile files and saves the analysis, printing its id."""
import json

from issue11_helpers import EXAMPLES, tanheng, env  # noqa: F401 (fixtures)


def test_store_save_then_list_show_delete(env):
    out = tanheng(env, "store", "save", EXAMPLES / "typical-regions.csv", "--title", "县域 2022")
    assert out.returncode == 0, out.stderr
    aid = out.stdout.strip()
    assert len(aid) == 36 and "县域 2022" in out.stderr
    listed = tanheng(env, "store", "list")
    assert listed.stdout.startswith(aid) and "县域 2022" in listed.stdout and "310115" in listed.stdout
    shown = json.loads(tanheng(env, "store", "show", aid).stdout)
    regions = shown["advice"]["regions"]
    assert {r["region_id"] for r in regions} >= {"310115", "410526"}
    assert all(r["valid"] and r["type"] and r["measures"] for r in regions)
    assert len(shown["profiles"]["regions"]) == len(regions)
    assert tanheng(env, "store", "delete", aid).returncode == 0
    assert tanheng(env, "store", "list").stdout == ""


def test_store_save_keeps_the_valid_part_and_exits_1(env):
    out = tanheng(env, "store", "save", EXAMPLES / "invalid-regions.csv")
    assert out.returncode == 1 and "invalid" in out.stderr
    shown = json.loads(tanheng(env, "store", "show", out.stdout.strip()).stdout)
    assert shown["title"].startswith("invalid-regions.csv · ")


def test_store_save_of_an_unreadable_file_saves_nothing(env, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    out = tanheng(env, "store", "save", bad)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert tanheng(env, "store", "list").returncode == 2      # no store was created for nothing
