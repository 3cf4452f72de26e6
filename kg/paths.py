"""Where the declarative knowledge lives on disk."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
RULES_DIR = ROOT / "rules"
EXAMPLES_DIR = ROOT / "examples"
QUERIES_DIR = Path(__file__).resolve().parent / "queries"


def default_store_dir() -> Path:
    """The embedded store; TANHENG_STORE overrides it (tests use a temp dir)."""
    env = os.environ.get("TANHENG_STORE")
    return Path(env) if env else ROOT / "var" / "store"


def cache_dir() -> Path | None:
    """Where Tanheng keeps what it derived once (compiled knowledge, simplified boundaries, boundary
    areas): TANHENG_CACHE_DIR (TANHENG_CACHE, its older name, is still read), else
    $XDG_CACHE_HOME/tanheng, else ~/.cache/tanheng. "off" keeps nothing across runs (None)."""
    env = os.environ.get("TANHENG_CACHE_DIR") or os.environ.get("TANHENG_CACHE")
    if env:
        return None if env.lower() == "off" else Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tanheng"
