"""Widgets that several pages share (not a page itself)."""

import streamlit as st

from research.accounts import User
from research.storage import Store
from research.survey import monitors


def pick_monitor(store: Store, user: User) -> int:
    """A monitor chosen by the user; ends the run with a notice when none is loaded yet."""
    available = monitors.list_monitors(store, user)
    if not available:
        st.info("Er is nog geen monitor geladen.")
        st.stop()
    by_id = {m["id"]: m for m in available}
    return st.selectbox("Monitor", list(by_id), format_func=lambda i: by_id[i]["name"])
