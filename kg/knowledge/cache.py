"""Knowledge compiled once (kg.knowledge.cache): what a function reads out of ontology/ and rules/ (columns, shapes,
accounting lines, scoring rules, category tables…) kept on disk, keyed by a digest of those
files and of this package's code, so that a fresh process loads it instead of parsing Turtle.

Parsing the ontology and rules with rdflib cost a fresh `tanheng advise` of one region about
two thirds of its CPU; the pickled results load in milliseconds. Any change to a file under
ontology/, rules/ or kg/ gives a new digest, so a stale entry is never read; entries of other
digests are removed when a new one is written. The cache lives in kg.paths.cache_dir()
(TANHENG_CACHE_DIR, else $XDG_CACHE_HOME/tanheng, else ~/.cache/tanheng); TANHENG_CACHE_DIR=off turns it off. A cache that
cannot be read or written is simply not used."""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import shutil
import tempfile
from pathlib import Path

from kg.paths import ONTOLOGY_DIR, ROOT, RULES_DIR, cache_dir

_PACKAGE = Path(__file__).resolve().parent.parent      # kg/


def cache_root() -> Path | None:
    return cache_dir()


@functools.lru_cache(maxsize=1)
def digest() -> str:
    """sha256 of the knowledge (ontology/, rules/) and of the code that compiles it (kg/)."""
    h = hashlib.sha256()
    for top in (ONTOLOGY_DIR, RULES_DIR, _PACKAGE):
        for path in _sources(Path(top)):
            h.update(str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:24]


def _sources(top: Path) -> list[Path]:
    """The .ttl, .py and .rq files under `top`, sorted; os.walk skipping __pycache__ (rglob visited
    every bytecode file too: half of the digest's ~9 ms, paid by every start)."""
    found = []
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        found += [Path(folder, f) for f in files if f.endswith((".ttl", ".py", ".rq"))]
    return sorted(found)


def _load(path: Path):
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
        return _MISSING


def _store(path: Path, value) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.parent.iterdir():           # other digests: stale knowledge
            if old.is_dir() and old.name != path.parent.name:
                shutil.rmtree(old, ignore_errors=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)                               # atomic: parallel processes never see half a file
    except (OSError, pickle.PickleError, TypeError, AttributeError):
        pass


_MISSING = object()
_PINNED: list = []      # the store a batch asks, while one_source() is open


@contextlib.contextmanager
def one_source():
    """Within this block every compiled look-up asks the store chosen on entry (TANHENG_SPARQL_URL
    read once), as one batch asks one store anyway. Reading the environment on each look-up —
    ~100 a region, from the ranking's loops — was ~10 % of a batch's CPU (cProfile, 2,844 regions)."""
    from kg.knowledge.reader import source

    _PINNED.append(source())
    try:
        yield
    finally:
        _PINNED.pop()


def compiled_knowledge(fn):
    """Like functools.lru_cache(maxsize=1) for a function without arguments, and kept on disk."""
    name = f"{fn.__module__}.{fn.__qualname__}.pickle"

    @functools.lru_cache(maxsize=4)
    def by_source(server):
        root = cache_root()
        if root is None or server is not None:      # a server's graph is not the files the digest covers
            return fn()
        path = root / digest() / name
        value = _load(path) if path.exists() else _MISSING
        if value is _MISSING:
            value = fn()
            _store(path, value)
        return value

    def wrapper():
        if _PINNED:
            return by_source(_PINNED[-1])
        from kg.knowledge.reader import source

        return by_source(source())

    wrapper.uncached = fn
    wrapper.cache_clear = by_source.cache_clear
    return functools.update_wrapper(wrapper, fn)
