"""Wijkwerkplaats: the year's ontwikkelvraag, formulated from residents' questions and followed
through its statuses, milestones, partners and ontwikkelbudget."""

from datetime import date

import pandas as pd
import streamlit as st

from research import accounts, taxonomies
from research.tracker import grouping, questions
from research.tracker import ontwikkelvragen as ov
from research.ui import shell, widgets

store, user = shell.guard("tracker.read")
st.title("Ontwikkelvraag")

wijken = taxonomies.wijkwerkplaatsen(store)
programmes = taxonomies.programmes(store)
statuses = ov.statuses(store)
roles = ov.partner_roles()

existing = ov.list_all(store, user)
if existing:
    st.dataframe(pd.DataFrame(existing)[["year", "wijkwerkplaats", "title", "status_name",
                                         "progress", "questions"]]
                 .rename(columns={"year": "Jaar", "wijkwerkplaats": "Wijkwerkplaats",
                                  "title": "Ontwikkelvraag", "status_name": "Status",
                                  "progress": "Voortgang (%)", "questions": "Vragen"}),
                 hide_index=True, width="stretch", placeholder="—")

own = questions.own_wijken(store, user)
if own:
    with st.expander("Nieuwe ontwikkelvraag formuleren", icon=":material/add:",
                     expanded=not existing):
        with st.form("new_ov", clear_on_submit=True):
            left, right = st.columns(2)
            wijk = left.selectbox("Wijkwerkplaats", own, format_func=wijken.get,
                                  placeholder="Kies een optie")
            year = right.number_input("Jaar", 2000, 2100, date.today().year)
            title = st.text_input("Korte titel")
            text = st.text_area("De ontwikkelvraag")
            rationale = st.text_area("Waarom deze vraag (onderbouwing)")
            programme = st.selectbox("Onderzoeksprogramma", list(programmes), index=None,
                                     format_func=programmes.get, placeholder="Nog niet bepaald")
            pool = {q["id"]: q for w in own
                    for q in questions.list_questions(store, user, wijk_id=w)}
            chosen = st.multiselect("Bewonersvragen waar deze vraag uit voortkomt", list(pool),
                                    format_func=lambda i: f"{pool[i]['wijkwerkplaats']} · "
                                                          f"{pool[i]['asked_on']} · "
                                                          f"{pool[i]['text'][:80]}",
                                    placeholder="Kies vragen", select_all=False)
            confirmed = {g["id"]: g for w in own for g in grouping.groups(store, user, w)}
            group_ids = st.multiselect("Of uit bevestigde groepen", list(confirmed),
                                       format_func=lambda i: confirmed[i]["title"],
                                       placeholder="Kies groepen (Groeperen)", select_all=False)
            if st.form_submit_button("Ontwikkelvraag opslaan", type="primary"):
                with shell.reported():
                    from_groups = [q["id"] for i in group_ids for q in confirmed[i]["questions"]]
                    ov.create(store, user, wijk_id=wijk, year=int(year), title=title,
                              question=text, rationale=rationale, programme_id=programme,
                              question_ids=list(dict.fromkeys([*chosen, *from_groups])))
                    st.rerun()

if not existing:
    st.info("Er is nog geen ontwikkelvraag vastgelegd.")
    st.stop()

labels = {r["id"]: f"{r['year']} · {r['wijkwerkplaats']} · {r['title']}" for r in existing}
ov_id = st.selectbox("Ontwikkelvraag openen", list(labels), format_func=labels.get,
                     placeholder="Kies een optie")
item = ov.get(store, user, ov_id)
writer = accounts.can(user, "tracker.write", item["wijk_id"])

st.subheader(shell.plain(item["title"]))
st.text(item["question"])
if item["rationale"]:
    st.caption("Onderbouwing")
    st.text(item["rationale"])
left, middle, right = st.columns(3)
left.metric("Status", statuses[item["status"]]["name"])
middle.metric("Voortgang", f"{item['progress']}%")
right.metric("Ontwikkelbudget besteed", f"€ {item['budget_spent']:,.0f}".replace(",", "."),
             help=f"van € {item['budget_granted']:,.0f} toegekend".replace(",", "."))

questions_tab, status_tab, milestones_tab, partners_tab, knowledge_tab = st.tabs(
    ["Vragen", "Status", "Mijlpalen", "Partners en budget", "Kennis"])

with questions_tab:
    st.dataframe(pd.DataFrame(item["questions"], columns=["asked_on", "text"])
                 .rename(columns={"asked_on": "Datum", "text": "Vraag"}),
                 hide_index=True, width="stretch", placeholder="—")

with status_tab:
    name = {key: row["name"] for key, row in statuses.items()}
    st.dataframe(pd.DataFrame([{"Datum": c["changed_on"], "Van": name.get(c["from_status"], ""),
                                "Naar": name[c["to_status"]], "Toelichting": c["note"]}
                               for c in item["changes"]]),
                 hide_index=True, width="stretch", placeholder="—")
    allowed = ov.next_statuses(store, item["status"])
    final = ov.final_statuses()
    if writer and item["status"] in final:
        st.info(f"Deze ontwikkelvraag is {statuses[item['status']]['name'].lower()}. Heropen "
                "haar als er toch verder aan wordt gewerkt.")
        with st.form("reopen", clear_on_submit=True):
            reason = st.text_input("Waarom gaat ze weer open?")
            if st.form_submit_button("Heropenen"):
                with shell.reported():
                    ov.reopen(store, user, ov_id, reason)
                    st.rerun()
    if writer and allowed:
        with st.form("status", clear_on_submit=True):
            # Nothing preselected: a final status must be a choice, never a default.
            target = st.selectbox("Nieuwe status", allowed, index=None,
                                  placeholder="Kies een status",
                                  format_func=lambda s: statuses[s]["name"])
            note = st.text_input("Waarom")
            confirm_final = st.checkbox(
                "Ik weet dat " + " en ".join(f"'{statuses[s]['name']}'" for s in allowed
                                             if s in final)
                + " de ontwikkelvraag afsluit") if any(s in final for s in allowed) else False
            if st.form_submit_button("Status wijzigen"):
                with shell.reported():
                    if target is None:
                        raise ov.OntwikkelvraagError("Kies eerst een nieuwe status.")
                    ov.change_status(store, user, ov_id, target, note, confirmed=confirm_final)
                    st.rerun()

with milestones_tab:
    for milestone in item["milestones"]:
        left, right = st.columns([4, 1])
        due = f" (gepland {milestone['due_on']})" if milestone["due_on"] else ""
        done = f" · bereikt {milestone['done_on']}" if milestone["done_on"] else ""
        left.text(f"{milestone['title']}{due}{done}")
        if writer and not milestone["done_on"] and right.button(
                "Bereikt", key=f"done_{milestone['id']}"):
            with shell.reported():
                ov.complete_milestone(store, user, milestone["id"], date.today())
                st.rerun()
    if writer:
        with st.form("milestone", clear_on_submit=True):
            left, right = st.columns([3, 1])
            milestone_name = left.text_input("Nieuwe mijlpaal")
            due_on = right.date_input("Gepland op", value=None, format="DD-MM-YYYY")
            if st.form_submit_button("Mijlpaal toevoegen"):
                with shell.reported():
                    ov.add_milestone(store, user, ov_id, milestone_name, due_on)
                    st.rerun()

with partners_tab:
    partners = pd.DataFrame(item["partners"], columns=["id", "name", "role", "budget_granted",
                                                       "budget_spent"])
    st.dataframe(partners.drop(columns="id").assign(role=lambda t: t["role"].map(roles))
                 .rename(columns={"name": "Partner", "role": "Rol",
                                  "budget_granted": "Toegekend (€)",
                                  "budget_spent": "Besteed (€)"}),
                 hide_index=True, width="stretch", placeholder="—")
    if writer:
        with st.form("partner", clear_on_submit=True):
            left, middle, right = st.columns(3)
            partner_name = left.text_input("Partner")
            role = middle.selectbox("Rol", list(roles), format_func=roles.get,
                                    placeholder="Kies een optie")
            granted = right.number_input("Toegekend budget (€)", min_value=0.0, step=500.0)
            if st.form_submit_button("Partner toevoegen"):
                with shell.reported():
                    ov.add_partner(store, user, ov_id, partner_name, role, granted)
                    st.rerun()
        if not partners.empty:
            with st.form("spent"):
                names = dict(zip(partners["id"], partners["name"], strict=True))
                left, right = st.columns(2)
                partner_id = left.selectbox("Partner", list(names), format_func=names.get,
                                            placeholder="Kies een optie")
                spent = right.number_input("Besteed tot nu toe (€)", min_value=0.0, step=100.0)
                if st.form_submit_button("Besteding bijwerken"):
                    with shell.reported():
                        ov.set_budget(store, user, int(partner_id), spent=spent)
                        st.rerun()

with knowledge_tab:
    widgets.knowledge_section(store, user, "ontwikkelvraag", ov_id)
