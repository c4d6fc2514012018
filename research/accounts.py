"""Local accounts, roles and permissions.

Passwords are hashed with argon2. Failed logins per typed name are counted and, after a few,
the name is locked for a growing number of seconds. Permissions are data (`PERMISSIONS`), and
every domain write checks them itself, so hiding a menu entry is never the only guard.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

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

MIN_PASSWORD_LENGTH = 10
FREE_ATTEMPTS = 3          # failures before a name is locked at all
MAX_LOCK_SECONDS = 300     # the lock doubles per further failure, up to five minutes

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
class User:
    id: int | None
    username: str
    role: str
    display_name: str | None = None
    email: str | None = None
    active: bool = True
    wijken: tuple[str, ...] = field(default=())

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.id)

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    @property
    def label(self) -> str:
        return self.display_name or self.username


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
                bool(row["active"]), wijken)


def get_user(store: Store, user_id: int) -> User | None:
    """The user with this id, or None."""
    row = store.one("SELECT * FROM users WHERE id = ?", [user_id])
    return _user_from_row(store, row) if row else None


def find_user(store: Store, username: str) -> User | None:
    """The user with this name (case-insensitive), or None."""
    row = store.one("SELECT * FROM users WHERE username = ?", [username.strip()])
    return _user_from_row(store, row) if row else None


def user_for_identity(store: Store, email: str | None) -> User | None:
    """The active local account that an identity provider's e-mail address belongs to."""
    if not email:
        return None
    row = store.one("SELECT * FROM users WHERE email = ? AND active = 1", [email.strip()])
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


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens.")


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
    _check_password(password)
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

    store.write(actor.actor, apply)
    return get_user(store, user_id)  # type: ignore[return-value]


def reset_password(store: Store, actor: User, user_id: int, new_password: str | None = None) -> str:
    """Set a new password for an account (beheerder only); returns it (generated if not given)."""
    require(actor, "admin")
    if get_user(store, user_id) is None:
        raise AccountError("Dit account bestaat niet.")
    _refuse_coder(store, user_id)
    password = new_password or generate_password()
    _check_password(password)
    store.write(actor.actor, lambda tx: _store_password(tx, user_id, password))
    return password


def change_own_password(store: Store, user: User, old_password: str, new_password: str) -> None:
    """Let a logged-in user replace their own password after confirming the old one."""
    row = store.one("SELECT password_hash FROM users WHERE id = ?", [user.id])
    if row is None or not _verify(row["password_hash"], old_password):
        raise AccountError("Het huidige wachtwoord klopt niet.")
    _check_password(new_password)
    store.write(user.actor, lambda tx: _store_password(tx, user.id, new_password))


def _store_password(tx: Tx, user_id: int, password: str) -> None:
    tx.update("users", user_id, {"password_hash": _hasher.hash(password),
                                 "password_changed_at": utcnow()})


def ensure_admin(store: Store, password: str | None = None) -> str | None:
    """Create the account `admin` if no beheerder exists yet.

    Returns the password when one was generated (to be shown once), else None.
    """
    if store.value("SELECT count(*) FROM users WHERE role = 'beheerder'"):
        return None
    generated = None if password else generate_password()
    create_user(store, SYSTEM_USER, "admin", "beheerder", password or generated,
                display_name="Beheerder")
    return generated


# -- logging in -------------------------------------------------------------------------------

def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _parse(moment: str | None) -> datetime | None:
    return datetime.fromisoformat(moment) if moment else None


def authenticate(store: Store, username: str, password: str, now: datetime | None = None) -> User:
    """Check a login; returns the user or raises LoginError with a Dutch message.

    The message never says whether the name or the password was wrong. After FREE_ATTEMPTS
    failures for a name, further attempts are refused for 2, 4, 8, ... seconds.
    """
    now = now or datetime.now(timezone.utc)
    name = username.strip()
    row = store.one("SELECT * FROM users WHERE username = ?", [name]) if name else None
    actor = Actor(row["username"] if row else (name[:64] or "?"), row["id"] if row else None)

    def check(tx: Tx) -> bool:
        # Read and update the failure counter inside one write transaction, so that parallel
        # attempts (one thread per browser session) are all counted.
        throttle = tx.get("login_throttle", name)
        locked_until = _parse(throttle["locked_until"]) if throttle else None
        if locked_until and locked_until > now:
            return False
        ok = _verify(row["password_hash"] if row else None, password) and bool(row and row["active"])
        if ok:
            tx.db.execute("DELETE FROM login_throttle WHERE username = ?", [name])
            tx.event("session", row["id"], "login")
            return True
        failures = (throttle["failures"] if throttle else 0) + 1
        lock = None
        if failures >= FREE_ATTEMPTS:
            seconds = min(MAX_LOCK_SECONDS, 2 ** (failures - FREE_ATTEMPTS + 1))
            lock = (now + timedelta(seconds=seconds)).replace(microsecond=0).isoformat()
        tx.db["login_throttle"].upsert({"username": name, "failures": failures,
                                        "locked_until": lock}, pk="username")
        tx.event("session", row["id"] if row else None, "login_failed",
                 after={"username": name[:64], "failures": failures})
        return False

    throttle = store.one("SELECT locked_until FROM login_throttle WHERE username = ?", [name])
    locked_until = _parse(throttle["locked_until"]) if throttle else None
    if locked_until and locked_until > now:
        wait = int((locked_until - now).total_seconds()) + 1
        raise LoginError(f"Te veel mislukte pogingen. Probeer het over {wait} seconden opnieuw.")
    ok = store.write(actor, check)
    if not ok:
        raise LoginError(BAD_LOGIN)
    return _user_from_row(store, row)


def session_expired(last_seen: float, now: float, timeout_minutes: int) -> bool:
    """Whether a session last used at `last_seen` (epoch seconds) has timed out by `now`."""
    return now - last_seen > timeout_minutes * 60
