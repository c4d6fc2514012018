"""Codeboek: codes in a tree with definitions and criteria; rename, move, merge, split, delete;
code sets; the codebook saved and loaded as YAML (codebooks/) or REFI .qdc."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from research.config import CODEBOOKS_DIR
from research.qual import codebook, codings, exchange, projects
from research.ui import shell, widgets

store, user = shell.guard("qual.read")
st.title("Codeboek")
project_id = widgets.pick_project(store, user)
editable = projects.can_write(store, user, project_id)
codes = codebook.codes(store, user, project_id,
                       coders=codings.visible_coders(store, user, project_id))
labels = {c["id"]: "  " * c["depth"] + c["name"] for c in codes}

if codes:
    st.dataframe(pd.DataFrame([{
        "Code": "\u2003" * c["depth"] + c["name"], "Kleur": c["colour"],
        "Definitie": c["description"], "Fragmenten": c["passages"],
        "Documenten": c["documents"]} for c in codes]),
        hide_index=True, width="stretch",
        column_config={"Definitie": st.column_config.TextColumn(width="large")}, placeholder="—")
else:
    st.info("Nog geen codes. Maak ze hieronder, codeer op de pagina Coderen, of laad een "
            "codeboek.")

if editable:
    edit_tab, merge_tab, split_tab, sets_tab, files_tab = st.tabs(
        ["Code maken of wijzigen", "Samenvoegen", "Splitsen", "Codesets", "Opslaan en laden"])

    with edit_tab:
        code_id = st.selectbox("Code om te wijzigen", [None, *labels], format_func=lambda i: (
            "Nieuwe code" if i is None else labels[i]), placeholder="Kies een optie")
        current = next((c for c in codes if c["id"] == code_id), None) or {}
        with st.form(f"code_form_{code_id}"):
            name = st.text_input("Naam", value=current.get("name", ""))
            colour = st.color_picker("Kleur", value=current.get("colour") or
                                     codebook.next_colour(store, project_id))
            parents = [None, *[i for i in labels if i != code_id]]
            parent = st.selectbox("Valt onder", parents, format_func=lambda i: (
                "— (hoofdcode)" if i is None else labels[i]),
                index=parents.index(current.get("parent_id")), placeholder="Kies een optie")
            description = st.text_area("Definitie", value=current.get("description", ""))
            inclusion = st.text_area("Wanneer wel (insluiten)", value=current.get("inclusion", ""))
            exclusion = st.text_area("Wanneer niet (uitsluiten)",
                                     value=current.get("exclusion", ""))
            example = st.text_area("Voorbeeld", value=current.get("example", ""))
            if st.form_submit_button("Opslaan", type="primary"):
                with shell.reported():
                    fields = {"description": description, "inclusion": inclusion,
                              "exclusion": exclusion, "example": example}
                    if code_id is None:
                        codebook.add_code(store, user, project_id, name, colour,
                                          parent_id=parent, **fields)
                    else:
                        codebook.update_code(store, user, code_id, name=name, colour=colour,
                                             parent_id=parent, **fields)
                    st.rerun()
        if code_id is not None:
            impact = codebook.delete_impact(store, user, code_id)
            confirm = st.checkbox(
                "Ik wil deze code verwijderen, met "
                + shell.count(impact["codings"], "fragment", "fragmenten") + " en "
                + shell.count(impact["memos"], "memo", "memo's")
                + " (subcodes schuiven een niveau op)")
            if st.button("Code verwijderen", disabled=not confirm, icon=":material/delete:"):
                with shell.reported():
                    codebook.delete_code(store, user, code_id)
                    st.rerun()

    with merge_tab:
        if len(labels) >= 2:
            source = st.selectbox("Voeg deze code", list(labels), format_func=labels.get,
                                  key="merge_source", placeholder="Kies een optie")
            target = st.selectbox("samen met", [i for i in labels if i != source],
                                  format_func=labels.get, key="merge_target",
                                  placeholder="Kies een optie")
            if st.button("Samenvoegen"):
                with shell.reported():
                    moved = codebook.merge_codes(store, user, source, target)
                    st.success(f"{shell.count(moved, 'fragment', 'fragmenten')} verplaatst.")
                    st.rerun()

    with split_tab:
        if labels:
            split_id = st.selectbox("Code om te splitsen", list(labels), format_func=labels.get,
                                    key="split_code", placeholder="Kies een optie")
            found = codings.passages(store, user, split_id)
            chosen = st.multiselect(
                "Fragmenten die naar de nieuwe code gaan", [p["id"] for p in found],
                format_func={p["id"]: f"{p['document']}: {p['passage'][:80]}"
                             for p in found}.get, placeholder="Kies een of meer opties",
                select_all=False)
            new_name = st.text_input("Naam van de nieuwe code", key="split_name")
            if st.button("Splitsen"):
                with shell.reported():
                    codebook.split_code(store, user, split_id, chosen, new_name)
                    st.rerun()

    with sets_tab:
        sets = codebook.code_sets(store, user, project_id)
        names = {s["id"]: s["name"] for s in sets}
        set_id = st.selectbox("Codeset", [None, *names], format_func=lambda i: (
            "Nieuwe codeset" if i is None else names[i]), placeholder="Kies een optie")
        current_set = next((s for s in sets if s["id"] == set_id), None)
        with st.form(f"set_form_{set_id}"):
            set_name = st.text_input("Naam", value=current_set["name"] if current_set else "")
            members = st.multiselect("Codes", list(labels), format_func=labels.get,
                                     default=current_set["codes"] if current_set else [],
                                     placeholder="Kies een of meer opties", select_all=False)
            if st.form_submit_button("Codeset opslaan"):
                with shell.reported():
                    codebook.save_code_set(store, user, project_id, set_name, members,
                                           set_id=set_id)
                    st.rerun()

    with files_tab:
        name = projects.project(store, user, project_id)["name"]
        st.download_button("Codeboek als YAML", codebook.to_yaml(store, user, project_id),
                           file_name=f"{name}.yaml", mime="application/x-yaml",
                           on_click="ignore")
        if codes:
            st.download_button("Codeboek als REFI-QDA (.qdc)",
                               lambda: exchange.qdc_bytes(store, user, project_id),
                               file_name=f"{name}.qdc", mime="application/xml",
                               on_click="ignore")
        shipped = sorted(CODEBOOKS_DIR.glob("codeboek_*.yaml"))
        choice = st.selectbox("Codeboek uit codebooks/", [p.name for p in shipped],
                              index=None, placeholder="Kies een bestand")
        if choice and st.button("Codes uit dit codeboek toevoegen"):
            with shell.reported():
                flat, code_sets = codebook.read_yaml_file(CODEBOOKS_DIR / choice)
                added = codebook.load_codes(store, user, project_id, flat, code_sets)
                st.success(shell.count(added["codes"], "code", "codes") + " toegevoegd, "
                           f"{added['skipped']} bestonden al.")
        upload = st.file_uploader("Of laad een codeboek (.yaml of .qdc)", type=["yaml", "yml",
                                                                               "qdc"])
        if upload is not None and st.button("Codeboek laden"):
            with shell.reported():
                if upload.name.lower().endswith(".qdc"):
                    with tempfile.TemporaryDirectory() as folder:
                        path = Path(folder) / Path(upload.name).name
                        path.write_bytes(upload.getvalue())
                        result = exchange.import_qdc(store, user, project_id, path)
                    st.success(shell.count(result["codes"], "code", "codes") + " toegevoegd.")
                    for warning in result["warnings"]:
                        st.warning(shell.plain(warning))
                else:
                    flat, code_sets = codebook.read_yaml_bytes(upload.getvalue(), upload.name)
                    added = codebook.load_codes(store, user, project_id, flat, code_sets)
                    st.success(shell.count(added["codes"], "code", "codes") + " toegevoegd, "
                               f"{added['skipped']} bestonden al.")
