"""tanheng docs — generate the HTML reference of the ontology (pyLODE) into docs/ontology/."""
import sys

from kg.messages import text as message

from kg.knowledge import docs
from kg.errors import UserError


def register(sub):
    p = sub.add_parser("docs", help="generate the ontology's HTML reference with pyLODE")
    p.add_argument("-o", "--output", default=str(docs.DOCS_DIR),
                   help=f"directory to write index.html into (default: {docs.DOCS_DIR})")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the status line")
    p.set_defaults(func=run)


def run(args):
    try:
        page = docs.generate(args.output)
    except ImportError as exc:
        raise UserError(str(exc)) from None
    except (NotADirectoryError, FileExistsError):
        raise UserError("cli.not-a-directory", path=repr(args.output)) from None
    print(message("cli.wrote-bytes", args.lang, file=page, n=f"{page.stat().st_size:,}"), file=sys.stderr)
    return 0
