"""Monitor: the questionnaire across waves (wording, codes, recoding, renamed questions),
the design and weighting, and the suppression thresholds."""

import streamlit as st

from research import worker
from research.accounts import can
from research.survey import calibration, monitors, results, waves
from research.ui import shell, widgets

store, user = shell.guard("survey.read")
DESIGN_HELP = ("Strata, clusters en de eindige-populatiecorrectie bepalen de standaardfouten. "
               "Voor de gemeentemonitor (bijna alle gemeenten in het kader): strata = "
               "grootteklasse en de correctie uit het kader; elke gemeente is dan een eigen "
               "eenheid. Zonder strata en clusters telt elke respons als een eigen eenheid.")
st.title("Vragenlijst en ontwerp")
monitor_id = widgets.pick_monitor(store, user)
writer = can(user, "survey.write")
mon = monitors.monitor(store, user, monitor_id)
questionnaire = {v["id"]: v for v in monitors.variables(store, user, monitor_id)}
wave_list = monitors.waves(store, user, monitor_id)

tab_questions, tab_design, tab_waves = st.tabs(["Vragenlijst", "Ontwerp en weging", "Metingen"])

with tab_questions:
    overview = waves.comparability(store, user, monitor_id)
    st.caption("Per vraag en meting: de naam in het bestand, en of formulering of codes afwijken "
               "van die van de monitor. Vragen worden tussen metingen gekoppeld op naam.")
    st.dataframe(overview.drop(columns="variable_id").rename(columns={
        "name": "Variabele", "monitor_label": "Label", "wave": "Meting",
        "source_name": "Naam in bestand", "label": "Label in meting", "question": "Vraagtekst",
        "other_wording": "Andere formulering", "other_codes": "Andere codes",
        "recoding": "Hercodering"}), hide_index=True, width="stretch", placeholder="—")
    if writer and questionnaire:
        variable_id = st.selectbox("Vraag bewerken", list(questionnaire),
                                   format_func=lambda i: questionnaire[i]["name"],
                                   placeholder="Kies een optie")
        var = questionnaire[variable_id]
        with st.form(f"variable_{variable_id}"):
            label = st.text_input("Label", var["label"])
            question = st.text_area("Vraagtekst", var["question"] or "")
            kind = st.selectbox("Type", list(monitors.VARIABLE_TYPES),
                                index=list(monitors.VARIABLE_TYPES).index(var["type"]),
                                format_func=monitors.VARIABLE_TYPES.get,
                                placeholder="Kies een optie")
            topic = st.text_input("Thema", var["topic"] or "")
            direction = st.selectbox("Richting", [None, 1, 0],
                                     index=[None, 1, 0].index(var["higher_is_better"]),
                                     format_func={None: "Geen", 1: "Hoger is beter",
                                                  0: "Lager is beter"}.get,
                                     placeholder="Kies een optie")
            labels = st.text_area("Waardelabels (code=label, één per regel)", "\n".join(
                f"{k}={v}" for k, v in var["value_labels"].items()))
            missing = st.text_input("Ontbrekende codes ('weet niet'), gescheiden door ;",
                                    "; ".join(str(c) for c in var["missing_codes"]))
            if st.form_submit_button("Opslaan"):
                with shell.reported():
                    pairs = [line.split("=", 1) for line in labels.splitlines() if "=" in line]
                    codes = [c.strip() for c in missing.split(";") if c.strip()]
                    try:
                        missing_codes = [float(c.replace(",", ".")) for c in codes]
                    except ValueError:
                        raise monitors.MonitorError("Ontbrekende codes zijn getallen.") from None
                    waves.update_variable(store, user, variable_id, {
                        "label": label, "question": question or None, "type": kind,
                        "topic": topic or None, "higher_is_better": direction,
                        "value_labels": {k.strip(): v.strip() for k, v in pairs},
                        "missing_codes": missing_codes})
                    st.success("Opgeslagen. Bereken de resultaten opnieuw om dit te zien.")
        by_wave = {w["id"]: w for w in wave_list}
        present = overview[overview["variable_id"] == variable_id]["wave"].tolist()
        candidates = [w["id"] for w in wave_list if w["label"] in present]
        if candidates:
            st.write("**Hercoderen in één meting**")
            wave_id = st.selectbox("Meting", candidates,
                                   format_func=lambda i: by_wave[i]["label"], key="recode_wave",
                                   placeholder="Kies een optie")
            mapping = st.text_input("Hercodering (oud=nieuw; leeg = ontbrekend), bijvoorbeeld "
                                    "'4=5; 3=4'", key="recode_map")
            if st.button("Hercodering opslaan"):
                with shell.reported():
                    pairs = [p.split("=", 1) for p in mapping.split(";") if "=" in p]
                    waves.set_recode(store, user, wave_id, variable_id,
                                     {k.strip(): v.strip() for k, v in pairs})
                    st.success("Hercodering opgeslagen.")
            st.write("**Zelfde vraag onder een andere naam**")
            others = [i for i in questionnaire if i != variable_id
                      and questionnaire[i]["type"] == var["type"]]
            if others:
                target = st.selectbox("Is in deze meting dezelfde vraag als", others,
                                      format_func=lambda i: questionnaire[i]["name"],
                                      placeholder="Kies een optie")
                if st.button("Koppelen"):
                    with shell.reported():
                        waves.link_variable(store, user, wave_id, variable_id, target)
                        st.success("Gekoppeld.")
                        st.rerun()

with tab_design:
    design = mon["design"]
    st.write("**Ontwerp**")
    st.caption(DESIGN_HELP)
    # Besides the design fields, any question of the monitor can be a design column.
    named = {v["name"]: f"Vraag: {v['label']} ({v['name']})" for v in questionnaire.values()
             if v["type"] != "open"}
    numbers = [v["name"] for v in questionnaire.values() if v["type"] in monitors.NUMERIC]
    attributes = [None, *monitors.FRAME_BREAKDOWNS, "stratum", *named]
    names = {None: "Geen", "stratum": "Stratum uit het bestand", "psu": "Cluster uit het bestand",
             "fpc": "Kolom uit het bestand", "kader": "Uit het steekproefkader",
             "unit": "Eenheid uit het kader", **monitors.FRAME_BREAKDOWNS, **named}

    def chosen(options: list, key: str) -> int:
        return options.index(design.get(key)) if design.get(key) in options else 0

    with st.form("design"):
        weight = st.selectbox("Gewicht", list(monitors.WEIGHT_SOURCES),
                              index=list(monitors.WEIGHT_SOURCES).index(design["weight"])
                              if design["weight"] in monitors.WEIGHT_SOURCES else 0,
                              format_func=monitors.WEIGHT_SOURCES.get, placeholder="Kies een optie")
        strata = st.selectbox("Strata", attributes, format_func=names.get,
                              index=chosen(attributes, "strata"), placeholder="Kies een optie")
        clusters = [None, "psu", "unit", *named]
        psu = st.selectbox("Clusters", clusters, format_func=names.get,
                           index=chosen(clusters, "psu"), placeholder="Kies een optie")
        corrections = [None, "kader", "fpc", *numbers]
        fpc = st.selectbox("Eindige-populatiecorrectie", corrections, format_func=names.get,
                           index=chosen(corrections, "fpc"), placeholder="Kies een optie")
        st.caption("Twee trappen (eerst clusters, dan eenheden daarbinnen): kies ook de "
                   "secundaire eenheden en de kolom met hun aantal per cluster in de populatie.")
        units = [None, "unit", *named]
        ssu = st.selectbox("Secundaire eenheden (tweede trap)", units, format_func=names.get,
                           index=chosen(units, "ssu"), placeholder="Kies een optie")
        second = [None, *numbers]
        fpc2 = st.selectbox("Populatie per cluster (tweede trap)", second,
                            format_func=names.get, index=chosen(second, "fpc2"),
                            placeholder="Kies een optie")
        min_n = st.number_input("Minimale n voor cijfers", 1, 1000, int(mon["min_n"]))
        min_quotes = st.number_input("Minimale n voor citaten", 1, 1000, int(mon["min_n_quotes"]))
        if st.form_submit_button("Opslaan", disabled=not writer):
            with shell.reported():
                monitors.set_design(store, user, monitor_id, {
                    "weight": weight, "strata": strata, "psu": psu, "fpc": fpc, "ssu": ssu,
                    "fpc2": fpc2})
                monitors.set_thresholds(store, user, monitor_id, min_n, min_quotes)
                st.success("Opgeslagen. Bereken de resultaten van elke meting opnieuw.")
    st.write("**Weging naar het steekproefkader**")
    for wave in wave_list:
        summary = calibration.weighting(store, user, wave["id"])
        if summary:
            st.text(f"Meting {wave['label']}: {summary['method']} op "
                    f"{', '.join(summary['attributes'])}; gewichten {summary['minimum']:g} tot "
                    f"{summary['maximum']:g} (verhouding {summary['ratio']:g}), "
                    f"efficiëntie {100 * summary['efficiency']:.0f}%.")
    if writer and wave_list:
        with st.form("calibrate"):
            wave_id = st.selectbox("Meting", [w["id"] for w in wave_list],
                                   format_func=lambda i: next(w["label"] for w in wave_list
                                                              if w["id"] == i),
                                   placeholder="Kies een optie")
            weigh_on = st.multiselect("Wegen op", list(monitors.FRAME_BREAKDOWNS),
                                    format_func=monitors.FRAME_BREAKDOWNS.get,
                                      placeholder="Kies een of meer opties", select_all=False)
            measure = st.selectbox("Maat", list(calibration.MEASURES),
                                   format_func=calibration.MEASURES.get,
                                   placeholder="Kies een optie")
            if st.form_submit_button("Gewichten berekenen"):
                with shell.reported():
                    summary = calibration.calibrate(store, user, wave_id, weigh_on, measure)
                    st.success(f"{summary['method'].capitalize()}: efficiëntie "
                               f"{100 * summary['efficiency']:.0f}%. Kies 'Gekalibreerd "
                               "gewicht' in het ontwerp en bereken de resultaten opnieuw.")

with tab_waves:
    for wave in wave_list:
        run = results.run(store, user, wave["id"])
        st.text(f"{wave['label']}: {wave['responses']} respondenten, bron "
                f"{wave['source'] or 'onbekend'}; resultaten "
                + (f"berekend {run['computed_at'][:10]}" if run else "nog niet berekend"))
        if writer:
            left, right = st.columns(2)
            if left.button("Resultaten berekenen", key=f"compute_{wave['id']}"):
                with shell.reported(), st.spinner("Bezig met berekenen…"):
                    worker.COMPUTE.run(results.compute, store, user, wave["id"])
                    st.success(f"Resultaten van {wave['label']} berekend.")
            if right.toggle("Meting verwijderen", key=f"confirm_delete_{wave['id']}"):
                if right.button("Definitief verwijderen", key=f"delete_{wave['id']}"):
                    with shell.reported():
                        waves.delete_wave(store, user, wave["id"])
                        st.rerun()
