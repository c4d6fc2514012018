"""Beheer: download a consistent copy of the database, only encrypted with a password."""

import streamlit as st

from research import sealed
from research.ui import shell

store, user = shell.guard("admin")
st.title("Back-up")
st.write("Een back-up is een volledige, consistente kopie van de database, ook terwijl anderen "
         "werken. Hij bevat alle persoonsgegevens.")
st.info("Via de browser verlaat een back-up de server alleen **versleuteld**: een download is "
        "voor iedereen met het adres ervan op te halen, ook zonder in te loggen. Kies een "
        "wachtwoord voor de back-up en bewaar het apart van het bestand; de app bewaart het "
        "niet, en zonder wachtwoord is de back-up niet te openen.")
st.caption("Op de server zelf: `python -m research backup BESTAND` maakt een onversleutelde "
           "kopie, `python -m research restore BESTAND` zet een (ook versleutelde) back-up "
           "terug en vraagt dan het wachtwoord, `python -m research decrypt-backup BESTAND "
           "UIT` ontsleutelt er een.")

with st.form("make_backup", clear_on_submit=True):
    passphrase = st.text_input("Wachtwoord voor de back-up", type="password",
                               autocomplete="new-password",
                               help=f"Minstens {sealed.MIN_PASSPHRASE} tekens; geen "
                                    "veelgebruikt wachtwoord, reeks of herhaling.")
    again = st.text_input("Wachtwoord voor de back-up (nogmaals)", type="password",
                          autocomplete="new-password")
    if st.form_submit_button("Versleutelde back-up maken", type="primary",
                             icon=":material/backup:"):
        with shell.reported():
            if passphrase != again:
                raise sealed.SealError("De twee wachtwoorden zijn niet gelijk.")
            st.session_state["backup"] = sealed.backup_download(store, user, passphrase)
if "backup" in st.session_state:
    data, name = st.session_state["backup"]
    st.download_button("Versleutelde back-up downloaden", data, file_name=name,
                       mime="application/octet-stream", icon=":material/download:",
                       on_click=lambda: st.session_state.pop("backup", None))
    st.caption(f"{shell.plain(name)} · {len(data) / 1_048_576:.1f} MB")
