"""Scenarios as lever packages, read from JSON or Turtle and checked field by field.

A lever moves one field over years:  "-5%/yr" from 2025 to 2035 (each year), "+800/yr" (added each
year), "-20%" / "+5000" (once, in year `from`, and held), "50000" (set from year `from`).
`grid_factor` and `forest_sink_factor` move accounting factors (percentages only). A land lever may
name `take_from` (or `into` for a decrease): the area it adds or removes is taken from or given to
that other land class, so the land total stays the same.

Every problem of a scenario file is one message (unknown field, unreadable or impossible change,
bad years); all of a file's problems are raised together as one UserError."""
from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from kg.errors import UserError
from .assumptions import load, say, say_both

_CHANGE = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)(%?)(/yr)?$")
_PER_YEAR = ("/year", "peryear", "/a", "/年", "每年", "/yr")
YEAR_RANGE = (1949, 2100)


@dataclass(frozen=True)
class Lever:
    field: str
    change: str              # as written, normalised
    kind: str                # "relative" | "add" | "set"
    amount: float            # relative: fraction (−0.05); add / set: the quantity
    per_year: bool
    start: int
    end: int | None          # None: until the target year (per-year levers)
    counterpart: str | None = None   # land class the area comes from / goes to
    measure: str | None = None       # measure key, for standard scenarios
    label_zh: str = ""
    label_en: str = ""

    def to_json(self) -> dict:
        out = {"field": self.field, "change": self.change, "from": self.start, "to": self.end}
        if self.counterpart:
            out["take_from" if self.amount > 0 else "into"] = self.counterpart
        if self.measure:
            out.update(measure=self.measure, label_zh=self.label_zh, label_en=self.label_en)
        return out

    def scaled(self, factor: float) -> "Lever":
        """The same lever with its effect × factor (the enhanced scenario)."""
        amount = self.amount * factor
        shown = f"{amount * 100:+g}%" if self.kind == "relative" else f"{amount:+g}"
        return Lever(**{**asdict(self), "amount": amount, "change": shown + ("/yr" if self.per_year else "")})


@dataclass(frozen=True)
class Scenario:
    name: str
    levers: tuple[Lever, ...]
    label_zh: str = ""
    label_en: str = ""
    standard: bool = False


def lever_fields() -> list[str]:
    """The fields a lever may move: the accounting inputs that are numbers, the land classes, and the
    accounting factors that change with the years."""
    from .coupling import numeric_inputs

    a = load()
    out = list(numeric_inputs())
    out += [f for f in a.land_fields if f not in out]
    out += list(a.lever_factor_lines)
    return out


def _normal(text) -> str:
    t = unicodedata.normalize("NFKC", str(text)).replace("−", "-").replace("–", "-")
    t = "".join(t.split()).lower()
    for p in _PER_YEAR:
        if t.endswith(p):
            return t[: -len(p)] + "/yr"
    return t


def _year(value, which: str, ctx: dict, problems: list) -> int | None:
    if value is None or value == "":
        return None
    try:
        y = int(str(value).strip())
        if float(str(value).strip()) != y:
            raise ValueError
    except ValueError:
        y = None
    if y is None or not YEAR_RANGE[0] <= y <= YEAR_RANGE[1]:
        problems.append(say("bad-year", which=which, value=value, **ctx))
        return None
    return y


def parse_lever(item, n: int, scenario: str, problems: list) -> Lever | None:
    """One lever of a scenario ({"field", "change", "from", "to", "take_from"|"into"}); problems are
    appended (one message each) and None returned when it cannot be used."""
    fields = lever_fields()
    if not isinstance(item, dict):
        problems.append(say("bad-lever", scenario=scenario, n=n, reason=say_both("lever-not-object")))
        return None
    unknown = sorted(set(item) - {"field", "change", "from", "to", "take_from", "into", "measure", "label_zh",
                                  "label_en", "note"})
    fld = str(item.get("field", "")).strip()
    ctx = {"scenario": scenario, "n": n, "field": fld}
    if unknown:
        problems.append(say("bad-lever", scenario=scenario, n=n,
                            reason=say_both("lever-unknown-keys", keys=", ".join(unknown))))
    if fld not in fields:
        problems.append(say("unknown-field", scenario=scenario, n=n, field=fld or "—", choices=", ".join(fields)))
        return None
    raw = item.get("change")
    if isinstance(raw, bool) or raw is None:
        problems.append(say("bad-change", value=raw, **ctx))
        return None
    text = _normal(raw if not isinstance(raw, (int, float)) else repr(raw))
    m = _CHANGE.match(text)
    if not m:
        problems.append(say("bad-change", value=raw, **ctx))
        return None
    sign, number, pct, per_year = m.groups()
    x = float(number) * (-1 if sign == "-" else 1)
    if not math.isfinite(x):
        problems.append(say("bad-change", value=raw, **ctx))
        return None
    kind = "relative" if pct else ("add" if sign or per_year else "set")
    amount = x / 100 if pct else x
    if kind == "relative" and (amount < -1 or (per_year and amount <= -1)):
        problems.append(say("impossible-change", value=raw, **ctx))
        return None
    if fld in load().lever_factor_lines and kind != "relative":
        problems.append(say("percent-only", value=raw, **ctx))
        return None
    start = _year(item.get("from"), say_both("year-from"), ctx, problems)
    end = _year(item.get("to"), say_both("year-to"), ctx, problems)
    if start is None:
        if item.get("from") in (None, ""):
            problems.append(say("bad-year", which=say_both("year-from"), value="—", **ctx))
        return None
    if end is not None and end < start:
        problems.append(say("years-reversed", to=end, start=start, **ctx))
        return None
    counterpart = item.get("take_from") or item.get("into")
    if counterpart is not None:
        land = load().land_fields
        counterpart = str(counterpart).strip()
        if fld not in land or counterpart not in land or counterpart == fld or kind == "set":
            problems.append(say("bad-counterpart", scenario=scenario, n=n, field=fld, into=counterpart,
                                choices=", ".join(land)))
            return None
    return Lever(fld, text, kind, amount, bool(per_year), start, end if per_year else start, counterpart,
                 item.get("measure"), str(item.get("label_zh", "")), str(item.get("label_en", "")))


def scenario_from_dict(data, name_hint: str = "scenario") -> Scenario:
    """A scenario from its JSON form {"name", "levers": [...]}; all problems in one UserError."""
    if not isinstance(data, dict) or not isinstance(data.get("levers"), list):
        raise UserError(say("bad-scenario-file", name=name_hint,
                            reason='expected {"name": …, "levers": [{"field", "change", "from", "to"}, …]}'))
    name = str(data.get("name") or name_hint).strip()
    problems: list[str] = []
    levers = [parse_lever(item, i, name, problems) for i, item in enumerate(data["levers"], start=1)]
    if problems:      # the user's text is shown escaped: never a terminal control sequence
        from kg.terminal import printable

        raise UserError("\n".join(printable(p) for p in problems))
    return Scenario(name, tuple(lv for lv in levers if lv is not None),
                    str(data.get("label_zh") or name), str(data.get("label_en") or name))


def read_scenario(path: str | Path) -> Scenario:
    """A scenario file: JSON ({"name", "levers"}) or Turtle (a thx:Scenario with thx:lever nodes)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise UserError(say("bad-scenario-file", name=p.name, reason=exc.strerror or exc)) from None
    if p.suffix.lower() in (".ttl", ".turtle"):
        return _scenario_from_turtle(raw, p.name)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(say("bad-scenario-file", name=p.name, reason=exc)) from None
    return scenario_from_dict(data, p.stem)


def _scenario_from_turtle(raw: bytes, name: str) -> Scenario:
    """thx:Scenario nodes (the first one): rdfs:label = name; each thx:lever [ thx:field thp:coal_t |
    "grid_factor" ; thx:change "-5%/yr" ; thx:from 2025 ; thx:to 2035 ; thx:takeFrom thp:… ; thx:order n ]."""
    from rdflib import RDF, RDFS, Graph, URIRef

    from ..namespaces import THP, THX

    g = Graph()
    try:
        g.parse(data=raw.decode("utf-8-sig"), format="turtle")
    except Exception as exc:  # rdflib raises many kinds for bad Turtle; the user needs one sentence
        raise UserError(say("bad-scenario-file", name=name, reason=str(exc).splitlines()[0])) from None
    s = next(iter(g.subjects(RDF.type, THX.Scenario)), None)
    if s is None:
        raise UserError(say("bad-scenario-file", name=name, reason="no thx:Scenario in the file"))
    local = lambda x: str(x)[len(str(THP)):] if isinstance(x, URIRef) and str(x).startswith(str(THP)) \
        else (None if x is None else str(x))  # noqa: E731
    items = []
    for b in g.objects(s, THX.lever):
        order = g.value(b, THX.order)
        item = {"field": local(g.value(b, THX.field)), "change": local(g.value(b, THX.change)),
                "from": local(g.value(b, THX["from"])), "to": local(g.value(b, THX.to))}
        for key, prop in (("take_from", THX.takeFrom), ("into", THX.into)):
            if g.value(b, prop) is not None:
                item[key] = local(g.value(b, prop))
        items.append((int(order) if order is not None else 0, {k: v for k, v in item.items() if v is not None}))
    label = g.value(s, RDFS.label)
    return scenario_from_dict({"name": str(label) if label else name,
                               "levers": [it for _, it in sorted(items, key=lambda t: t[0])]}, name)
