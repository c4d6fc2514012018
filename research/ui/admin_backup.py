"""Beheer: download a consistent copy of the database."""

from datetime import datetime

import streamlit as st

from research.backup import backup_bytes
from research.ui import shell

store, user = shell.guard("admin")
st.title("Back-up")
st.write("Een back-up is een volledige, consistente kopie van de database, ook terwijl anderen "
         "werken. Bewaar hem veilig: hij bevat persoonsgegevens.")
st.caption("Terugzetten gaat via de opdrachtregel: `python -m research restore BESTAND`.")

if st.button("Back-up maken", type="primary", icon=":material/backup:"):
    with shell.reported():
        st.session_state["backup"] = (backup_bytes(store, user.actor),
                                      datetime.now().strftime("%Y%m%d-%H%M"))
if "backup" in st.session_state:
    data, stamp = st.session_state["backup"]
    st.download_button("Back-up downloaden", data, file_name=f"onderzoekswerkplaats-{stamp}.db",
                       mime="application/vnd.sqlite3", icon=":material/download:",
                       on_click=lambda: st.session_state.pop("backup", None))
    st.caption(f"{len(data) / 1_048_576:.1f} MB")
