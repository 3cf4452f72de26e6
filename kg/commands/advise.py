"""tanheng advise — type, model, pathway and ranked measures for every region of
one or more profile files. Exit 0 when all regions are valid, 1 when some are not
(the valid ones are still advised), 2 when a file cannot be read."""
import sys

from .. import report
from ..advice import ENGINES, advise
from ..cli import UserError

PROGRESS_MIN = {"fast": 2000, "reference": 5}   # regions before a progress bar is worth showing


def register(sub):
    p = sub.add_parser("advise", help="advise regions: integration type, model, pathway, ranked measures")
    p.add_argument("files", nargs="+", metavar="FILE", help="profile files (CSV, XLSX, JSON, Turtle, JSON-LD)")
    p.add_argument("--format", choices=sorted(report.RENDERERS), default="json")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("--coefficients", default="default", metavar="NAME", help="coefficient set (default: default)")
    p.add_argument("--engine", choices=ENGINES, default="fast",
                   help="fast (bulk) or reference (pySHACL rules + OWL RL, one region at a time)")
    p.set_defaults(func=run)


def read_batch(paths: list[str], lang: str):
    """All regions of the files as one batch; an unreadable file is a UserError."""
    from ..profiles import ProfileBatch, UnreadableInput, read_profiles

    batches = []
    for path in paths:
        try:
            batches.append(read_profiles(path))
        except UnreadableInput as exc:
            raise UserError(f"{path}: {exc.message(lang)}") from None
    if len(batches) == 1:
        return batches[0]
    return ProfileBatch(regions=[r for b in batches for r in b.regions],
                        warnings=[w for b in batches for w in b.warnings],
                        source_name=", ".join(paths), format="mixed")


def _progress_bar(total: int, engine: str):
    if total < PROGRESS_MIN[engine] or not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=total, file=sys.stderr, unit="region", leave=False)

    def step(done, _total):
        bar.update(done - bar.n)
    return bar, step


def run(args):
    batch = read_batch(args.files, args.lang)
    bar, step = _progress_bar(len(batch.regions), args.engine)
    try:
        result = advise(batch, coefficient_set=args.coefficients, lang=args.lang, progress=step, engine=args.engine)
    finally:
        if bar:
            bar.close()
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            report.write(result, args.format, args.lang, f)
        print(f"wrote {args.output} ({len(result['regions'])} regions)", file=sys.stderr)
    else:
        report.write(result, args.format, args.lang, sys.stdout)
    return 0 if result["summary"]["invalid"] == 0 else 1
