"""The one catalogue of interface text: kg/messages.csv (key, zh, en), shared by the
command line and the app. Headings, notices, error sentences and labels of the
interface live here; wording that is knowledge (SHACL messages, rationales, reasons,
read problems of the input contract) stays in the Turtle it belongs to.

Keys are dotted by where the text is shown (`page.`, `diag.`, `account.`, `error.`,
…); `{name}` fields are filled from keyword arguments."""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

CATALOGUE = Path(__file__).with_name("messages.csv")
LANGS = ("zh", "en")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """key -> {"zh": template, "en": template}; a key given twice is a mistake in the file."""
    out: dict[str, dict[str, str]] = {}
    with CATALOGUE.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["key"] in out:
                raise ValueError(f"{CATALOGUE.name}: the key {row['key']!r} is given twice")
            out[row["key"]] = {"zh": row["zh"], "en": row["en"]}
    return out


def has(key: str) -> bool:
    return key in catalogue()


def text(key: str, lang: str = "zh", **params) -> str:
    """The message in one language (zh when lang is not one of LANGS), fields filled."""
    template = catalogue()[key]["en" if lang == "en" else "zh"]
    return template.format(**params) if params else template


def both(key: str, first: str = "zh", sep: str = " / ", **params) -> str:
    """Both languages, the chosen one first: "zh / en" (or "en / zh")."""
    zh, en = text(key, "zh", **params), text(key, "en", **params)
    return f"{en}{sep}{zh}" if first == "en" else f"{zh}{sep}{en}"


def both_ways(key: str, **params) -> dict[str, str]:
    """{"zh": …, "en": …}: for records that carry their words in both languages (a map's title)."""
    return {lang: text(key, lang, **params) for lang in LANGS}
