"""Reading a long-format profile file for the trajectory: one row per region and year (kg.read.profiles
reads several years, one row or one sheet per year; the shapes check region_id + year are unique).
A row with a violation is left out and returned with its validation results (kg.present.validation
words them as `tanheng validate` does)."""
from __future__ import annotations

from kg.errors import UserError


def valid_rows(source, filename: str | None = None):
    """(valid regions, [(invalid region, its validation results)]) of a profile file (a path, or bytes
    with their filename); an unreadable file is a UserError."""
    from kg.read.profiles import UnreadableInput, read_profiles
    from kg.validate import validate

    try:
        batch = read_profiles(source, filename=filename)
    except UnreadableInput as exc:
        raise UserError(f"{filename or source}: {exc.message('zh')} / {exc.message('en')}") from None
    by_row: dict = {}
    for res in validate(batch).results:
        if res.get("row") is not None:
            by_row.setdefault(res["row"], []).append(res)
    valid, invalid = [], []
    for r in batch.regions:
        results = by_row.get(r.row, [])
        if any(x["severity"] == "violation" for x in results):
            invalid.append((r, results))
        else:
            valid.append(r)
    return valid, invalid
