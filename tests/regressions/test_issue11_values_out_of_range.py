"""Issue 11 item 10: numbers beyond any sensible range (1e308, an area of
1e15 km², `scenario --set coal_t=1e308` giving inf) got misleading messages
("must be a number greater than 0") or an infinite account."""
import json

from issue11_helpers import EXAMPLES, tanheng, env  # noqa: F401 (fixtures)

LINES = (EXAMPLES / "typical-regions.csv").read_text(encoding="utf-8").splitlines()
HEAD = LINES[0].split(",")


def _with(tmp_path, **cells):
    row = LINES[1].split(",")
    for k, v in cells.items():
        row[HEAD.index(k)] = v
    path = tmp_path / "range.csv"
    path.write_text(LINES[0] + "\n" + ",".join(row) + "\n" + LINES[2] + "\n", encoding="utf-8")
    return path


def test_huge_cells_are_called_out_of_range(env, tmp_path):
    path = _with(tmp_path, area_km2="1e15", population="1e308", coal_t="-1e300")
    out = tanheng(env, "validate", path, "--lang", "en", "--format", "json")
    assert out.returncode == 1
    mine = [r for r in json.loads(out.stdout)["results"] if r.get("region_id") == "310115"]
    assert {r["field"] for r in mine} == {"area_km2", "population", "coal_t"}
    assert all("out of any sensible range" in r["message_en"] for r in mine), mine
    advice = json.loads(tanheng(env, "advise", path, "--format", "json").stdout)
    assert advice["summary"]["valid"] == 1                     # the other region is still advised


def test_a_scenario_setting_beyond_range_is_refused_not_infinite(env):
    for change in ("1e308", "+1e300", "+99999999999999999999%"):
        out = tanheng(env, "scenario", EXAMPLES / "typical-regions.csv", "--region", "310115",
                      "--set", f"coal_t={change}", "--lang", "en")
        assert out.returncode == 2 and "out of any sensible range" in out.stderr, (change, out.stderr)
        assert "inf" not in out.stdout
