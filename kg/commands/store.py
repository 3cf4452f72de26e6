"""tanheng store — look after the store: info, load the knowledge graph,
clear it, and list / show / delete saved analyses. Works on the embedded
store (TANHENG_STORE) or on a SPARQL 1.1 server (--endpoint URL)."""
import json

from .. import history
from ..cli import UserError
from ..store import open_store


def register(sub):
    p = sub.add_parser("store", help="store info, (re)load, clear; saved analyses")
    p.add_argument("--endpoint", help="a SPARQL 1.1 query URL instead of the embedded store")
    p.add_argument("--update-endpoint", help="its update URL (default: …/update for …/query, else the same URL)")
    acts = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    acts.add_parser("info", help="where the store is, triples, saved analyses, whether it is current")
    load = acts.add_parser("load", help="load the knowledge graph if ontology/ changed (or --force)")
    load.add_argument("--force", action="store_true")
    clear = acts.add_parser("clear", help="remove everything, saved analyses too, then reload")
    clear.add_argument("--yes", action="store_true", help="confirm")
    acts.add_parser("list", help="saved analyses, newest first")
    show = acts.add_parser("show", help="one saved analysis as JSON")
    show.add_argument("id")
    delete = acts.add_parser("delete", help="delete one saved analysis")
    delete.add_argument("id")
    p.set_defaults(func=run)


def _open(args, write: bool):
    if args.endpoint:
        from ..remote import RemoteStore

        try:
            return RemoteStore(args.endpoint, args.update_endpoint)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    return open_store(write=write)


def _act(args, s) -> int:
    if args.action == "info":
        for k, v in s.info().items():
            print(f"{k:18} {v}")
    elif args.action == "load":
        if args.force:
            s.clear_knowledge()
        print("loaded" if s.ensure_loaded() else "already current", f"({s.info()['knowledge_triples']} triples)")
    elif args.action == "clear":
        if not args.yes:
            raise UserError("`store clear` removes every saved analysis too; add --yes to confirm")
        s.clear()
        print("cleared; knowledge graph reloaded")
    elif args.action == "list":
        for a in history.list_saved(store=s):
            print(f"{a.id}  {a.created[:19].replace('T', ' ')}  {a.title}  [{', '.join(a.region_ids)}]")
    elif args.action == "show":
        a = history.get(args.id, store=s)
        print(json.dumps(a.__dict__, ensure_ascii=False, indent=1, default=str))
    elif args.action == "delete":
        history.delete(args.id, store=s)
        print(f"deleted {args.id}")
    return 0


def run(args):
    try:
        with _open(args, write=args.action in ("load", "clear", "delete")) as s:
            return _act(args, s)
    except (history.AnalysisNotFound, SyntaxError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:           # the store is busy, or a remote endpoint fails
        raise UserError(str(exc)) from None
