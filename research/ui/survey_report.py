"""Monitor: the wave report (.docx) with the analyst's text blocks, tables, charts and quotes."""

import streamlit as st

from research.survey import monitors, report, results, tables
from research.ui import shell, widgets

store, user = shell.guard("survey.read")
st.title("Meetrapport")
monitor_id = widgets.pick_monitor(store, user)
wave = widgets.pick_wave(store, user, monitor_id)
if results.run(store, user, wave["id"]) is None:
    st.info("Bereken eerst de resultaten van deze meting (onder Resultaten).")
    st.stop()
breakdown = st.selectbox("Tabellen uitsplitsen naar", list(tables.BREAKDOWN_NAMES),
                         index=list(tables.BREAKDOWN_NAMES).index("size_class"),
                         format_func=tables.BREAKDOWN_NAMES.get)
topics = sorted({v["topic"] or "Overig" for v in monitors.variables(store, user, monitor_id)})
st.caption("Tekstblokken: een inleiding en per thema een toelichting. Leeg laten mag.")
texts = {"inleiding": st.text_area("Inleiding", key="report_intro")}
for topic in topics:
    texts[topic] = st.text_area(f"Thema: {topic}", key=f"report_{topic}")
with shell.reported():
    if st.button("Rapport maken", type="primary"):
        with st.spinner("Bezig met het rapport…"):
            st.session_state["wave_report"] = report.wave_report(
                store, user, wave["id"], {k: v for k, v in texts.items() if v.strip()}, breakdown)
    if st.session_state.get("wave_report"):
        st.download_button("Rapport downloaden (Word)", st.session_state["wave_report"],
                           file_name=f"meetrapport_{wave['label']}.docx", type="primary")
