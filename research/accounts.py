"""Local accounts, roles and permissions.

Passwords are hashed with argon2. Failed logins per typed name add to a score that decays
with time; a burst of them locks the name for a growing number of seconds. Permissions are
data (`PERMISSIONS`), and every domain write checks them itself, so hiding a menu entry is
never the only guard.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from research import passwords
from research.errors import UserError
from research.storage import SYSTEM, Actor, Store, Tx, utcnow

ROLES = {
    "beheerder": "Beheerder",
    "onderzoeker": "Onderzoeker",
    "analist": "Analist",
    "coordinator": "Coördinator",
    "lezer": "Lezer",
}

# Which roles hold which permission. Qualitative projects are further limited to their members
# (see research.qual.projects), wijkwerkplaats data of a coordinator to their own wijken.
PERMISSIONS = {
    # Coordinators read the projects they are admitted to: as knowledge brokers they link
    # findings (codes, memos) to residents' questions.
    "qual.read": {"beheerder", "onderzoeker", "coordinator", "lezer"},
    "qual.write": {"beheerder", "onderzoeker"},
    "survey.read": {"beheerder", "onderzoeker", "analist", "coordinator", "lezer"},
    "survey.write": {"beheerder", "analist"},
    "tracker.read": {"beheerder", "onderzoeker", "coordinator", "lezer"},
    "tracker.write": {"beheerder", "coordinator"},
    "admin": {"beheerder"},
}

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
FREE_ATTEMPTS = 3          # the third failure in quick succession locks the name
DECAY_SECONDS = 120        # the score drops by one per two minutes without failures
MAX_LOCK_SECONDS = 300     # the lock doubles per point of score above it, up to five minutes

BAD_LOGIN = "Gebruikersnaam of wachtwoord onjuist."

_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when a name is unknown, so that the answer takes as long as for a real
    account and timing does not reveal which names exist. Made on first use, with the
    production parameters: hashing at import cost every command line start 0.1 s."""
    return PasswordHasher().hash(secrets.token_hex(16))


class AccountError(UserError):
    """A refused account action, with a Dutch message for the user."""


class LoginError(AccountError):
    """A refused login."""


class PermissionDenied(AccountError):
    """The user's role does not allow this."""

    def __init__(self, message: str = "Je hebt geen toegang tot dit onderdeel."):
        super().__init__(message)


@dataclass(frozen=True)
class AccountActor(Actor):
    """An account as its permission checks saw it. Every write it makes first compares that
    with the database, in the write transaction, so a page (or a fragment of one) that runs on
    with an old copy of the account cannot write once the account is disabled, its role or
    wijken changed, or its password reset."""

    role: str = ""
    wijken: tuple[str, ...] = ()
    session_epoch: int = 0

    def verify(self, db) -> None:
        if self.user_id is None:  # the system account of the command line
            return
        row = db.execute("SELECT role, active, session_epoch FROM users WHERE id = ?",
                         [self.user_id]).fetchone()
        if row is None or not row[1]:
            raise PermissionDenied("Je account is uitgeschakeld. Er is niets opgeslagen.")
        wijken = tuple(r[0] for r in db.execute(
            "SELECT wijk_id FROM user_wijken WHERE user_id = ? ORDER BY wijk_id", [self.user_id]))
        if (row[0], wijken, row[2]) != (self.role, tuple(sorted(self.wijken)), self.session_epoch):
            raise PermissionDenied("Je rol, wijkwerkplaatsen of wachtwoord zijn intussen "
                                   "gewijzigd. Er is niets opgeslagen; laad de pagina opnieuw.")


@dataclass(frozen=True)
class User:
    id: int | None
    username: str
    role: str
    display_name: str | None = None
    email: str | None = None
    active: bool = True
    wijken: tuple[str, ...] = field(default=())
    # Raised whenever the password is set: a session started under a lower one has ended.
    session_epoch: int = 0

    @property
    def actor(self) -> Actor:
        """Who writes, as the audit log records it; every write checks this account's state."""
        return AccountActor(self.username, self.id, self.role, self.wijken, self.session_epoch)

    @property
    def account_id(self) -> int:
        """The id of a stored account (the system user, which is no account, has none)."""
        assert self.id is not None, "the system user is no account"
        return self.id

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    @property
    def label(self) -> str:
        return self.display_name or self.username


# Who failed logins with a name that belongs to no account are recorded as: never the name,
# which may be a password typed into the wrong field.
UNKNOWN_NAME = Actor("(onbekende naam)")

# The command line and init act as this user: whoever can run them can reach the file anyway.
SYSTEM_USER = User(None, SYSTEM.username, "beheerder", "Systeem")


def can(user: User | None, permission: str, wijk: str | None = None) -> bool:
    """Whether `user` holds `permission` (for a coordinator: within `wijk`, if given)."""
    if user is None or not user.active or user.role not in PERMISSIONS[permission]:
        return False
    if wijk is not None and user.role == "coordinator":
        return wijk in user.wijken
    return True


def require(user: User | None, permission: str, wijk: str | None = None,
            message: str | None = None) -> User:
    """Return `user` if `can(...)`, else raise PermissionDenied (with `message`, if given)."""
    if not can(user, permission, wijk):
        raise PermissionDenied(*([message] if message else []))
    return user  # type: ignore[return-value]


# -- reading ----------------------------------------------------------------------------------

def _user_from_row(store: Store, row: dict) -> User:
    wijken = tuple(r["wijk_id"] for r in store.rows(
        "SELECT wijk_id FROM user_wijken WHERE user_id = ? ORDER BY wijk_id", [row["id"]]))
    return User(row["id"], row["username"], row["role"], row["display_name"], row["email"],
                bool(row["active"]), wijken, row["session_epoch"])


def get_user(store: Store, user_id: int) -> User | None:
    """The user with this id, or None."""
    row = store.one("SELECT * FROM users WHERE id = ?", [user_id])
    return _user_from_row(store, row) if row else None


def find_user(store: Store, username: str) -> User | None:
    """The user with this name (case-insensitive), or None."""
    row = store.one("SELECT * FROM users WHERE username = ?", [username.strip()])
    return _user_from_row(store, row) if row else None


UNVERIFIED_EMAIL = ("Je organisatie heeft je e-mailadres niet als bevestigd doorgegeven, dus "
                    "hoort het niet met zekerheid bij jou. Inloggen via de organisatie kan zo "
                    "niet; log in met een lokaal account of vraag een beheerder.")


def user_for_identity(store: Store, claims) -> User | None:
    """The active local account that an identity provider's login belongs to, by e-mail
    address; None when there is none. The provider must say the address is verified
    (`email_verified` true): many let anyone enter any address, which would otherwise log
    them in as whoever owns it here (LoginError)."""
    email = (claims.get("email") or "").strip()
    if not email:
        return None
    if claims.get("email_verified") is not True and \
            str(claims.get("email_verified")).lower() != "true":
        raise LoginError(UNVERIFIED_EMAIL)
    row = store.one("SELECT * FROM users WHERE email = ? AND active = 1", [email])
    return _user_from_row(store, row) if row else None


def list_users(store: Store) -> list[dict]:
    """Every account with its role and wijken, for the user table (no password hashes). The
    coders without a login of imported projects are listed by `research.qual.coders`."""
    return store.rows(
        "SELECT u.id, u.username, u.display_name, u.email, u.role, u.active, u.created_at,"
        " u.password_changed_at, group_concat(w.wijk_id, ', ') AS wijken"
        " FROM users u LEFT JOIN user_wijken w ON w.user_id = u.id WHERE u.kind = 'account'"
        " GROUP BY u.id ORDER BY u.username")


# -- validation -------------------------------------------------------------------------------

def _refuse_coder(store: Store, user_id: int) -> None:
    """A coder without a login (from a REFI-QDA import) never gets a password or a login."""
    if store.value("SELECT kind FROM users WHERE id = ?", [user_id]) == "coder":
        raise AccountError("Dit is een codeur zonder login (uit een REFI-QDA-import); koppel "
                           "hem onder Beheer › Gebruikers aan een account.")


def _check_password(password: str, username: str | None = None) -> None:
    reason = passwords.problem(password, username=username, min_length=MIN_PASSWORD_LENGTH)
    if reason:
        raise AccountError(reason)


def _check_role(store: Store, role: str, wijken: tuple[str, ...]) -> None:
    if role not in ROLES:
        raise AccountError(f"Onbekende rol '{role}'. Kies uit: {', '.join(ROLES)}.")
    known = {r["id"] for r in store.rows("SELECT id FROM wijkwerkplaatsen")}
    unknown = [w for w in wijken if w not in known]
    if unknown:
        raise AccountError(f"Onbekende wijkwerkplaats: {', '.join(unknown)}. "
                           f"Kies uit: {', '.join(sorted(known))}.")
    if role == "coordinator" and not wijken:
        raise AccountError("Een coördinator hoort bij minstens één wijkwerkplaats.")


def generate_password() -> str:
    """A random password of 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


# -- writing ----------------------------------------------------------------------------------

def _set_wijken(tx: Tx, user_id: int, wijken: tuple[str, ...]) -> None:
    current = {r["wijk_id"] for r in tx.db.query(
        "SELECT wijk_id FROM user_wijken WHERE user_id = ?", [user_id])}
    for wijk in sorted(current - set(wijken)):
        tx.unlink("user_wijken", {"user_id": user_id, "wijk_id": wijk})
    for wijk in sorted(set(wijken) - current):
        tx.link("user_wijken", {"user_id": user_id, "wijk_id": wijk})


def create_user(store: Store, actor: User, username: str, role: str, password: str,
                display_name: str | None = None, email: str | None = None,
                wijken: tuple[str, ...] | list[str] = ()) -> User:
    """Add an account (beheerder only)."""
    require(actor, "admin")
    username = username.strip()
    wijken = tuple(wijken) if role == "coordinator" else ()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise AccountError("Een gebruikersnaam is 1 tot 64 tekens, zonder spaties.")
    _check_role(store, role, wijken)
    _check_password(password, username)
    if find_user(store, username):
        raise AccountError(f"De gebruikersnaam '{username}' bestaat al.")
    email = (email or "").strip() or None
    if email and store.one("SELECT 1 FROM users WHERE email = ?", [email]):
        raise AccountError(f"Het e-mailadres '{email}' hoort al bij een ander account.")

    def apply(tx: Tx) -> int:
        user_id = tx.insert("users", {
            "username": username, "display_name": (display_name or "").strip() or None,
            "email": email, "role": role, "password_hash": _hasher.hash(password),
            "active": 1, "created_at": utcnow(), "password_changed_at": utcnow()})
        _set_wijken(tx, user_id, wijken)
        return user_id

    return get_user(store, store.write(actor.actor, apply))  # type: ignore[return-value]


def update_user(store: Store, actor: User, user_id: int, *, role: str | None = None,
                wijken: tuple[str, ...] | list[str] | None = None, active: bool | None = None,
                display_name: str | None = None, email: str | None = None) -> User:
    """Change an account's role, wijken, name, e-mail or active flag (beheerder only)."""
    require(actor, "admin")
    target = get_user(store, user_id)
    if target is None:
        raise AccountError("Dit account bestaat niet.")
    _refuse_coder(store, user_id)
    new_role = role or target.role
    new_wijken = tuple(wijken) if wijken is not None else target.wijken
    new_wijken = new_wijken if new_role == "coordinator" else ()
    _check_role(store, new_role, new_wijken)
    new_active = target.active if active is None else active
    if target.id == actor.id and (new_role != "beheerder" or not new_active):
        raise AccountError("Je kunt je eigen beheerdersrechten niet intrekken.")
    if target.role == "beheerder" and (new_role != "beheerder" or not new_active):
        others = store.value("SELECT count(*) FROM users WHERE role = 'beheerder' AND active = 1"
                             " AND id != ?", [user_id])
        if not others:
            raise AccountError("Er moet minstens één actieve beheerder blijven.")
    changes: dict = {"role": new_role, "active": int(new_active)}
    if display_name is not None:
        changes["display_name"] = display_name.strip() or None
    if email is not None:
        changes["email"] = email.strip() or None
        if changes["email"] and store.one("SELECT 1 FROM users WHERE email = ? AND id != ?",
                                          [changes["email"], user_id]):
            raise AccountError(f"Het e-mailadres '{changes['email']}' hoort al bij een ander "
                               "account.")

    def apply(tx: Tx) -> None:
        tx.update("users", user_id, changes)
        _set_wijken(tx, user_id, new_wijken)
        if not new_active:
            from research import sessions  # imports this module

            sessions.end_for_user(tx, user_id, sessions.DISABLED)

    store.write(actor.actor, apply)
    return get_user(store, user_id)  # type: ignore[return-value]


def reset_password(store: Store, actor: User, user_id: int, new_password: str | None = None) -> str:
    """Set a new password for an account (beheerder only); returns it (generated if not given)."""
    require(actor, "admin")
    target = get_user(store, user_id)
    if target is None:
        raise AccountError("Dit account bestaat niet.")
    _refuse_coder(store, user_id)
    password = new_password or generate_password()
    _check_password(password, target.username)

    def apply(tx: Tx) -> None:
        _store_password(tx, user_id, password)
        # A reset is how a locked-out user gets back in: the lock goes with the old password.
        tx.db.execute("DELETE FROM login_throttle WHERE name_key = ?",
                      [name_key(target.username)])

    store.write(actor.actor, apply)
    return password


def change_own_password(store: Store, user: User, old_password: str, new_password: str,
                        keep_session: int | None = None) -> User:
    """Let a logged-in user replace their own password after confirming the old one; their
    other sessions end, the login session `keep_session` (theirs) goes on. Returns the account
    as it is now (for the session that stays)."""
    row = store.one("SELECT password_hash FROM users WHERE id = ?", [user.id])
    if row is None or not _verify(row["password_hash"], old_password):
        raise AccountError("Het huidige wachtwoord klopt niet.")
    _check_password(new_password, user.username)
    store.write(user.actor,
                lambda tx: _store_password(tx, user.account_id, new_password, keep_session))
    return get_user(store, user.account_id)  # type: ignore[return-value]


def _store_password(tx: Tx, user_id: int, password: str, keep_session: int | None = None) -> None:
    from research import sessions  # imports this module

    # A new session epoch ends every session that was opened with the old password.
    account = tx.get("users", user_id)
    assert account is not None, f"user {user_id}"
    epoch = account["session_epoch"] + 1
    tx.update("users", user_id, {"password_hash": _hasher.hash(password),
                                 "password_changed_at": utcnow(), "session_epoch": epoch})
    sessions.end_for_user(tx, user_id, sessions.PASSWORD_SET, keep=keep_session)
    if keep_session is not None:
        sessions.carry(tx, keep_session, user_id, epoch)


def ensure_admin(store: Store, password: str | None = None) -> str | None:
    """Create the account `admin` if no beheerder exists yet.

    Returns the password when one was generated (to be shown once), else None.
    """
    if store.value("SELECT count(*) FROM users WHERE role = 'beheerder'"):
        return None
    if password:
        generated = None
    else:
        password = generated = generate_password()
    create_user(store, SYSTEM_USER, "admin", "beheerder", password, display_name="Beheerder")
    return generated


# -- logging in -------------------------------------------------------------------------------

def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _parse(moment: str | None) -> datetime | None:
    return datetime.fromisoformat(moment) if moment else None


def _stamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def name_key(username: str) -> str:
    """The login throttle's key for a typed name: a hash, so that a password typed into the
    name field is not kept in the database."""
    return hashlib.sha256(username.strip().casefold().encode("utf-8")).hexdigest()


def _decayed(throttle: dict | None, now: datetime) -> float:
    """A name's failure score at `now`: one less per DECAY_SECONDS since it was written."""
    if throttle is None:
        return 0.0
    elapsed = max(0.0, (now - datetime.fromisoformat(throttle["at"])).total_seconds())
    return max(0.0, throttle["score"] - elapsed / DECAY_SECONDS)


def lock_seconds(score: float) -> int:
    """How long a name waits after a failure that brought its score to `score` (0: free).
    The FREE_ATTEMPTS-th failure in quick succession is the first that locks."""
    if score <= FREE_ATTEMPTS - 1:
        return 0
    return min(MAX_LOCK_SECONDS, round(2 ** (score - FREE_ATTEMPTS + 1)))


def _locked_message(locked_until: datetime, now: datetime) -> str:
    wait = int((locked_until - now).total_seconds()) + 1
    return f"Te veel mislukte pogingen. Probeer het over {wait} seconden opnieuw."


def authenticate(store: Store, username: str, password: str, now: datetime | None = None) -> User:
    """Check a login; returns the user or raises LoginError with a Dutch message.

    The message never says whether the name or the password was wrong. Every attempt adds
    one to the typed name's failure score before the password is checked (so parallel
    attempts all count), a correct password clears it, and the score drops by one per
    DECAY_SECONDS: a trickle of wrong guesses never locks a name, a burst does, for 2, 4, 8,
    ... seconds (at most MAX_LOCK_SECONDS). The password is verified outside any write
    transaction, failures add no audit event each (only a lock that starts does), and an
    unknown name is never written down.
    """
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    name = username.strip()
    key = name_key(name)
    row = store.one("SELECT * FROM users WHERE username = ?", [name]) if name else None
    account = Actor(row["username"], row["id"]) if row else UNKNOWN_NAME

    def count_attempt(tx: Tx) -> tuple[datetime | None, int]:
        # A short write, no password hashing inside: (the lock that refuses this attempt, or
        # None; the seconds of the lock that counting it as a failure starts, else 0).
        throttle = tx.get("login_throttle", key)
        locked_until = _parse(throttle["locked_until"]) if throttle else None
        if locked_until and locked_until > now:
            return locked_until, 0
        before = _decayed(throttle, now)
        score = before + 1
        seconds = lock_seconds(score)
        tx.db.execute(
            "INSERT INTO login_throttle (name_key, score, at, locked_until) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name_key) DO UPDATE SET score = excluded.score, at = excluded.at,"
            " locked_until = excluded.locked_until",
            [key, score, _stamp(now),
             _stamp(now + timedelta(seconds=seconds)) if seconds else None])
        # Names not tried for a day have decayed to nothing: forget them.
        tx.db.execute("DELETE FROM login_throttle WHERE at < ?",
                      [_stamp(now - timedelta(days=1))])
        return None, seconds if lock_seconds(before) == 0 else 0

    throttle = store.one("SELECT locked_until FROM login_throttle WHERE name_key = ?", [key])
    locked_until = _parse(throttle["locked_until"]) if throttle else None
    if locked_until and locked_until > now:
        raise LoginError(_locked_message(locked_until, now))
    locked_until, lock_starts = store.write(account, count_attempt)
    if locked_until is not None:  # another attempt locked the name meanwhile
        raise LoginError(_locked_message(locked_until, now))

    ok = _verify(row["password_hash"] if row else None, password) and bool(row and row["active"])
    if ok:
        assert row is not None  # ok needs the account's row

        def logged_in(tx: Tx) -> None:
            tx.db.execute("DELETE FROM login_throttle WHERE name_key = ?", [key])
            tx.event("session", row["id"], "login")

        store.write(account, logged_in)
        return _user_from_row(store, row)
    if lock_starts:
        # One event per lock, never one per failure; an unknown name is not recorded.
        store.write(account, lambda tx: tx.event(
            "session", row["id"] if row else None, "login_locked",
            after={"bekend_account": row is not None, "seconden": lock_starts}))
    raise LoginError(BAD_LOGIN)


def session_expired(last_seen: float, now: float, timeout_minutes: int) -> bool:
    """Whether a session last used at `last_seen` (epoch seconds) has timed out by `now`."""
    return now - last_seen > timeout_minutes * 60
