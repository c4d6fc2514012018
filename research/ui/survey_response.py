"""Monitor: response per wave and region against the sample frame."""

import plotly.express as px
import streamlit as st

from research.survey import monitors
from research.ui import shell, widgets

store, user = shell.guard("survey.read")
st.title("Respons")

monitor_id = widgets.pick_monitor(store, user)
table = monitors.response_by_region(store, user, monitor_id)
if table.empty:
    st.info("Deze monitor heeft nog geen steekproefkader of metingen.")
    st.stop()

totals = table.groupby("meting", sort=False)[["kader", "respons"]].sum().reset_index()
columns = st.columns(len(totals))
for column, row in zip(columns, totals.itertuples()):
    column.metric(f"Respons {shell.plain(row.meting)}", f"{100 * row.respons / row.kader:.0f}%",
                  help=f"{row.respons} van {row.kader} eenheden in het steekproefkader")

figure = px.bar(table, x="regio", y="responspercentage", color="meting", barmode="group",
                labels={"regio": "", "responspercentage": "Respons (%)", "meting": "Meting"})
st.plotly_chart(figure, width="stretch")
st.dataframe(table.rename(columns={"meting": "Meting", "regio": "Regio", "kader": "In kader",
                                   "respons": "Geantwoord", "responspercentage": "Respons (%)"}),
             hide_index=True, width="stretch")
