"""The `tanheng` command line. Each sub-command is a module in kg/commands
with `register(subparsers)`; this file only discovers and dispatches them.

Only the command that is run is imported: importing them all would load rdflib,
numpy, networkx… before anything is asked (`tanheng --help` took 0.45 s CPU that
way, 0.06 s now). The list of commands for `--help` reads each module's
`add_parser("name", help="…")` from its source instead."""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from pathlib import Path

from kg import __version__, commands
from kg.errors import UserError  # noqa: F401  (kg.cli.UserError: the name older callers used)


def command_names() -> list[str]:
    """The sub-commands: one module of kg/commands each, named as the command."""
    # the folder listed directly: pkgutil.iter_modules imports inspect (~10 ms of every start)
    return sorted(p.stem for folder in commands.__path__ for p in Path(folder).glob("*.py") if p.stem != "__init__")


def command_help(name: str) -> str | None:
    """The help text a command module gives its parser, read from the source without importing it
    (None when it is not a plain string literal; then the module is imported to list it)."""
    import ast

    module = f"{commands.__name__}.{name}"
    source = importlib.util.find_spec(module).loader.get_source(module)
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_parser" and node.args
                and isinstance(node.args[0], ast.Constant) and node.args[0].value == name):
            for kw in node.keywords:
                if kw.arg == "help" and isinstance(kw.value, ast.Constant):
                    return kw.value.value
    return None


def _chosen_command(argv: list[str]) -> str | None:
    """The command named on the line (the first word that is not an option), if it is one of ours."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in command_names() else None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser with the chosen command fully registered (all of them when argv is None);
    the others are listed by name and help only, so that `--help` and typos still show them."""
    parser = argparse.ArgumentParser(
        prog="tanheng",
        description="Tanheng 碳衡 — carbon-balance decision support for urban-rural integration.",
    )
    parser.add_argument("--version", action="version", version=f"tanheng {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = None if argv is None else _chosen_command(argv)
    for name in command_names():
        if argv is None or name == chosen:
            importlib.import_module(f"{commands.__name__}.{name}").register(sub)
        elif chosen is not None:
            sub.add_parser(name)      # only the chosen command's help can be shown: no source read for the others
        elif (text := command_help(name)) is not None:
            sub.add_parser(name, help=text)
        else:
            importlib.import_module(f"{commands.__name__}.{name}").register(sub)
    return parser


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit does not hit the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    # numpy's OpenBLAS starts a thread per core on import, ~0.1 s CPU of a one-region run; no kg
    # code multiplies matrices, and batches use processes (--jobs), never BLAS threads
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as exc:   # one sentence, both languages, the chosen one first
        print(f"tanheng: {exc.bilingual(getattr(args, 'lang', None) or 'zh')}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tanheng: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:         # `tanheng store list | head`: the reader has all it wanted
        _quiet_stdout()
        return 0
    except OSError as exc:  # a file or directory the command needed: which one, and why
        if exc.filename is not None:
            # commands say "cannot write" themselves where they write; here we cannot tell which
            print(f"tanheng: cannot read or write {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        else:              # already one sentence (the store is busy or cannot be opened, …)
            print(f"tanheng: {exc.strerror if exc.errno and exc.strerror else exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug of ours: one sentence, the traceback only on request
        if os.environ.get("TANHENG_DEBUG"):
            raise
        print(f"tanheng: internal error ({type(exc).__name__}: {exc}); "
              "set TANHENG_DEBUG=1 for the traceback", file=sys.stderr)
        return 3


if __name__ == "__main__":
    # import by name so that `python -m kg.cli` shares its module with the commands
    from kg.cli import main as _main

    sys.exit(_main())
