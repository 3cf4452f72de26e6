"""No input file makes Tanheng fetch anything from the network.

rdflib's JSON-LD parser fetches every context named by URL — `"@context":
"http://…"`, `{"@context": {"@import": "http://…"}}`, scoped contexts — with
no switch to turn that off, so a profile file could make the app request any
URL (or hang on a host that never answers). Importing this module replaces
the one method rdflib fetches contexts through with one that refuses;
kg.profiles imports it before it parses RDF. Contexts written inline in the
document keep working."""
from __future__ import annotations

from rdflib.plugins.shared.jsonld import context as _jsonld_context


class RemoteDocumentRefused(ValueError):
    """A document asked for another document by URL."""

    def __init__(self, url: str):
        self.url = url
        super().__init__(f"输入文件引用了远程 JSON-LD 上下文 {url}，Tanheng 不访问网络；请把上下文直接写入文件 / "
                         f"the file refers to a remote JSON-LD context {url}; Tanheng never fetches "
                         "anything from the network — put the context in the file itself")


def _refuse_remote_context(self, source, base, referenced_contexts):
    from urllib.parse import urljoin

    raise RemoteDocumentRefused(urljoin(base or "", source) if isinstance(source, str) else repr(source))


_jsonld_context.Context._fetch_context = _refuse_remote_context
