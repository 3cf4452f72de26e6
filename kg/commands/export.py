"""tanheng export — write the whole graph (ontology + knowledge base)."""
import sys

from kg.messages import text as message

from kg.knowledge import graph
from kg.errors import UserError


def register(sub):
    p = sub.add_parser("export", help="write the knowledge graph as ttl, nt, jsonld or xml")
    p.add_argument("--format", choices=sorted(graph.EXPORT_FORMATS), default="ttl")
    p.add_argument("--inferred", action="store_true", help="add the OWL 2 RL closure")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the status line")
    p.set_defaults(func=run)


def run(args):
    text = graph.export(args.format, args.inferred)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            raise UserError.cannot_write(args.output, exc) from None
        print(message("cli.wrote-bytes", args.lang, file=args.output, n=f"{len(text.encode()):,}"), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
