"""Accounts: creating, logging in with throttling, roles and permissions, the first admin."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from conftest import PASSWORD
from research import accounts, passwords, startup
from research.accounts import (
    BAD_LOGIN,
    FREE_ATTEMPTS,
    PERMISSIONS,
    SYSTEM_USER,
    AccountError,
    LoginError,
    PermissionDenied,
    User,
)
from research.schema import open_store

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
PRODUCTION_HASHER = accounts._hasher



def login_fails(store, name, password, now=None) -> str:
    with pytest.raises(LoginError) as raised:
        accounts.authenticate(store, name, password, now=now)
    return raised.value.message


# -- creating and logging in ------------------------------------------------------------------

def test_create_user_and_authenticate(store):
    made = accounts.create_user(store, SYSTEM_USER, "  olga  ", "onderzoeker", PASSWORD,
                                display_name=" Olga de Vries ", email=" olga@example.nl ")
    assert made == User(made.id, "olga", "onderzoeker", "Olga de Vries", "olga@example.nl",
                        True, ())
    assert store.value("SELECT password_hash FROM users WHERE id = ?", [made.id]).startswith(
        "$argon2id$")
    assert accounts.authenticate(store, "olga", PASSWORD) == made
    assert accounts.authenticate(store, " OLGA ", PASSWORD) == made  # name is case-insensitive


def test_production_hashes_are_argon2id_with_default_cost(store, monkeypatch):
    monkeypatch.setattr(accounts, "_hasher", PRODUCTION_HASHER)
    made = accounts.create_user(store, SYSTEM_USER, "echt", "lezer", PASSWORD)
    stored = store.value("SELECT password_hash FROM users WHERE id = ?", [made.id])
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored
    assert accounts.authenticate(store, "echt", PASSWORD) == made


def test_wrong_password_and_unknown_user_give_the_same_message(users, store):
    assert login_fails(store, "olga", "verkeerd-wachtwoord") == BAD_LOGIN
    assert login_fails(store, "niemand", PASSWORD) == BAD_LOGIN
    assert login_fails(store, "", PASSWORD) == BAD_LOGIN
    assert BAD_LOGIN == "Gebruikersnaam of wachtwoord onjuist."


def throttle(store) -> dict:
    return store.one("SELECT score, at, locked_until FROM login_throttle")


def test_throttle_locks_after_free_attempts_and_resets_after_success(users, store):
    assert FREE_ATTEMPTS == 3
    for _ in range(FREE_ATTEMPTS):
        assert login_fails(store, "olga", "verkeerd-wachtwoord", now=T0) == BAD_LOGIN
    assert throttle(store) == {"score": 3.0, "at": "2026-03-01T12:00:00+00:00",
                               "locked_until": "2026-03-01T12:00:02+00:00"}

    # Locked: even the right password is refused, without saying whether it was right.
    message = login_fails(store, "olga", PASSWORD, now=T0 + timedelta(seconds=1))
    assert message.startswith("Te veel mislukte pogingen")
    assert message == "Te veel mislukte pogingen. Probeer het over 2 seconden opnieuw."
    # The lock is per name, whatever its capitals.
    assert login_fails(store, "OLGA", PASSWORD, now=T0 + timedelta(seconds=1)) == message

    # After the lock time the right password works and the counter is cleared.
    user = accounts.authenticate(store, "olga", PASSWORD, now=T0 + timedelta(seconds=3))
    assert user.username == "olga"
    assert store.rows("SELECT * FROM login_throttle") == []
    assert login_fails(store, "olga", "verkeerd-wachtwoord", now=T0 + timedelta(seconds=4)) \
        == BAD_LOGIN
    assert throttle(store) == {"score": 1.0, "at": "2026-03-01T12:00:04+00:00",
                               "locked_until": None}


def test_throttle_lock_doubles_per_further_failure(users, store):
    for _ in range(FREE_ATTEMPTS):
        login_fails(store, "olga", "verkeerd-wachtwoord", now=T0)
    later = T0 + timedelta(seconds=3)  # first lock (2 s) is over
    assert login_fails(store, "olga", "verkeerd-wachtwoord", now=later) == BAD_LOGIN
    assert store.value("SELECT locked_until FROM login_throttle") == "2026-03-01T12:00:07+00:00"
    assert login_fails(store, "olga", PASSWORD, now=later + timedelta(seconds=3)) == \
        "Te veel mislukte pogingen. Probeer het over 2 seconden opnieuw."
    assert accounts.authenticate(store, "olga", PASSWORD, now=later + timedelta(seconds=5))


def test_lock_seconds_grow_with_the_score_up_to_five_minutes():
    assert [accounts.lock_seconds(s) for s in (0, 1, 2, 2.5, 3, 4, 5, 10, 11, 40)] == [
        0, 0, 0, 1, 2, 4, 8, 256, 300, 300]


def test_a_trickle_of_wrong_guesses_never_locks_the_name(users, store):
    # One wrong guess every five minutes, for a day: the score decays between guesses, so the
    # owner of the name is never locked out (the old counter locked for good after three).
    moment = T0
    for _ in range(288):
        assert login_fails(store, "admin", "raad-maar-eens", now=moment) == BAD_LOGIN
        moment += timedelta(minutes=5)
    assert throttle(store)["score"] == 1.0
    assert accounts.authenticate(store, "admin", PASSWORD, now=moment - timedelta(minutes=4))


def test_the_score_decays_by_one_per_two_minutes(users, store):
    for _ in range(FREE_ATTEMPTS):
        login_fails(store, "olga", "verkeerd-wachtwoord", now=T0)
    assert accounts.DECAY_SECONDS == 120
    assert throttle(store) == {"score": 3.0, "at": "2026-03-01T12:00:00+00:00",
                               "locked_until": "2026-03-01T12:00:02+00:00"}
    # Four minutes on, the score is 1: this failure brings it to 2, no lock.
    login_fails(store, "olga", "verkeerd-wachtwoord", now=T0 + timedelta(minutes=4))
    assert throttle(store) == {"score": 2.0, "at": "2026-03-01T12:04:00+00:00",
                               "locked_until": None}


def test_brute_force_is_still_slowed_to_about_one_guess_per_two_minutes(users, store):
    # An attacker who guesses the moment each lock ends.
    moment, guesses = T0, 0
    while moment < T0 + timedelta(hours=6):
        try:
            accounts.authenticate(store, "olga", f"poging-{guesses}", now=moment)
        except LoginError as error:
            if error.message == BAD_LOGIN:
                guesses += 1
                until = store.value("SELECT locked_until FROM login_throttle")
                moment = datetime.fromisoformat(until) if until else moment
                continue
            raise
    # Six hours at one guess per DECAY_SECONDS (180), plus the burst before the locks grew.
    assert guesses == 188


def test_reset_password_lifts_the_lock(users, store):
    olga = users["onderzoeker"]
    for _ in range(6):
        try:
            accounts.authenticate(store, "olga", "verkeerd-wachtwoord", now=T0)
        except LoginError:
            pass
    assert login_fails(store, "olga", PASSWORD, now=T0).startswith("Te veel mislukte pogingen")
    new = accounts.reset_password(store, users["beheerder"], olga.id, "nieuw-Wachtwoord-7")
    assert store.rows("SELECT * FROM login_throttle") == []
    assert accounts.authenticate(store, "olga", new, now=T0).id == olga.id


def test_the_password_is_verified_outside_the_write_lock(users, store, db_path, monkeypatch):
    real_verify = accounts._verify
    lock_free = []

    def verify_and_try_the_lock(password_hash, password):
        other = sqlite3.connect(db_path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails while this login holds the write lock
            other.execute("ROLLBACK")
            lock_free.append(True)
        except sqlite3.OperationalError:
            lock_free.append(False)
        finally:
            other.close()
        return real_verify(password_hash, password)

    monkeypatch.setattr(accounts, "_verify", verify_and_try_the_lock)
    login_fails(store, "olga", "verkeerd-wachtwoord", now=T0)
    login_fails(store, "niemand", "verkeerd-wachtwoord", now=T0)
    accounts.authenticate(store, "olga", PASSWORD, now=T0)
    assert lock_free == [True, True, True]


def test_concurrent_failed_logins_are_all_counted(users, store, monkeypatch):
    both_checked = threading.Barrier(2, timeout=2)
    real_verify = accounts._verify

    def verify_in_step(password_hash, password):
        result = real_verify(password_hash, password)
        try:
            both_checked.wait()  # both attempts have read the throttle before either records
        except threading.BrokenBarrierError:
            pass  # an implementation that verifies under the write lock: attempts run in turn
        return result

    monkeypatch.setattr(accounts, "_verify", verify_in_step)
    messages = []

    def attempt():
        try:
            accounts.authenticate(store, "olga", "verkeerd-wachtwoord", now=T0)
        except LoginError as error:
            messages.append(error.message)
        finally:
            store.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert messages == [BAD_LOGIN, BAD_LOGIN]
    assert store.value("SELECT score FROM login_throttle") == 2.0


def test_disabled_user_gets_bad_login(users, store):
    accounts.update_user(store, users["beheerder"], users["lezer"].id, active=False)
    assert login_fails(store, "lex", PASSWORD) == BAD_LOGIN


def test_login_events_are_logged_once_per_lock_not_per_failure(users, store):
    olga = users["onderzoeker"]
    accounts.authenticate(store, "olga", PASSWORD, now=T0)
    login_fails(store, "olga", "verkeerd-wachtwoord", now=T0)
    login_fails(store, "niemand", "verkeerd-wachtwoord", now=T0)
    for second in range(0, 600, 2):  # a burst against olga: one lock, held, one event
        moment = T0 + timedelta(seconds=second)
        try:
            accounts.authenticate(store, "olga", "verkeerd-wachtwoord", now=moment)
        except LoginError:
            pass
    rows = store.rows("SELECT actor, actor_id, entity, entity_id, action, after FROM events"
                      " WHERE entity = 'session' ORDER BY id")
    assert rows == [
        {"actor": "olga", "actor_id": olga.id, "entity": "session", "entity_id": str(olga.id),
         "action": "login", "after": None},
        {"actor": "olga", "actor_id": olga.id, "entity": "session", "entity_id": str(olga.id),
         "action": "login_locked",
         "after": json.dumps({"bekend_account": True, "seconden": 2})},
    ]


def test_an_unknown_name_is_never_written_down(users, store):
    # A password typed into the name field: not in the audit log, not in the throttle table.
    typed = "Zomer2026!geheim"
    for _ in range(4):
        try:
            accounts.authenticate(store, typed, "", now=T0)
        except LoginError:
            pass
    events = store.rows("SELECT * FROM events WHERE entity = 'session'")
    assert [(e["actor"], e["actor_id"], e["entity_id"], e["action"], e["after"])
            for e in events] == [
        ("(onbekende naam)", None, None, "login_locked",
         json.dumps({"bekend_account": False, "seconden": 2}))]
    with sqlite3.connect(store.path) as conn:
        dump = "\n".join(conn.iterdump())
    assert typed not in dump and typed.lower() not in dump
    assert throttle(store)["score"] == 3.0


# -- validation -------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"username": "kort", "role": "lezer", "password": "123456789"},
     "Een wachtwoord heeft minstens 10 tekens."),
    ({"username": "coco", "role": "coordinator", "password": PASSWORD},
     "Een coördinator hoort bij minstens één wijkwerkplaats."),
    ({"username": "baas", "role": "baas", "password": PASSWORD},
     "Onbekende rol 'baas'. Kies uit: beheerder, onderzoeker, analist, coordinator, lezer."),
    ({"username": "coco", "role": "coordinator", "password": PASSWORD, "wijken": ("west",)},
     "Onbekende wijkwerkplaats: west. Kies uit: nieuw-west, noord, zuidoost."),
    ({"username": "met spatie", "role": "lezer", "password": PASSWORD},
     "Een gebruikersnaam is 1 tot 64 tekens, zonder spaties."),
    ({"username": "   ", "role": "lezer", "password": PASSWORD},
     "Een gebruikersnaam is 1 tot 64 tekens, zonder spaties."),
    ({"username": "x" * 65, "role": "lezer", "password": PASSWORD},
     "Een gebruikersnaam is 1 tot 64 tekens, zonder spaties."),
    ({"username": "ADMIN", "role": "lezer", "password": PASSWORD},
     "De gebruikersnaam 'ADMIN' bestaat al."),
])
def test_create_user_refusals(store, kwargs, message):
    before = store.value("SELECT count(*) FROM users")
    with pytest.raises(AccountError) as raised:
        accounts.create_user(store, SYSTEM_USER, **kwargs)
    assert raised.value.message == message
    assert store.value("SELECT count(*) FROM users") == before


def test_duplicate_email_is_refused_case_insensitively(store):
    accounts.create_user(store, SYSTEM_USER, "ann", "lezer", PASSWORD, email="Ann@Example.nl")
    with pytest.raises(AccountError) as raised:
        accounts.create_user(store, SYSTEM_USER, "bob", "lezer", PASSWORD, email="ann@example.NL")
    assert raised.value.message == ("Het e-mailadres 'ann@example.NL' hoort al bij een ander "
                                    "account.")


def test_coordinator_keeps_wijken_other_roles_get_none(store):
    coord = accounts.create_user(store, SYSTEM_USER, "coco", "coordinator", PASSWORD,
                                 wijken=["zuidoost", "noord"])
    assert coord.wijken == ("noord", "zuidoost")
    reader = accounts.create_user(store, SYSTEM_USER, "lex", "lezer", PASSWORD, wijken=["noord"])
    assert reader.wijken == ()
    demoted = accounts.update_user(store, SYSTEM_USER, coord.id, role="lezer")
    assert demoted.wijken == ()
    assert store.value("SELECT count(*) FROM user_wijken") == 0


# -- changing accounts ------------------------------------------------------------------------

def test_last_active_beheerder_cannot_be_demoted_or_disabled(store):
    admin = accounts.find_user(store, "admin")
    for change in ({"role": "lezer"}, {"active": False}):
        with pytest.raises(AccountError) as raised:
            accounts.update_user(store, SYSTEM_USER, admin.id, **change)
        assert raised.value.message == "Er moet minstens één actieve beheerder blijven."
    assert accounts.get_user(store, admin.id) == admin


def test_beheerder_cannot_demote_or_disable_themselves(store):
    admin = accounts.find_user(store, "admin")
    other = accounts.create_user(store, SYSTEM_USER, "tweede", "beheerder", PASSWORD)
    for change in ({"role": "onderzoeker"}, {"active": False}):
        with pytest.raises(AccountError) as raised:
            accounts.update_user(store, admin, admin.id, **change)
        assert raised.value.message == "Je kunt je eigen beheerdersrechten niet intrekken."
    # Another beheerder may demote them, now that one active beheerder remains.
    assert accounts.update_user(store, other, admin.id, role="lezer").role == "lezer"


def test_update_user_refuses_an_email_of_another_account(store):
    accounts.create_user(store, SYSTEM_USER, "ann", "lezer", PASSWORD, email="ann@example.nl")
    bob = accounts.create_user(store, SYSTEM_USER, "bob", "lezer", PASSWORD)
    with pytest.raises(AccountError) as raised:
        accounts.update_user(store, SYSTEM_USER, bob.id, email="ANN@example.nl")
    assert raised.value.message == ("Het e-mailadres 'ANN@example.nl' hoort al bij een ander "
                                    "account.")


def test_update_user_of_missing_account(store):
    with pytest.raises(AccountError) as raised:
        accounts.update_user(store, SYSTEM_USER, 999, role="lezer")
    assert raised.value.message == "Dit account bestaat niet."


def test_reset_password_returns_a_working_new_password(users, store):
    olga = users["onderzoeker"]
    new = accounts.reset_password(store, users["beheerder"], olga.id)
    assert len(new) == 16
    assert new != PASSWORD
    assert accounts.authenticate(store, "olga", new).id == olga.id
    assert login_fails(store, "olga", PASSWORD) == BAD_LOGIN


def test_reset_password_with_given_password(users, store):
    admin, lex = users["beheerder"], users["lezer"]
    assert accounts.reset_password(store, admin, lex.id, "gekozen-wachtwoord") == \
        "gekozen-wachtwoord"
    assert accounts.authenticate(store, "lex", "gekozen-wachtwoord").id == lex.id
    with pytest.raises(AccountError, match="Een wachtwoord heeft minstens 10 tekens."):
        accounts.reset_password(store, admin, lex.id, "te-kort")
    with pytest.raises(AccountError, match="Dit account bestaat niet."):
        accounts.reset_password(store, admin, 999)


def test_change_own_password_checks_the_old_one(users, store):
    lex = users["lezer"]
    with pytest.raises(AccountError) as raised:
        accounts.change_own_password(store, lex, "niet-het-oude", "nieuw-wachtwoord-1")
    assert raised.value.message == "Het huidige wachtwoord klopt niet."
    with pytest.raises(AccountError, match="Een wachtwoord heeft minstens 10 tekens."):
        accounts.change_own_password(store, lex, PASSWORD, "kort")
    assert accounts.authenticate(store, "lex", PASSWORD)

    accounts.change_own_password(store, lex, PASSWORD, "nieuw-wachtwoord-1")
    assert accounts.authenticate(store, "lex", "nieuw-wachtwoord-1").id == lex.id
    assert login_fails(store, "lex", PASSWORD) == BAD_LOGIN
    last = store.one("SELECT actor, entity, action FROM events ORDER BY id DESC LIMIT 1 OFFSET 1")
    assert last == {"actor": "lex", "entity": "users", "action": "update"}


def test_non_admin_cannot_manage_accounts(users, store):
    for role in ("onderzoeker", "analist", "coordinator", "lezer"):
        actor = users[role]
        with pytest.raises(PermissionDenied) as raised:
            accounts.create_user(store, actor, "nieuw", "lezer", PASSWORD)
        assert raised.value.message == "Je hebt geen toegang tot dit onderdeel."
        with pytest.raises(PermissionDenied):
            accounts.update_user(store, actor, actor.id, role="beheerder")
        with pytest.raises(PermissionDenied):
            accounts.reset_password(store, actor, users["beheerder"].id)
    assert store.value("SELECT count(*) FROM users") == 5
    assert store.value("SELECT count(*) FROM users WHERE role = 'beheerder'") == 1


# -- the first admin --------------------------------------------------------------------------

def test_ensure_admin_uses_given_password(db_path):
    store = open_store(db_path)
    try:
        assert accounts.ensure_admin(store, "eigen-beheer-wachtwoord") is None
        admin = accounts.authenticate(store, "admin", "eigen-beheer-wachtwoord")
        assert (admin.role, admin.display_name) == ("beheerder", "Beheerder")
    finally:
        store.close()


def test_ensure_admin_generates_a_password_when_none_given(db_path):
    store = open_store(db_path)
    try:
        generated = accounts.ensure_admin(store, None)
        assert isinstance(generated, str) and len(generated) == 16
        assert accounts.authenticate(store, "admin", generated).role == "beheerder"
    finally:
        store.close()


def test_ensure_admin_does_nothing_when_a_beheerder_exists(store):
    before = store.rows("SELECT id, username, password_hash FROM users")
    events = store.value("SELECT count(*) FROM events")
    assert accounts.ensure_admin(store, None) is None
    assert accounts.ensure_admin(store, "ander-wachtwoord-123") is None
    assert store.rows("SELECT id, username, password_hash FROM users") == before
    assert store.value("SELECT count(*) FROM events") == events


# -- permissions ------------------------------------------------------------------------------

EXPECTED = {
    "beheerder": {"qual.read": True, "qual.write": True, "survey.read": True,
                  "survey.write": True, "tracker.read": True, "tracker.write": True,
                  "admin": True},
    "onderzoeker": {"qual.read": True, "qual.write": True, "survey.read": True,
                    "survey.write": False, "tracker.read": True, "tracker.write": False,
                    "admin": False},
    "analist": {"qual.read": False, "qual.write": False, "survey.read": True,
                "survey.write": True, "tracker.read": False, "tracker.write": False,
                "admin": False},
    "coordinator": {"qual.read": True, "qual.write": False, "survey.read": True,
                    "survey.write": False, "tracker.read": True, "tracker.write": True,
                    "admin": False},
    "lezer": {"qual.read": True, "qual.write": False, "survey.read": True,
              "survey.write": False, "tracker.read": True, "tracker.write": False,
              "admin": False},
}


def test_matrix_covers_every_role_and_permission():
    assert set(EXPECTED) == set(accounts.ROLES)
    for role in EXPECTED:
        assert set(EXPECTED[role]) == set(PERMISSIONS)


@pytest.mark.parametrize("role, permission, allowed", [
    (role, permission, allowed)
    for role, row in EXPECTED.items() for permission, allowed in row.items()])
def test_can_and_require(role, permission, allowed):
    user = User(1, "iemand", role, wijken=("noord",) if role == "coordinator" else ())
    assert accounts.can(user, permission) is allowed
    if allowed:
        assert accounts.require(user, permission) is user
    else:
        with pytest.raises(PermissionDenied):
            accounts.require(user, permission)


def test_coordinator_is_limited_to_their_wijk():
    coord = User(4, "coby", "coordinator", wijken=("noord",))
    assert accounts.can(coord, "tracker.write", "noord") is True
    assert accounts.can(coord, "tracker.write", "zuidoost") is False
    assert accounts.can(coord, "tracker.read", "zuidoost") is False
    with pytest.raises(PermissionDenied):
        accounts.require(coord, "tracker.write", "zuidoost")
    admin = User(1, "admin", "beheerder")
    assert accounts.can(admin, "tracker.write", "zuidoost") is True


def test_nobody_and_disabled_users_can_do_nothing():
    disabled = User(1, "oud", "beheerder", active=False)
    for permission in PERMISSIONS:
        assert accounts.can(None, permission) is False
        assert accounts.can(disabled, permission) is False
    with pytest.raises(PermissionDenied):
        accounts.require(None, "survey.read")


def test_session_expired():
    assert accounts.session_expired(1000.0, 1000.0 + 60 * 60, 60) is False
    assert accounts.session_expired(1000.0, 1000.0 + 60 * 60 + 1, 60) is True
    assert accounts.session_expired(1000.0, 1000.0 + 5 * 60 + 1, 5) is True
    assert accounts.session_expired(1000.0, 1000.0, 0) is False


# -- reading ----------------------------------------------------------------------------------

def test_list_users_has_no_password_hash(users, store):
    rows = accounts.list_users(store)
    assert [r["username"] for r in rows] == ["admin", "anna", "coby", "lex", "olga"]
    for row in rows:
        assert set(row) == {"id", "username", "display_name", "email", "role", "active",
                            "created_at", "password_changed_at", "wijken"}
    assert {r["username"]: r["wijken"] for r in rows} == {
        "admin": None, "anna": None, "coby": "noord", "lex": None, "olga": None}


def verified(email, flag=True) -> dict:
    return {"is_logged_in": True, "email": email, "email_verified": flag}


def test_user_for_identity_matches_email_case_insensitively(store):
    ann = accounts.create_user(store, SYSTEM_USER, "ann", "onderzoeker", PASSWORD,
                               email="Ann.de.Vries@Example.NL")
    assert accounts.user_for_identity(store, verified("ann.de.vries@example.nl")) == ann
    assert accounts.user_for_identity(store, verified(" ANN.DE.VRIES@EXAMPLE.NL ")) == ann
    assert accounts.user_for_identity(store, verified("iemand@example.nl")) is None
    assert accounts.user_for_identity(store, verified(None)) is None
    assert accounts.user_for_identity(store, verified("")) is None

    accounts.update_user(store, SYSTEM_USER, ann.id, active=False)
    assert accounts.user_for_identity(store, verified("ann.de.vries@example.nl")) is None


@pytest.mark.parametrize("claims", [
    {"email": "ann.de.vries@example.nl"},                           # no claim at all
    {"email": "ann.de.vries@example.nl", "email_verified": False},
    {"email": "ann.de.vries@example.nl", "email_verified": None},
    {"email": "ann.de.vries@example.nl", "email_verified": "false"},
    {"email": "ann.de.vries@example.nl", "email_verified": 1},
])
def test_an_identity_without_a_verified_email_is_refused(store, claims):
    accounts.create_user(store, SYSTEM_USER, "ann", "beheerder", PASSWORD,
                         email="ann.de.vries@example.nl")
    with pytest.raises(LoginError) as raised:
        accounts.user_for_identity(store, claims)
    assert raised.value.message == (
        "Je organisatie heeft je e-mailadres niet als bevestigd doorgegeven, dus hoort het niet "
        "met zekerheid bij jou. Inloggen via de organisatie kan zo niet; log in met een lokaal "
        "account of vraag een beheerder.")


def test_an_identity_verified_as_a_string_true_is_accepted(store):
    ann = accounts.create_user(store, SYSTEM_USER, "ann", "lezer", PASSWORD,
                               email="ann.de.vries@example.nl")
    assert accounts.user_for_identity(store, verified("ann.de.vries@example.nl", "true")) == ann


def test_get_and_find_user(users, store):
    coby = users["coordinator"]
    assert accounts.get_user(store, coby.id) == coby
    assert accounts.find_user(store, " COBY ") == coby
    assert accounts.get_user(store, 999) is None
    assert accounts.find_user(store, "niemand") is None
    assert coby.role_label == "Coördinator"
    assert coby.label == "coby"
    assert coby.actor.username == "coby" and coby.actor.user_id == coby.id


def test_users_table_rejects_unknown_role_even_directly(store):
    conn = sqlite3.connect(store.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute("INSERT INTO users (username, role, created_at)"
                         " VALUES ('x', 'baas', 'nu')")
    finally:
        conn.close()


# -- password strength ------------------------------------------------------------------------

GUESSABLE = " Kies bijvoorbeeld een paar losse woorden achter elkaar."
FEW = "Dit wachtwoord is te makkelijk te raden: het heeft te weinig verschillende tekens." \
    + GUESSABLE
REPEAT = "Dit wachtwoord is te makkelijk te raden: het herhaalt steeds hetzelfde." + GUESSABLE
RUN = ("Dit wachtwoord is te makkelijk te raden: het is een reeks uit het alfabet, de cijfers "
       "of het toetsenbord." + GUESSABLE)
COMMON = ("Dit wachtwoord staat op de lijst van veelgebruikte wachtwoorden (eventueel met "
          "cijfers of tekens erbij)." + GUESSABLE)


@pytest.mark.parametrize("password, message", [
    ("aaaaaaaaaa", FEW), ("aaaaabbbbb", FEW), ("1212121212", FEW),
    ("abcdeabcde", REPEAT), ("hallo!hallo!", REPEAT), ("xyz12xyz12xyz12", REPEAT),
    ("1234567890", RUN), ("0987654321", RUN), ("abcdefghijkl", RUN), ("qwertyuiop", RUN),
    ("Qwertyuiop1!", RUN), ("azertyuiop", RUN), ("7890123456", RUN),
    ("password123", COMMON), ("iloveyou12", COMMON), ("Welkom2026!", COMMON),
    ("Wachtwoord01", COMMON), ("!!Feyenoord1908", COMMON), ("trustno1234", COMMON),
    ("kees-1234567", "Een wachtwoord mag je gebruikersnaam niet bevatten."),
    ("123456789", "Een wachtwoord heeft minstens 10 tekens."),
])
def test_guessable_passwords_are_refused_everywhere(store, users, password, message):
    with pytest.raises(AccountError) as raised:
        accounts.create_user(store, SYSTEM_USER, "kees", "lezer", password)
    assert raised.value.message == message
    assert accounts.find_user(store, "kees") is None
    lex = users["lezer"]
    with pytest.raises(AccountError) as raised:
        accounts.reset_password(store, SYSTEM_USER, lex.id, password.replace("kees", "lex1"))
    assert raised.value.message == message
    with pytest.raises(AccountError):
        accounts.change_own_password(store, lex, PASSWORD, password.replace("kees", "lex1"))
    assert accounts.authenticate(store, "lex", PASSWORD).id == lex.id


@pytest.mark.parametrize("password", [
    PASSWORD, "Zomer2026!geheim", "xQ3!vbn82Lkq", "een-nieuw-wachtwoord", "fiets-koffie-tulp"])
def test_passwords_of_some_words_or_random_ones_pass(store, password):
    assert accounts.create_user(store, SYSTEM_USER, "kees", "lezer", password).username == "kees"


def test_generated_passwords_pass_the_checks(store):
    for _ in range(50):
        assert passwords.problem(accounts.generate_password()) is None


def test_the_common_password_list_is_shipped_with_its_licence():
    folder = passwords.FOLDER
    assert {"veelgebruikt.txt", "aanvullingen.txt", "LICENSE.txt"} <= \
        {p.name for p in folder.iterdir()}
    assert "MIT" in (folder / "LICENSE.txt").read_text(encoding="utf-8")
    common = passwords.common()
    assert len(common) == 10_047  # 10,000 + 54 Dutch, some in both
    assert {"123456", "password", "qwertyuiop", "welkom", "wachtwoord"} <= common


def test_a_weak_first_admin_password_is_refused(db_path, monkeypatch):
    monkeypatch.setenv("RESEARCH_ADMIN_PASSWORD", "admin12345")
    with pytest.raises(AccountError) as raised:
        startup.prepare(open_store(db_path))
    assert raised.value.message == "Een wachtwoord mag je gebruikersnaam niet bevatten."


# -- every write checks the acting account in the database ------------------------------------

def coding_attempt(store, users, project_id):
    """A write with the User object a page got at its start (a fragment keeps using it)."""
    from research.qual import codebook, codings, documents

    olga = users["onderzoeker"]
    doc = documents.add_document(store, olga, project_id, "Interview", "Ik wacht al maanden.")
    code = codebook.add_code(store, olga, project_id, "Wachten")
    return lambda user: codings.add_coding(store, user, doc, code, 0, 8)


@pytest.mark.parametrize("change, message", [
    ({"active": False}, "Je account is uitgeschakeld. Er is niets opgeslagen."),
    ({"role": "lezer"}, "Je rol, wijkwerkplaatsen of wachtwoord zijn intussen gewijzigd. "
                        "Er is niets opgeslagen; laad de pagina opnieuw."),
    ({"password": True}, "Je rol, wijkwerkplaatsen of wachtwoord zijn intussen gewijzigd. "
                         "Er is niets opgeslagen; laad de pagina opnieuw."),
])
def test_a_write_by_an_account_changed_since_is_refused(store, users, qual, change, message):
    olga = users["onderzoeker"]  # as the page read her, before the change
    code_it = coding_attempt(store, users, qual)
    if change.get("password"):
        accounts.reset_password(store, SYSTEM_USER, olga.id)
    else:
        accounts.update_user(store, SYSTEM_USER, olga.id, **change)
    events = store.value("SELECT count(*) FROM events")
    with pytest.raises(PermissionDenied) as raised:
        code_it(olga)
    assert raised.value.message == message
    assert store.value("SELECT count(*) FROM codings") == 0
    assert store.value("SELECT count(*) FROM events") == events
    if "password" in change:
        assert code_it(accounts.get_user(store, olga.id))  # the account as it is now may


def test_a_coordinator_moved_to_another_wijk_cannot_write_in_the_old_one(store, users):
    from research.tracker import questions

    coby = users["coordinator"]
    accounts.update_user(store, SYSTEM_USER, coby.id, wijken=["zuidoost"])
    with pytest.raises(PermissionDenied):
        questions.log_question(store, coby, wijk_id="noord", asked_on=date(2026, 3, 1),
                               text="Waarom is de speeltuin dicht?", asker_group="bewoner")
    assert store.value("SELECT count(*) FROM questions") == 0


def test_the_system_account_and_unchanged_accounts_write_as_before(store, users, qual):
    code_it = coding_attempt(store, users, qual)
    assert code_it(users["onderzoeker"])
    assert SYSTEM_USER.actor.user_id is None
    assert accounts.create_user(store, SYSTEM_USER, "nieuw", "lezer", PASSWORD).username == "nieuw"
