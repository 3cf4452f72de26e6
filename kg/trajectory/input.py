"""Reading a long-format profile file for the trajectory: one row per region and year.

Until multi-year reading (issue 13) lands in kg.profiles, a repeated region_id with distinct years is
accepted here: the uniqueness rule of the profile shapes is read per region AND year. Every other
violation drops that row with its messages (worded as `tanheng validate`)."""
from __future__ import annotations

from collections import Counter

from ..cli import UserError


def _unique_id_messages() -> set[str]:
    from rdflib import Namespace
    from rdflib.namespace import SH

    from ..graph import rules_file

    ths = Namespace("https://w3id.org/tanheng/shapes#")
    g = rules_file("profile-shapes.ttl")
    return {str(m) for c in g.objects(ths.UniqueRegionIdShape, SH.sparql) for m in g.objects(c, SH.message)}


def valid_rows(source, lang: str = "zh", filename: str | None = None):
    """(valid regions, problem lines) of a profile file (a path, or bytes with their filename);
    an unreadable file is a UserError."""
    from ..commands.balance import problem_lines
    from ..profiles import UnreadableInput, read_profiles
    from ..validate import validate

    try:
        batch = read_profiles(source, filename=filename)
    except UnreadableInput as exc:
        raise UserError(f"{filename or source}: {exc.message('zh')} / {exc.message('en')}") from None
    per_year = Counter((r.region_id, r.values.get("year")) for r in batch.regions)
    unique_msgs = _unique_id_messages()
    by_row: dict = {}
    row_of = {r.row: r for r in batch.regions}
    for res in validate(batch).results:
        if res.get("row") is None:
            continue
        region = row_of[res["row"]]
        if res["message_en"] in unique_msgs and per_year[(region.region_id, region.values.get("year"))] == 1:
            continue           # the same region in another year: long format, not a duplicate
        by_row.setdefault(res["row"], []).append(res)
    valid, problems = [], []
    for r in batch.regions:
        results = by_row.get(r.row, [])
        if any(x["severity"] == "violation" for x in results):
            problems += problem_lines(r, results, lang)
        else:
            valid.append(r)
    return valid, problems
