"""Kwalitatief: the projects you are a member of, their documents, codes and coded passages."""

import pandas as pd
import streamlit as st

from research import accounts
from research.qual import codebook, codings, documents, projects
from research.ui import shell

store, user = shell.guard("qual.read")
st.title("Projecten")

if accounts.can(user, "qual.write"):
    with st.expander("Nieuw project", icon=":material/add:"):
        with st.form("new_project", clear_on_submit=True):
            name = st.text_input("Naam van het project")
            description = st.text_area("Omschrijving")
            if st.form_submit_button("Project aanmaken"):
                with shell.reported():
                    projects.create_project(store, user, name, description)
                    st.success("Project aangemaakt; jij bent de projectleider.")

mine = projects.list_projects(store, user)
if not mine:
    st.info("Je bent nog geen lid van een project. Vraag de projectleider om je toe te voegen.")
    st.stop()

st.dataframe(
    pd.DataFrame(mine)[["name", "documents", "codes", "codings", "members"]].rename(columns={
        "name": "Project", "documents": "Documenten", "codes": "Codes",
        "codings": "Gecodeerde fragmenten", "members": "Leden"}),
    hide_index=True, width="stretch")

by_id = {p["id"]: p for p in mine}
project_id = st.selectbox("Project openen", list(by_id), format_func=lambda i: by_id[i]["name"])
project = by_id[project_id]
if project["description"]:
    st.text(project["description"])

docs_tab, codes_tab, members_tab = st.tabs(["Documenten", "Codes", "Leden"])

with docs_tab:
    docs = documents.documents(store, user, project_id)
    if not docs:
        st.info("Dit project heeft nog geen documenten.")
    else:
        st.dataframe(pd.DataFrame(docs)[["name", "kind", "held_on", "characters", "codings"]]
                     .rename(columns={"name": "Document", "kind": "Soort", "held_on": "Datum",
                                      "characters": "Tekens", "codings": "Coderingen"}),
                     hide_index=True, width="stretch")
        names = {d["id"]: d["name"] for d in docs}
        doc_id = st.selectbox("Document lezen", list(names), format_func=names.get)
        doc = documents.document(store, user, doc_id)
        rows, offset = [], 0
        coded = codings.codings(store, user, doc_id)
        for line in doc["text"].split("\n"):
            end = offset + len(line)
            here = sorted({c["code"] for c in coded if c["start_pos"] < end and c["end_pos"] > offset})
            if line.strip():
                rows.append({"Tekst": line, "Codes": " · ".join(here)})
            offset = end + 1
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                     column_config={"Tekst": st.column_config.TextColumn(width="large")})

with codes_tab:
    code_rows = codebook.codes(store, user, project_id)
    if code_rows:
        st.dataframe(pd.DataFrame(code_rows)[["name", "description", "passages", "documents"]]
                     .rename(columns={"name": "Code", "description": "Omschrijving",
                                      "passages": "Fragmenten", "documents": "Documenten"}),
                     hide_index=True, width="stretch")
        labels = {c["id"]: c["name"] for c in code_rows}
        code_id = st.selectbox("Fragmenten van code", list(labels), format_func=labels.get)
        found = codings.passages(store, user, code_id)
        st.caption(f"{len(found)} fragmenten")
        st.dataframe(pd.DataFrame(found, columns=["document", "passage"]).rename(
            columns={"document": "Document", "passage": "Fragment"}),
            hide_index=True, width="stretch")
    else:
        st.info("Dit project heeft nog geen codes.")
    if accounts.can(user, "qual.write"):
        with st.form("new_code", clear_on_submit=True):
            st.write("Nieuwe code")
            code_name = st.text_input("Naam van de code")
            colour = st.color_picker("Kleur", "#f2c94c")
            meaning = st.text_input("Omschrijving (definitie)")
            if st.form_submit_button("Code toevoegen"):
                with shell.reported():
                    codebook.add_code(store, user, project_id, code_name, colour, meaning)
                    st.rerun()

with members_tab:
    st.dataframe(pd.DataFrame(projects.members(store, user, project_id),
                              columns=["username", "display_name", "role"])
                 .assign(role=lambda t: t["role"].map(projects.MEMBER_ROLES))
                 .rename(columns={"username": "Gebruikersnaam", "display_name": "Naam",
                                  "role": "Rol"}),
                 hide_index=True, width="stretch")
    if projects.is_lead(store, user, project_id):
        options = {c["id"]: c["display_name"] or c["username"]
                   for c in projects.candidates(store, user, project_id)}
        with st.form("add_member", clear_on_submit=True):
            new_member = st.selectbox("Lid toevoegen", list(options), format_func=options.get,
                                      index=None, placeholder="Kies een account")
            role = st.radio("Rol", list(projects.MEMBER_ROLES), horizontal=True,
                            format_func=projects.MEMBER_ROLES.get, index=1)
            if st.form_submit_button("Toevoegen"):
                with shell.reported():
                    if new_member is None:
                        raise projects.ProjectError("Kies een account.")
                    projects.add_member(store, user, project_id, new_member, role)
                    st.rerun()
