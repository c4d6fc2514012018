"""Login sessions that outlive a tab (research.sessions), without Streamlit: the one-time code,
the cookie's token (random, stored hashed), expiry, ending and revoking."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from conftest import PASSWORD
from research import accounts, sessions
from research.accounts import SYSTEM_USER, PermissionDenied

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
