"""Monitor: create a monitor, load its sample frame, and load a wave from SPSS, Excel or CSV
with its questionnaire; the results are computed right after."""

import pandas as pd
import streamlit as st

from research import worker
from research.survey import intake, monitors
from research.ui import shell, widgets

store, user = shell.guard("survey.write")
st.title("Meting laden")

with st.expander("Nieuwe monitor"):
    with st.form("new_monitor", clear_on_submit=True):
        name = st.text_input("Naam")
        unit_kind = st.selectbox("Eenheden", list(monitors.UNIT_KINDS),
                                 format_func=monitors.UNIT_KINDS.get, placeholder="Kies een optie")
        description = st.text_area("Omschrijving")
        if st.form_submit_button("Monitor maken"):
            with shell.reported():
                created = monitors.create_monitor(store, user, name, unit_kind, description)
                widgets.choose("monitor", created)

monitor_id = widgets.pick_monitor(store, user)

st.subheader("Steekproefkader")
st.caption("Een CSV- of Excelbestand met de kolommen code en naam, en waar bekend regio, "
           "grootteklasse, provincie en populatie. Bestaande codes worden bijgewerkt.")
frame_file = st.file_uploader("Kader", type=["csv", "xlsx"], key="frame_file")
if frame_file and st.button("Kader opslaan"):
    with shell.reported():
        count = intake.set_frame_from_file(store, user, monitor_id, frame_file.getvalue(),
                                           frame_file.name)
        st.success(f"{count} eenheden opgeslagen.")
st.caption(f"Het kader telt {len(monitors.frame(store, user, monitor_id))} eenheden.")

st.subheader("Meting")
data_file = st.file_uploader("Databestand (.sav, .xlsx of .csv)", type=["sav", "xlsx", "csv"],
                             key="wave_file")
questionnaire = st.file_uploader("Vragenlijst (optioneel: .xlsx of .csv met naam, label, "
                                 "vraag, type, waarden, ontbrekend, thema, hoger_is_beter)",
                                 type=["xlsx", "csv"], key="questionnaire_file")
if not data_file:
    st.stop()

limit = st.number_input("Tekstkolom als keuzevraag bij hoogstens zoveel verschillende "
                        "antwoorden", 0, 100, intake.CHOICE_TEXTS,
                        help="0: tekstkolommen blijven open vragen.")
with shell.reported():
    data, guide = data_file.getvalue(), questionnaire.getvalue() if questionnaire else None
    # Read once per file (and rule): every widget on this page reruns it, and a .sav takes
    # seconds.
    wave = widgets.kept("wave_file", (data_file.name, widgets.digest(data),
                                      questionnaire.name if questionnaire else None,
                                      widgets.digest(guide) if guide else None, int(limit)),
                        lambda: intake.read(data, data_file.name, guide,
                                            questionnaire.name if questionnaire else None,
                                            choice_limit=int(limit)),
                        keep=2)
    for warning in wave.warnings:
        st.warning(shell.plain(warning))
    st.write(f"{len(wave.data)} respondenten, {len(wave.variables)} kolommen.")
    columns = [None, *wave.data.columns]
    guessed = intake.default_roles(wave)
    roles = {}
    role_names = {"unit": "Eenheid (code uit het kader)", "completed": "Invuldatum",
                  "weight": "Gewicht", "strata": "Stratum", "psu": "Cluster (PSU)",
                  "fpc": "Populatie per stratum (fpc)", "respondent": "Respondentnummer"}
    grid = st.columns(4)
    for index, (role, label) in enumerate(role_names.items()):
        roles[role] = grid[index % 4].selectbox(
            label, columns, index=columns.index(guessed.get(role)) if guessed.get(role) in columns
            else 0, format_func=lambda c: "—" if c is None else str(c), key=f"role_{role}",
            placeholder="Kies een optie")
    design = {c for c in roles.values() if c}
    preview = pd.DataFrame([{"naam": v["name"], "label": v["label"], "type": v["type"],
                             "antwoorden": intake.answers_text(v), "thema": v["topic"]}
                            for v in wave.variables if v["name"] not in design])
    st.caption(shell.plain(intake.choice_rule(int(limit))) + " Controleer het type van elke "
               "vraag en pas het zo nodig aan: een keuzevraag uit tekst kan weer open worden, "
               "een open tekstvraag een keuzevraag.")
    edited = st.data_editor(preview, disabled=["naam", "label", "antwoorden", "thema"],
                            hide_index=True,
                            column_config={"type": st.column_config.SelectboxColumn(
                                "type", options=list(monitors.VARIABLE_TYPES), required=True)},
                            key="variable_types", placeholder="")
    # A form: the name typed and the button pressed arrive together.
    with st.form("load_wave"):
        left, right = st.columns(2)
        label = left.text_input("Naam van de meting", placeholder="bijvoorbeeld 2026")
        year = right.number_input("Jaar", 1990, 2100, value=None, placeholder="optioneel")
        submitted = st.form_submit_button("Meting laden", type="primary")
    if submitted:
        with st.spinner("Bezig met laden en berekenen…"):
            wave_id, rows = worker.COMPUTE.run(
                intake.load, store, user, monitor_id, label, int(year) if year else None,
                wave, roles, dict(zip(edited["naam"], edited["type"], strict=True)),
                source=data_file.name)
        # The other monitor pages open on the wave just loaded.
        widgets.choose("meting", wave_id)
        st.success(f"Meting {shell.plain(label)} geladen: {len(wave.data)} respondenten; "
                   f"{rows} resultaten berekend.")
