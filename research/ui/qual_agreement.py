"""Overeenstemming: agreement between coders (percent, Cohen's kappa, Krippendorff's alpha with
95% intervals) and the units where they differ, settled by the team."""

import pandas as pd
import streamlit as st

from research import worker
from research.qual import codebook, codings, documents, intercoder, projects
from research.ui import shell, widgets

store, user = shell.guard("qual.read")


def agreement_needs(blind: bool, lead: bool) -> str:
    """Why there is nothing to compare yet, and what applies to this user."""
    if blind and not lead:
        return ("Dit project codeert blind: je ziet alleen je eigen coderingen. De "
                "projectleider vergelijkt de codeurs hier zodra minstens twee leden "
                "hetzelfde document hebben gecodeerd.")
    if blind:
        return ("Blind coderen staat aan. Zodra minstens twee leden hetzelfde document "
                "hebben gecodeerd, vergelijk je hun coderingen hier.")
    return ("Overeenstemming vraagt om minstens twee codeurs die in dit project hebben "
            "gecodeerd. Zet onder Projecten *Blind coderen* aan en laat twee leden hetzelfde "
            "document coderen.")


st.title("Overeenstemming")
project_id = widgets.pick_project(store, user)
coders = {r["id"]: codings.coder_label(r) for r in codings.coders(store, user, project_id)}
if len(coders) < 2:
    st.info(agreement_needs(bool(projects.project(store, user, project_id)["blind"]),
                            projects.is_lead(store, user, project_id)))
    st.stop()
docs = {d["id"]: d["name"] for d in documents.documents(store, user, project_id)}
codes = codebook.labels(codebook.code_tree(store, user, project_id))
sets = {s["id"]: s["name"] for s in codebook.code_sets(store, user, project_id)}

columns = st.columns(2)
chosen_coders = columns[0].multiselect("Codeurs", list(coders), format_func=coders.get,
                                       default=list(coders)[:2],
                                       placeholder="Kies een of meer opties", select_all=False)
unit = columns[1].radio("Eenheid", list(intercoder.UNITS), format_func=intercoder.UNITS.get,
                        horizontal=True)
groups = {g["id"]: g for g in documents.document_sets(store, user, project_id)}
group = st.selectbox("Documentgroep", [None, *groups], format_func=lambda g: (
    "Geen groep: kies documenten" if g is None else groups[g]["name"]),
                     placeholder="Kies een optie") if groups else None
if group is None:
    chosen_docs = st.multiselect("Documenten", list(docs), format_func=docs.get,
                                 placeholder="Alle documenten", select_all=False)
else:
    chosen_docs = groups[group]["documents"]
    st.caption(", ".join(shell.plain(docs[d]) for d in chosen_docs))
which = st.radio("Codes", ["alle", "kies", "set"], horizontal=True,
                 format_func={"alle": "Alle codes", "kies": "Gekozen codes",
                              "set": "Een codeset (codes sluiten elkaar uit)"}.get)
chosen_codes = st.multiselect("Welke codes", list(codes), format_func=codes.get,
                              placeholder="Kies een of meer opties", select_all=False) \
    if which == "kies" else None
chosen_set = st.selectbox("Codeset", list(sets), format_func=sets.get,
                          placeholder="Kies een optie") \
    if which == "set" and sets else None


def row(name: str, stats: dict | None) -> dict:
    """One line of the results table: numbers, so that a column sorts as numbers."""
    stats = stats or {}
    low, high = stats.get("alpha_ci") or (None, None)
    return {"Code": name, "Eenheden": stats.get("n_units"),
            "% overeenstemming": stats.get("percent_agreement"),
            "% zonder ongecodeerd": stats.get("percent_agreement_coded"),
            "Cohens kappa": stats.get("cohen_kappa"),
            "Krippendorffs alfa": stats.get("krippendorff_alpha"),
            "95%-interval": shell.NO_VALUE if low is None else
            f"{shell.number(low)} – {shell.number(high)}"}


# Shown in the browser's language (Dutch: '88,6%', '0,886'); numbers, not text, so that a
# click on a heading sorts 9% below 88%.
PERCENT = st.column_config.NumberColumn(format="percent", step=0.001)
DECIMAL = st.column_config.NumberColumn(format="localized", step=0.001)
COLUMNS = {"% overeenstemming": PERCENT, "% zonder ongecodeerd": PERCENT,
           "Cohens kappa": DECIMAL, "Krippendorffs alfa": DECIMAL}


with shell.reported():
    # In the worker: at scale L this takes seconds that must not slow other sessions.
    result = worker.COMPUTE.run(
        intercoder.compare, store, user, project_id, coder_ids=chosen_coders, unit=unit,
        document_ids=chosen_docs or None, code_ids=chosen_codes, set_id=chosen_set)
    rows = [row(name, stats) for name, stats in result["per_code"].items()]
    rows.append(row("Alle codes samen", result["pooled"]))
    if which == "set" and result["nominal"]:
        rows.append(row("Codeset (nominaal)", result["nominal"]))
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", placeholder="—",
                 column_config=COLUMNS)
    st.caption("Een codeur die een document niet heeft gecodeerd, telt daar als ontbrekend. "
               "Kappa alleen bij twee codeurs; het interval is een bootstrap over eenheden.")

    st.subheader("Verschillen bespreken")
    code_id = st.selectbox("Code", list(codes), format_func=codes.get, key="disagree_code",
                           placeholder="Kies een optie")
    found = worker.COMPUTE.run(
        intercoder.disagreements, store, user, project_id, code_id, coder_ids=chosen_coders,
        unit=unit, document_ids=chosen_docs or None)
    st.caption(shell.count(len(found), "eenheid waarop de codeurs verschillen",
                           "eenheden waarop de codeurs verschillen"))
    editable = projects.can_write(store, user, project_id)
    for n, unit_row in enumerate(found[:100]):
        with st.container(border=True):
            st.caption(shell.plain(unit_row["document"]))
            st.text(unit_row["text"])
            cells = st.columns(len(unit_row["coders"]))
            for cell, (coder, given) in zip(cells, unit_row["coders"].items(), strict=True):
                cell.write(f"**{shell.plain(coder)}**: "
                           + {True: "gecodeerd", False: "niet gecodeerd",
                              None: "niet beoordeeld"}[given])
            if editable:
                note = st.text_input("Toelichting (memo)", key=f"note_{n}")
                left, right = st.columns(2)
                if left.button("Besluit: wel deze code", key=f"yes_{n}"):
                    intercoder.settle(store, user, unit_row["document_id"], unit_row["start"],
                                      unit_row["end"], code_id, True, note)
                    st.success("Vastgelegd als consensus.")
                if right.button("Besluit: niet deze code", key=f"no_{n}"):
                    intercoder.settle(store, user, unit_row["document_id"], unit_row["start"],
                                      unit_row["end"], code_id, False, note)
                    st.success("Vastgelegd als consensus.")
