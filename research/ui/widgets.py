"""Widgets that several pages share (not a page itself)."""

import streamlit as st

from research.accounts import User
from research.qual import projects
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


def pick_project(store: Store, user: User) -> int:
    """A qualitative project chosen by the user (remembered across the qual pages); ends the
    run with a notice when the user is in none."""
    mine = projects.list_projects(store, user)
    if not mine:
        st.info("Je bent nog geen lid van een project. Maak er een aan onder Projecten, of vraag "
                "de projectleider om je toe te voegen.")
        st.stop()
    by_id = {p["id"]: p for p in mine}
    if st.session_state.get("qual_project") not in by_id:
        st.session_state["qual_project"] = next(iter(by_id))
    return st.selectbox("Project", list(by_id), format_func=lambda i: by_id[i]["name"],
                        key="qual_project")
