"""Reading a long-format profile file for the trajectory: one row per region and year (kg.read.profiles
reads several years, one row or one sheet per year; the shapes check region_id + year are unique).
A row with a violation is left out and returned with its validation results (kg.present.validation
words them as `tanheng validate` does)."""
from __future__ import annotations



def valid_rows(source, filename: str | None = None):
    """(valid regions, [(invalid region, its validation results)]) of a profile file (a path, or bytes
    with their filename), split as every command splits a batch; an unreadable file is a UserError."""
    from kg.validate import read_and_check

    checked = read_and_check(source, filename)
    return checked.valid, checked.invalid
