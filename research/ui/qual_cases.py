"""Casussen: the speakers (one case can span documents) and the documents, with typed
attributes edited in a table; cases merged, or split by document."""

import pandas as pd
import streamlit as st

from research.qual import cases, documents, projects
from research.ui import shell, widgets

store, user = shell.guard("qual.read")
st.title("Casussen")
project_id = widgets.pick_project(store, user)
editable = projects.can_write(store, user, project_id)

COLUMN = {"tekst": lambda name, a: st.column_config.TextColumn(name),
          "getal": lambda name, a: st.column_config.NumberColumn(name),
          "datum": lambda name, a: st.column_config.DateColumn(name, format="DD-MM-YYYY"),
          "janee": lambda name, a: st.column_config.SelectboxColumn(name, options=["ja", "nee"]),
          "keuze": lambda name, a: st.column_config.SelectboxColumn(name, options=a["choices"])}


def attribute_table(applies_to: str) -> None:
    """The editable table of attribute values for cases or documents."""
    attrs = cases.attributes(store, user, project_id, applies_to)
    rows = cases.values_table(store, user, project_id, applies_to)
    if not rows:
        st.info("Nog niets om kenmerken aan te geven.")
        return
    table = pd.DataFrame(rows)
    for attr in attrs:
        if attr["type"] == "getal":
            table[attr["name"]] = pd.to_numeric(table[attr["name"]])
        elif attr["type"] == "datum":
            table[attr["name"]] = pd.to_datetime(table[attr["name"]]).dt.date
    config = {"id": None, "name": st.column_config.TextColumn("Naam", disabled=True),
              **{a["name"]: COLUMN[a["type"]](a["name"], a) for a in attrs}}
    edited = st.data_editor(table, hide_index=True, width="stretch", column_config=config,
                            disabled=not editable, key=f"values_{applies_to}", placeholder="")
    if editable and attrs and st.button("Kenmerken opslaan", key=f"save_{applies_to}"):
        with shell.reported():
            changed = cases.set_values(store, user, project_id, applies_to,
                                       edited.astype(object).where(edited.notna(), None)
                                       .to_dict("records"))
            st.success(f"{shell.count(changed, 'waarde', 'waarden')} opgeslagen.")
    if editable:
        with st.form(f"new_attribute_{applies_to}", clear_on_submit=True):
            st.write("Nieuw kenmerk")
            name = st.text_input("Naam van het kenmerk")
            type_ = st.selectbox("Type", list(cases.TYPES), format_func=cases.TYPES.get,
                                 placeholder="Kies een optie")
            choices = st.text_input("Keuzes (bij een keuzelijst), gescheiden door komma's")
            if st.form_submit_button("Kenmerk toevoegen"):
                with shell.reported():
                    cases.add_attribute(store, user, project_id, applies_to, name, type_,
                                        choices.split(","))
                    st.rerun()


case_tab, document_tab = st.tabs(["Casussen (sprekers)", "Documenten"])
with case_tab:
    listed = cases.cases(store, user, project_id)
    if listed:
        st.dataframe(pd.DataFrame(listed)[["name", "documents", "turns"]].rename(columns={
            "name": "Casus", "documents": "Documenten", "turns": "Beurten"}),
            hide_index=True, width="stretch", placeholder="—")
    attribute_table("case")
    if editable and len(listed) >= 2:
        names = {c["id"]: c["name"] for c in listed}
        with st.form("merge_cases"):
            st.write("Samenvoegen (dezelfde deelnemer onder twee namen)")
            source = st.selectbox("Casus", list(names), format_func=names.get,
                                  placeholder="Kies een optie")
            target = st.selectbox("gaat op in", list(names), format_func=names.get, index=1,
                                  placeholder="Kies een optie")
            if st.form_submit_button("Samenvoegen"):
                with shell.reported():
                    cases.merge_cases(store, user, source, target)
                    st.rerun()
    spread = {c["id"]: f"{c['name']} ({c['documents']} documenten)" for c in listed
              if c["documents"] >= 2}
    if editable and spread:
        with st.form("split_case"):
            st.write("Splitsen per document (dezelfde naam, maar in elk document iemand anders)")
            chosen = st.selectbox("Casus", list(spread), format_func=spread.get,
                                  placeholder="Kies een optie")
            if st.form_submit_button("Splitsen"):
                with shell.reported():
                    made = cases.split_case(store, user, chosen)
                    st.session_state["cases_done"] = (
                        f"Gesplitst in {shell.count(len(made), 'casus', 'casussen')}.")
                    st.rerun()
    if "cases_done" in st.session_state:
        st.success(st.session_state.pop("cases_done"))
with document_tab:
    attribute_table("document")
    if editable:
        docs = documents.documents(store, user, project_id)
        order = pd.DataFrame({"id": [d["id"] for d in docs], "Document": [d["name"] for d in docs],
                              "Volgorde": [d["position"] for d in docs]})
        st.caption("Eigen volgorde van de documenten (voor verzadiging, als er geen datum is): "
                   "geef elk document een nummer.")
        changed = st.data_editor(order, hide_index=True, disabled=["Document"],
                                 column_config={"id": None}, key="document_order", placeholder="")
        if st.button("Volgorde opslaan"):
            with shell.reported():
                ranked = changed.sort_values(["Volgorde", "Document"])
                documents.reorder(store, user, project_id, [int(i) for i in ranked["id"]])
                st.success("Volgorde opgeslagen.")
