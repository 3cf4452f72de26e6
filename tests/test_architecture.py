"""The import rules of docs/ARCHITECTURE.md, checked on the source (every import
statement, including those inside functions): the library never imports the command
line, the app imports only the public kg API, reasoning never imports presentation,
and the stages only look upstream (read ← validate ← account ← reason ← present)."""
import ast
from pathlib import Path

import pytest

from kg.paths import ROOT

# a stage may import the stages before it, never those after it
STAGES = ["kg.read", "kg.validate", "kg.account", "kg.reason", "kg.trajectory", "kg.present", "kg.pipeline"]
# the ground every room stands on: imported by any stage, importing no stage
GROUND = ["kg.errors", "kg.messages", "kg.namespaces", "kg.paths"]
FRONT_ENDS = ["kg.cli", "kg.commands"]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every module an import statement in the file names (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}     # `from kg import cli` names kg.cli
    return out


def within(name: str, rooms) -> bool:
    return any(name == r or name.startswith(r + ".") for r in rooms)


def sources(folder: str):
    return sorted((ROOT / folder).rglob("*.py"))


LIBRARY = [p for p in sources("kg") if not within(module_name(p), FRONT_ENDS)]


def test_the_scan_sees_the_rooms():
    names = {module_name(p) for p in LIBRARY}
    for room in STAGES + GROUND + ["kg.knowledge"]:
        assert any(within(n, [room]) for n in names), room
    assert "kg.errors" in imports(ROOT / "kg" / "cli.py")


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: module_name(p))
def test_the_library_never_imports_the_command_line_or_the_app(path):
    bad = {m for m in imports(path) if within(m, FRONT_ENDS + ["app", "streamlit"])}
    assert not bad, f"{module_name(path)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", [p for p in LIBRARY if within(module_name(p), STAGES)],
                         ids=lambda p: module_name(p))
def test_stages_only_look_upstream(path):
    me = module_name(path)
    mine = next(i for i, s in enumerate(STAGES) if within(me, [s]))
    later = STAGES[mine + 1:]
    bad = {m for m in imports(path) if within(m, later)}
    assert not bad, f"{me} (stage {STAGES[mine]}) imports later stages {sorted(bad)}"


@pytest.mark.parametrize("path", [p for p in LIBRARY if within(module_name(p), GROUND)],
                         ids=lambda p: module_name(p))
def test_the_ground_imports_no_room(path):
    bad = {m for m in imports(path) if m.startswith("kg.") and not within(m, GROUND)}
    assert not bad, f"{module_name(path)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", sources("app"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_app_imports_only_the_public_kg_api(path):
    bad = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for m in imports(path):
        if within(m, FRONT_ENDS) or any(part.startswith("_") for part in m.split(".")[1:]):
            bad.add(m)
    for node in ast.walk(tree):      # kg.x._private reached as an attribute
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            if isinstance(node.value, ast.Name) and node.value.id not in ("st", "self", "pd", "px", "go", "nx"):
                bad.add(f"{node.value.id}.{node.attr}")
    assert not bad, f"{path.relative_to(ROOT)} reaches past the public kg API: {sorted(bad)}"


LOOK_UPS = ["kg.knowledge.catalog", "kg.knowledge.pathway", "kg.knowledge.compare", "kg.knowledge.strategies",
            "kg.account.coefficients"]


@pytest.mark.parametrize("name", LOOK_UPS)
def test_look_ups_ask_the_one_reader_not_a_store(name):
    """So that TANHENG_SPARQL_URL reaches every look-up (issue 10): only kg.knowledge.reader picks the store."""
    path = ROOT / (name.replace(".", "/") + ".py")
    found = imports(path)
    assert not {m for m in found if within(m, ["kg.store"])}, f"{name} opens a store itself"
    # it asks through the reader, directly or through catalog's select (which does)
    assert {"kg.knowledge.reader", "kg.knowledge.catalog"} & found or "reader" in path.read_text(), name
