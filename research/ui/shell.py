"""The app's shell: the database handle, the login gate, the page list and the page guard.

Pages call `guard(permission)` first; it checks the login and the role on the server on every
run, so a page reached by URL is as safe as one reached by the menu.
"""

from __future__ import annotations

import functools
import gc
import importlib
import pkgutil
import re
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

import research
from research import accounts, config, nlp, sessions, worker
from research.accounts import User
from research.errors import UserError
from research.qual import projects
from research.schema import open_store
from research.startup import admin_password_notice, prepare
from research.storage import SYSTEM, Actor, StorageError, Store
from research.tracker import contacts

UI_DIR = Path(__file__).resolve().parent
ICON = str(UI_DIR / "icon.png")


@dataclass(frozen=True)
class PageSpec:
    section: str
    file: str
    title: str
    icon: str
    permission: str | None  # None: every logged-in user


PAGES = [
    PageSpec("", "home.py", "Start", ":material/home:", None),
    PageSpec("Kwalitatief", "qual_projects.py", "Projecten", ":material/forum:", "qual.read"),
    PageSpec("Kwalitatief", "qual_import.py", "Importeren", ":material/upload_file:",
             "qual.write"),
    PageSpec("Kwalitatief", "qual_code.py", "Coderen", ":material/ink_highlighter:", "qual.read"),
    PageSpec("Kwalitatief", "qual_passages.py", "Fragmenten", ":material/format_quote:",
             "qual.read"),
    PageSpec("Kwalitatief", "qual_search.py", "Zoeken", ":material/search:", "qual.read"),
    PageSpec("Kwalitatief", "qual_codebook.py", "Codeboek", ":material/account_tree:",
             "qual.read"),
    PageSpec("Kwalitatief", "qual_memos.py", "Memo's", ":material/sticky_note_2:", "qual.read"),
    PageSpec("Kwalitatief", "qual_cases.py", "Casussen", ":material/badge:", "qual.read"),
    PageSpec("Kwalitatief", "qual_axial.py", "Axiaal en selectief", ":material/hub:",
             "qual.read"),
    PageSpec("Kwalitatief", "qual_compare.py", "Vergelijken", ":material/compare:", "qual.read"),
    PageSpec("Kwalitatief", "qual_agreement.py", "Overeenstemming", ":material/handshake:",
             "qual.read"),
    PageSpec("Kwalitatief", "qual_reports.py", "Rapporten", ":material/description:",
             "qual.read"),
    PageSpec("Monitor", "survey_results.py", "Resultaten", ":material/bar_chart:", "survey.read"),
    PageSpec("Monitor", "survey_response.py", "Respons", ":material/how_to_reg:", "survey.read"),
    PageSpec("Monitor", "survey_quotes.py", "Citaten", ":material/format_quote:", "survey.read"),
    PageSpec("Monitor", "survey_stapeling.py", "Stapeling", ":material/grid_on:", "survey.read"),
    PageSpec("Monitor", "survey_report.py", "Meetrapport", ":material/summarize:",
             "survey.read"),
    PageSpec("Monitor", "survey_load.py", "Meting laden", ":material/upload:", "survey.write"),
    PageSpec("Monitor", "survey_fieldwork.py", "Veldwerk", ":material/forward_to_inbox:",
             "survey.write"),
    PageSpec("Monitor", "survey_setup.py", "Vragenlijst en ontwerp", ":material/tune:",
             "survey.read"),
    PageSpec("Wijkwerkplaats", "tracker_log.py", "Vraag vastleggen", ":material/add_comment:",
             "tracker.write"),
    PageSpec("Wijkwerkplaats", "tracker_questions.py", "Bewonersvragen",
             ":material/question_answer:", "tracker.read"),
    PageSpec("Wijkwerkplaats", "tracker_groups.py", "Groeperen", ":material/workspaces:",
             "tracker.read"),
    PageSpec("Wijkwerkplaats", "tracker_ontwikkelvraag.py", "Ontwikkelvraag",
             ":material/flag:", "tracker.read"),
    PageSpec("Wijkwerkplaats", "tracker_public.py", "Openbaar maken", ":material/public:",
             "tracker.write"),
    PageSpec("Wijkwerkplaats", "tracker_overview.py", "Overzichten", ":material/timeline:",
             "tracker.read"),
    PageSpec("Beheer", "admin_users.py", "Gebruikers", ":material/group:", "admin"),
    PageSpec("Beheer", "admin_audit.py", "Auditlog", ":material/history:", "admin"),
    PageSpec("Beheer", "admin_backup.py", "Back-up", ":material/backup:", "admin"),
    PageSpec("Account", "account.py", "Mijn account", ":material/person:", None),
]


def page_path(file: str) -> str:
    """The path a page is registered under (for st.switch_page)."""
    return str(UI_DIR / file)


# -- showing user text ------------------------------------------------------------------------

_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:")
# GFM links web and e-mail addresses in plain text after escapes have been read, so escaping
# cannot stop it: an invisible word joiner (U+2060) after the ':' of '://', between 'www' and
# its (escaped) '.' and after '@' keeps them text.
_ADDRESS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\\?\.)|(?<=@)", re.IGNORECASE)


def plain(text: object) -> str:
    """User text made safe for a markdown-rendering element (labels, captions, messages):
    shown as typed, with nothing in it becoming formatting, a link or an image."""
    escaped = "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in str(text))
    return _ADDRESS.sub("\u2060", escaped)


# What markdown needs to link or fetch: links and images ([ ]), autolinks and HTML (<),
# Streamlit's directives (:blue[...], :material/...:), formulas ($) and code spans (`, in which
# escapes would show); '\\' so that no escape of ours can be undone.
_POINTING = set("\\`[]<:$")


def formatted(text: object) -> str:
    """User-written markdown (a memo) for a markdown element: emphasis, headings, lists,
    quotes and tables stay, but no image, link, address or HTML in it becomes anything but
    text, so showing it never makes the reader's browser fetch or open an outside address."""
    escaped = "".join("\\" + c if c in _POINTING else c for c in str(text))
    return _ADDRESS.sub("\u2060", escaped)


# -- database ---------------------------------------------------------------------------------

@st.cache_resource(show_spinner=False)
def _open(path: str) -> Store:
    # One Store per process and file; it keeps a connection per thread (one per session run).
    store = open_store(Path(path))
    # The model and computation workers start with the app, so deduce is warm before anyone
    # imports a transcript (a no-op when `python -m research serve` started them already).
    worker.start_all()
    settle()
    prepared = prepare(store)
    if prepared.admin_password:
        print(admin_password_notice(prepared.admin_password), flush=True)
    # The meaning worker embeds the questions that have no vector yet, in the background
    # (once per process: after `serve` asked, this gets that preparation).
    from research.tracker import hints
    hints.prepare(store)
    return store


# The libraries the pages reach. Most are imported inside the functions that use them (so
# the command line starts at once); the app loads them up front so that they are frozen too.
PAGE_LIBRARIES = ("numpy", "pandas", "scipy.sparse", "scipy.stats", "sqlite_utils", "spacy",
                  "re2", "plotly.graph_objects", "plotly.express", "matplotlib.pyplot", "docx",
                  "openpyxl", "pyreadstat", "sklearn.feature_extraction.text",
                  "sklearn.linear_model", "sklearn.pipeline", "defusedxml.ElementTree",
                  "lxml.etree", "yaml", "dateutil.parser", "argon2", "pandas.io.formats.style")


@functools.cache
def settle() -> int:
    """Load everything the pages need (their libraries, every domain module, the language
    pipeline), then freeze what lives: returns how many objects the collector no longer walks.

    Streamlit collects garbage after every script run of every session, and a full collection
    walks every object the process tracks: the libraries alone made that 0.17 s of CPU per
    click. Frozen objects (modules, functions, lookup tables: they live as long as the
    process) are skipped; what the runs create is still collected as before. Once per
    process."""
    for name in PAGE_LIBRARIES:
        importlib.import_module(name)
    for module in pkgutil.walk_packages(research.__path__, "research."):
        if not module.name.startswith(("research.bench", "research.ui", "research.__main__")):
            importlib.import_module(module.name)
    nlp.warm()
    # Plotly reads its property validators on the first figure a process draws (0.15 s,
    # which the first chart page of the day waited for).
    graph_objects = importlib.import_module("plotly.graph_objects")
    graph_objects.Figure(graph_objects.Bar(x=[1], y=[1]))
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


@st.cache_resource(ttl=24 * 3600, show_spinner=False)
def _daily_upkeep(path: str) -> int:
    # At most once a day per server process: erase contact details past their retention.
    return contacts.purge(_open(path), SYSTEM)


def store() -> Store:
    """The app's database; on a storage problem, a clear page instead of a traceback."""
    try:
        path = str(config.db_path())
        _daily_upkeep(path)
        return _open(path)
    except StorageError as error:
        st.title("De database kan niet worden geopend")
        st.error(error.message)
        st.caption(f"Bestand: {plain(config.db_path())}")
        st.stop()
        raise  # unreachable: st.stop() ends the run
    except UserError as error:  # e.g. a too weak RESEARCH_ADMIN_PASSWORD for the first admin
        st.title("De app kan niet starten")
        st.error(error.message)
        st.stop()
        raise


# -- login ------------------------------------------------------------------------------------

def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises instead of answering False
        return False


def smtp_settings() -> dict | None:
    """The [smtp] section of the secrets (host, port, user, password, sender, starttls), or
    None when no mail server is configured."""
    try:
        return dict(st.secrets["smtp"]) if "smtp" in st.secrets else None
    except Exception:  # no secrets file at all: Streamlit raises instead of answering False
        return None


def _start_session(store: Store, user: User, via: str = "wachtwoord") -> None:
    """Log this tab in, and start the session that a refreshed page or a new tab finds through
    the cookie: the browser trades the one-time code for it (see `_cookie_handoff`)."""
    started, code = sessions.start(store, user, via)
    for key in ("clear_cookie", "clear_cookie_key", "login_message"):
        st.session_state.pop(key, None)
    st.session_state["auth"] = {"user_id": user.id, "epoch": user.session_epoch,
                                "last_seen": time.time(), "session": started}
    st.session_state["session_code"] = code
    st.session_state["session_code_until"] = time.time() + sessions.CODE_SECONDS


def session_id() -> int | None:
    """This tab's login session (None in a test's session-state login)."""
    return (st.session_state.get("auth") or {}).get("session")


def renew_session(user: User) -> None:
    """Keep this session after its own password change (which ends the account's others)."""
    st.session_state["auth"]["epoch"] = user.session_epoch


def logout(message: str | None = None) -> None:
    """Forget everything this tab held (a prepared backup download among it); the browser is
    then asked to drop its session cookie. The caller ends the session on the server."""
    had_session = session_id() is not None
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if message:
        st.session_state["login_message"] = message
    if had_session:
        st.session_state["clear_cookie"] = True


def _request_cookies():
    """The cookies the browser sent when this tab's page connected (none under AppTest)."""
    return st.context.cookies


def _cookie_auth(store: Store) -> dict | None:
    """A tab without a login of its own takes the one of the session cookie its page sent,
    if that session still holds (checked once per tab: the cookie cannot change in it)."""
    if st.session_state.get("cookie_checked"):
        return None
    st.session_state["cookie_checked"] = True
    found = sessions.by_token(store, sessions.token_from(_request_cookies()))
    if found is None:
        return None
    verdict = sessions.verdict(store, found)
    if verdict.user is None:
        if verdict.reason == sessions.EXPIRED and "login_message" not in st.session_state:
            sessions.end(store, found, sessions.EXPIRED)
            st.session_state["login_message"] = sessions.MESSAGES[sessions.EXPIRED]
        return None
    auth = {"user_id": verdict.user.id, "epoch": verdict.user.session_epoch,
            "last_seen": time.time(), "session": found}
    st.session_state["auth"] = auth
    return auth


def _session_user(store: Store) -> User | None:
    auth = st.session_state.get("auth") or _cookie_auth(store)
    if not auth:
        return None
    now = time.time()
    if auth.get("session") is not None:
        # A login session in the database: the same verdict for every tab that shares it.
        verdict = sessions.verdict(store, auth["session"])
        if verdict.user is None:
            assert verdict.reason is not None  # a verdict without a user says why
            sessions.end(store, auth["session"], verdict.reason)  # no-op if it had ended
            logout(sessions.MESSAGES[verdict.reason])
            return None
        sessions.seen(store, auth["session"], verdict.last_seen)
        auth["epoch"], auth["last_seen"] = verdict.user.session_epoch, now
        return verdict.user
    # A login kept only in this tab's state (AppTest's page tests set it directly).
    user = accounts.get_user(store, auth["user_id"])
    if user is None or not user.active:
        logout(sessions.MESSAGES[sessions.DISABLED])
        return None
    if accounts.session_expired(auth["last_seen"], now, config.session_timeout_minutes()):
        logout(sessions.MESSAGES[sessions.EXPIRED])
        return None
    if auth.get("epoch") != user.session_epoch:
        logout(sessions.MESSAGES[sessions.PASSWORD_SET])
        return None
    auth["last_seen"] = now
    return user


# The browser's side of the session cookie: a component (st.components.v2, in the page) that
# posts the one-time code to the server's /sessie route with fetch, or asks /sessie/uit to drop
# the cookie after a logout. The page never leaves, so the address (page and query) stays as
# the link had it, and no secret enters an address. It reports nothing back (that would cost a
# rerun): the next run sees in the database that the code was used.
_COOKIE_JS = """
export default function (component) {
  const { data } = component;
  const posted = window.__werkplaatsSessie || (window.__werkplaatsSessie = new Set());
  if (!data || posted.has(data.key)) { return; }
  posted.add(data.key);
  fetch(data.url, { method: 'POST', credentials: 'same-origin', cache: 'no-store',
                    headers: { 'Content-Type': 'application/json' },
                    body: JSON.stringify(data.code ? { code: data.code } : {}) })
    .catch(() => posted.delete(data.key));
}
"""
_cookie_component = st.components.v2.component("werkplaats_sessie", js=_COOKIE_JS)


def _cookie_handoff() -> None:
    """While this tab has a code to trade (until it is used or lapses) or a cookie to drop,
    render the component that does it."""
    code = st.session_state.get("session_code")
    if code and (sessions.cookie_issued(store(), session_id())
                 or time.time() > st.session_state.get("session_code_until", 0)):
        for key in ("session_code", "session_code_until", "session_code_key"):
            st.session_state.pop(key, None)
        code = None
    state = "session_code" if code else "clear_cookie" if st.session_state.get(
        "clear_cookie") else None
    if state is None:
        return
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    path = "/sessie" if code else "/sessie/uit"
    _cookie_component(data={"key": st.session_state.setdefault(state + "_key",
                                                                secrets.token_hex(8)),
                            "url": (f"/{base}" if base else "") + path, "code": code},
                      key="session_cookie")


def _login_form(store: Store) -> None:
    st.title("Onderzoekswerkplaats")
    st.caption("Kwalitatief onderzoek, monitors en bewonersvragen op één plek.")
    message = st.session_state.pop("login_message", None)
    if message:
        st.info(message)
    if _oidc_configured():
        if getattr(st.user, "is_logged_in", False):
            try:
                user = accounts.user_for_identity(store, st.user)
            except UserError as error:
                st.error(error.message)
            else:
                if user:
                    _start_session(store, user, "organisatie")
                    st.rerun()
                st.error("Je bent ingelogd bij je organisatie, maar er is hier nog geen account "
                         "voor je e-mailadres. Vraag een beheerder om een account.")
        st.button("Inloggen via je organisatie", type="primary", on_click=st.login)
        st.caption("Of log in met een lokaal account:")
    with st.form("login"):
        st.text_input("Gebruikersnaam", autocomplete="username", key="login_username")
        st.text_input("Wachtwoord", type="password", autocomplete="current-password",
                      key="login_password")
        st.form_submit_button("Inloggen", type="primary", on_click=_log_in, args=(store,))
    refused = st.session_state.pop("login_refused", None)
    if refused:
        st.error(refused)


def _log_in(store: Store) -> None:
    """The login button's callback: check the name and password before the run it starts, so
    that a good login shows the first page in that same run (a second run after st.rerun()
    cost every login a few hundredths of a second on the server and a redraw in the browser).
    The password leaves the session state at once, right or wrong."""
    username = st.session_state.get("login_username", "")
    password = st.session_state.pop("login_password", "")
    try:
        user = accounts.authenticate(store, username, password)
    except UserError as error:
        st.session_state["login_refused"] = error.message
    else:
        _start_session(store, user)


def login_gate(store: Store, *, keep_url: bool = False) -> User:
    """The logged-in user; otherwise show the login page and end this run.

    With `keep_url` (the router), every page is registered, hidden, while the login form shows,
    so that a bookmarked page address survives the login instead of falling back to the start.
    """
    user = _session_user(store)
    if user is None:
        if keep_url:
            st.navigation(_pages(PAGES), position="hidden")
            _cookie_handoff()  # after a logout: drop the cookie
        dutch_widgets()  # the form's own hint ("Press Enter to submit form") in Dutch
        _login_form(store)
        if keep_url:
            page_helpers(None)
        st.stop()
    return user


def account_box(user: User) -> None:
    """Who is logged in, with a logout button, in the sidebar."""
    with st.sidebar:
        st.caption(f"Ingelogd als **{plain(user.label)}** · {user.role_label}")
        _cookie_handoff()  # after a login: the browser fetches its cookie
        if st.button("Uitloggen", icon=":material/logout:"):
            if session_id() is not None:
                sessions.end(store(), session_id(), sessions.LOGGED_OUT,
                             Actor(user.username, user.id))
            logout(sessions.MESSAGES[sessions.LOGGED_OUT])
            if _oidc_configured() and getattr(st.user, "is_logged_in", False):
                st.logout()
            st.rerun()


# -- pages ------------------------------------------------------------------------------------

# The section a role works in comes first in its menu, right under Start.
HOME_SECTION = {"coordinator": "Wijkwerkplaats", "analist": "Monitor",
                "onderzoeker": "Kwalitatief"}


def allowed_pages(user: User) -> list[PageSpec]:
    """The pages this user's role may open, in menu order."""
    return [p for p in PAGES if p.permission is None or accounts.can(user, p.permission)]


def menu(store: Store, user: User) -> list[PageSpec]:
    """The pages in this user's menu: those the role may open and uses, its own section first.

    The qualitative pages show for a role that only reads them (a coordinator, a lezer) once
    the user is in a project: before that they all say "Je bent nog geen lid" and push the
    user's own pages down a phone's menu. They stay reachable by address, behind their guard."""
    pages = allowed_pages(user)
    if not accounts.can(user, "qual.write") and not projects.in_any_project(store, user):
        pages = [p for p in pages if p.section != "Kwalitatief"]
    home = HOME_SECTION.get(user.role)
    order = {section: n for n, section in enumerate(dict.fromkeys(p.section for p in PAGES))}
    return sorted(pages, key=lambda p: (p.section != "", p.section != home, order[p.section]))


def _page(spec: PageSpec, *, hidden: bool = False):
    """The st.Page of a page (a hidden one keeps its address but is not in the menu)."""
    return st.Page(page_path(spec.file), title=spec.title, icon=spec.icon,
                   url_path=spec.file.removesuffix(".py"),
                   visibility="hidden" if hidden else "visible")


def _pages(specs: list[PageSpec], *, hidden: bool = False) -> dict[str, list]:
    """st.Page objects by section."""
    sections: dict[str, list] = {}
    for spec in specs:
        sections.setdefault(spec.section, []).append(_page(spec, hidden=hidden))
    return sections


def navigation(store: Store, user: User) -> dict[str, list]:
    """st.navigation's argument: the user's menu grouped by section, every other page hidden.
    A hidden page keeps its address, so a typed or bookmarked address of a page the role may
    not open shows that page's refusal (its guard) instead of silently landing on Start."""
    shown = menu(store, user)
    sections = _pages(shown)
    # All under the first section, which always shows: a section holding only hidden pages
    # would still show its heading.
    sections[""] += [_page(spec, hidden=True) for spec in PAGES if spec not in shown]
    return sections

# Streamlit's own buttons, tooltips and menus (the table toolbar, the table's column menu,
# the chart toolbar, a heading's link, the password field's eye, the link that skips to the
# content) carry English names that no parameter sets. The browser renames them as they
# appear: a button's accessible name and title, and the text of a tooltip or menu. Only
# these exact strings, and text only inside Streamlit's popovers and its skip link, so user
# text is never touched.
DUTCH_UI = {
    "Show/hide columns": "Kolommen tonen of verbergen", "Download as CSV": "Downloaden als CSV",
    "Search": "In de tabel zoeken", "Fullscreen": "Volledig scherm", "Close fullscreen": "Terug",
    "Clear selection": "Selectie wissen", "Add row": "Rij toevoegen",
    "Delete row(s)": "Rijen verwijderen", "Sort ascending": "Oplopend sorteren",
    "Sort descending": "Aflopend sorteren", "Autosize": "Breedte passend maken",
    "Pin column": "Kolom vastzetten", "Unpin column": "Kolom losmaken",
    "Hide column": "Kolom verbergen", "Format": "Opmaak", "Automatic": "Automatisch",
    "Copy to clipboard": "Kopiëren", "View fullscreen": "Volledig scherm",
    "Exit fullscreen": "Terug", "Download plot as a png": "Grafiek downloaden als PNG",
    "Zoom": "Zoomen", "Pan": "Verschuiven", "Zoom in": "Inzoomen", "Zoom out": "Uitzoomen",
    "Autoscale": "Passend maken", "Reset axes": "Assen herstellen",
    "Box Select": "Rechthoek selecteren", "Lasso Select": "Lasso selecteren",
    "Link to heading": "Link naar deze kop", "Show password": "Wachtwoord tonen",
    "Hide password": "Wachtwoord verbergen", "Skip to main content": "Naar de inhoud",
    "Download plot as a PNG": "Grafiek downloaden als PNG", "Collapse sidebar": "Menu inklappen",
    "Expand sidebar": "Menu uitklappen", "Open": "Lijst uitklappen",
    "Increment": "Verhogen", "Decrement": "Verlagen", "Clear all": "Alles wissen",
    "Clear value": "Keuze wissen", "Choose date": "Datum kiezen",
    "Choose date range": "Periode kiezen",
}

# On a phone the menu lies over the page and Streamlit leaves it open after a choice: close it
# when the page has changed. Only the sidebar's own collapse button is clicked.
_PAGE_JS = """
// Names Streamlit composes around a label: a chosen option's remove button, and the parts of
// a date field (react-aria's "month, Periode start date").
const PARTS = {day: 'dag', month: 'maand', year: 'jaar', ' start date': ' begindatum',
               ' end date': ' einddatum'};
const COMPOSED = [
  [/^Remove (.+)$/s, (m) => m[1] + ' verwijderen'],
  [/^(day|month|year), (.+?)( start date| end date)?$/s,
   (m) => PARTS[m[1]] + ', ' + m[2] + (m[3] ? PARTS[m[3]] : '')],
];

function dutch(names) {
  const dutchName = (value) => {
    if (names[value]) { return names[value]; }
    for (const [pattern, make] of COMPOSED) {
      const match = value.match(pattern);
      if (match) { return make(match); }
    }
    return null;
  };
  const rename = (el) => {
    for (const attr of ['aria-label', 'title', 'data-title']) {
      const value = el.getAttribute && el.getAttribute(attr);
      const name = value && dutchName(value.trim());
      if (name) { el.setAttribute(attr, name); }
    }
  };
  // Text is renamed only here: in popovers, and in the link that lets a keyboard user skip
  // to the page's content.
  const popover = '[role="tooltip"], [role="menu"], [data-baseweb="tooltip"], '
    + '[data-baseweb="popover"], [data-testid="stTooltipContent"], .gdg-menu, '
    + '[data-testid="stSkipToContent"]';
  const renameText = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const name = names[node.nodeValue.trim()];
      if (name && node.parentElement && node.parentElement.closest(popover)) {
        node.nodeValue = name;
      }
    }
  };
  const visit = (root) => {
    if (root.nodeType === Node.TEXT_NODE) {
      renameText(root.parentElement || document.body);
      return;
    }
    if (root.nodeType !== Node.ELEMENT_NODE) { return; }
    rename(root);
    root.querySelectorAll('[aria-label], [title], [data-title]').forEach(rename);
    renameText(root);
  };
  visit(document.body);
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes') { rename(record.target); }
      else { record.addedNodes.forEach(visit); }
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true,
                             attributeFilter: ['aria-label', 'title', 'data-title']});
}

function prefetch(chunks, atOnce) {
  // Streamlit's page script lies in the same folder as its chunks.
  const main = document.querySelector('script[type="module"][src*="/static/js/"]');
  if (!main) { return; }
  const load = () => chunks.forEach((name) => {
    const href = new URL('../' + name, main.src).href;
    if (!name.endsWith('.css')) { import(href).catch(() => {}); return; }
    // A style sheet linked as Streamlit links it, so its loader finds it there and waits
    // for nothing when the element first shows.
    const link = Object.assign(document.createElement('link'), {rel: 'stylesheet', href});
    link.crossOrigin = '';
    document.head.appendChild(link);
  });
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 0));
  // On the login page at once: the form is on screen, and nothing the user asks for waits
  // there, while logging in and the first page take longer than the load.
  if (atOnce) { idle(load); return; }
  // Evaluating the chart code holds the page for about a second: only once the user has
  // left it alone for two seconds (reading), never in the middle of their next click.
  const inputs = ['pointerdown', 'keydown', 'wheel', 'touchstart'];
  let timer;
  const arm = () => { clearTimeout(timer); timer = setTimeout(run, 2000); };
  const run = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (app && app.getAttribute('data-test-script-state') === 'running') { arm(); return; }
    inputs.forEach((type) => window.removeEventListener(type, arm, true));
    idle(load);
  };
  inputs.forEach((type) => window.addEventListener(type, arm, true));
  arm();
}

export default function ({ data }) {
  if (!window.__researchDutch) { window.__researchDutch = true; dutch(data.names); }
  if (!window.__researchPrefetched) {
    window.__researchPrefetched = true;
    prefetch(data.chunks, data.page === null);
  }
  if (data.page === null || window.__researchPage === data.page) { return; }
  const changed = window.__researchPage !== undefined;
  window.__researchPage = data.page;
  if (!changed || !window.matchMedia('(max-width: 767px)').matches) { return; }
  const open = document.querySelector('[data-testid="stSidebar"][data-collapsed="false"]');
  const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (open && button) { button.click(); }
}
"""
_page_component = st.components.v2.component("research_page", js=_PAGE_JS)
# Streamlit loads the code of its charts (4.7 MB), tables and most widgets the first time a
# page shows one, each chunk fetching the next: the first visit of Resultaten took 3 s for the
# chart code, and then still 0.3–0.6 s for the choice list, download button and table style
# it waited on one after another. The browser loads them ahead (`page_helpers`). Paths under
# Streamlit's static folder; the names carry a hash that changes with Streamlit's version.
_STATIC = Path(st.__file__).resolve().parent / "static" / "static"
LAZY_ELEMENTS = ("PlotlyChart", "DataFrame", "Selectbox", "Multiselect", "DownloadButton",
                 "TextArea", "Checkbox", "Radio", "FileUploader", "Slider", "NumberInput",
                 "DateInput", "ColorPicker", "Metric")
LAZY_CHUNKS = sorted(p.relative_to(_STATIC).as_posix() for element in LAZY_ELEMENTS
                     for p in [*_STATIC.glob(f"js/{element}.*.js"),
                               *_STATIC.glob(f"css/{element}.*.css")])


def enter_page(page_path: str) -> None:
    """Count a new visit when this run shows another page than the run before (a link
    opened, a menu click): `widgets.url_choice` reads the address once per visit."""
    if st.session_state.get("page_path") != page_path:
        st.session_state["page_path"] = page_path
        st.session_state["page_visit"] = page_visit() + 1


def page_visit() -> int:
    """The number of the current page visit of this session (0 for a page run on its own,
    as in a test)."""
    return st.session_state.get("page_visit", 0)


def page_helpers(page_path: str | None) -> None:
    """Once per page run: the page visit counted (`enter_page`), and in the browser
    Streamlit's own English names made Dutch, the code of charts and tables loaded while
    idle, and on a narrow screen the menu closed after the user chose a page. On the login
    page (`page_path` None) the code loads at once: a user who clicked Resultaten right after
    logging in waited 2 s for it."""
    data = {"page": page_path, "names": DUTCH_UI, "chunks": LAZY_CHUNKS}
    if page_path is None:
        _page_component(data=data, key="page_helpers")
        return
    enter_page(page_path)
    with st.sidebar:
        _page_component(data=data, key="page_helpers")


# -- Dutch for what Streamlit writes in English ------------------------------------------------
# Placeholders (selectbox, multiselect) and date formats are set where the widget is made
# (tests/test_architecture.py checks every call). What Streamlit offers no parameter for is
# replaced here, once, by CSS: the English text is hidden and Dutch is shown in its place
# (::after content). The same sheet makes the coding panel stick beside a long document, and
# keeps a page's title whole on a phone (at Streamlit's size the app's name broke mid-word).

def _upload_limit() -> str:
    megabytes = st.get_option("server.maxUploadSize")
    return f"{megabytes} MB"


CSS = """
[data-testid="InputInstructions"] > span:first-child { visibility: hidden; font-size: 0; }
[data-testid="InputInstructions"] > span:first-child::after { visibility: visible;
  font-size: .75rem; content: "Enter om toe te passen"; }
[data-testid="stForm"] [data-testid="InputInstructions"] > span:first-child::after {
  content: "Enter om te verzenden"; }
[data-testid="stTextArea"] [data-testid="InputInstructions"] > span:first-child::after {
  content: "Ctrl+Enter om toe te passen"; }
[data-testid="stForm"] [data-testid="stTextArea"] [data-testid="InputInstructions"]
  > span:first-child::after { content: "Ctrl+Enter om te verzenden"; }
[data-testid="stFileUploaderDropzoneInstructions"] > div > span { visibility: hidden;
  font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] > div > span::after { visibility: visible;
  font-size: .875rem; content: "Sleep bestanden hierheen; maximaal LIMIT per bestand"; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {
  visibility: hidden; font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  visibility: visible; font-size: 1rem; content: "Bladeren"; }
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]) > span { visibility: hidden;
  font-size: 0; }
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]) > span::after {
  visibility: visible; font-size: 1rem; content: "Laat de bestanden hier los"; }
[data-testid="stDataFrameColumnVisibilityMenu"] label:has(input[aria-label="Select all"])
  > span:last-child { visibility: hidden; font-size: 0; }
[data-testid="stDataFrameColumnVisibilityMenu"] label:has(input[aria-label="Select all"])
  > span:last-child::after { visibility: visible; font-size: .875rem; content: "Alle kolommen"; }
[role="listbox"] > [role="option"][style*="contents"] > span { visibility: hidden;
  font-size: 0; }
[role="listbox"] > [role="option"][style*="contents"] > span::after { visibility: visible;
  font-size: 1rem; content: "Geen resultaten"; }
@media (max-width: 639px) {
  [data-testid="stMain"] h1 { font-size: 1.875rem; }
}
@media (min-width: 640px) {
  [data-testid="stColumn"]:has(.st-key-qual_coding_panel) { position: sticky; top: 4rem;
    align-self: flex-start; max-height: calc(100vh - 5rem); overflow-y: auto; }
}
"""


def dutch_widgets() -> None:
    """Emit the style sheet above (no user text in it); `guard` calls it on every page run."""
    st.html("<style>" + CSS.replace("LIMIT", _upload_limit()) + "</style>")


def guard(permission: str | None) -> tuple[Store, User]:
    """Start a page: the database and the logged-in user, or a refusal if the role lacks
    `permission`. Checked on the server on every run."""
    db = store()
    user = login_gate(db)
    if permission is not None and not accounts.can(user, permission):
        st.error("Je hebt geen toegang tot deze pagina.")
        st.stop()
    st.session_state["guarded_user"] = user  # what the page's fragments check against
    dutch_widgets()
    return db, user


def fragment(func=None, *, run_every: float | None = None):
    """`st.fragment` for pages. A fragment reruns on its own, without the page's guard, with
    the user the page was given; so each of its runs first checks the session again (expired,
    account disabled, password reset) and whether the account is still the one the page ran
    with (role, wijken). If not, the whole app reruns: the guard then shows the login page or
    the refusal, and nothing in the fragment runs. Pages never use st.fragment directly.
    `run_every` (seconds) reruns it on a timer, as st.fragment's."""
    if func is None:
        return lambda later: fragment(later, run_every=run_every)

    @functools.wraps(func)
    def checked(*args, **kwargs):
        user = _session_user(store())
        if user is None or user != st.session_state.get("guarded_user"):
            st.rerun()
        return func(*args, **kwargs)

    return st.fragment(checked, run_every=run_every)


def callback(func):
    """A widget callback (`on_click`, `on_change`) for pages. Callbacks run at the start of
    the next run, before the page's guard, with the user of the run before; so this checks
    the session first (expired, disabled, password reset, account changed) and does nothing
    if it fails: the run that follows shows the login page or the refusal."""

    @functools.wraps(func)
    def checked(*args, **kwargs):
        user = _session_user(store())
        if user is None or user != st.session_state.get("guarded_user"):
            return None
        return func(*args, **kwargs)

    return checked


def local_times(column):
    """UTC timestamps (ISO text) as Amsterdam time, 'dd-mm-jjjj uu:mm', for a table column."""
    moments = pd.to_datetime(column, utc=True, errors="coerce").dt.tz_convert("Europe/Amsterdam")
    return moments.dt.strftime("%d-%m-%Y %H:%M")


def local_time(value: str) -> str:
    """One UTC timestamp as Amsterdam time, 'dd-mm-jjjj uu:mm'."""
    return local_times(pd.Series([value])).iloc[0]


def dutch_date(value: str | None) -> str:
    """An ISO date ('2026-03-12') as Dutch write it ('12-03-2026'); empty for none."""
    if not value:
        return ""
    year, month, day = str(value)[:10].split("-")
    return f"{day}-{month}-{year}"


NO_VALUE = "—"  # what a table shows where there is no value (never 'None')


def number(value, digits: int = 3) -> str:
    """A decimal the Dutch way for a table: 0.8861 -> '0,886'; no value -> '—'."""
    if value is None or value != value:  # None or NaN
        return NO_VALUE
    return f"{value:.{digits}f}".replace(".", ",")


def percent(value, digits: int = 1) -> str:
    """A proportion as a Dutch percentage: 0.886 -> '88,6%'; no value -> '—'."""
    if value is None or value != value:
        return NO_VALUE
    return f"{100 * value:.{digits}f}%".replace(".", ",")


def count(n: int, singular: str, plural: str) -> str:
    """'1 project', '3 projecten'."""
    return f"{n} {singular if n == 1 else plural}"


def date_range(period) -> tuple:
    """(since, until) from a range date_input, whose value has zero, one or two dates."""
    if not isinstance(period, tuple):
        return period, None
    return (period + (None, None))[:2]


@contextmanager
def reported():
    """Show a user error as a Dutch message instead of a traceback; nothing else is caught."""
    try:
        yield
    except UserError as error:
        st.error(error.message)


def rerun_fragment() -> None:
    """Rerun only the current fragment when this run is a fragment rerun, else the page (a
    fragment's first run is part of a full run, where a fragment-scoped rerun is refused)."""
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:
        st.rerun()
