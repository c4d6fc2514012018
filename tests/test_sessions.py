"""Login sessions that outlive a tab: the domain (research.sessions, without Streamlit: the
one-time code, the cookie's token, random and stored hashed, expiry, ending and revoking), the
login gate under AppTest (shell), and the server's cookie route and download check
(research.ui.gateway) as plain ASGI calls. The browser's side is in test_browser_sessions.py."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from conftest import PASSWORD
from pages import assert_login_form, login, no_exception, run_page, run_router, titles, widget
from research import accounts, sessions
from research.accounts import SYSTEM_USER, PermissionDenied
from research.ui import gateway, shell

T0 = datetime(2026, 3, 12, 9, 0, 0, tzinfo=timezone.utc)


def started(store, user, now=T0):
    """A session with its cookie token, as after a login and the browser's trade."""
    session_id, code = sessions.start(store, user, now=now)
    token = sessions.redeem(store, code, now=now)
    assert token is not None
    return session_id, token


def reason(store, token, now=T0):
    return sessions.token_verdict(store, token, now=now).reason


def test_the_hash_is_sha256():
    assert sessions.digest("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")


def test_a_code_buys_one_token_once(users, store):
    olga = users["onderzoeker"]
    session_id, code = sessions.start(store, olga, now=T0)
    token = sessions.redeem(store, code, now=T0 + timedelta(seconds=30))
    # 32 random bytes each, base64url without padding: 43 characters, 256 bits.
    assert len(code) == 43 and len(token) == 43 and token != code
    assert sessions.redeem(store, code, now=T0 + timedelta(seconds=31)) is None
    assert sessions.by_token(store, token) == session_id
    verdict = sessions.token_verdict(store, token, now=T0 + timedelta(minutes=1))
    assert (verdict.user, verdict.reason, verdict.last_seen) == (olga, None, T0)


def test_a_late_code_is_refused_and_used_up(users, store):
    _, code = sessions.start(store, users["analist"], now=T0)
    assert sessions.redeem(store, code, now=T0 + timedelta(seconds=61)) is None
    assert sessions.redeem(store, code, now=T0) is None  # gone, even back in time
    assert store.value("SELECT count(*) FROM session_codes") == 0


def test_lapsed_codes_are_cleared_at_the_next_start(users, store):
    sessions.start(store, users["analist"], now=T0)
    sessions.start(store, users["lezer"], now=T0 + timedelta(seconds=30))
    assert store.value("SELECT count(*) FROM session_codes") == 2
    sessions.start(store, users["lezer"], now=T0 + timedelta(seconds=90))
    assert store.value("SELECT count(*) FROM session_codes") == 2


@pytest.mark.parametrize("code", ["", "x" * 43, "a" * 129])
def test_unknown_or_oversized_codes_buy_nothing(users, store, code):
    sessions.start(store, users["analist"], now=T0)
    assert sessions.redeem(store, code, now=T0) is None


def test_only_hashes_are_stored_and_nothing_secret_is_logged(users, store, db_path):
    anna = users["analist"]
    session_id, code = sessions.start(store, anna, now=T0)
    token = sessions.redeem(store, code, now=T0)
    sessions.end(store, session_id, sessions.LOGGED_OUT, anna.actor, now=T0)
    row = store.one("SELECT * FROM web_sessions WHERE id = ?", [session_id])
    assert row["token_hash"] == sessions.digest(token)
    store.close()
    raw = db_path.read_bytes()  # closed: the WAL is folded in
    assert token.encode() not in raw and code.encode() not in raw
    events = store.rows("SELECT actor, entity, entity_id, action, before, after FROM events"
                        " WHERE entity = 'web_sessions' ORDER BY id")
    assert [(e["actor"], e["entity_id"], e["action"]) for e in events] == [
        ("anna", str(session_id), "create"), ("anna", str(session_id), "update")]
    assert events[1]["after"] == (
        '{"end_reason": "uitgelogd", "ended_at": "2026-03-12T09:00:00+00:00"}')
    text = " ".join(str(e) for e in store.rows("SELECT * FROM events"))
    assert sessions.digest(token) not in text and token not in text and code not in text
    assert sessions.digest(code) not in text


def test_a_changed_token_finds_no_session(users, store):
    _, token = started(store, users["analist"])
    other = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert sessions.by_token(store, other) is None
    assert sessions.by_token(store, None) is None
    assert sessions.by_token(store, "") is None
    assert reason(store, other) == "uitgelogd"


def test_a_session_expires_when_idle_and_when_old(users, store, monkeypatch):
    monkeypatch.setenv("RESEARCH_SESSION_MINUTES", "60")
    monkeypatch.setenv("RESEARCH_SESSION_HOURS", "12")
    session_id, token = started(store, users["analist"])
    assert reason(store, token, T0 + timedelta(minutes=60)) is None
    assert reason(store, token, T0 + timedelta(minutes=60, seconds=1)) == "verlopen"
    # Used now and then, it still ends 12 hours after the login.
    for minutes in range(30, 12 * 60, 30):
        sessions.seen(store, session_id, None, now=T0 + timedelta(minutes=minutes))
    assert reason(store, token, T0 + timedelta(hours=11, minutes=59)) is None
    assert reason(store, token, T0 + timedelta(hours=12, seconds=1)) == "verlopen"


def test_last_seen_is_written_at_most_once_a_minute(users, store):
    session_id, token = started(store, users["analist"])
    sessions.seen(store, session_id, T0, now=T0 + timedelta(seconds=59))
    assert sessions.token_verdict(store, token, T0 + timedelta(seconds=59)).last_seen == T0
    sessions.seen(store, session_id, T0, now=T0 + timedelta(seconds=60))
    assert sessions.token_verdict(store, token, T0 + timedelta(seconds=61)).last_seen == (
        T0 + timedelta(seconds=60))


def test_logout_ends_the_session_for_every_tab(users, store):
    anna = users["analist"]
    session_id, token = started(store, anna)
    assert sessions.end(store, session_id, sessions.LOGGED_OUT, anna.actor, now=T0)
    assert not sessions.end(store, session_id, sessions.LOGGED_OUT, anna.actor, now=T0)
    assert reason(store, token) == "uitgelogd"
    assert sessions.verdict(store, session_id, now=T0).reason == "uitgelogd"


def test_disabling_an_account_ends_its_sessions(users, store):
    anna = users["analist"]
    _, first = started(store, anna)
    _, second = started(store, anna)
    _, others = started(store, users["lezer"])
    accounts.update_user(store, users["beheerder"], anna.id, active=False)
    assert [reason(store, first), reason(store, second), reason(store, others)] == [
        "uitgeschakeld", "uitgeschakeld", None]
    # Enabled again, the old cookies stay ended.
    accounts.update_user(store, users["beheerder"], anna.id, active=True)
    assert reason(store, first) == "uitgeschakeld"


def test_a_disabled_account_is_refused_even_if_its_session_was_not_ended(users, store):
    anna = users["analist"]
    _, token = started(store, anna)
    store.write(SYSTEM_USER.actor, lambda tx: tx.db.execute(
        "UPDATE users SET active = 0 WHERE id = ?", [anna.id]))
    assert reason(store, token) == "uitgeschakeld"


def test_a_password_reset_ends_the_sessions(users, store):
    anna = users["analist"]
    _, token = started(store, anna)
    accounts.reset_password(store, users["beheerder"], anna.id)
    assert reason(store, token) == "wachtwoord"


def test_an_older_epoch_is_refused_even_if_its_session_was_not_ended(users, store):
    anna = users["analist"]
    _, token = started(store, anna)
    store.write(SYSTEM_USER.actor, lambda tx: tx.db.execute(
        "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?", [anna.id]))
    assert reason(store, token) == "wachtwoord"


def test_an_own_password_change_keeps_this_session_and_ends_the_others(users, store):
    anna = users["analist"]
    this, kept = started(store, anna)
    _, other = started(store, anna)
    changed = accounts.change_own_password(store, anna, PASSWORD, "een-nieuw-wachtwoord",
                                           keep_session=this)
    assert changed.session_epoch == anna.session_epoch + 1
    verdict = sessions.token_verdict(store, kept, now=T0)
    assert (verdict.user, verdict.reason) == (changed, None)
    assert reason(store, other) == "wachtwoord"


def test_a_beheerder_revokes_an_accounts_sessions(users, store):
    anna = users["analist"]
    _, first = started(store, anna)
    _, second = started(store, anna)
    assert [s["id"] for s in sessions.open_sessions(store, anna.id)] == [2, 1]
    assert sessions.revoke_user(store, users["beheerder"], anna.id) == 2
    assert [reason(store, first), reason(store, second)] == ["ingetrokken", "ingetrokken"]
    assert sessions.open_sessions(store, anna.id) == []
    assert sessions.revoke_user(store, users["beheerder"], anna.id) == 0
    assert sessions.MESSAGES["ingetrokken"] == (
        "Een beheerder heeft je sessie beëindigd. Log opnieuw in.")


def test_only_a_beheerder_revokes(users, store):
    with pytest.raises(PermissionDenied):
        sessions.revoke_user(store, users["onderzoeker"], users["analist"].id)
    with pytest.raises(accounts.AccountError, match="Dit account bestaat niet."):
        sessions.revoke_user(store, users["beheerder"], 999)


def test_an_ended_sessions_code_buys_no_token(users, store):
    anna = users["analist"]
    session_id, code = sessions.start(store, anna, now=T0)
    sessions.end(store, session_id, sessions.LOGGED_OUT, anna.actor, now=T0)
    assert sessions.redeem(store, code, now=T0) is None


def test_the_cookie_names():
    assert (sessions.COOKIE, sessions.SECURE_COOKIE) == (
        "werkplaats_sessie", "__Host-werkplaats_sessie")


# -- the login gate (AppTest) -----------------------------------------------------------------

@pytest.fixture
def cookies(monkeypatch):
    """The cookies the tab's page 'sent' (AppTest has no browser to send any)."""
    sent: dict[str, str] = {}
    monkeypatch.setattr(shell, "_request_cookies", lambda: sent)
    return sent


def test_a_login_starts_a_session_and_hands_out_a_code(demo_users, demo_store, cookies):
    at = login(run_router(), "anna", PASSWORD)
    no_exception(at)
    assert titles(at) == ["Start"]
    auth = at.session_state["auth"]
    row = demo_store.one("SELECT user_id, via, token_hash, ended_at FROM web_sessions"
                         " WHERE id = ?", [auth["session"]])
    assert row == {"user_id": demo_users["analist"].id, "via": "wachtwoord",
                   "token_hash": None, "ended_at": None}
    # The code the page's component posts to /sessie buys the cookie's token; the next run
    # sees it was used and renders the component no more.
    assert not sessions.cookie_issued(demo_store, auth["session"])
    at.run()
    assert "session_code" in at.session_state
    token = sessions.redeem(demo_store, at.session_state["session_code"])
    assert sessions.by_token(demo_store, token) == auth["session"]
    assert sessions.cookie_issued(demo_store, auth["session"])
    at.run()
    assert "session_code" not in at.session_state


def test_a_code_not_used_in_time_is_forgotten(demo_users, demo_store, cookies):
    at = login(run_router(), "anna", PASSWORD)
    at.session_state["session_code_until"] = time.time() - 1
    at.run()
    no_exception(at)
    assert titles(at) == ["Start"]
    assert "session_code" not in at.session_state


def test_the_gate_takes_the_login_of_a_valid_cookie(demo_users, demo_store, cookies):
    anna = demo_users["analist"]
    session_id, token = started(demo_store, anna, now=None)
    cookies[sessions.COOKIE] = token
    at = run_router()
    no_exception(at)
    assert titles(at) == ["Start"]
    assert at.session_state["auth"]["session"] == session_id
    assert at.session_state["auth"]["user_id"] == anna.id
    assert [c.value for c in at.sidebar.caption][0] == "Ingelogd als **anna** · Analist"
    assert "session_code" not in at.session_state  # this tab fetches no cookie of its own


def test_the_secure_cookie_is_read_first(demo_users, demo_store, cookies):
    _, token = started(demo_store, demo_users["analist"], now=None)
    cookies.update({sessions.SECURE_COOKIE: token, sessions.COOKIE: "iets-anders"})
    assert titles(run_router()) == ["Start"]


@pytest.mark.parametrize("token", ["onbekend", ""])
def test_an_unknown_cookie_shows_the_login_form(demo_store, cookies, token):
    cookies[sessions.COOKIE] = token
    at = run_router()
    no_exception(at)
    assert_login_form(at)
    assert [i.value for i in at.info] == []


def test_an_ended_sessions_cookie_shows_the_login_form(demo_users, demo_store, cookies):
    anna = demo_users["analist"]
    session_id, token = started(demo_store, anna, now=None)
    sessions.end(demo_store, session_id, sessions.LOGGED_OUT, anna.actor)
    cookies[sessions.COOKIE] = token
    at = run_router()
    assert_login_form(at)
    assert [i.value for i in at.info] == []


def test_an_idle_sessions_cookie_says_the_session_expired(demo_users, demo_store, cookies):
    anna = demo_users["analist"]
    past = datetime.now(timezone.utc) - timedelta(minutes=61)
    session_id, token = started(demo_store, anna, now=past)
    cookies[sessions.COOKIE] = token
    at = run_router()
    assert_login_form(at)
    assert [i.value for i in at.info] == ["Je sessie is verlopen. Log opnieuw in."]
    assert sessions.verdict(demo_store, session_id).reason == "verlopen"
    assert demo_store.value("SELECT end_reason FROM web_sessions WHERE id = ?",
                            [session_id]) == "verlopen"


def test_logout_ends_the_session_in_the_database(demo_users, demo_store, cookies):
    at = login(run_router(), "anna", PASSWORD)
    session_id = at.session_state["auth"]["session"]
    widget(at.sidebar.button, "Uitloggen").click().run()
    no_exception(at)
    assert_login_form(at)
    assert [i.value for i in at.info] == ["Je bent uitgelogd."]
    assert sessions.verdict(demo_store, session_id).reason == "uitgelogd"
    assert at.session_state["clear_cookie"] is True  # the page asks the browser to drop it
    event = demo_store.one("SELECT actor, action, after FROM events WHERE entity ="
                           " 'web_sessions' ORDER BY id DESC LIMIT 1")
    assert (event["actor"], event["action"]) == ("anna", "update")
    assert '"end_reason": "uitgelogd"' in event["after"]


@pytest.mark.parametrize("end, message", [
    ("revoke", "Een beheerder heeft je sessie beëindigd. Log opnieuw in."),
    ("disable", "Je account is uitgeschakeld. Neem contact op met een beheerder."),
    ("reset", "Je wachtwoord is gewijzigd. Log opnieuw in."),
    ("other_tab", "Je bent uitgelogd."),
])
def test_an_open_tab_ends_with_its_session(demo_users, demo_store, cookies, end, message):
    anna, admin = demo_users["analist"], demo_users["beheerder"]
    session_id, token = started(demo_store, anna, now=None)
    cookies[sessions.COOKIE] = token
    at = run_router()
    assert titles(at) == ["Start"]
    if end == "revoke":
        sessions.revoke_user(demo_store, admin, anna.id)
    elif end == "disable":
        accounts.update_user(demo_store, admin, anna.id, active=False)
    elif end == "reset":
        accounts.reset_password(demo_store, admin, anna.id)
    else:
        sessions.end(demo_store, session_id, sessions.LOGGED_OUT, anna.actor)
    at.run()
    no_exception(at)
    assert_login_form(at)
    assert [i.value for i in at.info] == [message]


def test_an_own_password_change_keeps_the_tabs_session(demo_users, demo_store, cookies):
    at = login(run_router(), "anna", PASSWORD)
    session_id = at.session_state["auth"]["session"]
    _, other = started(demo_store, demo_users["analist"], now=None)
    at.switch_page("research/ui/account.py").run()
    widget(at.text_input, "Huidig wachtwoord").input(PASSWORD)
    widget(at.text_input, "Nieuw wachtwoord").input("een-nieuw-wachtwoord")
    widget(at.text_input, "Nieuw wachtwoord (nogmaals)").input("een-nieuw-wachtwoord")
    widget(at.button, "Wachtwoord wijzigen").click().run()
    no_exception(at)
    assert [s.value for s in at.success] == [
        "Je wachtwoord is gewijzigd. Andere sessies van je account zijn beëindigd."]
    at.run()
    assert titles(at) == ["Mijn account"]
    assert sessions.verdict(demo_store, session_id).reason is None
    assert sessions.token_verdict(demo_store, other).reason == "wachtwoord"


def test_a_session_state_login_still_works_without_a_database_session(demo_users):
    # AppTest's page tests log in by setting the session state; no cookie, no session row.
    at = run_page("account.py", demo_users["lezer"])
    no_exception(at)
    assert titles(at) == ["Mijn account"]
    assert at.session_state["auth"].get("session") is None


def test_a_used_session_is_marked_as_seen(demo_users, demo_store, cookies):
    anna = demo_users["analist"]
    past = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)
    session_id, token = started(demo_store, anna, now=past)
    cookies[sessions.COOKIE] = token
    run_router()
    assert sessions.verdict(demo_store, session_id).last_seen > past



def test_a_beheerder_ends_an_accounts_sessions_on_the_users_page(demo_users, demo_store,
                                                                  cookies):
    anna = demo_users["analist"]
    _, token = started(demo_store, anna, now=None)
    started(demo_store, anna, now=None)
    admin = run_page("admin_users.py", demo_users["beheerder"])
    widget(admin.selectbox, "Account").set_value(anna.id).run()
    button = widget(admin.button, "Sessies beëindigen (2 open)")
    button.click().run()
    no_exception(admin)
    assert [s.value for s in admin.success] == ["2 sessies van anna beëindigd."]
    assert widget(admin.button, "Sessies beëindigen (0 open)").disabled
    assert sessions.token_verdict(demo_store, token).reason == "ingetrokken"


def test_the_command_line_ends_an_accounts_sessions(users, store, capsys):
    from research.cli import main

    _, token = started(store, users["analist"], now=None)
    assert main(["--db", str(store.path), "user", "end-sessions", "anna"]) == 0
    assert capsys.readouterr().out == "Sessies van 'anna' beëindigd: 1.\n"
    assert sessions.token_verdict(store, token).reason == "ingetrokken"
    assert main(["--db", str(store.path), "user", "end-sessions", "niemand"]) == 1
    assert capsys.readouterr().err == "Fout: Er is geen account 'niemand'.\n"

# -- the server's cookie route and download check (research.ui.gateway) -----------------------

def server():
    """The gateway's routes and middleware around a stand-in for Streamlit's /media route."""
    async def media(request):
        return PlainTextResponse("het bestand")

    return Starlette(routes=gateway.ROUTES + [Route("/media/{name}", media),
                                              Route("/", media)],
                     middleware=gateway.MIDDLEWARE)


def call(app, method: str, path: str, headers: dict | None = None, body: bytes = b"",
         scheme: str = "http") -> tuple[int, dict, str]:
    """One HTTP request through the ASGI app: (status, headers, body text)."""
    messages = []

    async def run():
        pending = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive():
            return pending.pop() if pending else {"type": "http.disconnect"}

        async def send(message):
            messages.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": method, "scheme": scheme, "path": path, "raw_path": path.encode(),
                 "query_string": b"", "root_path": "", "client": ("127.0.0.1", 50000),
                 "server": ("onderzoek.test", 443 if scheme == "https" else 80),
                 "headers": [(b"host", b"onderzoek.test")] + [
                     (k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]}
        await app(scope, receive, send)

    asyncio.run(run())
    start = next(m for m in messages if m["type"] == "http.response.start")
    text = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    answer_headers: dict = {}
    for key, value in start["headers"]:
        answer_headers.setdefault(key.decode(), []).append(value.decode())
    return start["status"], answer_headers, text.decode()


SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}


def code_body(code: str) -> bytes:
    return ('{"code": "%s"}' % code).encode()


def test_the_route_trades_a_code_for_an_httponly_cookie(users, store):
    _, code = sessions.start(store, users["analist"])
    status, headers, text = call(server(), "POST", "/sessie", SAME_ORIGIN, code_body(code))
    assert (status, text) == (204, "")
    [cookie] = headers["set-cookie"]
    name, rest = cookie.split("=", 1)
    token, attributes = rest.split("; ", 1)
    assert name == "werkplaats_sessie"
    assert attributes == "HttpOnly; Path=/; SameSite=strict"
    assert sessions.token_verdict(store, token).user == users["analist"]
    assert headers["cache-control"] == ["no-store"]
    # Once only.
    status, headers, text = call(server(), "POST", "/sessie", SAME_ORIGIN, code_body(code))
    assert (status, text) == (
        400, "Deze inlogcode is onbekend, verlopen of al gebruikt. Log opnieuw in.")
    assert "set-cookie" not in headers


def test_over_https_the_cookie_is_secure_with_the_host_prefix(users, store):
    _, code = sessions.start(store, users["analist"])
    status, headers, _ = call(server(), "POST", "/sessie", SAME_ORIGIN, code_body(code),
                              scheme="https")
    assert status == 204
    [cookie] = headers["set-cookie"]
    assert cookie.startswith("__Host-werkplaats_sessie=")
    assert cookie.endswith("; HttpOnly; Path=/; SameSite=strict; Secure")


@pytest.mark.parametrize("headers, status", [
    ({"Sec-Fetch-Site": "cross-site"}, 403),
    ({"Sec-Fetch-Site": "same-site"}, 403),
    ({"Sec-Fetch-Site": "none"}, 403),
    ({"Origin": "https://elders.example"}, 403),
    ({}, 403),
    ({"Origin": "http://onderzoek.test"}, 204),
])
def test_only_the_apps_own_pages_may_post_a_code(users, store, headers, status):
    _, code = sessions.start(store, users["analist"])
    answer, _, text = call(server(), "POST", "/sessie", headers, code_body(code))
    assert answer == status
    if status == 403:
        assert text == "Geweigerd: dit verzoek komt niet van de app zelf."
        assert sessions.redeem(store, code) is not None  # the code was not used up


@pytest.mark.parametrize("body", [b"", b"niet-json", b"[1]", b'{"code": 5}'])
def test_a_malformed_request_gets_no_cookie(store, body):
    status, headers, _ = call(server(), "POST", "/sessie", SAME_ORIGIN, body)
    assert status == 400 and "set-cookie" not in headers


def test_the_logout_route_drops_the_cookie():
    status, headers, _ = call(server(), "POST", "/sessie/uit", SAME_ORIGIN)
    assert status == 204
    [cookie] = headers["set-cookie"]
    assert cookie.startswith('werkplaats_sessie=""; expires=')
    assert "Max-Age=0" in cookie and "HttpOnly" in cookie
    assert call(server(), "POST", "/sessie/uit", {"Sec-Fetch-Site": "cross-site"})[0] == 403


def test_media_needs_the_cookie_of_a_session_that_holds(users, store):
    anna = users["analist"]
    session_id, token = started(store, anna, now=None)
    refused = (403, "Geen toegang: log in om dit bestand te openen.")
    answer = call(server(), "GET", "/media/abc123.xlsx")
    assert (answer[0], answer[2]) == refused
    assert answer[1]["cache-control"] == ["no-store"]
    cookie = {"Cookie": f"{sessions.COOKIE}={token}"}
    answer = call(server(), "GET", "/media/abc123.xlsx", cookie)
    assert (answer[0], answer[2]) == (200, "het bestand")
    wrong = {"Cookie": f"{sessions.COOKIE}={token[:-2]}xx"}
    assert call(server(), "GET", "/media/abc123.xlsx", wrong)[0] == 403
    # Other addresses are Streamlit's business (its pages ask for the login themselves).
    assert call(server(), "GET", "/")[0] == 200
    sessions.end(store, session_id, sessions.LOGGED_OUT, anna.actor)
    answer = call(server(), "GET", "/media/abc123.xlsx", cookie)
    assert (answer[0], answer[2]) == refused


def test_a_restore_ends_the_sessions_the_backup_holds(users, store, tmp_path):
    from research.backup import backup, restore

    anna = users["analist"]
    _, token = started(store, anna, now=None)
    copy = backup(store, tmp_path / "kopie.db", SYSTEM_USER.actor)
    restore(store, copy, SYSTEM_USER.actor)
    assert sessions.token_verdict(store, token).reason == "herstel"
    assert sessions.MESSAGES["herstel"] == (
        "De database is teruggezet uit een back-up. Log opnieuw in.")


def test_streamlit_run_finds_the_st_app_with_the_gateway():
    from pathlib import Path

    from streamlit.web.server.app_discovery import discover_asgi_app

    from research.ui import app

    found = discover_asgi_app(app.SERVER)
    assert (found.is_asgi_app, found.import_string) == (True, "streamlit_server:app")
    source = Path(app.SERVER).read_text(encoding="utf-8")
    assert ('st.App("streamlit_app.py", routes=gateway.ROUTES, middleware=gateway.MIDDLEWARE)'
            in source)
    assert [route.path for route in gateway.ROUTES] == ["/sessie", "/sessie/uit"]
