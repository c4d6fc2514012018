"""Zoeken: words or lemmas in every document, in context; a search made auto-coding; word counts."""

import pandas as pd
import streamlit as st

from research.qual import codebook, codings, documents, projects, search
from research.ui import shell, widgets

store, user = shell.guard("qual.read")
st.title("Zoeken")
project_id = widgets.pick_project(store, user)
docs = documents.documents(store, user, project_id)
names = {d["id"]: d["name"] for d in docs}

# Only the open tab runs: counting every word of the project costs seconds at each search.
find_tab, words_tab = widgets.url_tabs(["Zoeken in de tekst", "Woordfrequenties"], "tab")

if find_tab.open:
    with find_tab:
        query = st.text_input("Zoek naar", placeholder="bijvoorbeeld: wonen buurt")
        columns = st.columns([2, 2, 1])
        mode = columns[0].radio("Zoekwijze", list(search.MODES), format_func=search.MODES.get,
                                index=1)
        chosen_docs = columns[1].multiselect("Alleen in", list(names), format_func=names.get,
                                             placeholder="Alle documenten", select_all=False)
        width = columns[2].slider("Context (tekens)", 20, 300, 60, step=10)
        hits = []
        if query.strip():
            with shell.reported():
                hits = search.search(store, user, project_id, query, mode,
                                     document_ids=chosen_docs or None)
            capped = len(hits) >= search.MAX_HITS
            st.caption(shell.count(len(hits), "vondst", "vondsten")
                       + (f" (de eerste {search.MAX_HITS})" if capped else ""))
            if hits:
                rows = search.keyword_in_context(store, user, project_id, hits, width)
                shown = pd.DataFrame(rows)[["document", "left", "word", "right"]].rename(
                    columns={"document": "Document", "left": "Links", "word": "Woord",
                             "right": "Rechts"})
                st.dataframe(shown, hide_index=True, width="stretch",
                             column_config={"Links": st.column_config.TextColumn(width="large"),
                                            "Rechts": st.column_config.TextColumn(width="large")},
                             placeholder="—")
                widgets.table_download(shown, "vondsten")
        if hits and projects.can_write(store, user, project_id):
            st.subheader("Automatisch coderen")
            codes = codebook.code_tree(store, user, project_id)
            labels = {c["id"]: c["name"] for c in codes}
            unit = st.radio("Codeer per vondst", ["zin", "beurt"], horizontal=True,
                            format_func={"zin": "de zin", "beurt": "de sprekersbeurt"}.get)
            code_id = st.selectbox("Met code", list(labels), format_func=labels.get, index=None,
                                   placeholder="Kies een code")
            new_code = st.text_input("Of een nieuwe code", key="autocode_new")
            found = search.autocode_spans(store, user, hits, unit)
            done = codings.covered(store, user, found, code_id) if code_id else set()
            texts = {d: documents.document(store, user, d)["text"] for d in {s[0] for s in found}}
            st.caption("Voorbeeld: vink uit wat niet gecodeerd moet worden. Wat jij al met deze "
                       "code hebt gecodeerd, wordt niet nog eens gecodeerd.")
            preview = pd.DataFrame([{
                "Coderen": span not in done, "Document": names.get(span[0], ""),
                "Fragment": texts[span[0]][span[1]:span[2]][:300],
                "Al gecodeerd": "ja" if span in done else ""} for span in found])
            chosen = st.data_editor(preview, hide_index=True, width="stretch",
                                    disabled=["Document", "Fragment", "Al gecodeerd"],
                                    key=f"autocode_{unit}_{code_id}_{widgets.digest(query)}",
                                    placeholder="")
            spans = [span for span, keep
                     in zip(found, chosen["Coderen"] if len(found) else [], strict=False)
                     if keep and span not in done]
            st.caption(f"{shell.count(len(spans), 'fragment', 'fragmenten')} in "
                       f"{shell.count(len({s[0] for s in spans}), 'document', 'documenten')} "
                       "worden gecodeerd"
                       + (f"; {shell.count(len(done), 'fragment heeft', 'fragmenten hebben')} de "
                          "code al." if done else "."))
            if st.button("Toepassen", type="primary",
                         disabled=(code_id is None and not new_code) or not spans):
                with shell.reported():
                    made = codings.autocode(store, user, project_id, spans,
                                            [code_id] if code_id else [], new_code=new_code)
                    st.success(f"{shell.count(made, 'fragment', 'fragmenten')} gecodeerd.")

if words_tab.open:
    with words_tab:
        by = st.radio("Tellen als", ["lemma", "woord"], horizontal=True,
                      format_func={"lemma": "Lemma (woont, woonde → wonen)",
                                   "woord": "Woordvorm"}.get)
        in_docs = st.multiselect("Documenten", list(names), format_func=names.get,
                                 placeholder="Alle documenten", key="freq_docs", select_all=False)
        top = st.slider("Aantal woorden", 10, 300, 50, step=10)
        counted = search.word_frequencies(store, user, project_id, by=by,
                                          document_ids=in_docs or None, top=top)
        if counted:
            st.dataframe(pd.DataFrame(counted).rename(columns={
                "word": "Woord", "count": "Aantal", "documents": "Documenten"}),
                hide_index=True, width="stretch", placeholder="—")
        else:
            st.info("Nog geen tekst om te tellen.")
