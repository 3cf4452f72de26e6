"""SPARQL console: the named example queries, an editor, the results as a
table, downloads as CSV and SPARQL-results JSON (kg.knowledge.query)."""
import re

import pandas as pd
import streamlit as st

from app.i18n import lang, said, t
from app.widgets import download, md
from kg.errors import UserError
from kg.knowledge import query

def results_frame(result) -> tuple[pd.DataFrame, dict]:
    """Each IRI column shown as the IRI's label in the current language, with the IRI beside it as a link
    (its local name shown); literals as they are."""
    from kg.knowledge import catalog

    def is_iri(i, row, raw) -> bool:
        if raw is not None and i < len(raw) and raw[i] is not None:
            return type(raw[i]).__name__ == "NamedNode"
        return bool(row[i]) and re.fullmatch(r"https?://\S+", row[i]) is not None      # a remote result

    raws = result.raw or [None] * len(result.rows)
    iri_vars = [v for i, v in enumerate(result.variables) if any(is_iri(i, r, raw) for r, raw in zip(result.rows, raws))]
    columns, config = {}, {}
    for i, v in enumerate(result.variables):
        values = [r[i] for r in result.rows]
        if v in iri_vars:
            columns[v] = [(catalog.texts(x).get(f"label_{lang()}") or catalog.local_name(x)) if x else None
                          for x in values]
            link = f"{v} (IRI)"
            columns[link] = values
            config[link] = st.column_config.LinkColumn(link, display_text=r"^.*[/#]([^/#]+)$")
        else:
            columns[v] = values
    return pd.DataFrame(columns), config


st.title(t("page.sparql"))

named = query.named_queries()
DEFAULT = ("SELECT ?model ?label WHERE {\n  ?model a th:IntegrationModel ; rdfs:label ?label .\n"
           f'  FILTER(LANG(?label) = "{lang()}")\n}}')  # lang() is "zh" or "en", never user text


def load_example():
    chosen = st.session_state.get("sparql_example")
    if chosen in named:
        st.session_state["sparql_text"] = named[chosen].text


def text_edited():
    """Once the text is no longer the chosen example's, the example's title no longer describes it."""
    chosen = st.session_state.get("sparql_example")
    if chosen in named and st.session_state.get("sparql_text") != named[chosen].text:
        st.session_state["sparql_example"] = None


if named:
    titles = {None: t("sparql.pick"), **{n: q.title_zh if lang() == "zh" else q.title_en for n, q in named.items()}}
    st.selectbox(t("sparql.examples"), list(titles), key="sparql_example", on_change=load_example,
                 format_func=titles.get)
    chosen_query = named.get(st.session_state.get("sparql_example"))
    if chosen_query is not None and chosen_query.question_in(lang()):
        st.caption(chosen_query.question_in(lang()))
st.session_state.setdefault("sparql_text", DEFAULT)
text = st.text_area(t("sparql.editor"), key="sparql_text", height=220, on_change=text_edited)
st.caption(t("sparql.prefixes"))

if st.button(t("sparql.run"), type="primary", key="sparql_run"):
    try:
        st.session_state["sparql_result"] = query.run(text, timeout=query.QUERY_SECONDS)
        st.session_state.pop("sparql_error", None)
    except query.QueryRefused as exc:  # the console only reads: no update, no SERVICE, nothing too deep
        st.session_state["sparql_error"] = getattr(exc, lang(), None) or exc.message(lang())
        st.session_state.pop("sparql_result", None)
    except SyntaxError as exc:  # one sentence, the line counted in the user's text (the same as `tanheng query`)
        st.session_state["sparql_error"] = query.error_message(exc, text, lang(), both=False)
        st.session_state.pop("sparql_result", None)
    except (UserError, OSError) as exc:  # refused by a limit, or the server named by TANHENG_SPARQL_URL fails
        st.session_state["sparql_error"] = said(exc)
        st.session_state.pop("sparql_result", None)

if "sparql_error" in st.session_state:
    st.error(t("sparql.error", error=md(st.session_state["sparql_error"])))
result = st.session_state.get("sparql_result")
if result is not None:
    st.success(t("sparql.rows", n=len(result.rows)))
    frame, config = results_frame(result)
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config)
    c1, c2 = st.columns(2)
    download(c1, t("download.csv"), lambda: query.to_csv(result).encode("utf-8-sig"), "tanheng-query.csv",
             "sparql_csv")
    download(c2, t("download.json"), lambda: query.to_json(result).encode("utf-8"), "tanheng-query.json",
             "sparql_json")
