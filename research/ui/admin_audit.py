"""Beheer: the audit log, filtered by user, entity and date."""

import pandas as pd
import streamlit as st

from research import audit
from research.ui import shell, widgets

store, user = shell.guard("admin")
st.title("Auditlog")
st.caption("Elke wijziging wordt hier vastgelegd en kan niet worden aangepast of verwijderd.")

options = audit.filter_options(store, user)
left, middle, right = st.columns(3)
actor = left.selectbox("Gebruiker", options["actors"], index=None, placeholder="Alle")
entity = middle.selectbox("Onderdeel", options["entities"], index=None, placeholder="Alle")
period = right.date_input("Periode", value=(), format="DD-MM-YYYY")
since, until = shell.date_range(period)

found = audit.events(store, user, actor=actor, entity=entity, since=since, until=until)
st.caption(f"{len(found)} gebeurtenissen (de nieuwste 500 hoogstens)")
table = pd.DataFrame(found, columns=["at", "actor", "entity", "entity_id", "action", "before",
                                    "after"])
shown = table.assign(at=shell.local_times(table["at"])).fillna("").rename(columns={
    "at": "Tijdstip", "actor": "Gebruiker", "entity": "Onderdeel", "entity_id": "Id",
    "action": "Actie", "before": "Voor", "after": "Na"})
st.dataframe(shown, hide_index=True, width="stretch", placeholder="—")
widgets.table_download(shown, "auditlog")
