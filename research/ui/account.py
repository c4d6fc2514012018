"""Your own account: who you are, what your role allows, and changing your password."""

import streamlit as st

from research import accounts, taxonomies
from research.ui import shell

store, user = shell.guard(None)
st.title("Mijn account")

st.text(f"Gebruikersnaam: {user.username}")
st.text(f"Rol: {user.role_label}")
if user.wijken:
    names = taxonomies.wijkwerkplaatsen(store)
    st.text("Wijkwerkplaatsen: " + ", ".join(names.get(w, w) for w in user.wijken))

with st.form("change_password", clear_on_submit=True):
    st.write("Wachtwoord wijzigen")
    old = st.text_input("Huidig wachtwoord", type="password", autocomplete="current-password")
    new = st.text_input("Nieuw wachtwoord", type="password", autocomplete="new-password",
                        help=f"Minstens {accounts.MIN_PASSWORD_LENGTH} tekens; geen veelgebruikt "
                             "wachtwoord, reeks (1234…, qwerty…) of herhaling. Een paar losse "
                             "woorden achter elkaar is sterk en goed te onthouden.")
    again = st.text_input("Nieuw wachtwoord (nogmaals)", type="password",
                          autocomplete="new-password")
    if st.form_submit_button("Wachtwoord wijzigen"):
        with shell.reported():
            if new != again:
                raise accounts.AccountError("De twee nieuwe wachtwoorden zijn niet gelijk.")
            shell.renew_session(accounts.change_own_password(store, user, old, new,
                                                               keep_session=shell.session_id()))
            st.success("Je wachtwoord is gewijzigd. Andere sessies van je account zijn beëindigd.")
