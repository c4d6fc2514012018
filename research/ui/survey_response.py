"""Monitor: fieldwork — response against the frame, over time, and the units still to chase."""

import streamlit as st

from research.accounts import can
from research.survey import charts, fieldwork, invitations, monitors
from research.ui import shell, widgets

store, user = shell.guard("survey.read")
st.title("Respons")

monitor_id = widgets.pick_monitor(store, user)
wave = widgets.pick_wave(store, user, monitor_id)
total = fieldwork.response(store, user, wave["id"])
if total.empty or not total["in_frame"].sum():
    st.info("Deze monitor heeft nog geen steekproefkader; de respons is niet te bepalen.")
    st.stop()

online = invitations.open_fieldwork(store, user, wave["id"])
if online is not None:
    @shell.fragment(run_every=15)
    def follow_online() -> None:
        """Rerun the page when a link was sent since it was drawn."""
        now = invitations.open_fieldwork(store, user, wave["id"])
        if now is None or now["submitted"] != online["submitted"]:
            st.rerun()
        st.caption(f"Online veldwerk loopt tot en met {shell.dutch_date(now['closes_on'])}: "
                   f"{shell.count(now['submitted'], 'link', 'links')} verstuurd. Nieuwe "
                   "antwoorden tellen hier mee zodra ze binnenkomen.")

    follow_online()

every = [(w["label"], fieldwork.response(store, user, w["id"]).iloc[0])
         for w in monitors.waves(store, user, monitor_id)]
columns = st.columns(len(every))
for column, (label, row) in zip(columns, every, strict=True):
    column.metric(f"Respons {shell.plain(label)}", f"{row.response_rate:.0f}%",
                  help=f"{row.responded} van {row.in_frame} eenheden in het steekproefkader")
st.caption("Een antwoord van een regionaal samenwerkingsverband telt voor elke gemeente "
           "waarvoor het spreekt.")

by_region, by_size, over_time, missing = st.tabs(
    ["Naar regio", "Naar grootteklasse", "Verloop", "Nog geen respons"])
for tab, breakdown in ((by_region, "region"), (by_size, "size_class")):
    with tab:
        table = fieldwork.response(store, user, wave["id"], breakdown)
        st.plotly_chart(charts.response_bars(table), width="stretch", key=f"chart_{breakdown}")
        st.dataframe(table.rename(columns={
            "group": monitors.FRAME_BREAKDOWNS[breakdown], "in_frame": "In kader",
            "responded": "Geantwoord", "response_rate": "Respons (%)"}),
            hide_index=True, width="stretch", placeholder="—")
with over_time:
    timeline = fieldwork.response_over_time(store, user, wave["id"])
    if timeline.empty:
        st.info("Deze meting heeft geen invuldatums.")
    else:
        st.plotly_chart(charts.response_line(timeline), width="stretch", key="chart_time")
        st.caption("Cumulatief, naar de datum waarop de vragenlijst is ingevuld.")
with missing:
    table = fieldwork.nonrespondents(store, user, wave["id"])
    st.write(f"{len(table)} eenheden hebben in meting {shell.plain(wave['label'])} nog niet "
             "geantwoord.")
    st.dataframe(table.drop(columns="id").rename(columns={
        "code": "Code", "name": "Naam", "region": "Regio", "size_class": "Grootteklasse",
        "province": "Provincie", "notes": "Notities", "last_note": "Laatste notitie",
        "last_note_at": "Datum"}), hide_index=True, width="stretch", placeholder="—")
    wave_id = wave["id"]
    st.download_button("Lijst downloaden (Excel)",
                       lambda: fieldwork.export_nonrespondents(store, user, wave_id),
                       file_name=f"nog_geen_respons_{wave['label']}.xlsx", on_click="ignore")
    if can(user, "survey.write") and not table.empty:
        units = dict(zip(table["id"], table["name"] + " (" + table["code"] + ")", strict=True))
        with st.form("fieldwork_note", clear_on_submit=True):
            unit = st.selectbox("Eenheid", list(units), format_func=units.get,
                                placeholder="Kies een optie")
            note = st.text_area("Notitie voor de nabelronde", max_chars=2000)
            if st.form_submit_button("Notitie opslaan"):
                with shell.reported():
                    fieldwork.add_note(store, user, wave["id"], int(unit), note)
                    st.success("Notitie opgeslagen.")
                    st.rerun()
