"""Rapporten: a code, a category or the whole codebook as Word, Excel or a web page."""

import streamlit as st

from research.qual import codebook, codings, projects, reports
from research.ui import shell, widgets

store, user = shell.guard("qual.read")
st.title("Rapporten")
project_id = widgets.pick_project(store, user)
codes = codebook.code_tree(store, user, project_id)
labels = {c["id"]: "  " * c["depth"] + c["name"] for c in codes}
scope = st.selectbox("Waarover", [None, *labels], format_func=lambda i: (
    "Het hele codeboek (met het model)" if i is None else f"{labels[i]} (met subcodes)"),
                     placeholder="Kies een optie")
fmt = st.radio("Formaat", list(reports.FORMATS), format_func=reports.FORMATS.get,
               horizontal=True)
source = st.radio("Uit de coderingen van", ["alle", "kies", "consensus"], horizontal=True,
                  format_func={"alle": "Alle codeurs", "kies": "Gekozen codeurs",
                               "consensus": "Consensus (vastgelegde besluiten)"}.get)
chosen = None
if source == "kies":
    coders = {r["id"]: codings.coder_label(r) for r in codings.coders(store, user, project_id)}
    chosen = st.multiselect("Codeurs", list(coders), format_func=coders.get,
                            placeholder="Kies codeurs", select_all=False)
st.caption("Met definities, aantallen en citaten; sprekers onder hun pseudoniem met hun "
           "kenmerken. Een fragment dat meer codeurs codeerden, telt en staat er één keer in. "
           "De sleutel van de pseudoniemen gaat nooit mee.")
if st.button("Rapport maken", type="primary"):
    with shell.reported():
        if source == "kies" and not chosen:
            raise projects.ProjectError("Kies minstens één codeur.")
        data = reports.render(store, user, project_id, fmt, scope, coder_ids=chosen,
                              consensus=source == "consensus")
        name = projects.project(store, user, project_id)["name"]
        st.download_button(f"Download {reports.FORMATS[fmt]}", data,
                           file_name=f"{name} - rapport.{fmt}",
                           mime={"docx": "application/vnd.openxmlformats-officedocument."
                                         "wordprocessingml.document",
                                 "xlsx": "application/vnd.openxmlformats-officedocument."
                                         "spreadsheetml.sheet",
                                 "html": "text/html"}[fmt], on_click="ignore")
