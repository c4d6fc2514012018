"""The app's entry point: page config, login gate and navigation. Nothing else lives here."""

import streamlit as st

from research.ui import shell

# The icon is a local file: a material or emoji icon makes browsers fetch it from a CDN.
st.set_page_config(page_title="Onderzoekswerkplaats", page_icon=shell.ICON, layout="wide")
store = shell.store()
user = shell.login_gate(store, keep_url=True)
shell.account_box(user)
# Expanded: a collapsed menu hides every page after the tenth behind "View more".
page = st.navigation(shell.navigation(store, user), expanded=True)
shell.page_helpers(page.url_path)
page.run()
