"""A big JSON profile file read in pieces (kg.read.json_pieces, issue 12) gives what reading it whole gives:
the same regions, warnings and advice bytes whatever the jobs and chunks — keys only some items have, unknown
keys, nested values, blank items, text in number fields, a region repeated for one year far apart — and a file
the passes cannot read is read whole, which refuses it in its usual words."""
import json

import pytest
from test_chunked import _written

from kg.bench import generate
from kg.commands.advise import read_source
from kg.errors import UserError
from kg.read import chunked, json_pieces
from kg.read.chunked import PiecedFile
from kg.read.profiles import read_profiles


def _messy_items(n: int) -> list[dict]:
    items = []
    for i, r in enumerate(generate(n, seed=41)):
        r = {k: v for k, v in r.items() if v not in (None, "")}
        if i % 7 == 0:
            r.pop("forest_ha", None)                        # a key only some items have
        if i % 11 == 0:
            r["备注"] = {"来源": "统计年鉴", "页": i}          # an unknown key with a nested value
        if i % 13 == 0:
            r["population"] = "1,234,567"                  # thousands separators in a text cell
        if i % 17 == 0:
            r["gdp_100m_cny"] = "n/a"                      # text in a number field: kept and reported
        if i % 19 == 0:                                    # numbers orjson and json may read apart
            r["electricity_mwh"] = 12345678901234567890123 if i % 38 else 1.5e19
            r["coal_t"] = float("nan")
            r["population"] = 1234.0 if i % 57 else 1234.5
            r["cropland_ha"] = 0.12345678912345
        if i % 29 == 0:
            r["name"] = "区SURROGATE名"                     # half a surrogate pair, written as an escape below
            r["附注"] = {"big": 123456789012345678901234567, "x": [1.5, "y"]}
        items.append(r)
    items[90] = {}                                         # a blank item
    items[150]["region_id"], items[150]["year"] = items[10]["region_id"], items[10]["year"]
    items[-1]["late_key"] = 1                              # a key first seen in the last item
    return items


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(chunked, "STREAM_FROM_BYTES", 10_000)
    monkeypatch.setattr(json_pieces, "STREAM_FROM_BYTES", 10_000)


@pytest.mark.parametrize("wrapped,encoding", [(False, "utf-8"), (True, "utf-8-sig"), (False, "gb18030")],
                         ids=["list", "regions-key-bom", "gb18030"])
def test_a_json_file_in_pieces_is_advised_as_when_read_whole(tmp_path, small_threshold, wrapped, encoding):
    """UTF-8 (with or without a byte-order mark): the items are read again from the file by their places; another
    encoding: from the text held."""
    items = _messy_items(240)
    doc = {"source": "yearbook", "regions": items, "note": [1, 2]} if wrapped else items
    path = tmp_path / "regions.json"
    text = json.dumps(doc, ensure_ascii=False, indent=1).replace("\n", "\r\n").replace("SURROGATE", "\\ud800")
    path.write_text(text, encoding=encoding)
    pieced = read_source([str(path)], "zh")
    assert isinstance(pieced, PiecedFile) and len(pieced) == 239          # the blank item is no region
    whole = read_profiles(path)
    assert [vars(r) for p in pieced.pieces([range(0, 100), range(100, 239)]) for r in p.regions] == \
        [vars(r) for r in whole.regions]
    before = _written(whole, jobs=1, chunk=10_000)
    advice = json.loads(before)
    assert sum(1 for r in advice["regions"] if any("more than once" in v["message_en"] for v in r["violations"])) == 2
    assert any("备注" in w["message_en"] or "late_key" in w["message_en"] for w in advice["batch_warnings"])
    assert _written(read_source([str(path)], "zh"), jobs=1, chunk=70) == before
    assert _written(read_source([str(path)], "zh"), jobs=2, chunk=50) == before
    assert _written(read_source([str(path)], "zh"), fmt="ndjson", chunk=45) == _written(whole, fmt="ndjson")


@pytest.mark.parametrize("text", ['[{"region_id": "A", "year": 2022}, 3]', '[{"region_id": "A"},', '{"rows": []}',
                                  '[{"@id": "x", "region_id": "A"}]', '[{"region_id": "A", "population": 1%s}]' % ("0" * 150)],
                         ids=["not-objects", "cut", "no-regions", "json-ld", "number-too-long"])
def test_a_json_file_the_passes_cannot_read_is_read_whole(tmp_path, small_threshold, text):
    path = tmp_path / "bad.json"
    path.write_text(text + " " * 20_000, encoding="utf-8")
    assert json_pieces.open_json_pieces(path) is None
    assert_read_as_whole(path)


def assert_read_as_whole(path):
    """advise reads the file as read_profiles does: the same regions, or the same refusal in the same words."""
    try:
        expected = read_profiles(path)
    except UserError as exc:
        with pytest.raises(UserError) as got:
            read_source([str(path)], "zh")
        assert str(got.value).endswith(str(exc))
    else:
        assert [vars(r) for r in read_source([str(path)], "zh").regions] == [vars(r) for r in expected.regions]
