"""The app's entry point: page config, login gate and navigation. Nothing else lives here."""

import streamlit as st

from research.ui import shell

st.set_page_config(page_title="Onderzoekswerkplaats", page_icon=":material/diversity_3:",
                   layout="wide")
store = shell.store()
user = shell.login_gate(store)
shell.account_box(user)
st.navigation(shell.navigation(user)).run()
