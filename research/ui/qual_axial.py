"""Axiaal en selectief: stages and paradigm roles of codes, relations grounded in passages, the
paradigm board, the network, the core category with its storyline, and the model exported."""

import pandas as pd
import streamlit as st

from research.qual import axial, charts, codebook, codings, paradigm, projects
from research.ui import shell, widgets

store, user = shell.guard("qual.read")
st.title("Axiaal en selectief")
project_id = widgets.pick_project(store, user)
editable = projects.can_write(store, user, project_id)
codes = codebook.codes(store, user, project_id)
if not codes:
    st.info("Dit project heeft nog geen codes.")
    st.stop()
names = {c["id"]: c["name"] for c in codes}
roles = paradigm.roles()

stage_tab, relation_tab, board_tab, network_tab, core_tab = st.tabs(
    ["Fasen en rollen", "Relaties", "Paradigmabord", "Netwerk", "Kerncategorie"])

with stage_tab:
    st.caption("Geef per code de fase en, als je het paradigmamodel gebruikt, de rol. Een rol "
               "is een hulpmiddel, geen verplichting.")
    table = pd.DataFrame([{"id": c["id"], "Code": c["name"], "Fase": c["stage"],
                           "Rol": c["paradigm_role"] or "", "Fragmenten": c["passages"]}
                          for c in codes])
    edited = st.data_editor(
        table, hide_index=True, width="stretch",
        disabled=["Code", "Fragmenten"] if editable else True,
        column_config={"id": None,
                       "Fase": st.column_config.SelectboxColumn(options=list(paradigm.STAGES)),
                       "Rol": st.column_config.SelectboxColumn(options=["", *roles])},
        key="stages", placeholder="")
    if editable and st.button("Fasen en rollen opslaan"):
        with shell.reported():
            for before, after in zip(table.to_dict("records"), edited.to_dict("records"),
                                     strict=True):
                if (before["Fase"], before["Rol"]) != (after["Fase"], after["Rol"]):
                    codebook.update_code(store, user, after["id"], stage=after["Fase"],
                                         paradigm_role=after["Rol"] or None)
            st.rerun()
    st.caption("Fasen: " + ", ".join(f"{k} = {v}" for k, v in paradigm.STAGES.items())
               + ". Rollen: " + ", ".join(f"{k} = {v}" for k, v in roles.items()) + ".")

with relation_tab:
    types = axial.relation_types(store, user, project_id)
    type_names = {t["id"]: t["name"] for t in types}
    listed = axial.relations(store, user, project_id)
    if listed:
        st.dataframe(pd.DataFrame(listed)[["source", "type", "target", "passages", "memo"]]
                     .fillna("")
                     .rename(columns={"source": "Van", "type": "Relatie", "target": "Naar",
                                      "passages": "Fragmenten", "memo": "Memo"}),
                     hide_index=True, width="stretch", placeholder="—")
    if editable:
        st.subheader("Nieuwe relatie")
        columns = st.columns(3)
        source = columns[0].selectbox("Code", list(names), format_func=names.get,
                                      key="relation_source", placeholder="Kies een optie")
        type_id = columns[1].selectbox("Relatie", list(type_names), format_func=type_names.get,
                                       placeholder="Kies een optie")
        target = columns[2].selectbox("Met code", [i for i in names if i != source],
                                      format_func=names.get, key="relation_target",
                                      placeholder="Kies een optie")
        grounds = {p["id"]: f"{names[code]}: {p['document']}: {p['passage'][:90]}"
                   for code in (source, target)
                   for p in codings.passages(store, user, code)}
        with st.form("new_relation", clear_on_submit=True):
            memo = st.text_area("Memo bij de relatie")
            chosen = st.multiselect("Fragmenten die de relatie onderbouwen", list(grounds),
                                    format_func=grounds.get, placeholder="Kies een of meer opties",
                                    select_all=False)
            if st.form_submit_button("Relatie opslaan", type="primary"):
                with shell.reported():
                    axial.add_relation(store, user, source, target, type_id, memo, chosen)
                    st.rerun()
        if listed:
            labels = {r["id"]: f"{r['source']} {r['type']} {r['target']}" for r in listed}
            gone = st.selectbox("Relatie verwijderen", list(labels), format_func=labels.get,
                                index=None, placeholder="Kies een relatie")
            if gone is not None and st.button("Verwijderen", icon=":material/delete:"):
                with shell.reported():
                    axial.delete_relation(store, user, gone)
                    st.rerun()
        with st.form("new_relation_type", clear_on_submit=True):
            st.write("Eigen soort relatie")
            type_name = st.text_input("Naam (leest als: code … code)")
            directed = st.checkbox("Gericht (van de ene code naar de andere)", value=True)
            if st.form_submit_button("Soort relatie toevoegen"):
                with shell.reported():
                    axial.add_relation_type(store, user, project_id, type_name, directed)
                    st.rerun()

with board_tab:
    phenomena = [c["id"] for c in codes if c["paradigm_role"] == "fenomeen"] or list(names)
    phenomenon = st.selectbox("Fenomeen", phenomena, format_func=names.get,
                              placeholder="Kies een optie")
    board = axial.paradigm_board(store, user, phenomenon)
    slots = list(board)
    for row in (slots[:3], slots[3:]):
        for column, role in zip(st.columns(3), row, strict=False):
            with column.container(border=True):
                st.markdown(f"**{roles[role]}**")
                for code in board[role]:
                    st.text(f"{code['name']} ({code['via'] or 'rol, nog geen relatie'})")
                if not board[role]:
                    st.caption("Nog leeg")
    st.caption(f"In het midden: {shell.plain(names[phenomenon])}. Een code met een rol staat "
               "in haar vak, ook zonder relatie; leg met relaties als 'is oorzaak van' of 'is "
               "strategie voor' vast hoe ze met het fenomeen samenhangt.")

with network_tab:
    net = axial.network(store, user, project_id)
    only_connected = st.toggle("Alleen codes met relaties", value=True)
    st.plotly_chart(charts.network_figure(net, only_connected), width="stretch")
    st.dataframe(pd.DataFrame(net["nodes"])[["name", "stage", "groundedness", "density"]]
                 .rename(columns={"name": "Code", "stage": "Fase",
                                  "groundedness": "Fragmenten", "density": "Relaties"}),
                 hide_index=True, width="stretch", placeholder="—")

with core_tab:
    project = projects.project(store, user, project_id)
    options = [None, *names]
    core = st.selectbox("Kerncategorie", options, format_func=lambda i: (
        "— nog niet gekozen" if i is None else names[i]),
        index=options.index(project["core_code_id"]) if project["core_code_id"] in names else 0,
        disabled=not editable, placeholder="Kies een optie")
    if editable and core != project["core_code_id"]:
        with shell.reported():
            axial.set_core(store, user, project_id, core)
            st.rerun()
    missing = axial.unconnected_to_core(store, user, project_id)
    if missing:
        st.warning("Niet (via relaties) verbonden met de kerncategorie: "
                   + ", ".join(shell.plain(r["name"]) for r in missing))
    elif core is not None:
        st.success("Alle axiale categorieën zijn met de kerncategorie verbonden.")
    with st.form("storyline"):
        story = st.text_area("Verhaallijn (markdown)", value=project["storyline"], height=200,
                             disabled=not editable)
        if st.form_submit_button("Verhaallijn opslaan", disabled=not editable):
            with shell.reported():
                axial.set_storyline(store, user, project_id, story)
                st.success("Verhaallijn opgeslagen.")
    st.download_button("Model als tekst", axial.model_text(store, user, project_id),
                       file_name=f"{project['name']} - model.txt", mime="text/plain",
                       on_click="ignore")
    model = axial.network(store, user, project_id)
    st.download_button("Model als afbeelding (PNG)", lambda: charts.network_png(model),
                       file_name=f"{project['name']} - model.png", mime="image/png",
                       on_click="ignore")
