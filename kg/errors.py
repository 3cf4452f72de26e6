"""One error model: everything a user can cause is a UserError (pySHACL keeps its
hierarchy in one errors.py the same way). A UserError carries a message key of the
catalogue (kg/messages.csv) and its parameters, so the command line and the app can
word it in Chinese or English; `tanheng` prints it as one sentence and exits with
`exit_code` (2: the request cannot be done; 1: done, but what the user gave is
invalid). Anything else that escapes is a bug of ours and must fail loudly.

Where the wording is knowledge rather than interface text (a read problem of the
input contract in ontology/profile.ttl, a SPARQL parser message) the error is built
from sentences already worded: UserError.worded(zh, en). A plain sentence given
where a key is expected is kept as it is, in both languages (text a library such as
Oxigraph or the OS worded)."""
from __future__ import annotations

from kg import messages


# what the system says when a file cannot be opened or written, in the catalogue's words
OS_REASONS = {FileNotFoundError: "error.no-such-file", IsADirectoryError: "error.is-a-directory",
              PermissionError: "error.permission-denied"}


def os_reason(exc: OSError, lang: str) -> str:
    """Why the system refused, in the catalogue's words where it has them, else the system's own."""
    key = OS_REASONS.get(type(exc))
    return messages.text(key, lang) if key else str(exc.strerror or exc)


class UserError(Exception):
    """A problem with what the user gave or asked for; never a bug."""

    exit_code = 2

    def __init__(self, key_or_sentence: str = "", /, *, exit_code: int | None = None, **params):
        self.params = params
        if messages.has(key_or_sentence):
            self.key = key_or_sentence
            self.zh = messages.text(self.key, "zh", **params)
            self.en = messages.text(self.key, "en", **params)
        else:
            self.key = None
            self.zh = self.en = key_or_sentence
        if exit_code is not None:
            self.exit_code = exit_code
        super().__init__(self.en)

    @classmethod
    def worded(cls, zh: str, en: str, key: str | None = None, **kw) -> "UserError":
        """An error whose two sentences were worded elsewhere (the graph, a parser)."""
        err = cls(en, **kw)
        err.zh, err.key = zh, key
        return err

    @classmethod
    def cannot_write(cls, path, exc: OSError) -> "UserError":
        """A file the user asked for could not be written: "cannot write <path>: <why>"."""
        return cls._about_file("error.cannot-write", path, exc)

    @classmethod
    def cannot_read(cls, path, exc: OSError) -> "UserError":
        """A file the user gave could not be opened: "cannot read <path>: <why>"."""
        return cls._about_file("error.cannot-read", path, exc)

    @classmethod
    def _about_file(cls, key: str, path, exc: OSError) -> "UserError":
        zh, en = (messages.text(key, lang, file=path, reason=os_reason(exc, lang)) for lang in messages.LANGS)
        return cls.worded(zh, en, key=key)

    def in_file(self, name) -> "UserError":
        """The same problem, said of the file it is in: "<file>: <sentence>" in both languages."""
        return UserError.worded(messages.text("error.in-file", "zh", file=name, reason=self.zh),
                                messages.text("error.in-file", "en", file=name, reason=self.en),
                                key="error.in-file", exit_code=self.exit_code)

    def message(self, lang: str = "en") -> str:
        """The sentence in one language."""
        return self.zh if lang == "zh" else self.en

    def bilingual(self, lang: str = "zh", sep: str = " / ") -> str:
        """Both languages, the chosen one first; one sentence when both are the same."""
        if self.zh == self.en:
            return self.en
        return f"{self.zh}{sep}{self.en}" if lang == "zh" else f"{self.en}{sep}{self.zh}"

    def __str__(self) -> str:      # what logs and tracebacks show; people get message() or bilingual()
        return self.en


class UnknownValue(UserError, ValueError):
    """A value (filter, field, region, coefficient set, …) the graph or the file does not know;
    the message lists the valid ones."""


class AnalysisNotFound(UserError, LookupError):
    """No saved analysis with that id."""


class StoreBusy(UserError, OSError):
    """Another process holds the store read-write for longer than we waited."""


class StoreUnavailable(UserError, OSError):
    """The store folder cannot be opened (damaged, not a store, no permission, …):
    one sentence naming the folder. Tanheng never repairs or replaces it."""


class StoreMissing(StoreUnavailable):
    """A read found no store at the folder; reads never create one."""


class KnowledgeUnavailable(UserError):
    """The SPARQL server named by TANHENG_SPARQL_URL does not answer."""
