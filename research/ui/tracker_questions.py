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

selection = questions.select(store, user, wijk_id=wijk, programme_id=programme, since=since,
                             until=until, search=search)
total = selection.count(store)
# A page of rows at a time: a table of 20,000 questions took the browser seconds to draw on
# every click, and a choice box of 20,000 options as long again.
ROWS = 100
pages = max(1, -(-total // ROWS))
if pages > 1:
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    number = left.number_input(f"Pagina (van {pages})", min_value=1, max_value=pages, value=1,
                               key="question_page")
    first = (int(number) - 1) * ROWS
    right.caption(f"{shell.count(total, 'vraag', 'vragen')}, nieuwste eerst; "
                  f"hier {first + 1}–{min(first + ROWS, total)}.")
else:
    first = 0
    st.caption(shell.count(total, "vraag", "vragen"))
shown_rows = selection.rows(store, ROWS, first)


def questions_table(rows: list[dict], dates_as_text: bool = False) -> pd.DataFrame:
    """The questions as the table shows them and the download writes them (dates as
    dd-mm-jjjj text), Dutch headings."""
    table = pd.DataFrame(rows, columns=["asked_on", "wijkwerkplaats", "text", "asker_group",
                                        "programme", "life_domain", "place", "status"])
    table["asked_on"] = (table["asked_on"].map(shell.dutch_date) if dates_as_text
                         else pd.to_datetime(table["asked_on"]))
    table["asker_group"] = table["asker_group"].map(questions.ASKER_GROUPS)
    table["status"] = table["status"].map(questions.STATUSES)
    return table.rename(columns={
        "asked_on": "Datum", "wijkwerkplaats": "Wijkwerkplaats", "text": "Vraag",
        "asker_group": "Gesteld door", "programme": "Programma", "life_domain": "Leefdomein",
        "place": "Plek", "status": "Status"})


def open_question(question_id: int) -> None:
    """Open a question from its card or its row: the same choice as 'Vraag openen'."""
    st.session_state["open_question"] = question_id


def open_selected_row() -> None:
    """A row clicked in the table (its box or any of its cells) opens its question."""
    selection = st.session_state["question_table"].selection
    rows = selection.rows or [row for row, _column in selection.cells]
    ids = st.session_state.get("question_table_ids", [])
    if rows and rows[0] < len(ids):
        open_question(ids[rows[0]])


if shown_rows:
    by_id = {q["id"]: q for q in shown_rows}
    # On a phone a wide table is cut off after two columns: there, questions read as cards.
    if st.toggle("Als kaarten", value=widgets.on_phone(), key="question_cards"):
        for q in shown_rows:
            with st.container(border=True):
                st.text(q["text"])
                st.caption(shell.plain(" · ".join(v for v in (
                    shell.dutch_date(q["asked_on"]), q["wijkwerkplaats"],
                    questions.STATUSES[q["status"]], q["programme"], q["place"]) if v)))
                st.button("Openen", key=f"open_{q['id']}", on_click=shell.callback(open_question),
                          args=(q["id"],))
    else:
        st.session_state["question_table_ids"] = list(by_id)
        st.dataframe(questions_table(shown_rows), hide_index=True, width="stretch",
                     column_config={"Vraag": st.column_config.TextColumn(width="large"),
                                    "Datum": st.column_config.DateColumn(format="DD-MM-YYYY")},
                     placeholder="—", key="question_table",
                     selection_mode=["single-row", "single-cell"],
                     on_select=shell.callback(open_selected_row))
        widgets.table_download(lambda: questions_table(selection.rows(store), dates_as_text=True),
                               "bewonersvragen")
    if st.session_state.get("open_question") not in by_id:
        st.session_state.pop("open_question", None)
    chosen = st.selectbox("Vraag openen", list(by_id), index=None, placeholder="Kies een vraag",
                          key="open_question",
                          format_func=lambda i: f"{shell.dutch_date(by_id[i]['asked_on'])} · "
                                                f"{by_id[i]['text'][:90]}")
    if chosen is not None:
        question_detail(chosen)

counts = questions.count_by_programme(store, user)
if counts:
    st.plotly_chart(overview.programmes_figure(counts), width="stretch")

# Computed only while open: over 20,000 questions it took a tenth of a second every click.
waiting_section = st.expander("Wachten op terugkoppeling", icon=":material/schedule:",
                              key="waiting", on_change="rerun")
with waiting_section:
    if waiting_section.open:
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
