"""tanheng compare — policy records by country, model, measure or sector; the
country x dimension matrix; the timeline. Column headers and labels come from
the graph in the chosen language."""
import json
import sys

from kg.knowledge import compare as cmp
from kg.errors import UserError
from kg.present import tables
from kg.knowledge.query import Result, to_table
from kg.store import remote_store

TH = cmp.TH
HEADING = "https://w3id.org/tanheng/resource/heading-"


def register(sub):
    p = sub.add_parser("compare", help="compare policy records across countries (records, matrix, timeline)")
    p.add_argument("--country", help="comma-separated country codes, e.g. US,GB,DE,JP,CN")
    p.add_argument("--model", help="model key, e.g. low-carbon-unit-layout")
    p.add_argument("--measure", help="measure key, e.g. common-clean-energy")
    p.add_argument("--sector", help="sector, e.g. transport")
    p.add_argument("--view", choices=["records", "matrix", "timeline"], default="records")
    p.add_argument("--format", choices=["table", "json", "md"], default="table")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--endpoint", help="query this SPARQL 1.1 server instead of the local knowledge graph")
    p.set_defaults(func=run)


def _discrepancy(r, lang, store) -> str:
    """The paper's year beside the verified one: "论文：1950；核实：1966" / "paper: 1950; verified: 1966"."""
    d = r["discrepancy"]
    if not d:
        return ""
    word = lambda key: cmp.text(HEADING + key, lang, store)
    verified = d["verified_year"] if d["verified_year"] is not None else word("unconfirmed")
    colon, sep = ("：", "；") if lang == "zh" else (": ", "; ")
    return f"{word('paper')}{colon}{r['year']}{sep}{word('verified')}{colon}{verified}"


def _records_table(data, lang, store):
    heads = [cmp.text(iri, lang, store) for iri in
             (TH + "key", TH + "countryCode", TH + "year", HEADING + "title", TH + "category", TH + "status",
              TH + "supportsModel", TH + "exemplifies", TH + "hasDiscrepancy")]
    codes = cmp.code_labels(lang, store)     # the JSON keeps the codes; tables show their labels
    label = lambda kind, code: codes[kind].get(code, code)
    names = lambda links: ("、" if lang == "zh" else ", ").join(m.get(lang) or m["id"] for m in links)
    rows = [[r["id"], r["country"], str(r["year"]), r[f"title_{lang}"], label("category", r["category"]),
             label("status", r["status"]), names(r["models"]), names(r["measures"]), _discrepancy(r, lang, store)]
            for r in data["records"]]
    return heads, rows, []


def _matrix_table(data, lang, store):
    heads = [cmp.text(HEADING + "country", lang, store)] + [d["label"] for d in data["dimensions"]]
    rows = []
    for c in data["countries"]:
        cells = data["cells"][c["code"]]
        rows.append([c["label"]] + [f"{x['title']} ({x['year']})" if x else "—"
                                    for x in (cells[d["code"]] for d in data["dimensions"])])
    return heads, rows, [f"{data['rule']['label']}: {data['rule']['definition']}"]


def _timeline_table(data, lang, store):
    kinds = {"case": cmp.text(TH + "Case", lang, store), "event": cmp.text(TH + "TimelineEvent", lang, store)}
    heads = [cmp.text(iri, lang, store) for iri in
             (TH + "year", TH + "countryCode", HEADING + "title", HEADING + "kind")]
    rows = [[str(i["year"]), i["country"] or "", i[f"title_{lang}"], kinds[i["kind"]]] for i in data["items"]]
    return heads, rows, []


def run(args):
    countries = [c for c in (args.country or "").split(",") if c.strip()]
    try:
        store = remote_store(args.endpoint)
        if args.view == "records":
            data = cmp.compare(countries, args.model, args.measure, args.sector, store=store)
            table = _records_table
        else:
            if args.model or args.measure or args.sector:
                raise UserError("cli.compare-filters", view=args.view)
            if args.view == "matrix":
                data = cmp.matrix(args.lang, store=store)
                keep = {cmp.check("country", c, store) for c in countries}
                if keep:
                    data["countries"] = [c for c in data["countries"] if c["code"] in keep]
                table = _matrix_table
            else:
                data = cmp.timeline(countries, store=store)
                table = _timeline_table
        if args.format == "json":
            sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
            return 0
        heads, rows, notes = table(data, args.lang, store)
    except cmp.UnknownValue as exc:          # an unknown filter value: both languages, the chosen one first
        raise UserError(exc.bilingual(args.lang, sep="\n")) from None
    except (ValueError, OSError) as exc:    # a bad or unreachable endpoint
        raise UserError(str(exc)) from None
    if args.format == "md":
        out = tables.to_markdown(heads, rows).rstrip("\n")
    else:
        out = to_table(Result(heads, rows), width=40)
    sys.stdout.write(out + "\n" + "".join(f"\n{n}\n" for n in notes))
    return 0
