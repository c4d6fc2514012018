"""Vergelijken: co-occurrence of codes (every cell opens its passages), codes by case and by
case attribute, codes per document, and saturation over the interviews."""

import pandas as pd
import streamlit as st

from research.qual import cases, charts, codings, comparison, saturation
from research.ui import shell, widgets

store, user = shell.guard("qual.read")
st.title("Vergelijken")
project_id = widgets.pick_project(store, user)

co_tab, case_tab, doc_tab, sat_tab = st.tabs(
    ["Samen voorkomen", "Codes per casus", "Codes per document", "Verzadiging"])

with co_tab:
    columns = st.columns([2, 1, 1])
    mode = columns[0].radio("Tellen als", list(comparison.MODES),
                            format_func=comparison.MODES.get, horizontal=True)
    window = columns[1].number_input("N zinnen", 1, 20, 1, disabled=mode != "zinnen")
    measure = columns[2].radio("Toon", ["aantal", "coëfficiënt"], horizontal=True)
    result = comparison.cooccurrence(store, user, project_id, mode, window=int(window))
    names = [c["name"] for c in result["codes"]]
    if not names:
        st.info("Nog geen coderingen.")
    else:
        values = result["counts"] if measure == "aantal" else [
            [shell.number(v, 2) for v in line] for line in result["coefficient"]]
        st.caption("Op de diagonaal: hoe vaak de code zelf voorkomt (in dezelfde eenheden). "
                   "Klik een cel aan voor de fragmenten.")
        picked = st.dataframe(pd.DataFrame(values, index=names, columns=names),
                              width="stretch", on_select="rerun", selection_mode="single-cell",
                              key="cooccurrence", placeholder="—")
        cells = picked.selection.cells if picked else []
        if cells:
            row, column = cells[0]
            code_a = result["codes"][row]["id"]
            code_b = next(c["id"] for c in result["codes"] if c["name"] == column)
            # One click opens the cell: a pair's shared passages, or on the diagonal the
            # code's own passages.
            if code_a != code_b:
                found = comparison.cooccurring_passages(store, user, project_id, code_a,
                                                        code_b, mode, window=int(window))
                heading = f"{shell.plain(names[row])} en {shell.plain(column)}"
            else:
                found = codings.passages(store, user, code_a)
                heading = shell.plain(names[row])
            st.subheader(f"{heading}: {shell.count(len(found), 'fragment', 'fragmenten')}")
            if not found:
                st.caption("Geen fragmenten waarin beide codes samen voorkomen.")
            for passage in found[:200]:
                with st.container(border=True):
                    st.caption(shell.plain(passage["document"]))
                    st.text(passage["passage"])

with case_tab:
    attributes = [a["name"] for a in cases.attributes(store, user, project_id, "case")]
    by = st.selectbox("Per", [None, *attributes], format_func=lambda a: (
        "Casus (spreker)" if a is None else f"Kenmerk: {a}"), placeholder="Kies een optie")
    if by is None:
        table = comparison.code_by_case(store, user, project_id)
        st.dataframe(pd.DataFrame(table["counts"], index=[c["name"] for c in table["codes"]],
                                  columns=[c["name"] for c in table["cases"]]), width="stretch",
                     placeholder="—")
    else:
        table = comparison.code_by_attribute(store, user, project_id, by)
        share = st.toggle("Aandeel casussen (in plaats van aantal fragmenten)")
        shown = (lambda row, v: shell.percent(row[v]["share"])) if share else \
            (lambda row, v: row[v]["codings"])
        st.dataframe(pd.DataFrame(
            [[shown(row, v) for v in table["values"]] for row in table["rows"]],
            index=[row["code"] for row in table["rows"]],
            columns=[f"{v} (n={table['sizes'][v]})" for v in table["values"]]),
            width="stretch", placeholder="—")

with doc_tab:
    table = comparison.frequencies_by_document(store, user, project_id)
    st.dataframe(pd.DataFrame(table["counts"], index=[c["name"] for c in table["codes"]],
                              columns=[d["name"] for d in table["documents"]]), width="stretch",
                 placeholder="—")

with sat_tab:
    sat_columns = st.columns(3)
    base = sat_columns[0].number_input("Basis (eerste interviews)", 1, 50, 4)
    run = sat_columns[1].number_input("Run (volgende interviews)", 1, 20, 2)
    threshold = sat_columns[2].number_input("Drempel nieuwe informatie (%)", 0, 50, 5)
    order = st.radio("Volgorde van de interviews", list(saturation.ORDERS),
                     format_func=saturation.ORDERS.get, horizontal=True)
    points = saturation.curve(store, user, project_id, order=order)
    verdict = saturation.assess(points, base=int(base), run=int(run),
                                threshold=threshold / 100)
    (st.success if verdict["reached"] else st.info)(shell.plain(verdict["statement"]))
    if points:
        st.plotly_chart(charts.saturation_figure(points, verdict), width="stretch")
        st.download_button("Grafiek als afbeelding (PNG)",
                           lambda: charts.saturation_png(points),
                           file_name="verzadiging.png", mime="image/png",
                           on_click="ignore")
        st.dataframe(pd.DataFrame([{"Document": p["document"],
                                    "Datum": shell.dutch_date(p["held_on"]) or shell.NO_VALUE,
                                    "Nieuwe codes": ", ".join(p["new_codes"]),
                                    "Nieuw": p["new"], "Totaal": p["cumulative"]}
                                   for p in points]), hide_index=True, width="stretch",
                     placeholder="—")
    st.caption("Methode: Guest, Namey & Chen (2020), A simple method to assess and report "
               "thematic saturation in qualitative research, PLoS ONE 15(5).")
