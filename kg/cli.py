"""The `tanheng` command line. Each sub-command is a module in kg/commands
with `register(subparsers)`; this file only discovers and dispatches them."""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from . import __version__, commands


class UserError(Exception):
    """A problem with what the user asked for: one sentence, exit code 2."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tanheng",
        description="Tanheng 碳衡 — carbon-balance decision support for urban-rural integration.",
    )
    parser.add_argument("--version", action="version", version=f"tanheng {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"tanheng: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("tanheng: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
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
    # import by name so that `python -m kg.cli` shares one UserError class with the commands
    from kg.cli import main as _main

    sys.exit(_main())
