"""A big RDF profile file read in pieces (kg.read.rdf_pieces, issue 12: peak memory at any batch size) gives what
reading it whole with rdflib gives: the same regions, warnings and advice bytes whatever the jobs and chunks — a
region's triples scattered through the file, a byte-order mark, prefixes, an unknown thp: column, another
vocabulary's property on regions and on a subject that is no region, a region without a source row, a blank one, a
repeated id, text in a number field, two values of one column — and a file the passes cannot read is read whole,
which reads or refuses it in its usual words."""
import json
import random

import pytest
from test_chunked import _written
from test_json_pieces import assert_read_as_whole

from kg.bench import generate
from kg.commands.advise import read_source
from kg.read import rdf_pieces
from kg.read.chunked import PiecedFile
from kg.read.profiles import ProfileBatch, from_table, read_profiles

REGION = "https://w3id.org/tanheng/region/"
THP = "https://w3id.org/tanheng/profile#"
TH = "https://w3id.org/tanheng/ontology#"


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(rdf_pieces, "STREAM_FROM_BYTES", 10_000)


def _lines(n: int) -> list[str]:
    """The N-Triples of n generated regions, with what a planner's RDF export may hold besides."""
    rows = generate(n, seed=23)
    header = list(rows[0])
    rows[-10]["region_id"], rows[-10]["year"] = rows[10]["region_id"], rows[10]["year"]     # a repeated id
    rows[17]["gdp_100m_cny"] = "n/a"                                                     # text in a number field
    batch = from_table(header, [(i + 2, [r.get(h) for h in header]) for i, r in enumerate(rows)], "g.csv", "csv")
    lines = batch.to_ntriples().splitlines()
    s3, s5 = f"<{REGION}{rows[3]['region_id']}>", f"<{REGION}{rows[5]['region_id']}>"
    lines = [x for x in lines if not (x.startswith(s5) and "#sourceRow>" in x)]          # no source row
    lines += [f'{s3} <{THP}population> "123"^^<http://www.w3.org/2001/XMLSchema#integer> .',   # a second value
              f'{s3} <{THP}surveyor_note> "checked 2023" .',                                   # unknown thp: column
              f'{s3} <http://www.w3.org/2000/01/rdf-schema#label> "第三区"@zh .',                # another vocabulary
              f'<http://example.org/survey> <http://purl.org/dc/terms/creator> "county bureau" .',   # no region
              f'<{REGION}EMPTY> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{TH}RegionProfile> .']  # blank
    return lines


@pytest.mark.parametrize("scattered,bom", [(False, False), (True, True)], ids=["grouped", "scattered-bom"])
def test_an_rdf_file_in_pieces_is_advised_as_when_read_whole(tmp_path, small_threshold, scattered, bom):
    lines = _lines(240)
    if scattered:
        random.Random(5).shuffle(lines)
    path = tmp_path / "regions.ttl"
    path.write_text(("\ufeff" if bom else "") + "@prefix thp: <%s> .\n" % THP + "\n".join(lines) + "\n",
                    encoding="utf-8")
    pieced = read_source([str(path)], "zh")
    assert isinstance(pieced, PiecedFile) and len(pieced) == 240          # the blank subject is no region
    whole = read_profiles(path)
    assert [vars(r) for p in pieced.pieces([range(0, 100), range(100, 240)]) for r in p.regions] == \
        [vars(r) for r in whole.regions]
    assert sorted(map(str, pieced.warnings)) == sorted(map(str, whole.warnings))
    assert [w["field"] for w in pieced.warnings].count("population") == 1      # two values: one said, the least kept
    assert any("surveyor_note" in w["message_en"] for w in pieced.warnings)
    before = _written(whole, jobs=1, chunk=10_000)
    advice = json.loads(before)
    assert sum(1 for r in advice["regions"] if any("more than once" in v["message_en"] for v in r["violations"])) == 2
    assert _written(read_source([str(path)], "zh"), jobs=1, chunk=70) == before
    assert _written(read_source([str(path)], "zh"), jobs=2, chunk=50) == before
    assert _written(read_source([str(path)], "zh"), fmt="ndjson", chunk=45) == _written(whole, fmt="ndjson")


def test_a_json_ld_file_in_pieces_is_read_as_when_read_whole(tmp_path, small_threshold):
    batch = ProfileBatch(read_profiles(_ttl(tmp_path, _lines(60))).regions)
    graph = batch.to_rdf()
    path = tmp_path / "regions.jsonld"
    path.write_text(graph.serialize(format="json-ld"), encoding="utf-8")
    pieced = read_source([str(path)], "zh")
    assert isinstance(pieced, PiecedFile) and pieced.fmt == "json-ld"
    assert _written(pieced, jobs=1) == _written(read_profiles(path), jobs=1)


def _ttl(tmp_path, lines: list[str]):
    path = tmp_path / "source.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("extra", [
    '<relative> <%spopulation> "1" .' % THP,                                                   # a relative IRI
    '<%sX> <%ssourceRow> "seven" .' % (REGION, TH),                                            # not an integer
    '<%sX> <%spopulation> "1" ' % (REGION, THP),                                               # no final dot
    '{"@context": "https://schema.org/", "@id": "%sX"}' % REGION],                            # remote context
    ids=["relative-iri", "row-not-integer", "syntax-error", "remote-context"])
def test_an_rdf_file_the_passes_cannot_read_is_read_whole(tmp_path, small_threshold, extra):
    if extra.startswith("{"):
        path = tmp_path / "bad.jsonld"
        path.write_text(extra[:-1] + ', "pad": "%s"}' % (" " * 20_000), encoding="utf-8")
    else:
        path = tmp_path / "bad.ttl"
        path.write_text("\n".join(_lines(20)) + "\n" + extra + "\n", encoding="utf-8")
    assert rdf_pieces.streamable_rdf(path)
    assert rdf_pieces.open_rdf_pieces(path) is None
    assert_read_as_whole(path)
