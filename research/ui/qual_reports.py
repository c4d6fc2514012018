"""Rapporten: a code, a category or the whole codebook as Word, Excel or a web page."""

import streamlit as st

from research.qual import codebook, projects, reports
from research.ui import shell, widgets

store, user = shell.guard("qual.read")
st.title("Rapporten")
project_id = widgets.pick_project(store, user)
codes = codebook.codes(store, user, project_id)
labels = {c["id"]: "  " * c["depth"] + c["name"] for c in codes}
scope = st.selectbox("Waarover", [None, *labels], format_func=lambda i: (
    "Het hele codeboek (met het model)" if i is None else f"{labels[i]} (met subcodes)"))
fmt = st.radio("Formaat", list(reports.FORMATS), format_func=reports.FORMATS.get,
               horizontal=True)
st.caption("Met definities, aantallen en citaten; sprekers onder hun pseudoniem met hun "
           "kenmerken. De sleutel van de pseudoniemen gaat nooit mee.")
if st.button("Rapport maken", type="primary"):
    with shell.reported():
        data = reports.render(store, user, project_id, fmt, scope)
        name = projects.project(store, user, project_id)["name"]
        st.download_button(f"Download {reports.FORMATS[fmt]}", data,
                           file_name=f"{name} - rapport.{fmt}",
                           mime={"docx": "application/vnd.openxmlformats-officedocument."
                                         "wordprocessingml.document",
                                 "xlsx": "application/vnd.openxmlformats-officedocument."
                                         "spreadsheetml.sheet",
                                 "html": "text/html"}[fmt], on_click="ignore")
