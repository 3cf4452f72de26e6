"""Renderers for the advice JSON of kg.pipeline.advice: a Markdown report a planner can
hand on (Chinese by default) and a one-line-per-region text table. Reasons and notes
come from rules/advice-messages.ttl, headings from kg/messages.csv (report.*), labels
from the ontology."""
from __future__ import annotations

import json
import re

from kg import messages
from kg.knowledge import pathway
from kg.present import tables
from kg.present.numbers import number, significant
from kg.present.tables import md_text  # noqa: F401  (report.md_text: the name callers used)
from kg.knowledge.query import Result, to_table
from kg.knowledge.rules import rules


def row_label(region: dict, lang: str) -> str:
    """ "row N" of the input file, to tell apart regions that share an id."""
    return messages.text("report.row", lang if lang in messages.LANGS else "en", row=region.get("row"))


def msg(key: str, lang: str, **fields) -> str:
    """A heading or label of the report (interface text: kg/messages.csv, report.<key>), else a message
    of rules/advice-messages.ttl (wording that is knowledge)."""
    if messages.has(f"report.{key}"):
        return messages.text(f"report.{key}", lang if lang in messages.LANGS else "en", **fields)
    text = rules().messages.get(key, {}).get(lang, key)
    return text.format(**fields) if fields else text


def type_label(key: str | None, lang: str) -> str:
    for t in pathway.type_models().values():
        if t.key == key:
            return pathway.label(t.iri, lang)
    return key or "—"


def model_label(key: str | None, lang: str) -> str:
    for t in pathway.type_models().values():
        if t.model_key == key:
            return pathway.label(t.model_iri, lang)
    return key or "—"


def notes(region: dict, lang: str) -> list[str]:
    """The sentences a planner must not miss: close call, zone (dis)agreement."""
    out = []
    cc = region.get("close_call")
    if cc:
        scores = region["type_scores"]
        out.append(msg("close-call", lang, first=type_label(region["type"], lang), s1=number(scores[region['type']], 2),
                       second=type_label(cc["runner_up_type"], lang), s2=number(scores[cc['runner_up_type']], 2),
                       margin=number(cc["margin"], 2), threshold=number(cc["threshold"], 2)))
    sec = region.get("secondary")
    if sec and sec.get("why") == "designation-disagrees":      # designation first: say why, and what is added
        out.append(sec["explanation"][lang])
    elif region.get("zone_agreement") is False:
        out.append(msg("zone-disagree", lang, inferred=type_label(region.get("inferred_type") or region["type"], lang),
                       official=type_label(region["official_zone_type"], lang)))
    elif region.get("zone_agreement"):
        out.append(msg("zone-agree", lang, official=type_label(region["official_zone_type"], lang)))
    return out


def _measures_md(measures: list[dict], lang: str) -> list[str]:
    lines = []
    for n, m in enumerate(measures, start=1):
        lines.append(f"{n}. **{m['label_' + lang]}** ({number(m['score'], 2)})")
        # four spaces: Python-Markdown nests a list only then (three ran the reasons into one line)
        lines += [f"    - {r[lang]}" for r in m["reasons"]]
        if m["cases"]:
            cases = "; ".join(f"{c['title_' + lang]} ({c['country']}, {c['year']})" for c in m["cases"])
            lines.append(f"    - {msg('h-cases', lang)}: {cases}")
    return lines


def _pathway_md(p: dict, lang: str) -> list[str]:
    return [f"- {msg('h-pools', lang)}: " + "、".join(x["label_" + lang] for x in p["pools"]),
            f"- {msg('h-processes', lang)}: " + "、".join(x["label_" + lang] for x in p["processes"])]


def _region_title(r: dict, lang: str, repeated: set) -> str:
    title = f"{md_text(r['name'] or '—', line_start=True)} ({md_text(r['region_id'] or '—')})"
    if r.get("region_id") in repeated and r.get("row") is not None:
        title += f" · {row_label(r, lang)}"             # one id on several rows: say which row
    return title


def repeated_ids(regions: list[dict]) -> set:
    seen, repeated = set(), set()
    for r in regions:
        (repeated if r.get("region_id") in seen else seen).add(r.get("region_id"))
    return repeated


def region_md(r: dict, lang: str, repeated: set = frozenset()) -> list[str]:
    lines = [f"## {_region_title(r, lang, repeated)}", ""]
    if not r["type"]:
        return lines + [msg("no-type", lang), ""]
    scores = " · ".join(f"{type_label(k, lang)} {number(v, 2)}" for k, v in r["type_scores"].items() if v is not None)
    lines += [f"- {msg('h-type', lang)}: **{type_label(r['type'], lang)}**",
              f"- {msg('h-scores', lang)}: {scores}",
              f"- {msg('h-model', lang)}: **{model_label(r['model'], lang)}**"]
    b = r.get("balance") or {}
    ratio = b.get("balance_ratio")
    lines.append("- " + msg("h-balance", lang, emissions=number(b.get("emissions_t_co2e")),
                             sinks=number(b.get("sinks_t_co2e")), ratio=number(ratio, 3)))
    lines += [f"- {msg('h-note', lang)}: {n}" for n in notes(r, lang)]
    heads = [msg(h, lang) for h in ("h-indicator", "h-value", "h-direction", "h-weight", "h-contribution")]
    rows = [[d["label_" + lang], f"{number(d['value'], 2)} {d['unit_' + lang]}".strip(), msg(d["direction"], lang),
             significant(d["weight"]), number(d["contribution"], 3)] for d in r["drivers"]]
    lines += ["", f"### {msg('h-drivers', lang)}", "", tables.to_markdown(heads, rows, right=(1, 3, 4)).rstrip("\n")]
    lines += ["", f"### {msg('h-pathway', lang)}", ""] + _pathway_md(r["pathway"], lang)
    lines += ["", f"### {msg('h-measures', lang)}", ""] + _measures_md(r["measures"], lang)
    cc = r.get("close_call")
    sec = r.get("secondary")
    if cc and not (sec and sec["why"] == "designation-disagrees"):
        lines += ["", f"### {msg('h-runner-up', lang)}: {model_label(cc['runner_up_model'], lang)}", ""]
        lines += _pathway_md(cc["runner_up_pathway"], lang) + [""] + _measures_md(cc["runner_up_measures"], lang)
    elif sec:      # designation first: the inferred type's best measures, labelled as secondary
        lines += ["", f"### {msg('h-secondary', lang)}: {model_label(sec['model'], lang)}", "", md_text(sec["explanation"][lang]), ""]
        lines += _measures_md(sec["measures"], lang)
    return lines + [""]


def to_markdown(advice: dict, lang: str = "zh") -> str:
    s = advice["summary"]
    lines = [f"# {msg('h-title', lang)}", "", msg("h-summary", lang, **s), "", f"> {msg('heuristic', lang)}", ""]
    repeated = repeated_ids(advice["regions"])
    for r in advice["regions"]:
        if r["valid"]:
            lines += region_md(r, lang, repeated)
    invalid = [r for r in advice["regions"] if not r["valid"]]
    if invalid:
        lines += [f"## {msg('h-invalid', lang)}", ""]
        for r in invalid:
            lines.append(f"- {_region_title(r, lang, repeated)}")
            lines += [f"  - {md_text(v['field'], line_start=True)} = {md_text(repr(v['value']))}: {md_text(v['message_' + lang])}"
                      for v in r["violations"]]
    return "\n".join(lines).rstrip() + "\n"


def to_table_text(advice: dict, lang: str = "zh") -> str:
    heads = [msg(h, lang) for h in ("h-region", "h-name", "h-type", "h-scores", "h-model", "h-top-measures",
                                     "h-note")]
    rows = []
    for r in advice["regions"]:
        if not r["valid"]:
            rows.append([r["region_id"], r["name"], msg("h-invalid-row", lang), "", "", "",
                         "; ".join(f"{v['field']}: {v['message_' + lang]}" for v in r["violations"])])
            continue
        scores = " ".join(f"{type_label(k, lang)} {number(v, 2)}" for k, v in r["type_scores"].items())
        top = "; ".join(m["label_" + lang] for m in r["measures"][:3])
        rows.append([r["region_id"], r["name"], type_label(r["type"], lang), scores,
                     model_label(r["model"], lang), top, " ".join(notes(r, lang))])
    return to_table(Result(heads, rows), width=60) + "\n" + msg("h-summary", lang, **advice["summary"]) + "\n"


def to_json(advice: dict) -> str:
    # indented for a handful of regions; compact (and ten times faster: C encoder) for a batch
    indent = 1 if len(advice["regions"]) <= 50 else None
    return json.dumps(advice, ensure_ascii=False, indent=indent)


def write_json(advice: dict, fp) -> None:
    """The same JSON as to_json, written region by region, so that a large batch
    never exists as one string in memory."""
    if len(advice["regions"]) <= 50:
        fp.write(to_json(advice) + "\n")
        return
    fp.write("{")
    for n, (key, value) in enumerate(advice.items()):
        fp.write(("," if n else "") + json.dumps(key) + ":")
        if key == "regions":
            fp.write("[")
            for i, r in enumerate(value):
                fp.write(("," if i else "") + json.dumps(r, ensure_ascii=False))
            fp.write("]")
        else:
            fp.write(json.dumps(value, ensure_ascii=False))
    fp.write("}\n")


RENDERERS = {"json": lambda a, lang: to_json(a), "md": to_markdown, "table": to_table_text}


def write(advice: dict, fmt: str, lang: str, fp) -> None:
    if fmt == "json":
        write_json(advice, fp)
    else:
        text = RENDERERS[fmt](advice, lang)
        fp.write(text if text.endswith("\n") else text + "\n")
