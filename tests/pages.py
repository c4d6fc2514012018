"""What every page test shares: running a page or the router with AppTest as a logged-in
user, and finding its widgets by label (the DOM of Streamlit's test runner)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from conftest import logged_in
from research import accounts
from research.ui import shell

ROOT = Path(__file__).resolve().parent.parent
ROUTER = ROOT / "streamlit_app.py"
ROLES = ["beheerder", "onderzoeker", "analist", "coordinator", "lezer"]
NO_ACCESS = "Je hebt geen toegang tot deze pagina."
TIMEOUT = 30


def page_file(name: str) -> str:
    return str(shell.UI_DIR / name)


def run_page(name: str, user: accounts.User, **state) -> AppTest:
    if name == "home.py":
        # The start page links into the other pages (st.page_link), which needs the router's
        # st.navigation; it is the router's default page, so run it through the router.
        return run_router(auth=logged_in(user), **state)
    at = AppTest.from_file(page_file(name), default_timeout=TIMEOUT)
    at.session_state["auth"] = logged_in(user)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def run_router(**state) -> AppTest:
    at = AppTest.from_file(str(ROUTER), default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def form_button(at: AppTest, label: str, form: str | None = None):
    found = [b for b in at.button if b.label == label and (form is None or b.form_id == form)]
    assert len(found) == 1, f"expected one button {label!r}, found {[b.label for b in at.button]}"
    return found[0]


def widget(widgets, label: str, form: str | None = None):
    found = [w for w in widgets if w.label == label and (form is None or w.form_id == form)]
    assert len(found) == 1, f"expected one widget {label!r}, found {[w.label for w in widgets]}"
    return found[0]


def login(at: AppTest, username: str, password: str) -> AppTest:
    widget(at.text_input, "Gebruikersnaam").input(username)
    widget(at.text_input, "Wachtwoord").input(password)
    return form_button(at, "Inloggen").click().run()


def assert_login_form(at: AppTest) -> None:
    assert titles(at) == ["Onderzoekswerkplaats"]
    assert [b.label for b in at.button] == ["Inloggen"]
    assert [t.label for t in at.text_input] == ["Gebruikersnaam", "Wachtwoord"]
    assert "auth" not in at.session_state
    # No page ran and no account box was drawn.
    assert not at.sidebar.caption
    assert not [b for b in at.button if b.label == "Uitloggen"]
