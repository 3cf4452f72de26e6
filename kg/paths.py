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
