"""Issue 11 item 2: corrupt store files (empty CURRENT, garbage MANIFEST,
truncated .sst) gave exit 3 'internal error'; now exit 2 with one sentence
naming the folder, and the files stay as they were."""
import pytest

from issue11_helpers import folder_fingerprint, tanheng, env, saved_store  # noqa: F401 (fixtures)


def _empty_current(path):
    (path / "CURRENT").write_bytes(b"")


def _garbage_manifest(path):
    manifest = (path / "CURRENT").read_text().strip()
    (path / manifest).write_bytes(b"\x00garbage" * 100)


def _truncated_sst(path):
    for sst in sorted(path.glob("*.sst")):
        data = sst.read_bytes()
        sst.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("damage", [_empty_current, _garbage_manifest, _truncated_sst],
                         ids=["empty-CURRENT", "garbage-MANIFEST", "truncated-sst"])
def test_a_damaged_store_is_one_sentence_and_exit_2(saved_store, damage):
    env, path, _ = saved_store
    damage(path)
    before = folder_fingerprint(path)
    for args in (("store", "list"), ("store", "info"), ("store", "load")):
        out = tanheng(env, *args)
        assert out.returncode == 2, (args, out.stderr)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and "damaged" in lines[0], lines
    assert folder_fingerprint(path) == before
