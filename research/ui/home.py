"""Start: what this account can do here, with a link into each section."""

import streamlit as st

from research import accounts
from research.qual import projects
from research.survey import monitors
from research.tracker import questions
from research.ui import shell

store, user = shell.guard(None)
st.title("Start")
st.caption(f"Welkom, {shell.plain(user.label)}. Je rol is {user.role_label}.")

# One card per section in this user's menu, each with a figure from the database.
in_menu = {p.file for p in shell.menu(store, user)}
cards = []
if "qual_projects.py" in in_menu:
    mine = projects.list_projects(store, user)
    coded = sum(p['codings'] for p in mine)
    cards.append(("Kwalitatief", f"{shell.count(len(mine), 'project', 'projecten')}, "
                  f"{shell.count(coded, 'gecodeerd fragment', 'gecodeerde fragmenten')}",
                  "qual_projects.py", "Naar de projecten"))
if accounts.can(user, "survey.read"):
    loaded = monitors.list_monitors(store, user)
    cards.append(("Monitor", f"{shell.count(len(loaded), 'monitor', 'monitors')}, "
                  f"{shell.count(sum(m['waves'] for m in loaded), 'meting', 'metingen')}",
                  "survey_results.py", "Naar de resultaten"))
if accounts.can(user, "tracker.read"):
    asked = shell.count(questions.count_questions(store, user), "bewonersvraag", "bewonersvragen")
    if accounts.can(user, "tracker.write"):
        cards.append(("Wijk", asked, "tracker_log.py", "Vraag vastleggen"))
    else:
        cards.append(("Wijk", asked, "tracker_questions.py", "Naar de bewonersvragen"))
if accounts.can(user, "admin"):
    cards.append(("Beheer", shell.count(len(accounts.list_users(store)), "account", "accounts"),
                  "admin_users.py",
                  "Naar de gebruikers"))

# At least one column: an empty home page still has its grid.
for column, (section, figure, page, link) in zip(st.columns(max(len(cards), 1)), cards,
                                                 strict=False):
    with column.container(border=True):
        st.subheader(section)
        st.write(figure)
        st.page_link(shell.page_path(page), label=link, icon=":material/arrow_forward:")
