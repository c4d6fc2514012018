"""Wijkwerkplaats: overviews over time (timeline, themes, open and answered questions) and the
year report for the programme council as Word and Excel."""

import pandas as pd
import streamlit as st

from research import taxonomies
from research.tracker import overview, questions, yearreport
from research.ui import shell

store, user = shell.guard("tracker.read")
st.title("Overzichten")

wijken = taxonomies.wijkwerkplaatsen(store)
visible = questions.visible_wijken(store, user)
wijk = st.selectbox("Wijkwerkplaats", visible, index=None, format_func=wijken.get,
                    placeholder="Alle")
timeline_tab, themes_tab, open_tab, report_tab = st.tabs(
    ["Tijdlijn", "Thema's door de tijd", "Open en beantwoord", "Jaarverslag"])

with timeline_tab:
    period = st.date_input("Periode", value=(), format="DD-MM-YYYY", key="timeline_period")
    since, until = shell.date_range(period)
    events = overview.timeline(store, user, wijk, since=since, until=until)
    st.caption(shell.count(len(events), "gebeurtenis", "gebeurtenissen"))
    if events:
        table = pd.DataFrame(events, columns=["date", "wijk", "kind", "title", "detail"])
        table["kind"] = table["kind"].map(overview.KINDS)
        st.dataframe(table.rename(columns={
            "date": "Datum", "wijk": "Wijkwerkplaats", "kind": "Soort", "title": "Wat",
            "detail": "Toelichting"}), hide_index=True, width="stretch",
            column_config={"Wat": st.column_config.TextColumn(width="large")}, placeholder="—")

with themes_tab:
    left, right = st.columns(2)
    by = left.radio("Indeling", list(overview.BY), format_func=overview.BY.get, horizontal=True)
    per = right.selectbox("Per", list(overview.PERIODS), format_func=overview.PERIODS.get,
                          placeholder="Kies een optie")
    with shell.reported():
        themes = overview.themes_over_time(store, user, wijk_id=wijk, by=by, period=per)
        if themes.empty:
            st.info("Er zijn nog geen vragen vastgelegd.")
        else:
            st.plotly_chart(overview.themes_figure(themes), width="stretch")
            st.dataframe(themes.rename(columns={"period": "Periode", "theme": "Thema",
                                                "count": "Aantal"}),
                         hide_index=True, width="stretch", placeholder="—")

years = overview.years(store, user)

with open_tab:
    year = st.selectbox("Jaar", years, index=None, placeholder="Alle jaren", key="open_year")
    rows = overview.open_answered(store, user, wijk_id=wijk, year=year)
    if rows:
        st.dataframe(pd.DataFrame(rows).drop(columns="wijk_id").rename(columns={
            "wijk": "Wijkwerkplaats", "total": "Totaal", "open": "Open",
            "gekoppeld": "Gekoppeld", "gesloten": "Gesloten",
            "with_reportback": "Met terugkoppeling",
            "without_reportback": "Zonder terugkoppeling"}),
            hide_index=True, width="stretch", placeholder="—")
        st.plotly_chart(overview.open_answered_figure(rows), width="stretch")

with report_tab:
    st.caption("Het jaarverslag voor de programmaraad bevat alleen aantallen: geen vragen in "
               "de woorden van bewoners en geen contactgegevens. Het gaat over alle "
               "wijkwerkplaatsen.")
    report_year = st.selectbox("Jaar", years, key="report_year", placeholder="Kies een optie")
    with shell.reported():
        data = overview.year_report_data(store, user, int(report_year))
        total = data["total"]
        left, middle, right = st.columns(3)
        left.metric("Vragen", total["questions"])
        middle.metric("Met terugkoppeling", total["with_reportback"])
        median = total["median_days_to_reportback"]
        right.metric("Mediaan dagen tot terugkoppeling", "-" if median is None else f"{median:g}")
        st.download_button("Jaarverslag als Word (.docx)", lambda: yearreport.to_docx(data),
                           file_name=f"jaarverslag-wijkwerkplaatsen-{report_year}.docx",
                           mime="application/vnd.openxmlformats-officedocument"
                                ".wordprocessingml.document", on_click="ignore")
        st.download_button("Jaarverslag als Excel (.xlsx)", lambda: yearreport.to_xlsx(data),
                           file_name=f"jaarverslag-wijkwerkplaatsen-{report_year}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument"
                                ".spreadsheetml.sheet", on_click="ignore")
