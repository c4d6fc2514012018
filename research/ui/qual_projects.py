"""Projecten: the projects you are a member of; members, blind coding, export, the pseudonym key."""

import pandas as pd
import streamlit as st

from research import accounts
from research.qual import coders, documents, exchange, projects, pseudonyms
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
    hide_index=True, width="stretch", placeholder="—")

by_id = {p["id"]: p for p in mine}
project_id = st.selectbox("Project openen", list(by_id), format_func=lambda i: by_id[i]["name"],
                          placeholder="Kies een optie")
project = by_id[project_id]
if project["description"]:
    st.text(project["description"])

docs_tab, members_tab, settings_tab = st.tabs(["Documenten", "Leden", "Instellingen en export"])

with docs_tab:
    docs = documents.documents(store, user, project_id)
    if not docs:
        st.info("Dit project heeft nog geen documenten. Importeer ze op de pagina Importeren.")
    else:
        st.dataframe(pd.DataFrame(docs).assign(
            kind=lambda t: t["kind"].map(documents.DOCUMENT_KINDS),
            pseudonymised=lambda t: t["pseudonymised"].map({1: "ja", 0: "nee"}))[
            ["name", "kind", "held_on", "speakers", "characters", "codings", "pseudonymised"]]
            .rename(columns={"name": "Document", "kind": "Soort", "held_on": "Datum",
                             "speakers": "Sprekers", "characters": "Tekens",
                             "codings": "Coderingen", "pseudonymised": "Gepseudonimiseerd"}),
            hide_index=True, width="stretch", placeholder="—")
        st.caption("Lees en codeer de documenten op de pagina Coderen.")

with members_tab:
    st.dataframe(pd.DataFrame(projects.members(store, user, project_id),
                              columns=["username", "display_name", "role"])
                 .assign(role=lambda t: t["role"].map(projects.MEMBER_ROLES))
                 .rename(columns={"username": "Gebruikersnaam", "display_name": "Naam",
                                  "role": "Rol"}),
                 hide_index=True, width="stretch", placeholder="—")
    imported = coders.project_coders(store, user, project_id)
    if imported:
        st.caption("Codeurs zonder login: de codeurs van een geïmporteerd REFI-QDA-project. Hun "
                   "coderingen tellen mee bij overeenstemming en rapporten; een beheerder kan "
                   "ze onder Beheer › Gebruikers aan een account koppelen.")
        st.dataframe(pd.DataFrame(imported)[["username", "codings"]].rename(
            columns={"username": "Codeur zonder login", "codings": "Coderingen"}),
            hide_index=True, width="stretch", placeholder="—")
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

with settings_tab:
    lead = projects.is_lead(store, user, project_id)
    blind = bool(projects.project(store, user, project_id)["blind"])
    wanted = st.toggle("Blind coderen: codeurs zien alleen hun eigen coderingen (de "
                       "projectleider ziet alles, voor de vergelijking)", value=blind,
                       disabled=not lead)
    if wanted != blind:
        with shell.reported():
            projects.set_blind(store, user, project_id, wanted)
            st.rerun()
    # Built (and its export logged) only when clicked: looking at this tab exports nothing.
    problems = exchange.export_problems(store, user, project_id)
    for problem in problems:
        st.error(shell.plain(problem))
    st.download_button("Exporteren als REFI-QDA (.qdpx)",
                       lambda: exchange.qdpx_bytes(store, user, project_id),
                       file_name=f"{project['name']}.qdpx", mime="application/zip",
                       disabled=bool(problems), on_click="ignore",
                       help="Voor ATLAS.ti, NVivo, MAXQDA en QualCoder. De sleutel van "
                            "de pseudoniemen gaat nooit mee.")
    if exchange.export_scope(store, user, project_id) == "eigen coderingen":
        st.caption("Blind coderen: de export bevat alleen jouw eigen coderingen. De "
                   "projectleider exporteert die van alle codeurs.")
    if lead:
        st.subheader("Sleutel van de pseudoniemen")
        st.caption("Alleen de projectleider en beheerders zien de sleutel; elke keer dat je "
                   "hem opent, staat in het auditlog. Verwijder hem om de gegevens anoniem "
                   "te maken.")
        missing = pseudonyms.missing_from_key(store, user, project_id)
        if missing:
            st.warning(shell.plain(
                f"De sleutel mist {shell.count(len(missing), 'pseudoniem', 'pseudoniemen')} "
                f"die in documenten staan ({', '.join(missing[:8])}"
                f"{' …' if len(missing) > 8 else ''}): de sleutel is verwijderd of de database "
                "komt uit een andere back-up dan de sleutel. Nieuwe pseudoniemen krijgen nooit "
                "een nummer dat al in een document staat."))
        if st.toggle("Sleutel tonen"):
            entries = pseudonyms.key_entries(store, user, project_id)
            st.dataframe(pd.DataFrame(entries, columns=["original", "kind", "pseudonym"])
                         .rename(columns={"original": "Origineel", "kind": "Soort",
                                          "pseudonym": "Pseudoniem"}),
                         hide_index=True, width="stretch", placeholder="—")
        confirm = st.checkbox("Ik begrijp dat de koppeling naar de echte namen dan voorgoed weg is")
        if st.button("Sleutel verwijderen", disabled=not confirm, icon=":material/key_off:"):
            with shell.reported():
                gone = pseudonyms.delete_key(store, user, project_id)
                st.success(f"{shell.count(gone, 'koppeling', 'koppelingen')} verwijderd; de "
                           "gegevens van dit project zijn nu anoniem.")
