"""Issue 11 item 6: a JSON-LD profile with {"@context": {"@import": "http://…"}}
made rdflib fetch the URL (hanging on a tarpit). No input file causes any
network access: every remote context is refused with a clear message."""
import json

import pytest

from issue11_helpers import tanheng, env, canary  # noqa: F401 (fixtures)

_PROFILE = {"@id": "https://w3id.org/tanheng/region/r1",
            "@type": "https://w3id.org/tanheng/ontology#RegionProfile",
            "https://w3id.org/tanheng/profile#region_id": "r1"}


@pytest.mark.parametrize("shape", ["import", "context-url", "context-list", "scoped"])
def test_remote_contexts_are_refused_and_never_fetched(env, canary, tmp_path, shape):
    url = canary.url + "/context.jsonld"
    doc = dict(_PROFILE)
    if shape == "import":
        doc["@context"] = {"@import": url}
    elif shape == "context-url":
        doc["@context"] = url
    elif shape == "context-list":
        doc["@context"] = [{"th": "https://w3id.org/tanheng/ontology#"}, url]
    else:
        doc["@context"] = {"p": {"@id": "urn:p", "@context": url}}
        doc["p"] = {"@id": "urn:x", "urn:q": "v"}
    f = tmp_path / "profile.jsonld"
    f.write_text(json.dumps(doc), encoding="utf-8")
    out = tanheng(env, "validate", f, "--lang", "en", timeout=60)
    assert out.returncode == 2, out.stderr
    assert "remote" in out.stderr and "Traceback" not in out.stderr
    assert canary.hits == []


def test_an_inline_context_still_reads(env, tmp_path):
    doc = {"@context": {"thp": "https://w3id.org/tanheng/profile#"}, "@id": "urn:r1",
           "@type": "https://w3id.org/tanheng/ontology#RegionProfile", "thp:region_id": "r1", "thp:name": "甲县"}
    f = tmp_path / "profile.jsonld"
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tanheng(env, "validate", f, "--lang", "en", "--format", "json")
    assert out.returncode in (0, 1) and "r1" in out.stdout, out.stderr
