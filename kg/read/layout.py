"""Finding the table in a page laid out like a statistical yearbook.

A yearbook page has a title (often with the year and "单位：万元"), sometimes a note,
then the header — one row, or a group row over a row of sub-headers (merged cells in
XLSX, a value followed by blanks in CSV) — sometimes a row of units, the data, and
footnotes ("注：…", "资料来源：…"). `find_layout` picks the header as the row (or pair
of rows) whose cells name the most profile columns, and says what it skipped so the
mapping report can show it — total rows (全市, 全县, 合计, 市辖区 …, words in
ontology/profile.ttl) among them. Cell values are not interpreted here."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from kg.knowledge.cache import compiled_knowledge
from kg.namespaces import TH
from kg.read.headers import _BRACKETS, HeaderMatch, find_unit, match_header, norm

# How far down a page the header may start: yearbook pages carry a title, a subtitle,
# a unit line and a note at most; a header lower than this is not looked for.
_HEADER_SEARCH_ROWS = 30
_YEAR_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_YEAR_ALONE = re.compile(r"^\s*((?:19|20)\d{2})\s*年?(度|鉴)?\s*$")
_TABLE_UNIT = re.compile(r"(?:计量)?单位\s*[:：]\s*(\S+)")
_FOOTNOTE = re.compile(r"^\s*(注|说明|资料来源|数据来源|来源|备注|附注|[*※①②③#]|note\b|notes\b|source\b)", re.I)


def _filled(cells) -> list:
    return [c for c in cells if c is not None and str(c).strip()]


def _first_filled(cells, n: int) -> list:
    """The first `n` filled cells (_filled's first n): a data row's cells are not all looked at."""
    out = []
    for c in cells:
        if c is not None and str(c).strip():
            out.append(c)
            if len(out) == n:
                break
    return out


def _is_number(v) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return True
    t = norm(v).replace(",", "").rstrip("%")
    try:
        float(t)
        return True
    except ValueError:
        return False


@dataclass
class Layout:
    matches: list[HeaderMatch]                      # one per column
    data: list[tuple[int, list]]                    # (row number, cells) below the header
    header_rows: list[int] = field(default_factory=list)
    title_rows: list[int] = field(default_factory=list)
    units_row: int | None = None
    footnote_rows: list[int] = field(default_factory=list)
    table_unit: str | None = None                   # "单位：万元" above the table
    title_year: int | None = None                   # "2022年…" in the title

    year_source: str = ""                           # where title_year was read ("title", sheet name)
    total_rows: list[tuple[int, str]] = field(default_factory=list)   # (row number, name): 全县, 合计 …

    @property
    def header(self) -> list[str]:
        return [m.header for m in self.matches]

    def notes(self) -> list[dict]:
        """Page-level lines of the mapping report, worded from profile.ttl's read problems."""
        from kg.read.profiles import say

        out = []

        def add(problem, **params):
            zh, en = say(problem, **params)
            out.append({"problem": problem, "message_zh": zh, "message_en": en})

        rows = lambda ns: ", ".join(str(n) for n in ns)
        if self.title_rows:
            add("title-rows-skipped", rows=rows(self.title_rows))
        if len(self.header_rows) > 1 or (self.header_rows and self.title_rows):
            add("header-rows", rows=rows(self.header_rows))
        if self.units_row is not None:
            add("units-row-read", row=self.units_row)
        if self.table_unit:
            add("table-unit", unit=self.table_unit)
        if self.footnote_rows:
            add("footnotes-skipped", rows=rows(self.footnote_rows))
        if self.total_rows:
            add("total-rows-skipped", **self.total_params())
        return out

    def total_params(self) -> dict:
        return {"rows": ", ".join(str(n) for n, _ in self.total_rows),
                "names": {lang: sep.join(dict.fromkeys(name for _, name in self.total_rows))
                          for lang, sep in (("zh", "、"), ("en", ", "))}}


def _score(matches: list[HeaderMatch]) -> tuple[int, int]:
    """(fields named, fields with a unit): a group row above sub-headers often carries the unit
    ("土地利用现状（亩）" over "耕地"), so of two readings naming as many fields the one that
    knows more units wins — reading 耕地 without 亩 would take mu for hectares."""
    return (len({m.key for m in matches if m.target is not None}),
            sum(1 for m in matches if m.target is not None and m.unit is not None))


def _single(cells, table_unit) -> list[HeaderMatch]:
    return [match_header(c, table_unit) for c in cells]


def _forward_filled(cells) -> list:
    """A group header row: a merged cell's value stands over the blank cells to its right."""
    out, last = [], None
    for c in cells:
        if c is not None and str(c).strip():
            last = c
        out.append(last)
    return out


def _combined(upper, lower, table_unit) -> list[HeaderMatch]:
    """Sub-headers under group headers: "第一产业" under "增加值（亿元）" reads as 第一产业增加值
    in 亿元; a cell with nothing below it is read alone."""
    upper = _forward_filled(upper)
    width = max(len(upper), len(lower))
    out = []
    for j in range(width):
        u = upper[j] if j < len(upper) else None
        lo = lower[j] if j < len(lower) else None
        lo_text = str(lo).strip() if lo is not None else ""
        u_text = str(u).strip() if u is not None else ""
        if not lo_text:
            out.append(match_header(u_text, table_unit))
            continue
        best = match_header(lo_text, table_unit)
        if u_text:
            from kg.read.headers import split_unit

            u_name, u_unit = split_unit(u_text)
            l_name, l_unit = split_unit(lo_text)
            unit = f"({l_unit or u_unit})" if (l_unit or u_unit) else ""
            for name in (f"{l_name}{u_name}", f"{u_name}{l_name}", l_name):
                m = match_header(f"{name}{unit}", table_unit)
                if m.target is not None:
                    best = HeaderMatch(lo_text if u_text == lo_text else f"{u_text} {lo_text}", m.target,
                                       m.unit, m.factor, m.problem, m.unit_text)
                    break
        out.append(best)
    return out


def _units_row(cells, matches: list[HeaderMatch]) -> bool:
    """A row of units under the header: every filled cell a unit or the column's own unit label."""
    from kg.read.profiles import column_by_key

    filled = [(j, c) for j, c in enumerate(cells) if c is not None and str(c).strip()]
    if not filled:
        return False
    for j, c in filled:
        if find_unit(str(c)) is not None:
            continue
        key = matches[j].key if j < len(matches) else None
        col = column_by_key().get(key or "")
        if col is None or norm(c) not in (norm(col.unit_zh), norm(col.unit_en)):
            return False
    return True


def find_layout(grid: list[tuple[int, list]]) -> Layout:
    """The header, units row, data and skipped rows of a sheet (rows as (number, cells))."""
    rows = [(n, list(c)) for n, c in grid]
    found = find_header(rows[:_HEADER_SEARCH_ROWS])
    if found is None:
        header = rows[0][1] if rows else []
        return Layout(_single(header, None), rows[1:], [rows[0][0]] if rows else [])
    layout, start = found
    layout.data = list(body_rows(layout, rows[start:]))
    _prefecture_totals(layout)
    return layout


def find_header(top: list[tuple[int, list]]) -> tuple[Layout, int] | None:
    """The page above the data, from its first rows: a Layout without data, and how many of these rows
    it spans (titles and header); None when no row names a profile column."""
    table_unit, title_year = None, None
    best: tuple | None = None      # (score, start, height, matches)
    singles = []
    for i, (_, cells) in enumerate(top):
        above = [str(c) for _, r in top[:i] for c in _filled(r)]
        unit = next((m.group(1) for t in above for m in [_TABLE_UNIT.search(t)] if m and find_unit(m.group(1))), None)
        singles.append((unit, _single(cells, unit)))
    for i, (_, cells) in enumerate(top):
        unit, matches = singles[i]
        candidates = [(1, matches, _score(matches))]
        if i + 1 < len(top) and sum(_is_number(c) for c in top[i + 1][1]) < 2:
            pair = _combined(cells, top[i + 1][1], unit)
            # a pair of rows is the header only if it names more than either row alone
            if _score(pair) > max(candidates[0][2], _score(singles[i + 1][1])):
                candidates.append((2, pair, _score(pair)))
        for height, found, score in candidates:
            if best is None or score > best[0]:
                best = (score, i, height, found)
                table_unit = unit
    if best is None or best[0][0] == 0:
        return None
    _, start, height, matches = best
    titles = top[:start]
    for _, cells in titles:
        for c in _filled(cells):
            m = _YEAR_IN_TEXT.search(str(c)) or _YEAR_ALONE.match(str(c))
            if m and title_year is None:
                title_year = int(m.group(1))
    layout = Layout(matches, [], [n for n, _ in top[start:start + height]], [n for n, _ in titles],
                    table_unit=table_unit, title_year=title_year, year_source="title")
    return layout, start + height


def body_rows(layout: Layout, body: Iterable[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """The data rows below the header, one by one (a file too big to hold is read as it goes): a units
    row right under the header is read into the header matches, footnotes and total rows are set aside
    in `layout`. Prefecture totals need every code of the page: see prefecture_totals."""
    rows = Body(layout)
    for n, cells in body:
        if rows.row(n, cells):
            yield n, cells


class Body:
    """body_rows one row at a time (kg.read.columnar hands it only the rows it does not read as columns)."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.seen_data = False
        self.name_columns: list[int] | None = None
        self.is_total = total_row_test()

    def row(self, n: int, cells) -> bool:
        """True for a data row; a units row, footnote or total row is set aside in the layout."""
        layout = self.layout
        if self.name_columns is None:
            if _units_row(cells, layout.matches):
                layout.units_row = n
                layout.matches = [_with_row_unit(m, cells[j] if j < len(cells) else None, layout.table_unit)
                                  for j, m in enumerate(layout.matches)]
                self.name_columns = [j for j, m in enumerate(layout.matches) if m.key in ("name", "region_id")]
                return False
            self.name_columns = [j for j, m in enumerate(layout.matches) if m.key in ("name", "region_id")]
        filled = _first_filled(cells, 3)
        if self.seen_data and filled and len(filled) <= 2 and _FOOTNOTE.match(str(filled[0])):
            layout.footnote_rows.append(n)
            return False
        is_total = self.is_total
        for j in self.name_columns:
            if j < len(cells) and cells[j] is not None and is_total(str(cells[j])):
                layout.total_rows.append((n, str(cells[j]).strip()))
                return False
        if filled:
            self.seen_data = True
        return True


class PrefectureTotals:
    """A row whose code is a prefecture's or province's (GB/T 2260: it ends in 00, a county-level code
    never does) over rows of county-level units inside it is that page's total (安阳市 over 滑县 …):
    moved from the data to the total rows. Alone, or with no unit of its own below it, it is a region.
    Rows are seen one by one (`see`); which are totals is known once every row has been seen."""

    def __init__(self, layout: Layout):
        self.code_col = next((j for j, m in enumerate(layout.matches) if m.key == "region_id"), None)
        self.name_col = next((j for j, m in enumerate(layout.matches) if m.key == "name"), None)
        self.counties: set[str] = set()
        self.candidates: list[tuple[int, str, str]] = []      # (row, name or code, prefix)

    def _cell(self, cells, j) -> str:
        v = cells[j] if j is not None and j < len(cells) else None
        v = str(int(v)) if isinstance(v, float) and v.is_integer() else v
        return "" if v is None else str(v).strip()

    def see(self, n: int, cells) -> bool:
        """Note a data row; True if it may turn out to be a total."""
        if self.code_col is None:
            return False
        code = self._cell(cells, self.code_col)
        if len(code) != 6 or not code.isdigit():
            return False
        if not code.endswith("00"):
            self.counties.add(code)
            return False
        prefix = code[:2] if code.endswith("0000") else code[:4]
        self.candidates.append((n, self._cell(cells, self.name_col) or code, prefix))
        return True

    def totals(self) -> list[tuple[int, str]]:
        """(row, name) of the rows seen that are totals."""
        return [(n, name) for n, name, prefix in self.candidates
                if any(c.startswith(prefix) for c in self.counties)]


def _prefecture_totals(layout: Layout) -> None:
    found = PrefectureTotals(layout)
    for n, cells in layout.data:
        found.see(n, cells)
    totals = found.totals()
    if totals:
        drop = {n for n, _ in totals}
        layout.data = [(n, cells) for n, cells in layout.data if n not in drop]
        layout.total_rows += totals
    layout.total_rows.sort()


@compiled_knowledge
def total_row_words() -> tuple[frozenset, tuple, tuple]:
    """(labels, endings, leads) of total rows: th:totalRowLabel, th:totalRowSuffix, th:totalRowLead."""
    from kg.read.profiles import vocabulary_graph

    g = vocabulary_graph()
    words = lambda p: tuple(sorted({norm(o) for o in g.objects(None, p)}, key=len, reverse=True))
    return frozenset(words(TH.totalRowLabel)), words(TH.totalRowSuffix), words(TH.totalRowLead)


def is_total_row_name(text: str) -> bool:
    """全县, 合计, 其中：市辖区, 安阳市合计 — but never a name the gazetteer knows as a county-level unit
    (全州 is 全州县, whatever a list of words says)."""
    return total_row_test()(text)


def total_row_test() -> Callable[[str], bool]:
    """is_total_row_name with th:totalRow* asked of the knowledge once (body_rows asks it of every row's names).
    A total row's name ends as one of the words ends, so a name whose last character is none of their last
    characters is no total, and is not normalised: when that character is ASCII or a CJK ideograph, NFKC and
    the folding of norm() leave it as it is (it combines with nothing before it) — 滑县 is looked at whole,
    grain-7 or 410522 are not."""
    labels, endings, leads = total_row_words()
    words = [*labels, *endings]
    last = None if not all(words) else frozenset(w[-1] for w in words)

    def test(text: str) -> bool:
        if last is not None:
            tail = text.rstrip()[-1:]
            if not tail:
                return False
            if (tail.isascii() or "\u4e00" <= tail <= "\u9fff") and tail.lower().translate(_BRACKETS) not in last:
                return False
        t = norm(text)
        for lead in leads:
            if t.startswith(lead):
                t = t[len(lead):].lstrip(":：、,，")
        if not t or not (t in labels or t.endswith(endings)):
            return False
        from kg.read.gazetteer import GazetteerUnavailable, candidates

        try:
            return not candidates(t)
        except GazetteerUnavailable:     # pragma: no cover - a broken install
            return True
    return test


def _with_row_unit(m: HeaderMatch, unit_cell, table_unit) -> HeaderMatch:
    """A unit given in the units row applies to a header that names none."""
    if m.target is None or m.unit is not None or m.problem or unit_cell is None or not str(unit_cell).strip():
        return m
    if find_unit(str(unit_cell)) is None:
        return m                                           # "文本", "类型": the template's own words
    again = match_header(f"{m.header}({str(unit_cell).strip()})", table_unit)
    return again if again.target is not None else m
