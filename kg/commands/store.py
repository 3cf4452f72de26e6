"""tanheng store — look after the store: info, load the knowledge graph,
clear it, save an analysis of profile files, and list / show / delete saved
analyses. Works on the embedded store (TANHENG_STORE) or on a SPARQL 1.1
server (--endpoint URL). Reading never creates or repairs a store."""
import json
import os
import sys
from pathlib import Path

from .. import history
from kg.errors import UserError
from kg.messages import text
from ..store import StoreMissing, open_disk_store
from ..terminal import printable

_WRITES = ("load", "clear", "delete", "save")


def register(sub):
    p = sub.add_parser("store", help="store info, (re)load, clear; save, list, show, delete analyses")
    p.add_argument("--endpoint", help="a SPARQL 1.1 query URL instead of the embedded store")
    p.add_argument("--update-endpoint", help="its update URL (default: …/update for …/query, else the same URL)")
    acts = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    acts.add_parser("info", help="where the store is, triples, saved analyses, whether it is current")
    load = acts.add_parser("load", help="load the knowledge graph if ontology/ changed (or --force)")
    load.add_argument("--force", action="store_true")
    clear = acts.add_parser("clear", help="remove everything, saved analyses too, then reload")
    clear.add_argument("--yes", action="store_true", help="confirm")
    save = acts.add_parser("save", help="advise profile files and save the analysis (prints its id)")
    save.add_argument("files", nargs="+", metavar="FILE", help="profile files (CSV, XLSX, JSON, Turtle, JSON-LD)")
    save.add_argument("--title", help="a title (default: the file name and the first regions)")
    listing = acts.add_parser("list", help="saved analyses, newest first")
    show = acts.add_parser("show", help="one saved analysis as JSON")
    show.add_argument("id")
    delete = acts.add_parser("delete", help="delete one saved analysis")
    delete.add_argument("id")
    for action in (load, clear, save, listing, delete):
        action.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the status lines")
    p.set_defaults(func=run)


def _open(args, write: bool):
    if args.endpoint:
        from ..store.remote import RemoteStore

        try:
            return RemoteStore(args.endpoint, args.update_endpoint)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    from ..store import remote_store

    return remote_store() or open_disk_store(write=write)


def _advise_files(args):
    """Read and advise the files before the store is opened: the store is
    held only for the one update that saves."""
    from kg.pipeline.advice import advise
    from .advise import read_batch

    batch = read_batch(args.files, args.lang)
    if not batch.regions:
        raise UserError("cli.nothing-to-save", files=", ".join(args.files))
    result = advise(batch, lang=args.lang)
    title = args.title or (", ".join(Path(f).name for f in args.files) + " · " +
                           ", ".join(r.get("name") or r["region_id"] for r in result["regions"][:3]))
    return batch, result, title


def _save(args, s) -> int:
    batch, result, title = args.analysis
    aid = history.save(title=title, advice=result, profiles=batch, store=s)
    print(aid)
    invalid = result["summary"]["invalid"]
    print(text("cli.saved-invalid" if invalid else "cli.saved", args.lang, title=printable(title),
               n=len(result["regions"]), invalid=invalid), file=sys.stderr)
    return 1 if invalid else 0


def _act(args, s) -> int:
    if args.action == "info":
        for k, v in s.info().items():
            print(f"{k:18} {v}")
    elif args.action == "load":
        if args.force:
            s.clear_knowledge()
        loaded = s.ensure_loaded() or getattr(s, "loaded_on_open", False)
        print(text("cli.store-loaded" if loaded else "cli.store-current", args.lang, n=s.info()["knowledge_triples"]))
    elif args.action == "clear":
        s.clear()
        print(text("cli.store-cleared", args.lang))
    elif args.action == "save":
        return _save(args, s)
    elif args.action == "list":
        for a in history.list_saved(store=s):
            print(f"{a.id}  {a.created[:19].replace('T', ' ')}  {printable(a.title)}  "
                  f"[{', '.join(printable(r) for r in a.region_ids)}]")
    elif args.action == "show":
        a = history.get(args.id, store=s)
        print(json.dumps(a.__dict__, ensure_ascii=False, indent=1, default=str))
    elif args.action == "delete":
        history.delete(args.id, store=s)
        print(text("cli.store-deleted", args.lang, id=args.id))
    return 0


def _no_store(args, exc: StoreMissing) -> int:
    """A read of a store that does not exist: the default one is simply empty
    (nothing saved yet); a folder the user named by TANHENG_STORE is a mistake to report."""
    if os.environ.get("TANHENG_STORE") or args.action in ("show", "delete"):
        raise UserError(str(exc)) from None
    if args.action == "list":
        print(text("cli.store-nothing-saved", args.lang, reason=exc), file=sys.stderr)
        return 0
    raise UserError(str(exc)) from None


def run(args):
    if args.action == "clear" and not args.yes:
        raise UserError("cli.clear-needs-yes")
    if args.action == "save":
        args.analysis = _advise_files(args)
    try:
        with _open(args, write=args.action in _WRITES) as s:
            return _act(args, s)
    except StoreMissing as exc:
        return _no_store(args, exc)
    except (history.AnalysisNotFound, SyntaxError) as exc:
        raise UserError(str(exc)) from None
    except BrokenPipeError:
        raise                        # the reader of our output went away: not a store problem
    except OSError as exc:           # the store is busy, damaged, or a remote endpoint fails
        raise UserError(str(exc)) from None
