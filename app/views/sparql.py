"""SPARQL console: the named example queries, an editor, the results as a
table, downloads as CSV and SPARQL-results JSON (kg.query)."""
import pandas as pd
import streamlit as st

from app.backend import require, user_error
from app.i18n import lang, t
from app.widgets import download, md

st.title(t("page.sparql"))
query = require("query", "named_queries", "run", "to_csv", "to_json", "error_message", "QueryRefused")
if query is None:
    st.stop()

named = query.named_queries()
DEFAULT = ("SELECT ?model ?label WHERE {\n  ?model a th:IntegrationModel ; rdfs:label ?label .\n"
           f'  FILTER(LANG(?label) = "{lang()}")\n}}')  # lang() is "zh" or "en", never user text


def load_example():
    chosen = st.session_state.get("sparql_example")
    if chosen in named:
        st.session_state["sparql_text"] = named[chosen].text


if named:
    titles = {None: t("sparql.pick"), **{n: q.title_zh if lang() == "zh" else q.title_en for n, q in named.items()}}
    st.selectbox(t("sparql.examples"), list(titles), key="sparql_example", on_change=load_example,
                 format_func=titles.get)
    if st.session_state.get("sparql_example") in named and named[st.session_state["sparql_example"]].question:
        st.caption(named[st.session_state["sparql_example"]].question)
st.session_state.setdefault("sparql_text", DEFAULT)
text = st.text_area(t("sparql.editor"), key="sparql_text", height=220)
st.caption(t("sparql.prefixes"))

if st.button(t("sparql.run"), type="primary", key="sparql_run"):
    try:
        st.session_state["sparql_result"] = query.run(text)
        st.session_state.pop("sparql_error", None)
    except query.QueryRefused as exc:  # the console only reads: no update, no SERVICE, nothing too deep
        st.session_state["sparql_error"] = exc.message(lang())
        st.session_state.pop("sparql_result", None)
    except SyntaxError as exc:  # one sentence, the line counted in the user's text (the same as `tanheng query`)
        st.session_state["sparql_error"] = query.error_message(exc, text, lang())
        st.session_state.pop("sparql_result", None)
    except Exception as exc:  # a user's malformed query is a message, not a traceback
        st.session_state["sparql_error"] = user_error(exc)
        st.session_state.pop("sparql_result", None)

if "sparql_error" in st.session_state:
    st.error(t("sparql.error", error=md(st.session_state["sparql_error"])))
result = st.session_state.get("sparql_result")
if result is not None:
    st.success(t("sparql.rows", n=len(result.rows)))
    st.dataframe(pd.DataFrame(result.rows, columns=result.variables), hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    download(c1, t("download.csv"), lambda: query.to_csv(result).encode("utf-8-sig"), "tanheng-query.csv",
             "sparql_csv")
    download(c2, t("download.json"), lambda: query.to_json(result).encode("utf-8"), "tanheng-query.json",
             "sparql_json")
