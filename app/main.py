"""Tanheng 碳衡 — the Streamlit advisory app (`tanheng app`).
This file only sets the page up: language toggle, navigation; each page is a
module in app/views/ and calls the kg API."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # streamlit runs this file as a script, not as part of a package
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.i18n import DEFAULT_LANG, LANGS, pick, t  # noqa: E402
from app.widgets import relabel_streamlit_texts  # noqa: E402
from kg.knowledge import catalog  # noqa: E402

st.set_page_config(page_title="碳衡 Tanheng", page_icon="🌿", layout="wide")

if "lang" not in st.session_state:  # ?lang=en opens the app in English
    wanted = st.query_params.get("lang", DEFAULT_LANG)
    st.session_state["lang"] = wanted if wanted in LANGS else DEFAULT_LANG

with st.sidebar:
    st.radio(t("lang.label"), LANGS, key="lang", horizontal=True, format_func={c: t(f"lang.{c}") for c in LANGS}.get)
    st.query_params["lang"] = st.session_state["lang"]  # a reload or a shared link keeps the language
    sets = {s["key"]: s for s in catalog.coefficient_sets()}
    st.selectbox(t("coefset.label"), list(sets), key="coefficient_set", help=t("coefset.help"),
                 format_func={k: pick(s, "label") for k, s in sets.items()}.get)
    chosen = st.session_state.get("coefficient_set") or "default"
    if chosen != "default":  # what this set changes against the default
        st.caption(pick(sets[chosen], "definition"))
    st.caption(t("app.tagline"))

relabel_streamlit_texts()

PAGES = [  # (module file, translation key, icon, url path)
    ("views/diagnosis.py", "page.diagnosis", ":material/troubleshoot:", "diagnosis"),
    ("views/batch.py", "page.batch", ":material/table_view:", "batch"),
    ("views/pathways.py", "page.pathways", ":material/trending_down:", "pathways"),
    ("views/knowledge.py", "page.knowledge", ":material/hub:", "knowledge"),
    ("views/compare.py", "page.compare", ":material/public:", "compare"),
    ("views/sparql.py", "page.sparql", ":material/terminal:", "sparql"),
    ("views/history.py", "page.history", ":material/history:", "history"),
]
here = Path(__file__).parent


def _start():
    """The root address opens the diagnosis page. A hidden start page, rather than making the
    diagnosis page the default: a default page lives at "/" only, so a link to /diagnosis (a bookmark,
    a shared address) would get Streamlit's English "Page not found" instead of the page."""
    st.switch_page(str(here / PAGES[0][0]))


navigation = st.navigation(
    [st.Page(_start, title=t(PAGES[0][1]), url_path="start", default=True, visibility="hidden")]
    + [st.Page(str(here / path), title=t(key), icon=icon, url_path=url) for path, key, icon, url in PAGES])
navigation.run()
