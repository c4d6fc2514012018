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
        planned = reportback.plan_of(store, user, question_id) or {}
        if planned.get("owner") or planned.get("due_on"):
            st.caption(shell.plain(f"Terugkoppeling door {planned.get('owner') or 'nog niemand'}"
                                   + (f", uiterlijk {shell.dutch_date(planned['due_on'])}"
                                      if planned.get("due_on") else "")))
        if writer:
            owners = {o["id"]: o["name"] for o in reportback.owners(store, user,
                                                                    question["wijk_id"])}
            with st.form("reportback_plan", border=False):
                left, right, button = st.columns([2, 2, 1], vertical_alignment="bottom")
                owner = left.selectbox("Wie koppelt terug", list(owners), format_func=owners.get,
                                       index=list(owners).index(planned["owner_id"])
                                       if planned.get("owner_id") in owners else None,
                                       placeholder="Nog niemand")
                due = right.date_input("Uiterlijk", format="DD-MM-YYYY",
                                       value=date.fromisoformat(planned["due_on"])
                                       if planned.get("due_on") else None)
                if button.form_submit_button("Opslaan"):
                    with shell.reported():
                        reportback.plan(store, user, question_id, owner_id=owner, due_on=due)
                        st.rerun()
        if writer:
            with st.form("reportback", clear_on_submit=True):
                left, right = st.columns(2)
                how = left.selectbox("Terugkoppeling: hoe", list(reportback.CHANNELS),
                                     format_func=reportback.CHANNELS.get,
                                     placeholder="Kies een optie")
                told_on = right.date_input("Op", value=date.today(), format="DD-MM-YYYY")
                told_text = st.text_input("Wat is er teruggekoppeld")
                if st.form_submit_button("Terugkoppeling vastleggen"):
                    with shell.reported():
                        reportback.record(store, user, question_id, how=how, text=told_text,
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
st.caption(shell.count(len(found), "vraag", "vragen"))
CARDS = 50
if found:
    # On a phone a wide table is cut off after two columns: there, questions read as cards.
    if st.toggle("Als kaarten", value=widgets.on_phone(), key="question_cards"):
        for q in found[:CARDS]:
            with st.container(border=True):
                st.text(q["text"])
                st.caption(shell.plain(" · ".join(v for v in (
                    shell.dutch_date(q["asked_on"]), q["wijkwerkplaats"],
                    questions.STATUSES[q["status"]], q["programma"], q["place"]) if v)))
        if len(found) > CARDS:
            st.caption(f"De nieuwste {CARDS} van {len(found)}; zoek of filter voor de rest.")
    else:
        table = pd.DataFrame(found)
        table["asked_on"] = pd.to_datetime(table["asked_on"])
        table["asker_group"] = table["asker_group"].map(questions.ASKER_GROUPS)
        table["status"] = table["status"].map(questions.STATUSES)
        shown = table[["asked_on", "wijkwerkplaats", "text", "asker_group", "programma",
                       "leefdomein", "place", "status"]].rename(columns={
            "asked_on": "Datum", "wijkwerkplaats": "Wijkwerkplaats", "text": "Vraag",
            "asker_group": "Gesteld door", "programma": "Programma", "leefdomein": "Leefdomein",
            "place": "Plek", "status": "Status"})
        st.dataframe(shown, hide_index=True, width="stretch",
                     column_config={"Vraag": st.column_config.TextColumn(width="large"),
                                    "Datum": st.column_config.DateColumn(format="DD-MM-YYYY")},
                     placeholder="—")
        widgets.table_download(shown.assign(Datum=shown["Datum"].dt.strftime("%d-%m-%Y")),
                               "bewonersvragen")
    by_id = {q["id"]: q for q in found}
    chosen = st.selectbox("Vraag openen", list(by_id), index=None, placeholder="Kies een vraag",
                          format_func=lambda i: f"{shell.dutch_date(by_id[i]['asked_on'])} · "
                                                f"{by_id[i]['text'][:90]}")
    if chosen is not None:
        question_detail(chosen)

counts = questions.count_by_programme(store, user)
if counts:
    st.plotly_chart(overview.programmes_figure(counts), width="stretch")

with st.expander("Wachten op terugkoppeling", icon=":material/schedule:"):
    weeks = st.number_input("Langer dan (weken)", min_value=1, max_value=104, value=6)
    waiting = reportback.overdue(store, user, weeks=int(weeks), wijk_id=wijk)
    st.caption(shell.count(len(waiting), "vraag zonder terugkoppeling",
                           "vragen zonder terugkoppeling")
               + " (met een uiterste datum: als die voorbij is; zonder: na zoveel weken)")
    if waiting:
        late = pd.DataFrame(waiting)
        late["deadline"] = late["deadline"].map(shell.dutch_date)
        late["asked_on"] = late["asked_on"].map(shell.dutch_date)
        late["owner"] = late["owner"].fillna("nog niemand")
        st.dataframe(late[["deadline", "owner", "asked_on", "wijkwerkplaats", "text"]].rename(
            columns={"deadline": "Uiterlijk", "owner": "Wie", "asked_on": "Gesteld op",
                     "wijkwerkplaats": "Wijkwerkplaats", "text": "Vraag"}),
            hide_index=True, width="stretch", placeholder="—")
