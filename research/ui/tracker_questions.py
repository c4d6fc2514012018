"""Wijkwerkplaats: the bewonersvragen you may read, filtered and counted per programme."""

from datetime import date

import pandas as pd
import plotly.express as px
import streamlit as st

from research import taxonomies
from research.tracker import questions
from research.ui import shell

store, user = shell.guard("tracker.read")
st.title("Bewonersvragen")

wijken = taxonomies.wijkwerkplaatsen(store)
programmes = taxonomies.programmes(store)
visible = questions.visible_wijken(store, user)
# A coordinator reads every wijkwerkplaats but starts in their own.
own = questions.own_wijken(store, user) if user.role == "coordinator" else []

left, middle, right = st.columns(3)
wijk = left.selectbox("Wijkwerkplaats", visible, format_func=wijken.get, placeholder="Alle",
                      index=visible.index(own[0]) if len(own) == 1 else None)
programme = middle.selectbox("Onderzoeksprogramma", list(programmes), index=None,
                             format_func=programmes.get, placeholder="Alle")
period = right.date_input("Periode", value=(), format="DD-MM-YYYY", max_value=date.today())
since, until = shell.date_range(period)

found = questions.list_questions(store, user, wijk_id=wijk, programme_id=programme,
                                 since=since, until=until)
st.caption(f"{len(found)} vragen")
if found:
    table = pd.DataFrame(found)
    table["asker_group"] = table["asker_group"].map(questions.ASKER_GROUPS)
    table["status"] = table["status"].map(questions.STATUSES)
    st.dataframe(
        table[["asked_on", "wijkwerkplaats", "text", "asker_group", "programma", "leefdomein",
               "place", "status"]].rename(columns={
            "asked_on": "Datum", "wijkwerkplaats": "Wijkwerkplaats", "text": "Vraag",
            "asker_group": "Gesteld door", "programma": "Programma", "leefdomein": "Leefdomein",
            "place": "Plek", "status": "Status"}),
        hide_index=True, width="stretch",
        column_config={"Vraag": st.column_config.TextColumn(width="large")})

counts = pd.DataFrame(questions.count_by_programme(store, user))
if not counts.empty:
    figure = px.bar(counts, x="vragen", y="programma", color="wijkwerkplaats", orientation="h",
                    labels={"vragen": "Aantal vragen", "programma": "",
                            "wijkwerkplaats": "Wijkwerkplaats"})
    st.plotly_chart(figure, width="stretch")
