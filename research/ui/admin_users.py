"""Beheer: accounts (add, change role and wijken, disable, reset a password, end sessions)."""

import pandas as pd
import streamlit as st

from research import accounts, sessions, taxonomies
from research.accounts import ROLES
from research.qual import coders
from research.ui import shell

store, user = shell.guard("admin")
st.title("Gebruikers")

wijken = taxonomies.wijkwerkplaatsen(store)
shown = st.session_state.pop("shown_password", None)
if shown:
    st.success(f"Wachtwoord voor {shell.plain(shown[0])} (wordt maar één keer getoond):")
    st.code(shown[1], language=None)

saved = st.session_state.pop("saved_message", None)
if saved:
    st.success(saved)

rows = accounts.list_users(store)
table = pd.DataFrame(rows)
st.dataframe(
    table.assign(role=table["role"].map(ROLES), active=table["active"].astype(bool),
                 password_changed_at=shell.local_times(table["password_changed_at"]))
    [["username", "display_name", "email", "role", "wijken", "active", "password_changed_at"]]
    .fillna("")
    .rename(columns={"username": "Gebruikersnaam", "display_name": "Naam", "email": "E-mail",
                     "role": "Rol", "wijken": "Wijkwerkplaatsen", "active": "Actief",
                     "password_changed_at": "Wachtwoord gewijzigd"}),
    hide_index=True, width="stretch", placeholder="—")

add_tab, edit_tab, coder_tab = st.tabs(["Account toevoegen", "Account wijzigen",
                                        "Codeurs zonder login"])

with add_tab:
    with st.form("add_user", clear_on_submit=True):
        username = st.text_input("Gebruikersnaam")
        display_name = st.text_input("Volledige naam")
        email = st.text_input("E-mailadres (voor inloggen via de organisatie)")
        role = st.selectbox("Rol", list(ROLES), format_func=ROLES.get, placeholder="Kies een optie")
        chosen = st.multiselect("Wijkwerkplaatsen (voor een coördinator)", list(wijken),
                                format_func=wijken.get, placeholder="Kies wijkwerkplaatsen",
                                select_all=False)
        if st.form_submit_button("Account aanmaken", type="primary"):
            with shell.reported():
                password = accounts.generate_password()
                created = accounts.create_user(store, user, username, role, password,
                                               display_name=display_name, email=email,
                                               wijken=chosen)
                st.session_state["shown_password"] = (created.username, password)
                st.rerun()

with edit_tab:
    by_id = {r["id"]: r for r in rows}
    target_id = st.selectbox("Account", list(by_id), format_func=lambda i: by_id[i]["username"],
                             placeholder="Kies een optie")
    target = accounts.get_user(store, target_id)
    assert target is not None  # one of the accounts listed
    with st.form("edit_user"):
        new_role = st.selectbox("Rol", list(ROLES), index=list(ROLES).index(target.role),
                                format_func=ROLES.get, placeholder="Kies een optie")
        new_wijken = st.multiselect("Wijkwerkplaatsen", list(wijken), default=list(target.wijken),
                                    format_func=wijken.get, placeholder="Kies wijkwerkplaatsen",
                                    select_all=False)
        new_name = st.text_input("Volledige naam", value=target.display_name or "")
        new_email = st.text_input("E-mailadres", value=target.email or "")
        active = st.checkbox("Actief", value=target.active)
        if st.form_submit_button("Wijzigingen opslaan"):
            with shell.reported():
                accounts.update_user(store, user, target_id, role=new_role, wijken=new_wijken,
                                     active=active, display_name=new_name, email=new_email)
                st.session_state["saved_message"] = "Opgeslagen."
                st.rerun()
    open_sessions = len(sessions.open_sessions(store, target_id))
    if st.button(f"Sessies beëindigen ({open_sessions} open)", icon=":material/logout:",
                 disabled=not open_sessions,
                 help="Logt dit account overal uit: in elk tabblad en elke browser."):
        with shell.reported():
            ended = sessions.revoke_user(store, user, target_id)
            st.session_state["saved_message"] = (
                f"{shell.count(ended, 'sessie', 'sessies')} van {shell.plain(target.username)} "
                "beëindigd.")
            st.rerun()
    sure = st.checkbox("Ik wil een nieuw wachtwoord instellen; het huidige vervalt meteen.")
    if st.button("Nieuw wachtwoord instellen", icon=":material/key:", disabled=not sure):
        with shell.reported():
            password = accounts.reset_password(store, user, target_id)
            st.session_state["shown_password"] = (target.username, password)
            st.rerun()

with coder_tab:
    st.caption("Codeurs uit een geïmporteerd REFI-QDA-project (ATLAS.ti, NVivo, MAXQDA, ...): "
               "ze kunnen niet inloggen. Koppel een codeur aan het account van die persoon; "
               "de coderingen en memo's gaan dan over naar dat account.")
    unlinked = coders.unlinked(store, user)
    if not unlinked:
        st.info("Er zijn geen codeurs zonder login.")
    else:
        st.dataframe(pd.DataFrame(unlinked)[["username", "projects", "codings"]].rename(
            columns={"username": "Codeur", "projects": "Projecten", "codings": "Coderingen"}),
            hide_index=True, width="stretch", placeholder="—")
        by_coder = {c["id"]: c["username"] for c in unlinked}
        by_account = {r["id"]: r["username"] for r in rows}
        with st.form("link_coder"):
            coder = st.selectbox("Codeur", list(by_coder), format_func=by_coder.get,
                                 placeholder="Kies een optie")
            account = st.selectbox("hoort bij account", list(by_account),
                                   format_func=by_account.get, placeholder="Kies een optie")
            if st.form_submit_button("Koppelen"):
                with shell.reported():
                    moved = coders.link(store, user, coder, account)
                    st.session_state["saved_message"] = (
                        f"{shell.plain(by_coder[coder])} gekoppeld aan "
                        f"{shell.plain(by_account[account])}: "
                        f"{shell.count(moved['codings'], 'codering', 'coderingen')} "
                        "overgezet.")
                    st.rerun()
