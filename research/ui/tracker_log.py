"""Wijkwerkplaats: log a resident's question right after a gathering (short, phone-friendly).

No form: as soon as the coordinator leaves the question field, similar questions and theme
suggestions appear below it. They are hints only and never block saving. The page never waits
for the model: the lexical hints show at once, and the hints by meaning (computed in the model
worker, `tracker.hints`) replace them when they are there, usually within the same second.
"""

from datetime import date

import streamlit as st

from research import taxonomies
from research.errors import UserError
from research.tracker import contacts, dates, questions
from research.tracker import hints as similar_hints
from research.ui import shell

store, user = shell.guard("tracker.write")
st.title("Vraag vastleggen")

wijken = taxonomies.wijkwerkplaatsen(store)
own = questions.own_wijken(store, user)
programmes = taxonomies.programmes(store)
domains = taxonomies.life_domains(store)
FIELDS = ("log_text", "log_date", "log_place", "log_programme", "log_programme_hint",
          "log_domain", "log_future", "log_contact", "log_name", "log_phone", "log_email",
          "log_consent", "log_same_as")

done = st.session_state.pop("log_done", None)
if done:
    st.success(done)

text = st.text_area("Vraag, in de woorden van de bewoner", max_chars=questions.MAX_TEXT,
                    key="log_text", placeholder="Noteer geen namen van bewoners.")
left, right = st.columns(2)
wijk = left.selectbox("Wijkwerkplaats", own, format_func=wijken.get, key="log_wijk",
                      placeholder="Kies een optie")
phrase = right.text_input("Datum", value="vandaag", key="log_date",
                          help="Bijvoorbeeld: gisteren, vorige week dinsdag, 12 maart, 12-03-2026")
today = date.today()
asked_on = None
try:
    asked_on = dates.parse_date(phrase, today)
    right.caption(dates.format_date(asked_on))
except UserError as error:
    right.error(error.message)
future_ok = False
if asked_on and dates.is_future(asked_on, today):
    future_ok = st.checkbox(f"Ja, {dates.format_date(asked_on)} ligt in de toekomst en klopt",
                            key="log_future")


def take_suggestion() -> None:
    """Copy a clicked suggestion into the programme field (a callback: runs before the page)."""
    st.session_state["log_programme"] = st.session_state.get("log_programme_hint")


WAIT = 0.1   # seconds the page gives the model before it shows the lexical hints alone


def _look_again(typed: str, wijk_id: str) -> None:
    """While the hints by meaning are computed: a small part of the page that looks every
    half second and reruns the page once they are there."""
    def poll() -> None:
        if similar_hints.ready(store, wijk_id, typed):
            st.rerun()
        st.caption("Vragen met dezelfde betekenis worden nog gezocht …")

    shell.fragment(poll, run_every=0.5)()


def hints() -> None:
    """Similar questions and theme suggestions for the text typed so far."""
    typed = st.session_state.get("log_text", "")
    if not typed.strip() or wijk is None:
        return
    found, complete = similar_hints.similar(store, user, typed, wijk, wait=WAIT)
    if not complete:
        _look_again(typed, wijk)
    if found:
        exact = [f for f in found if f["exact"]]
        if exact:
            st.warning(f"Deze vraag is al vastgelegd op {shell.dutch_date(exact[0]['asked_on'])} "
                       f"(vraag {exact[0]['id']}).")
        with st.expander(f"Lijkt op {shell.count(len(found), 'eerdere vraag', 'eerdere vragen')}",
                         expanded=bool(exact)):
            for row in found:
                st.text(f"{shell.dutch_date(row['asked_on'])} · {row['text']}")
            by_id = {row["id"]: row for row in found}
            # Linked when the question is saved: the duplicate is known at intake.
            st.selectbox("Dit is dezelfde vraag als", list(by_id), index=None,
                         placeholder="Geen van deze", key="log_same_as",
                         format_func=lambda i: f"vraag {i}: {by_id[i]['text'][:80]}")
    suggested = similar_hints.suggested_themes(store, typed, wijk, wait=0)
    if suggested:
        st.caption("Voorgesteld programma (klik om over te nemen):")
        st.pills("Voorgesteld programma", [s.id for s in suggested], format_func=programmes.get,
                 label_visibility="collapsed", key="log_programme_hint",
                 on_change=shell.callback(take_suggestion))


hints()

left, right = st.columns(2)
group = left.selectbox("Gesteld door", list(questions.ASKER_GROUPS),
                       format_func=questions.ASKER_GROUPS.get, key="log_group",
                       placeholder="Kies een optie")
place = right.text_input("Bijeenkomst of plek", key="log_place")
left, right = st.columns(2)
programme = left.selectbox("Onderzoeksprogramma", list(programmes), index=None,
                           format_func=programmes.get, placeholder="Nog niet bepaald",
                           key="log_programme")
domain = right.selectbox("Leefdomein", list(domains), index=None, format_func=domains.get,
                         placeholder="Nog niet bepaald", key="log_domain")

wants_contact = st.checkbox("De bewoner wil horen wat er met de vraag gebeurt",
                            key="log_contact")
if wants_contact:
    st.caption("Alleen met toestemming. Contactgegevens zijn alleen zichtbaar voor jou en "
               "beheerders en worden een jaar na het sluiten van de vraag gewist.")
    left, right = st.columns(2)
    left.text_input("Naam (mag ook een voornaam of bijnaam zijn)", key="log_name")
    right.text_input("Telefoon", key="log_phone")
    left.text_input("E-mail", key="log_email")
    right.text_input("Toestemming: hoe gegeven", key="log_consent",
                     placeholder="bijv. mondeling op de bijeenkomst")


def save() -> None:
    """Log the question (and the contact, if any) and empty the form for the next one."""
    state = st.session_state
    try:
        if asked_on is None:
            raise dates.DateError(f"Datum niet herkend: '{phrase}'.")
        question_id = questions.log_question(
            store, user, wijk_id=wijk, asked_on=asked_on, text=state["log_text"],
            asker_group=group, place=place, programme_id=programme, domain_id=domain,
            future_confirmed=future_ok)
        if state.get("log_same_as"):
            try:
                questions.link_questions(store, user, question_id, state["log_same_as"],
                                         "zelfde")
            except UserError as error:
                state["log_error"] = (f"De vraag is vastgelegd (vraag {question_id}), maar niet "
                                      f"gekoppeld: {error.message}")
                return
        if wants_contact:
            try:
                contacts.save_contact(store, user, question_id,
                                      consent_text=state.get("log_consent", ""),
                                      name=state.get("log_name", ""),
                                      phone=state.get("log_phone", ""),
                                      email=state.get("log_email", ""))
            except UserError as error:
                state["log_error"] = (f"De vraag is vastgelegd (vraag {question_id}), maar de "
                                      f"contactgegevens niet: {error.message}")
                return
    except UserError as error:
        state["log_error"] = error.message
        return
    same = state.get("log_same_as")
    for key in FIELDS:
        state.pop(key, None)
    state["log_done"] = f"Vraag {question_id} vastgelegd" + (
        f", als dezelfde vraag als vraag {same}." if same else ".")


st.button("Vastleggen", type="primary", on_click=shell.callback(save), icon=":material/check:")
problem = st.session_state.pop("log_error", None)
if problem:
    st.error(problem)
