"""Wijkwerkplaats: the bewonersvragen you may read, filtered and counted per programme."""

from datetime import date

import pandas as pd
import streamlit as st

from research import accounts, taxonomies
from research.tracker import contacts, overview, questions, reportback, similarity
from research.ui import shell, widgets

store, user = shell.guard("tracker.read")
st.title("Bewonersvragen")


def question_detail(question_id: int) -> None:
    """One question: its links, questions like it (to link), contact details and closing."""
    question = questions.get_question(store, user, question_id)
    writer = accounts.can(user, "tracker.write", question["wijk_id"])
    with st.container(border=True):
        st.text(question["text"])
        st.caption(f"Vraag {question_id} · {question['asked_on']} · "
                   f"{questions.STATUSES[question['status']]}")
        linked = questions.links_of(store, user, question_id)
        for link in linked:
            left, right = st.columns([5, 1])
            left.text(f"{questions.LINK_KINDS[link['kind']]}: {link['asked_on']} · {link['text']}")
            if writer and right.button("Ontkoppelen", key=f"unlink_{link['id']}"):
                with shell.reported():
                    questions.unlink_questions(store, user, question_id, link["id"])
                    st.rerun()
        known = {link["id"] for link in linked}
        alike = [r for r in similarity.similar(store, user, question["text"], question["wijk_id"],
                                               exclude_id=question_id) if r["id"] not in known]
        if alike:
            st.write("Vergelijkbare vragen")
        for row in alike:
            left, middle, right = st.columns([4, 1, 1])
            left.text(f"{row['asked_on']} · {row['text']} ({row['score']:.0f})")
            for column, kind in ((middle, "zelfde"), (right, "verwant")):
                if writer and column.button(questions.LINK_KINDS[kind], key=f"{kind}_{row['id']}"):
                    with shell.reported():
                        questions.link_questions(store, user, question_id, row["id"], kind)
                        st.rerun()
        for told in reportback.of_question(store, user, question_id):
            st.text(f"Teruggekoppeld op {told['reported_on']} "
                    f"({reportback.CHANNELS[told['how']].lower()}): {told['text']}")
        if writer:
            with st.form("reportback", clear_on_submit=True):
                left, right = st.columns(2)
                how = left.selectbox("Terugkoppeling: hoe", list(reportback.CHANNELS),
                                     format_func=reportback.CHANNELS.get)
                told_on = right.date_input("Op", value=date.today(), format="DD-MM-YYYY")
                told = st.text_input("Wat is er teruggekoppeld")
                if st.form_submit_button("Terugkoppeling vastleggen"):
                    with shell.reported():
                        reportback.record(store, user, question_id, how=how, text=told,
                                          reported_on=told_on)
                        st.rerun()
        widgets.knowledge_section(store, user, "vraag", question_id)
        if contacts.may_see(user, question["wijk_id"]):
            contact = contacts.get_contact(store, user, question_id)
            if contact:
                st.text("Contact: " + " · ".join(v for v in (contact["name"], contact["phone"],
                                                             contact["email"]) if v))
                st.caption(f"Toestemming: {shell.plain(contact['consent_text'])} "
                           f"({contact['consent_on']})")
                if st.button("Contactgegevens wissen", key="erase_contact"):
                    with shell.reported():
                        contacts.delete_contact(store, user, question_id)
                        st.rerun()
        if writer and question["status"] != "gesloten":
            if st.button("Vraag sluiten", key="close_question"):
                with shell.reported():
                    questions.close_question(store, user, question_id)
                    st.rerun()


wijken = taxonomies.wijkwerkplaatsen(store)
programmes = taxonomies.programmes(store)
visible = questions.visible_wijken(store, user)
# A coordinator reads every wijkwerkplaats but starts in their own.
own = questions.own_wijken(store, user) if user.role == "coordinator" else []

left, middle, right = st.columns(3)
wijk = left.selectbox("Wijkwerkplaats", visible, format_func=wijken.get, placeholder="Alle",
                      index=visible.index(own[0]) if len(own) == 1 else None)
programme = middle.selectbox("Onderzoeksprogramma", list(programmes), index=None,
                             format_func=programmes.get, placeholder="Alle")
period = right.date_input("Periode", value=(), format="DD-MM-YYYY", max_value=date.today())
since, until = shell.date_range(period)
search = st.text_input("Zoeken", placeholder="woorden uit de vraag, ook verbogen vormen",
                       key="question_search")

found = questions.list_questions(store, user, wijk_id=wijk, programme_id=programme,
                                 since=since, until=until, search=search)
st.caption(f"{len(found)} vragen")
if found:
    table = pd.DataFrame(found)
    table["asker_group"] = table["asker_group"].map(questions.ASKER_GROUPS)
    table["status"] = table["status"].map(questions.STATUSES)
    shown = table[["asked_on", "wijkwerkplaats", "text", "asker_group", "programma",
                   "leefdomein", "place", "status"]].rename(columns={
        "asked_on": "Datum", "wijkwerkplaats": "Wijkwerkplaats", "text": "Vraag",
        "asker_group": "Gesteld door", "programma": "Programma", "leefdomein": "Leefdomein",
        "place": "Plek", "status": "Status"})
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={"Vraag": st.column_config.TextColumn(width="large")})
    widgets.table_download(shown, "bewonersvragen")
    by_id = {q["id"]: q for q in found}
    chosen = st.selectbox("Vraag openen", list(by_id), index=None, placeholder="Kies een vraag",
                          format_func=lambda i: f"{by_id[i]['asked_on']} · {by_id[i]['text'][:90]}")
    if chosen is not None:
        question_detail(chosen)

counts = questions.count_by_programme(store, user)
if counts:
    st.plotly_chart(overview.programmes_figure(counts), width="stretch")

with st.expander("Wachten op terugkoppeling", icon=":material/schedule:"):
    weeks = st.number_input("Langer dan (weken)", min_value=1, max_value=104, value=6)
    waiting = reportback.overdue(store, user, weeks=int(weeks), wijk_id=wijk)
    st.caption(f"{len(waiting)} vragen zonder terugkoppeling")
    if waiting:
        st.dataframe(pd.DataFrame(waiting)[["asked_on", "wijkwerkplaats", "text"]].rename(
            columns={"asked_on": "Datum", "wijkwerkplaats": "Wijkwerkplaats", "text": "Vraag"}),
            hide_index=True, width="stretch")
