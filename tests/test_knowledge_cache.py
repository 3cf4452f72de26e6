"""Knowledge compiled once (issue 12): a fresh process reads the compiled knowledge from the
cache instead of parsing Turtle, and gives exactly the same advice as without the cache."""
import os
import subprocess
import sys

from kg.knowledge import cache as knowledge_cache
from kg.paths import EXAMPLES_DIR, ROOT


def _advise(cache: str, out) -> str:
    env = {**os.environ, "TANHENG_CACHE_DIR": cache}
    subprocess.run([sys.executable, "-m", "kg.cli", "advise", str(EXAMPLES_DIR / "typical-regions.csv"),
                    "-o", str(out)], check=True, cwd=ROOT, env=env, capture_output=True)
    return out.read_text(encoding="utf-8")


def test_cached_knowledge_gives_the_same_advice(tmp_path):
    cache = tmp_path / "cache"
    without = _advise("off", tmp_path / "off.json")
    first = _advise(str(cache), tmp_path / "first.json")           # compiles and writes the cache
    files = sorted(p.name for p in cache.glob("*/*.pickle"))
    assert "kg.validate.shacl_fast.compiled.pickle" in files and "kg.knowledge.rules.rules.pickle" in files
    second = _advise(str(cache), tmp_path / "second.json")         # reads it
    assert without == first == second


def test_entries_of_another_digest_are_removed_and_broken_ones_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("TANHENG_CACHE_DIR", str(tmp_path))
    (tmp_path / "old-digest").mkdir()
    (tmp_path / "old-digest" / "x.pickle").write_bytes(b"stale")
    calls = []

    @knowledge_cache.compiled_knowledge
    def table():
        calls.append(1)
        return {"a": (1, 2.5)}

    assert table() == {"a": (1, 2.5)} and not (tmp_path / "old-digest").exists()
    path = tmp_path / knowledge_cache.digest() / f"{table.__module__}.{table.__qualname__}.pickle"
    path.write_bytes(b"not a pickle")
    table.cache_clear()
    assert table() == {"a": (1, 2.5)} and len(calls) == 2
