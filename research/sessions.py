"""Login sessions that outlive a browser tab.

A successful login starts a session (`start`): a row in `web_sessions` with the account, its
session epoch, how it logged in, when it started and when it was last used. The login page then
hands the browser a one-time code, which the browser trades at the app's `/sessie` route
(research.ui.gateway) for the session's token (`redeem`): 256 random bits from `secrets`, kept
by the browser in an HttpOnly cookie and by the database only as its SHA-256. A refreshed page
or a new tab presents the cookie; `by_token` finds its session and `verdict` says whether it
still holds: not ended, the account active and at the same session epoch, used within the idle
timeout (RESEARCH_SESSION_MINUTES) and younger than the maximum age (RESEARCH_SESSION_HOURS).

A session ends at once, for every tab that uses it: at logout, at idle expiry, when its account
is disabled or its password is set (`end_for_user`, called by research.accounts inside the same
write), when a beheerder ends an account's sessions (`revoke_user`) and when a backup is
restored (`end_all`: the backup may hold sessions that ended after it was made). Each start and
end is an audit event; the token and its hash never are, and neither is the code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from research import accounts, config
from research.accounts import User
from research.storage import SYSTEM, Actor, Store, Tx

TOKEN_BYTES = 32          # 256 bits, the cookie's value
CODE_BYTES = 32           # the one-time code the login page hands the browser
CODE_SECONDS = 60         # a code not traded within a minute lapses
TOUCH_SECONDS = 60        # last_seen is written at most once a minute per session
MAX_SECRET_LENGTH = 128   # a presented token or code longer than this is not looked up

# The cookie: HttpOnly (scripts cannot read it), SameSite=Strict, path /. Over https it is
# Secure and carries the __Host- prefix (the browser then refuses it from a subdomain).
COOKIE = "werkplaats_sessie"
SECURE_COOKIE = "__Host-werkplaats_sessie"

# Why a session ended (web_sessions.end_reason), and what the login page then says.
LOGGED_OUT = "uitgelogd"
EXPIRED = "verlopen"
DISABLED = "uitgeschakeld"
PASSWORD_SET = "wachtwoord"
REVOKED = "ingetrokken"
RESTORED = "herstel"
MESSAGES = {
    LOGGED_OUT: "Je bent uitgelogd.",
    EXPIRED: "Je sessie is verlopen. Log opnieuw in.",
    DISABLED: "Je account is uitgeschakeld. Neem contact op met een beheerder.",
    PASSWORD_SET: "Je wachtwoord is gewijzigd. Log opnieuw in.",
    REVOKED: "Een beheerder heeft je sessie beëindigd. Log opnieuw in.",
    RESTORED: "De database is teruggezet uit een back-up. Log opnieuw in.",
}


@dataclass(frozen=True)
class Verdict:
    """Whether a session holds: the account (re-read) and when the session was last used, or
    why not (one of the reasons above)."""

    user: User | None
    reason: str | None = None
    last_seen: datetime | None = None


def digest(secret: str) -> str:
    """What the database keeps of a token or a code: its SHA-256, hex. The secrets are random
    and 256 bits long, so a fast hash is enough (nothing to guess from it)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(timezone.utc)).replace(microsecond=0)


def _stamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


# -- starting ---------------------------------------------------------------------------------

def start(store: Store, user: User, via: str = "wachtwoord",
          now: datetime | None = None) -> tuple[int, str]:
    """Start a session for a user who just logged in (`via`: 'wachtwoord' or 'organisatie').
    Returns the session's id and the one-time code for the browser's cookie."""
    now = _now(now)
    code = secrets.token_urlsafe(CODE_BYTES)

    def apply(tx: Tx) -> int:
        tx.db.execute("DELETE FROM session_codes WHERE expires_at < ?", [_stamp(now)])
        session_id = tx.insert("web_sessions", {
            "user_id": user.id, "epoch": user.session_epoch, "via": via,
            "created_at": _stamp(now), "last_seen": _stamp(now)})
        tx.db.execute("INSERT INTO session_codes (code_hash, session_id, expires_at)"
                      " VALUES (?, ?, ?)",
                      [digest(code), session_id,
                       _stamp(now + timedelta(seconds=CODE_SECONDS))])
        return session_id

    return store.write(user.actor, apply), code


def redeem(store: Store, code: str, now: datetime | None = None) -> str | None:
    """The token for the browser's cookie, in exchange for a one-time code; None if the code
    is unknown, used, lapsed, or its session has ended or already has a token. A code works
    once, even when it is refused for being late."""
    if not code or len(code) > MAX_SECRET_LENGTH:
        return None
    now = _now(now)
    token = secrets.token_urlsafe(TOKEN_BYTES)

    def apply(tx: Tx) -> bool:
        row = tx.db.execute("SELECT code_hash, session_id, expires_at FROM session_codes"
                            " WHERE code_hash = ?", [digest(code)]).fetchone()
        if row is None:
            return False
        tx.db.execute("DELETE FROM session_codes WHERE code_hash = ?", [row[0]])
        if row[2] < _stamp(now):
            return False
        session = tx.get("web_sessions", row[1])
        if session is None or session["ended_at"] or session["token_hash"]:
            return False
        # No event: the token's hash is a secret, and the session's start is logged already.
        tx.db.execute("UPDATE web_sessions SET token_hash = ? WHERE id = ?",
                      [digest(token), row[1]])
        return True

    return token if store.write(SYSTEM, apply) else None


# -- checking ---------------------------------------------------------------------------------

def token_from(cookies) -> str | None:
    """The session token among a request's cookies (a mapping; the __Host- one first)."""
    for name in (SECURE_COOKIE, COOKIE):
        value = cookies.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def by_token(store: Store, token: str | None) -> int | None:
    """The session a cookie's token belongs to (ended or not), or None."""
    if not token or len(token) > MAX_SECRET_LENGTH:
        return None
    wanted = digest(token)
    row = store.one("SELECT id, token_hash FROM web_sessions WHERE token_hash = ?", [wanted])
    if row is None or not hmac.compare_digest(row["token_hash"], wanted):
        return None
    return row["id"]


def verdict(store: Store, session_id: int, now: datetime | None = None) -> Verdict:
    """Whether the session still holds, read from the database (nothing is written: the
    caller ends a session that no longer holds, see `end`)."""
    row = store.one(
        "SELECT s.user_id, s.epoch, s.created_at, s.last_seen, s.ended_at, s.end_reason,"
        " u.active, u.session_epoch FROM web_sessions s JOIN users u ON u.id = s.user_id"
        " WHERE s.id = ?", [session_id])
    if row is None:
        return Verdict(None, LOGGED_OUT)
    if row["ended_at"]:
        return Verdict(None, row["end_reason"] or LOGGED_OUT)
    if not row["active"]:
        return Verdict(None, DISABLED)
    if row["session_epoch"] != row["epoch"]:
        return Verdict(None, PASSWORD_SET)
    now = _now(now)
    last_seen = datetime.fromisoformat(row["last_seen"])
    idle = (now - last_seen).total_seconds()
    age = (now - datetime.fromisoformat(row["created_at"])).total_seconds()
    if idle > config.session_timeout_minutes() * 60 or age > config.session_max_hours() * 3600:
        return Verdict(None, EXPIRED)
    return Verdict(accounts.get_user(store, row["user_id"]), None, last_seen)


def token_verdict(store: Store, token: str | None, now: datetime | None = None) -> Verdict:
    """`verdict` for the session of a cookie's token (an unknown token: LOGGED_OUT)."""
    session_id = by_token(store, token)
    if session_id is None:
        return Verdict(None, LOGGED_OUT)
    return verdict(store, session_id, now)


def cookie_issued(store: Store, session_id: int | None) -> bool:
    """Whether the session's code was traded for its cookie (or the session has ended)."""
    row = store.one("SELECT token_hash, ended_at FROM web_sessions WHERE id = ?", [session_id])
    return row is None or bool(row["token_hash"] or row["ended_at"])


def seen(store: Store, session_id: int, last_seen: datetime | None,
         now: datetime | None = None) -> None:
    """Record that the session was used now (at most once a minute: it is a write)."""
    now = _now(now)
    if last_seen is not None and (now - last_seen).total_seconds() < TOUCH_SECONDS:
        return
    store.write(SYSTEM, lambda tx: tx.db.execute(
        "UPDATE web_sessions SET last_seen = ? WHERE id = ? AND ended_at IS NULL",
        [_stamp(now), session_id]))


# -- ending -----------------------------------------------------------------------------------

def _end(tx: Tx, session_id: int, reason: str, now: datetime) -> bool:
    row = tx.get("web_sessions", session_id)
    if row is None or row["ended_at"]:
        return False
    tx.update("web_sessions", session_id, {"ended_at": _stamp(now), "end_reason": reason})
    return True


def end(store: Store, session_id: int, reason: str, actor: Actor = SYSTEM,
        now: datetime | None = None) -> bool:
    """End one session (logout, or found expired); False if it had ended already."""
    now = _now(now)
    return store.write(actor, lambda tx: _end(tx, session_id, reason, now))


def end_for_user(tx: Tx, user_id: int, reason: str, keep: int | None = None,
                 now: datetime | None = None) -> int:
    """Inside a write: end every open session of an account (but `keep`); how many ended."""
    now = _now(now)
    ids = [r[0] for r in tx.db.execute(
        "SELECT id FROM web_sessions WHERE user_id = ? AND ended_at IS NULL AND id IS NOT ?",
        [user_id, keep])]
    for session_id in ids:
        _end(tx, session_id, reason, now)
    return len(ids)


def end_all(tx: Tx, reason: str, now: datetime | None = None) -> int:
    """Inside a write: end every open session (after a restore, whose sessions may have ended
    since the backup was made); how many ended."""
    now = _now(now)
    ids = [r[0] for r in tx.db.execute("SELECT id FROM web_sessions WHERE ended_at IS NULL")]
    for session_id in ids:
        _end(tx, session_id, reason, now)
    return len(ids)


def carry(tx: Tx, session_id: int, user_id: int, epoch: int) -> None:
    """Inside the write that set a user's own password: their current session goes on under
    the new epoch (only if it is theirs and open)."""
    row = tx.get("web_sessions", session_id)
    if row and row["user_id"] == user_id and not row["ended_at"]:
        tx.update("web_sessions", session_id, {"epoch": epoch})


def revoke_user(store: Store, actor: User, user_id: int) -> int:
    """End every open session of an account at once (beheerder only); how many ended."""
    accounts.require(actor, "admin")
    if accounts.get_user(store, user_id) is None:
        raise accounts.AccountError("Dit account bestaat niet.")
    return store.write(actor.actor, lambda tx: end_for_user(tx, user_id, REVOKED))


def open_sessions(store: Store, user_id: int) -> list[dict]:
    """An account's open sessions, newest first (no tokens): id, via, created_at, last_seen."""
    return store.rows("SELECT id, via, created_at, last_seen FROM web_sessions"
                      " WHERE user_id = ? AND ended_at IS NULL ORDER BY id DESC", [user_id])
