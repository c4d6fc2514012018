"""Groeperen: the grouping job proposes clusters of open questions; the coordinator confirms
(all or some of the questions), or rejects. Nothing is merged without a person deciding."""

import streamlit as st

from research import accounts, taxonomies
from research.tracker import grouping, questions
from research.ui import shell

store, user = shell.guard("tracker.read")
st.title("Groeperen")
wijken = taxonomies.wijkwerkplaatsen(store)
own = questions.own_wijken(store, user)
readable = questions.visible_wijken(store, user)
wijk = st.selectbox("Wijkwerkplaats", readable, format_func=wijken.get,
                    index=readable.index(own[0]) if own else 0, placeholder="Kies een optie")
writer = accounts.can(user, "tracker.write", wijk)

proposals_tab, groups_tab = st.tabs(["Voorstellen", "Bevestigde groepen"])

with proposals_tab:
    found = grouping.proposals(store, user, wijk)
    st.caption(f"{shell.count(len(found), 'voorstel', 'voorstellen')} uit de open vragen die "
               "nog in geen groep zitten. Haal vragen weg die er niet bij horen en bevestig, of "
               "wijs het voorstel af.")
    for proposal in found[:30]:
        with st.container(border=True):
            labels = {q["id"]: f"{q['asked_on']} · {q['text']}" for q in proposal["questions"]}
            for question in proposal["questions"]:
                st.text(labels[question["id"]])
            if not writer:
                continue
            def short(question_id: int, shown: dict[int, str] = labels) -> str:
                return shown[question_id][:90]

            with st.form(f"proposal_{proposal['key']}"):
                keep = st.multiselect("Vragen in de groep", list(labels), default=list(labels),
                                      format_func=short, placeholder="Kies een of meer opties",
                                      select_all=False)
                title = st.text_input("Titel van de groep")
                confirm, reject = st.columns(2)
                if confirm.form_submit_button("Bevestigen", type="primary"):
                    with shell.reported():
                        grouping.confirm(store, user, wijk, keep, title)
                        st.rerun()
                if reject.form_submit_button("Afwijzen"):
                    with shell.reported():
                        grouping.reject(store, user, wijk, list(labels))
                        st.rerun()

with groups_tab:
    confirmed = grouping.groups(store, user, wijk)
    if not confirmed:
        st.info("Nog geen bevestigde groepen.")
    for group in confirmed:
        with st.expander(f"{shell.plain(group['title'])} ({len(group['questions'])} vragen)"):
            for question in group["questions"]:
                st.text(f"{question['asked_on']} · {question['text']}")
            if writer and st.button("Groep opheffen", key=f"dissolve_{group['id']}"):
                with shell.reported():
                    grouping.dissolve(store, user, group["id"])
                    st.rerun()
