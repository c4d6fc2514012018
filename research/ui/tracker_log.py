"""Wijkwerkplaats: log a resident's question right after a gathering (short, phone-friendly)."""

from datetime import date

import streamlit as st

from research import taxonomies
from research.tracker import questions
from research.ui import shell

store, user = shell.guard("tracker.write")
st.title("Vraag vastleggen")

wijken = taxonomies.wijkwerkplaatsen(store)
own = questions.own_wijken(store, user)
programmes = taxonomies.programmes(store)
domains = taxonomies.life_domains(store)

with st.form("log_question", clear_on_submit=True):
    text = st.text_area("Vraag, in de woorden van de bewoner", max_chars=questions.MAX_TEXT)
    # One row of columns per pair, so that on a phone (columns stacked) the required fields
    # still come first and the optional ones last.
    left, right = st.columns(2)
    asked_on = left.date_input("Datum", value=date.today(), max_value=date.today(),
                               format="DD-MM-YYYY")
    wijk = right.selectbox("Wijkwerkplaats", own, format_func=wijken.get)
    left, right = st.columns(2)
    group = left.selectbox("Gesteld door", list(questions.ASKER_GROUPS),
                           format_func=questions.ASKER_GROUPS.get)
    place = right.text_input("Bijeenkomst of plek")
    left, right = st.columns(2)
    programme = left.selectbox("Onderzoeksprogramma", list(programmes), index=None,
                               format_func=programmes.get, placeholder="Nog niet bepaald")
    domain = right.selectbox("Leefdomein", list(domains), index=None, format_func=domains.get,
                             placeholder="Nog niet bepaald")
    st.caption("Noteer geen namen van bewoners.")
    if st.form_submit_button("Vastleggen", type="primary"):
        with shell.reported():
            questions.log_question(store, user, wijk_id=wijk, asked_on=asked_on, text=text,
                                   asker_group=group, place=place, programme_id=programme,
                                   domain_id=domain)
            st.success("Vraag vastgelegd.")
