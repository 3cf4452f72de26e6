"""tanheng query — SPARQL from a file, an expression, or a named competency question."""
import sys
from pathlib import Path

from kg.knowledge import query as q
from kg.errors import UserError


def register(sub):
    p = sub.add_parser("query", help="run a SPARQL query over the knowledge graph")
    src = p.add_mutually_exclusive_group()
    src.add_argument("file", nargs="?", help="a .rq file, or the name of a query in kg/queries")
    src.add_argument("-e", "--expression", help="the query text")
    p.add_argument("--format", choices=sorted(q.FORMATTERS), default="table")
    p.add_argument("--list", action="store_true", help="list the named competency questions")
    p.add_argument("--lang", choices=["zh", "en"], default="zh",
                   help="language of the messages: zh first or en first (default zh)")
    p.add_argument("--endpoint", help="a SPARQL 1.1 server URL to ask instead of the embedded graph")
    p.add_argument("--timeout", type=float, default=q.QUERY_SECONDS, metavar="S",
                   help=f"stop a query over the embedded graph after S seconds (default {q.QUERY_SECONDS:g}; 0: no limit)")
    p.set_defaults(func=run)


def run(args):
    named = q.named_queries()
    if args.list:
        for n in named.values():
            print(f"{n.name:32} {n.title_en} / {n.title_zh}")
        return 0
    if args.expression:
        text = args.expression
    elif args.file:
        path = Path(args.file)
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise UserError("cli.not-utf8-query", file=args.file) from None
        elif args.file in named:
            text = named[args.file].text
        else:
            raise UserError("cli.no-query", name=repr(args.file))
    else:
        raise UserError("cli.query-needed")
    lang = getattr(args, "lang", "zh")
    try:
        q.guard(text)          # update, SERVICE, too long or too deep: refused before anything parses it
    except q.QueryRefused as exc:
        raise UserError(exc.message(lang)) from None
    try:
        store = None
        if args.endpoint:
            from kg.store import knowledge_store
            store = knowledge_store(args.endpoint)
        result = q.run(text, store, timeout=args.timeout or None)
    except q.QueryRefused as exc:
        raise UserError(exc.message(lang)) from None
    except SyntaxError as exc:
        raise UserError(q.error_message(exc, text, lang)) from None
    except (OSError, ValueError) as exc:  # unreachable or malformed endpoint
        raise UserError(str(exc)) from None
    sys.stdout.write(q.FORMATTERS[args.format](result).rstrip("\n") + "\n")
    return 0
