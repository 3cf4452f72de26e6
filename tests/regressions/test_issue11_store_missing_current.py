"""Issue 11 item 1: a store folder without its CURRENT file was 'repaired' by
the second `tanheng store list` into a new empty store (MANIFEST deleted,
.sst files purged, saved analyses gone). Reads open read-only and never
create or repair; a store that cannot be opened is one sentence naming the
folder, exit 2, files untouched; a mistyped TANHENG_STORE creates nothing."""
from issue11_helpers import folder_fingerprint, tanheng, env, saved_store  # noqa: F401 (fixtures)


def test_a_store_without_current_is_refused_and_left_untouched(saved_store):
    env, path, aid = saved_store
    (path / "CURRENT").unlink()
    before = folder_fingerprint(path)
    for args in (("store", "list"), ("store", "list"), ("store", "info"), ("store", "show", aid)):
        out = tanheng(env, *args)
        assert out.returncode == 2, (args, out.stderr)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and "damaged" in lines[0], lines
        assert "internal error" not in out.stderr
    # a write is refused too, rather than creating a new store over the old files
    out = tanheng(env, "store", "load")
    assert out.returncode == 2 and "damaged" in out.stderr
    assert folder_fingerprint(path) == before


def test_the_analysis_comes_back_when_current_is_restored(saved_store):
    env, path, aid = saved_store
    current = (path / "CURRENT").read_bytes()
    (path / "CURRENT").unlink()
    assert tanheng(env, "store", "list").returncode == 2
    (path / "CURRENT").write_bytes(current)
    out = tanheng(env, "store", "list")
    assert out.returncode == 0 and out.stdout.startswith(aid)


def test_a_mistyped_store_folder_is_not_created_by_a_read(env, tmp_path):
    env["TANHENG_STORE"] = str(tmp_path / "stroe")
    for args in (("store", "list"), ("store", "info"), ("store", "show", "0" * 32)):
        out = tanheng(env, *args)
        assert out.returncode == 2 and "there is no store at" in out.stderr and "stroe" in out.stderr
    assert not (tmp_path / "stroe").exists()


def test_a_folder_of_other_files_is_not_turned_into_a_store(env, tmp_path):
    other = tmp_path / "documents"
    other.mkdir()
    (other / "plan.txt").write_text("规划", encoding="utf-8")
    env["TANHENG_STORE"] = str(other)
    out = tanheng(env, "store", "load")
    assert out.returncode == 2 and "not a Tanheng store" in out.stderr
    assert [p.name for p in other.iterdir()] == ["plan.txt"]
