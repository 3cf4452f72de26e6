"""tanheng evaluate — how often the type diagnosis finds the official designation.

Reads a labelled profile file (`official_zone_type` is the label; it is hidden from
the engine), prints accuracy, a confusion matrix and recall per type for the whole
file and for each part of an optional `split` column, and lists every miss with its
scores. Exit 0 when something was scored, 2 when the file cannot be read."""
import json
import sys
import unicodedata

from kg.errors import UserError
from kg.pipeline.evaluate import TYPES, evaluate

TEXT = {
    "zh": {"title": "{file}：类型诊断与官方主体功能区对照（推断时不使用官方类型）",
           "part": {"all": "全部", "calibration": "校准部分", "held-out": "留出部分"},
           "head": "{part}：{n} 个单元，正确 {ok} 个，准确率 {acc}",
           "matrix": "混淆矩阵（行：官方类型；列：推断类型）",
           "recall": "召回率", "precision": "精确率", "misses": "误判：",
           "miss": "  {name}（{id}）官方 {official}，推断 {inferred}；得分 {scores}",
           "unlabelled": "未标注（未计入）：{n} 个", "invalid": "未通过校验（未计入）：{n} 个：{names}",
           "none": "没有可评估的已标注区域。",
           "types": {"urbanized": "城市化地区", "agricultural": "农产品主产区", "ecological": "生态功能区"}},
    "en": {"title": "{file}: type diagnosis against the official main-function zoning (designation hidden while inferring)",
           "part": {"all": "all", "calibration": "calibration part", "held-out": "held-out part"},
           "head": "{part}: {n} units, {ok} correct, accuracy {acc}",
           "matrix": "confusion matrix (rows: official type; columns: inferred type)",
           "recall": "recall", "precision": "precision", "misses": "misses:",
           "miss": "  {name} ({id}) official {official}, inferred {inferred}; scores {scores}",
           "unlabelled": "unlabelled (not scored): {n}", "invalid": "invalid (not scored): {n}: {names}",
           "none": "no labelled region to evaluate.",
           "types": {"urbanized": "urbanized", "agricultural": "agricultural", "ecological": "ecological"}},
}


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
    t = TEXT[lang]
    names = t["types"]
    lines = [t["title"].format(file=result["source"])]
    width = max(_cells(names[x]) for x in TYPES) + 2
    for key, part in result["parts"].items():
        lines += ["", t["head"].format(part=t["part"].get(key, key), n=part["units"], ok=part["correct"],
                                       acc=_pct(part["accuracy"])), t["matrix"]]
        lines.append(" " * width + "".join(_pad(names[x], width) for x in TYPES))
        for o in TYPES:
            lines.append(_pad(names[o], width, right=False) + "".join(_pad(part["confusion"][o][x], width) for x in TYPES))
        lines.append(f"{t['recall']}: " + ", ".join(f"{names[x]} {_pct(part['recall'][x])}" for x in TYPES))
        lines.append(f"{t['precision']}: " + ", ".join(f"{names[x]} {_pct(part['precision'][x])}" for x in TYPES))
        if part["misses"] and key == "all":
            lines.append(t["misses"])
            for m in part["misses"]:
                scores = ", ".join(f"{names[k]} {v}" for k, v in (m["type_scores"] or {}).items())
                lines.append(t["miss"].format(name=m["name"], id=m["region_id"], official=names[m["official"]],
                                              inferred=names.get(m["inferred"], "—"), scores=scores))
    if result["unlabelled"]:
        lines.append(t["unlabelled"].format(n=len(result["unlabelled"])))
    if result["invalid"]:
        lines.append(t["invalid"].format(n=len(result["invalid"]),
                                         names=", ".join(str(r["name"] or r["region_id"]) for r in result["invalid"])))
    return "\n".join(lines)


def run(args):
    from kg.read.profiles import UnreadableInput, read_profiles

    try:
        batch = read_profiles(args.file)
    except UnreadableInput as exc:
        raise UserError(f"{args.file}: {exc.message(args.lang)}") from None
    result = evaluate(batch, engine=args.engine, coefficient_set=args.coefficients)
    if args.format == "json":
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(render_text(result, args.lang))
    if result["parts"]["all"]["units"] == 0:
        print(TEXT[args.lang]["none"], file=sys.stderr)
        return 1
    return 0
