"""tanheng evaluate — how often the type diagnosis finds the official designation.

Reads a labelled profile file (`official_zone_type` is the label; it is hidden from
the engine), prints accuracy, a confusion matrix and recall per type for the whole
file and for each part of an optional `split` column, and lists every miss with its
scores. Exit 0 when something was scored, 2 when the file cannot be read."""
import json
import sys
import unicodedata

from kg import messages
from kg.pipeline.evaluate import TYPES, evaluate


def register(sub):
    p = sub.add_parser("evaluate", help="accuracy of the type diagnosis on a labelled file (official_zone_type = label)")
    p.add_argument("file", metavar="FILE", help="labelled profile file; an optional 'split' column reports each part")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--engine", choices=["fast", "reference"], default="fast")
    p.add_argument("--coefficients", default="default", metavar="NAME", help="coefficient set (default: default)")
    p.set_defaults(func=run)


def _cells(text: str) -> int:
    """Terminal columns a text takes (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text, width: int, right: bool = True) -> str:
    text = str(text)
    fill = " " * max(0, width - _cells(text))
    return fill + text if right else text + fill


def _pct(x) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def render_text(result: dict, lang: str) -> str:
    def say(key, **fields):
        return messages.text(f"evaluate.{key}", lang, **fields)

    def part_name(key):          # a part of the file's own `split` column keeps its name
        return say(f"part.{key}") if messages.has(f"evaluate.part.{key}") else key

    names = {x: say(f"type.{x}") for x in TYPES}
    lines = [say("title", file=result["source"])]
    width = max(_cells(names[x]) for x in TYPES) + 2
    for key, part in result["parts"].items():
        lines += ["", say("head", part=part_name(key), n=part["units"], ok=part["correct"],
                        acc=_pct(part["accuracy"])), say("matrix")]
        lines.append(" " * width + "".join(_pad(names[x], width) for x in TYPES))
        for o in TYPES:
            lines.append(_pad(names[o], width, right=False) + "".join(_pad(part["confusion"][o][x], width) for x in TYPES))
        lines.append(f"{say('recall')}: " + ", ".join(f"{names[x]} {_pct(part['recall'][x])}" for x in TYPES))
        lines.append(f"{say('precision')}: " + ", ".join(f"{names[x]} {_pct(part['precision'][x])}" for x in TYPES))
        if part["misses"] and key == "all":
            lines.append(say("misses"))
            for m in part["misses"]:
                scores = ", ".join(f"{names[k]} {v}" for k, v in (m["type_scores"] or {}).items())
                lines.append("  " + say("miss", name=m["name"], id=m["region_id"], official=names[m["official"]],
                                      inferred=names.get(m["inferred"], "—"), scores=scores))
    if result["unlabelled"]:
        lines.append(say("unlabelled", n=len(result["unlabelled"])))
    if result["invalid"]:
        lines.append(say("invalid", n=len(result["invalid"]),
                       names=", ".join(str(r["name"] or r["region_id"]) for r in result["invalid"])))
    return "\n".join(lines)


def run(args):
    from kg.read.profiles import read_named

    batch = read_named(args.file)
    result = evaluate(batch, engine=args.engine, coefficient_set=args.coefficients)
    if args.format == "json":
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(render_text(result, args.lang))
    if result["parts"]["all"]["units"] == 0:
        print(messages.text("evaluate.none", args.lang), file=sys.stderr)
        return 1
    return 0
