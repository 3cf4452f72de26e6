"""Start-up (issue 12): only the command that runs is imported, and `tanheng --help`
lists every command with the help its own module gives."""
import subprocess
import sys

from kg import cli

HEAVY = ("rdflib", "numpy", "networkx", "pandas", "plotly", "pyoxigraph", "polars", "pyarrow")


def _modules_after(args: list[str]) -> set[str]:
    code = ("import sys\nfrom kg.cli import main\ntry:\n    main(%r)\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(m for m in sys.modules if '.' not in m)))") % args
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_help_imports_no_heavy_library():
    loaded = _modules_after(["--help"])
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_a_command_imports_only_what_it_needs():
    assert "networkx" not in _modules_after(["template", "--help"])


def test_advising_a_region_needs_no_rdflib(tmp_path):
    """The fast path's knowledge comes compiled from the cache: rdflib (~0.1 s CPU to import, a third of one
    region cold) is for the reference engine, RDF input and the store, never for advising a CSV."""
    one = tmp_path / "one.csv"
    one.write_text("region_id,name,year,area_km2,population\nX1,one,2022,1000,300000\n", encoding="utf-8")
    loaded = _modules_after(["advise", str(one), "-o", str(tmp_path / "out.json")])
    assert (tmp_path / "out.json").exists()
    assert "rdflib" not in loaded


def test_help_lists_every_command_with_its_own_help():
    full = cli.build_parser()                 # every command module imported and registered
    sub = next(a for a in full._actions if a.dest == "command")
    registered = {c.dest: c.help for c in sub._choices_actions}
    assert sorted(registered) == cli.command_names()
    assert {name: cli.command_help(name) for name in cli.command_names()} == registered
