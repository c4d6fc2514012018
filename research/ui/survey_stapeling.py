"""Monitor: stapeling — where unfavourable scores pile up, per area and per SES group, against
a reference the analyst chooses; and effort (inzet) against need (opgave)."""

from typing import Any

import pandas as pd
import streamlit as st

from research.survey import charts, monitors, stapeling
from research.ui import shell, widgets

store, user = shell.guard("survey.read")
st.title("Stapeling")
st.caption("Per gebied: op hoeveel indicatoren scoort het ongunstig ten opzichte van de "
           "referentie? De kleur houdt rekening met de richting van elke indicator.")

SOURCES = {"monitor": "Gekozen monitor en meting (resultaten per groep)",
           "amsterdam": "Amsterdamse gebieden (gepubliceerde cijfers, 2025)",
           "eigen": "Eigen bestand (CSV met gebieden en metadata)"}
# A monitor chosen on another monitor page carries over: then that one is shown first.
if "stapeling_source" not in st.session_state:
    carried = widgets.chosen_before("monitor")
    st.session_state["stapeling_source"] = "monitor" if carried else "amsterdam"
source = st.radio("Gegevens", list(SOURCES), format_func=SOURCES.get, horizontal=True,
                  key="stapeling_source")
monitor_id = wave = None
breakdown = "region"
if source == "monitor":
    monitor_id = widgets.pick_monitor(store, user)
    wave = widgets.pick_wave(store, user, monitor_id)
    breakdown = widgets.url_choice("Groepen", list(monitors.FRAME_BREAKDOWNS), "groepen",
                                   monitors.FRAME_BREAKDOWNS.get)


def choose_reference(meta: pd.DataFrame, key: str) -> dict:
    """The reference and its settings, chosen by the analyst."""
    reference = st.selectbox("Referentie", list(stapeling.REFERENCES),
                             format_func=stapeling.REFERENCES.get, key=f"reference_{key}",
                             placeholder="Kies een optie")
    settings: dict[str, Any] = {"reference": reference}
    if reference == "given":
        st.caption("Vul per indicator de referentiewaarde in, bijvoorbeeld het stedelijk "
                   "gemiddelde uit de eigen monitor.")
        given = st.data_editor(pd.DataFrame({"indicator": meta.index,
                                             "label": meta["label"].to_list(),
                                             "referentie": [None] * len(meta)}),
                               disabled=["indicator", "label"], hide_index=True,
                               key=f"given_{key}", placeholder="")
        settings["given"] = dict(zip(given["indicator"], given["referentie"], strict=True))
    if reference in ("mean", "given"):
        margin = st.slider("Marge (in standaardafwijkingen van de gebieden)", 0.0, 1.0, 0.0, 0.25,
                           key=f"margin_{key}")
        settings.update(threshold=margin, threshold_in_sd=True)
    return settings


def show(result: stapeling.Stapeling, title: str, key: str) -> None:
    st.plotly_chart(charts.heatmap_figure(result, title), width="stretch", key=f"map_{key}")
    st.caption(shell.plain(result.rule))
    st.dataframe(result.counts.rename(columns={
        "area": "Gebied", "unfavourable": "Aantal ongunstig",
        "indicators": "Ongunstig op", "measured": "Indicatoren gemeten"}),
        hide_index=True, width="stretch", placeholder="—")


# Only the open tab runs (its name is in the address): all three took a second on every
# click, most of it for the tabs nobody was looking at.
tab_areas, tab_ses, tab_effort = widgets.url_tabs(
    ["Gebieden", "Naar SES-groep", "Inzet en opgave"], "tab")
if tab_areas.open:
    with tab_areas, shell.reported():
        se = None
        if source == "monitor":
            data, meta, se = stapeling.from_monitor(store, user, wave["id"], breakdown)
            st.caption(f"Meting {shell.plain(wave['label'])}, per "
                       f"{monitors.FRAME_BREAKDOWNS[breakdown].lower()}: gemiddelden, top-2 "
                       "van stellingen en aandelen van meerkeuze-items met een richting; "
                       "groepen onder de minimale n zonder waarde.")
        elif source == "amsterdam":
            data, meta = stapeling.load_amsterdam("gebieden")
        else:
            data_file = st.file_uploader("Indicatoren per gebied (CSV)", type=["csv"])
            meta_file = st.file_uploader("Metadata: indicator, domein, label, eenheid, "
                                         "populatie, richting (CSV)", type=["csv"])
            if not (data_file and meta_file):
                st.info("Kies beide bestanden.")
                st.stop()
            data, meta = stapeling.load_table(data_file.getvalue(), meta_file.getvalue())
        settings = choose_reference(meta, "areas")
        reference = settings.pop("reference")
        if reference == "rest" and se is not None:
            settings["se"] = se
        result = stapeling.stapeling(data, meta, reference, **settings)
        show(result, "Stapeling per gebied" if source != "monitor" else
             f"Stapeling per {monitors.FRAME_BREAKDOWNS[breakdown].lower()}", "areas")
        if stapeling.PUBLISHED_COLUMN in data.columns:
            st.subheader("Vergeleken met de gepubliceerde aantallen")
            compared = stapeling.compare_published(result, data[stapeling.PUBLISHED_COLUMN])
            st.write(shell.plain(compared.attrs["agreement"]) + " met de gekozen regel.")
            st.dataframe(compared.rename(columns={
                "area": "Gebied", "computed": "Berekend", "published": "Gepubliceerd",
                "difference": "Verschil"}), hide_index=True, width="stretch", placeholder="—")
            st.caption("De gemeente publiceerde de aantallen, niet de regel of de stedelijke "
                       "gemiddelden. Zo dicht komen de ingebouwde regels erbij:")
            rules = stapeling.best_matching_rule(data, meta, data[stapeling.PUBLISHED_COLUMN])
            st.dataframe(pd.DataFrame([{"Regel": r["rule"], "Gelijk": r["agreement"],
                                        "Totale afwijking": r["total_difference"]}
                                       for r in rules]), hide_index=True, width="stretch",
                         placeholder="—")

if tab_ses.open:
    with tab_ses, shell.reported():
        if source != "amsterdam":
            st.info("De SES-tabel is er voor de Amsterdamse gegevens.")
        else:
            ses, ses_meta = stapeling.load_amsterdam("ses")
            settings = choose_reference(ses_meta, "ses")
            reference = settings.pop("reference")
            if reference == "rest":
                st.info("Zonder standaardfouten of aantallen is er geen toets; de referentie "
                        "is dan het gemiddelde van de andere groepen.")
            result = stapeling.by_group(ses, ses_meta, reference, settings.get("given"))
            show(result, "Stapeling naar SES-groep", "ses")

if tab_effort.open:
    with tab_effort, shell.reported():
        library, _ = stapeling.read_csv(stapeling.FOLDER / stapeling.BIBLIOTHEKEN_FILE)
        table = stapeling.inzet_opgave(
            library, "stadsdeel", "bibliotheek_m2_per_100_inwoners",
            "leesniveau_groep8_streefniveau_pct", "Bibliotheek (m² per 100 inwoners)",
            "Leesniveau groep 8 op streefniveau (%)", higher_opgave_is_worse=False)
        st.plotly_chart(charts.inzet_opgave_figure(
            table, "Bibliotheekruimte tegenover leesniveau per stadsdeel"), width="stretch",
            key="library")
        st.caption(shell.plain(table.attrs["grens"]))
        st.dataframe(table, hide_index=True, width="stretch", placeholder="—")
        youth, _ = stapeling.read_csv(stapeling.FOLDER / stapeling.JGZ_FILE)
        table = stapeling.inzet_opgave(
            youth, "gebied", "jgz_fte_per_1000_kinderen", "lage_ses_per_1000_kinderen",
            "Jeugdgezondheidszorg (fte per 1.000 kinderen)", "Kinderen met lage SES per 1.000",
            higher_opgave_is_worse=True, group="leeftijdsgroep")
        st.plotly_chart(charts.inzet_opgave_figure(
            table, "Jeugdgezondheidszorg tegenover lage SES"), width="stretch", key="youth")
        st.caption(shell.plain(table.attrs["grens"]))
        st.dataframe(table, hide_index=True, width="stretch", placeholder="—")
