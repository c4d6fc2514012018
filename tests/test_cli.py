"""The command line: init, accounts, backup and restore; errors as one Dutch line."""

from __future__ import annotations

import io
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PASSWORD
from research import accounts
from research.cli import main
from research.schema import open_store
from research.startup import prepare

ROOT = Path(__file__).resolve().parent.parent



@pytest.fixture
def cli(db_path, capsys, monkeypatch):
    """Run `python -m research --db <db_path> ...`; returns (status, stdout, stderr)."""

    def run(*args, stdin: str | None = None):
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        status = main(["--db", str(db_path), *args])
        out, err = capsys.readouterr()
        return status, out, err

    return run


def logs_in(db_path, username, password) -> bool:
    store = open_store(db_path)
    try:
        accounts.authenticate(store, username, password)
        return True
    except accounts.LoginError:
        return False
    finally:
        store.close()


def refused(result, message):
    status, out, err = result
    assert (status, out, err) == (1, "", f"Fout: {message}\n")
    assert "Traceback" not in err


# -- init -------------------------------------------------------------------------------------

@pytest.mark.slow
def test_init_demo_shows_a_generated_password_once(cli, db_path, monkeypatch):
    monkeypatch.delenv("RESEARCH_ADMIN_PASSWORD")
    status, out, err = cli("init", "--demo")
    assert (status, err) == (0, "")
    assert out.startswith("Demogegevens geladen (verzonnen, om de app te verkennen).\n"
                          f"Database klaar: {db_path}\n")
    assert "Het account 'admin' is aangemaakt met dit wachtwoord (wordt maar één keer getoond):" \
        in out
    (password,) = re.findall(r"^      (\S+)$", out, flags=re.MULTILINE)
    assert len(password) == 16
    assert logs_in(db_path, "admin", password)

    status, out, err = cli("init", "--demo")
    assert (status, err) == (0, "")
    assert out.startswith(f"Database klaar: {db_path}\n"
                          "Log in met je account. Wachtwoord kwijt? ")
    assert out.endswith("python -m research user reset-password admin\n")
    assert len(out.splitlines()) == 2
    assert password not in out
    assert logs_in(db_path, "admin", password)


def test_init_with_password_from_environment(cli, db_path):
    status, out, err = cli("init")
    assert (status, err) == (0, "")
    assert out == (f"Database klaar: {db_path}\n"
                   "Log in als 'admin' met het wachtwoord uit RESEARCH_ADMIN_PASSWORD "
                   "(alleen bij de eerste start gezet).\n")
    assert PASSWORD not in out
    assert logs_in(db_path, "admin", PASSWORD)


def test_db_path_comes_from_research_db(db_path, capsys):
    assert main(["init"]) == 0  # RESEARCH_DB is set by the db_path fixture
    assert capsys.readouterr().out.startswith(f"Database klaar: {db_path}\n")
    assert db_path.exists()


@pytest.mark.slow  # 3 s: two processes that start the whole app
def test_subprocess_init(tmp_path):
    target = tmp_path / "sub.db"
    result = subprocess.run(
        [sys.executable, "-m", "research", "--db", str(target), "init"], cwd=ROOT,
        capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "RESEARCH_ADMIN_PASSWORD": PASSWORD})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Database klaar: {target}\n")
    assert result.stderr == ""
    assert target.exists()


# -- accounts ---------------------------------------------------------------------------------

def test_user_add_with_password_from_stdin(cli, db_path):
    cli("init")
    status, out, err = cli("user", "add", "kees", "--role", "lezer", "--display-name",
                           "Kees de Lezer", "--password-stdin", stdin="geheim-wachtwoord-1\n")
    assert (status, out, err) == (0, "Account 'kees' aangemaakt met rol Lezer.\n", "")
    assert logs_in(db_path, "kees", "geheim-wachtwoord-1")


def test_user_add_generates_and_shows_a_password(cli, db_path):
    cli("init")
    status, out, err = cli("user", "add", "coco", "--role", "coordinator", "--wijk", "noord",
                           "--wijk", "zuidoost", "--email", "coco@example.nl")
    assert (status, err) == (0, "")
    first, second = out.splitlines()
    assert first == "Account 'coco' aangemaakt met rol Coördinator."
    assert second.startswith("Wachtwoord (wordt maar één keer getoond): ")
    password = second.rsplit(" ", 1)[1]
    assert logs_in(db_path, "coco", password)


def test_user_list(cli):
    cli("init")
    cli("user", "add", "coco", "--role", "coordinator", "--wijk", "zuidoost", "--wijk", "noord")
    cli("user", "add", "kees", "--role", "lezer")
    cli("user", "disable", "kees")
    status, out, err = cli("user", "list")
    assert (status, err) == (0, "")
    admin, coco, kees = out.splitlines()
    assert admin == "admin                    Beheerder    actief"
    assert kees == "kees                     Lezer        uitgeschakeld"
    # group_concat gives no guaranteed order for the wijken.
    assert coco in ("coco                     Coördinator  actief  [noord, zuidoost]",
                    "coco                     Coördinator  actief  [zuidoost, noord]")


def test_user_reset_password(cli, db_path):
    cli("init")
    cli("user", "add", "kees", "--role", "lezer", "--password-stdin", stdin="oud-wachtwoord-1\n")
    status, out, err = cli("user", "reset-password", "KEES")
    assert (status, err) == (0, "")
    assert out.startswith("Nieuw wachtwoord voor 'kees' (wordt maar één keer getoond): ")
    password = out.strip().rsplit(" ", 1)[1]
    assert logs_in(db_path, "kees", password)
    assert not logs_in(db_path, "kees", "oud-wachtwoord-1")

    status, out, err = cli("user", "reset-password", "kees", "--password-stdin",
                           stdin="gekozen-wachtwoord\n")
    assert (status, out, err) == (0, "Wachtwoord van 'kees' gewijzigd.\n", "")
    assert logs_in(db_path, "kees", "gekozen-wachtwoord")


def test_reset_password_with_empty_stdin_does_not_lock_the_account_out(cli, db_path):
    cli("init")
    cli("user", "add", "kees", "--role", "lezer", "--password-stdin", stdin="oud-wachtwoord-1\n")
    status, out, err = cli("user", "reset-password", "kees", "--password-stdin", stdin="")
    candidates = ["oud-wachtwoord-1", *out.split()]
    assert any(logs_in(db_path, "kees", candidate) for candidate in candidates)


def test_user_disable_and_enable(cli, db_path):
    cli("init")
    cli("user", "add", "kees", "--role", "lezer", "--password-stdin", stdin="geheim-wachtwoord-1\n")
    assert cli("user", "disable", "kees") == (0, "Account 'kees' uitgeschakeld.\n", "")
    assert not logs_in(db_path, "kees", "geheim-wachtwoord-1")
    assert cli("user", "enable", "kees") == (0, "Account 'kees' ingeschakeld.\n", "")
    assert logs_in(db_path, "kees", "geheim-wachtwoord-1")


# -- errors -----------------------------------------------------------------------------------

def test_unknown_user(cli):
    cli("init")
    refused(cli("user", "reset-password", "niemand"), "Er is geen account 'niemand'.")
    refused(cli("user", "disable", "niemand"), "Er is geen account 'niemand'.")


def test_coordinator_without_wijk(cli, db_path):
    cli("init")
    refused(cli("user", "add", "coco", "--role", "coordinator"),
            "Een coördinator hoort bij minstens één wijkwerkplaats.")
    refused(cli("user", "add", "coco", "--role", "coordinator", "--wijk", "west"),
            "Onbekende wijkwerkplaats: west. Kies uit: nieuw-west, noord, zuidoost.")
    store = open_store(db_path)
    assert accounts.find_user(store, "coco") is None
    store.close()


def test_short_password_from_stdin(cli):
    cli("init")
    refused(cli("user", "add", "kees", "--role", "lezer", "--password-stdin", stdin="kort\n"),
            "Een wachtwoord heeft minstens 10 tekens.")


def test_guessable_password_from_stdin(cli, db_path):
    cli("init")
    refused(cli("user", "add", "kees", "--role", "lezer", "--password-stdin",
                stdin="aaaaaaaaaa\n"),
            "Dit wachtwoord is te makkelijk te raden: het heeft te weinig verschillende tekens. "
            "Kies bijvoorbeeld een paar losse woorden achter elkaar.")
    cli("user", "add", "kees", "--role", "lezer", "--password-stdin", stdin="oud-wachtwoord-1\n")
    refused(cli("user", "reset-password", "kees", "--password-stdin", stdin="password123\n"),
            "Dit wachtwoord staat op de lijst van veelgebruikte wachtwoorden (eventueel met "
            "cijfers of tekens erbij). Kies bijvoorbeeld een paar losse woorden achter elkaar.")
    assert logs_in(db_path, "kees", "oud-wachtwoord-1")


def test_last_beheerder_cannot_be_disabled(cli):
    cli("init")
    refused(cli("user", "disable", "admin"), "Er moet minstens één actieve beheerder blijven.")


def test_backup_to_an_existing_file(cli, tmp_path):
    cli("init")
    target = tmp_path / "al-daar.db"
    target.write_text("iets")
    refused(cli("backup", str(target)), f"{target} bestaat al; kies een nieuwe bestandsnaam.")
    assert target.read_text() == "iets"


def test_restore_of_a_missing_file(cli, tmp_path):
    cli("init")
    refused(cli("restore", str(tmp_path / "weg.db")), f"{tmp_path / 'weg.db'} bestaat niet.")


def test_corrupt_database(tmp_path, capsys):
    target = tmp_path / "kapot.db"
    target.write_bytes(b"dit is geen database" * 100)
    assert main(["--db", str(target), "user", "list"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("Fout: kapot.db is geen SQLite-database of is beschadigd.")
    assert target.read_bytes() == b"dit is geen database" * 100


def test_directory_as_database_gives_a_dutch_error(tmp_path, capsys):
    folder = tmp_path / "map"
    folder.mkdir()
    assert main(["--db", str(folder), "init"]) == 1
    out, err = capsys.readouterr()
    assert err.startswith("Fout: ")


# -- backup and restore -----------------------------------------------------------------------

def test_backup_and_restore_round_trip(cli, db_path, tmp_path):
    cli("init")
    target = tmp_path / "kopie.db"
    assert cli("backup", str(target)) == (0, f"Back-up geschreven naar {target}.\n", "")
    cli("user", "add", "kees", "--role", "lezer", "--password-stdin", stdin="geheim-wachtwoord-1\n")
    assert logs_in(db_path, "kees", "geheim-wachtwoord-1")

    status, out, err = cli("restore", str(target))
    assert (status, err) == (0, "")
    match = re.fullmatch(rf"Back-up {re.escape(str(target))} teruggezet\. De vorige inhoud staat "
                         rf"in ({re.escape(str(db_path))}\.voor-herstel-[0-9-]+)\.\n", out)
    assert match
    safety = Path(match.group(1))
    assert not logs_in(db_path, "kees", "geheim-wachtwoord-1")
    conn = sqlite3.connect(safety)
    assert conn.execute("SELECT username FROM users ORDER BY username").fetchall() == [
        ("admin",), ("kees",)]
    conn.close()

    _, out, _ = cli("user", "list")
    assert out.splitlines() == ["admin                    Beheerder    actief"]


@pytest.mark.slow
def test_restore_and_decrypt_an_encrypted_backup_from_the_app(cli, db_path, tmp_path):
    from research import sealed

    cli("init")
    store = open_store(db_path)
    data, name = sealed.backup_download(store, accounts.find_user(store, "admin"),
                                        "kluis-sleutel-voor-back-up")
    store.close()
    encrypted = tmp_path / name
    encrypted.write_bytes(data)
    cli("user", "add", "kees", "--role", "lezer", "--password-stdin", stdin="geheim-wachtwoord-1\n")

    refused(cli("restore", str(encrypted), "--password-stdin", stdin="fout-wachtwoord-12\n"),
            "Het wachtwoord van de back-up klopt niet, of het bestand is beschadigd of ingekort.")
    assert logs_in(db_path, "kees", "geheim-wachtwoord-1")  # nothing was restored
    status, out, err = cli("restore", str(encrypted), "--password-stdin",
                           stdin="kluis-sleutel-voor-back-up\n")
    assert (status, err) == (0, "")
    assert out.startswith(f"Back-up {encrypted} teruggezet. De vorige inhoud staat in ")
    assert not logs_in(db_path, "kees", "geheim-wachtwoord-1")
    # No decrypted copy stays behind beside the database.
    assert not [p for p in db_path.parent.iterdir() if p.is_dir() or p.name.endswith(".db")
                and p != db_path and p != encrypted]

    plain = tmp_path / "ontsleuteld.db"
    assert cli("decrypt-backup", str(encrypted), str(plain), "--password-stdin",
               stdin="kluis-sleutel-voor-back-up\n") == (
        0, f"Ontsleuteld naar {plain}. Bewaar dit bestand even zorgvuldig als de database.\n", "")
    assert plain.read_bytes().startswith(b"SQLite format 3\x00")
    refused(cli("decrypt-backup", str(encrypted), str(plain), "--password-stdin",
                stdin="kluis-sleutel-voor-back-up\n"),
            f"{plain} bestaat al; kies een nieuwe bestandsnaam.")


def test_tracker_export_writes_questions_without_contacts(cli, db_path, tmp_path):
    from datetime import date

    from openpyxl import load_workbook

    from research.accounts import SYSTEM_USER
    from research.tracker import contacts, questions

    assert cli("init")[0] == 0
    store = open_store(db_path)
    question = questions.log_question(store, SYSTEM_USER, wijk_id="noord",
                                      asked_on=date(2026, 3, 2), text="=SOM(A1) speeltuin?",
                                      asker_group="bewoner", today=date(2026, 3, 2))
    contacts.save_contact(store, SYSTEM_USER, question, consent_text="mag gebeld worden",
                          name="Ans Geheim", phone="0612345678")
    out = tmp_path / "vragen.xlsx"
    status, stdout, _ = cli("tracker", "export", str(out))
    assert (status, stdout) == (0, f"Geschreven: {out}\n")
    cells = [c for row in load_workbook(out).active.iter_rows() for c in row]
    assert "=SOM(A1) speeltuin?" in [c.value for c in cells]
    assert all(c.data_type != "f" for c in cells)
    assert not any("Geheim" in str(c.value) or "0612345678" in str(c.value) for c in cells)


HEAVY = ("pandas", "numpy", "spacy", "sklearn", "scipy", "matplotlib", "plotly", "sqlite_utils",
         "docx", "openpyxl", "streamlit")


def loaded_after(*args: str) -> list[str]:
    """The heavy packages in sys.modules after `python -m research ARGS` in a fresh process
    (SystemExit from --help included)."""
    script = ("import runpy, sys\n"
              f"sys.argv = ['research', *{list(args)!r}]\n"
              "try:\n"
              "    runpy.run_module('research', run_name='__main__')\n"
              "except SystemExit:\n"
              "    pass\n"
              f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return eval(result.stdout.strip().splitlines()[-1])


def test_help_starts_without_heavy_imports():
    """`--help` (and a subcommand's help) builds the parser only: no pandas, spaCy,
    scikit-learn and the like, which took seconds to import (issue 15: at once)."""
    assert loaded_after("--help") == []
    assert loaded_after("tracker", "add", "--help") == []
    assert loaded_after("survey", "load", "--help") == []


@pytest.mark.slow
def test_tracker_add_needs_no_scikit_learn(db_path):
    """Logging a question needs spaCy (lemmas) and the similarity index (numpy and scipy's
    sparse matrices), not scikit-learn: the theme classifier is trained only once enough
    questions carry a confirmed programme."""
    store = open_store(db_path)
    prepare(store)
    store.close()
    loaded = loaded_after("--db", str(db_path), "tracker", "add", "--wijk", "noord",
                          "--text", "Waarom is de speeltuin dicht?")
    assert "spacy" in loaded and "sklearn" not in loaded
    assert open_store(db_path).value("SELECT count(*) FROM questions") == 1


def test_a_brief_command_pauses_the_collector_only_while_it_runs(db_path, monkeypatch):
    """`tracker add` runs with the cyclic collector paused (spaCy's and pandas' imports had it
    walk their objects again and again); in the caller's process it is on again afterwards and
    nothing is frozen, and the database connection is closed."""
    import gc

    from research.tracker import questions

    store = open_store(db_path)
    prepare(store)
    store.close()
    during, logged = [], questions.log_question

    def log_question(*args, **kwargs):
        during.append(gc.isenabled())
        return logged(*args, **kwargs)

    monkeypatch.setattr(questions, "log_question", log_question)
    frozen = gc.get_freeze_count()
    assert main(["--db", str(db_path), "tracker", "add", "--wijk", "noord", "--text",
                 "Waarom is de speeltuin a.s. zaterdag dicht?"]) == 0
    assert during == [False] and gc.isenabled() and gc.get_freeze_count() == frozen
    assert main(["--db", str(db_path), "user", "list"]) == 0
    assert gc.isenabled()
    assert not Path(f"{db_path}-wal").exists()   # the last connection closed


@pytest.mark.slow
def test_a_brief_command_in_its_own_process_freezes_what_it_made(db_path):
    store = open_store(db_path)
    prepare(store)
    store.close()
    script = ("import gc, sys\n"
              "from research.cli import main\n"
              f"status = main(['--db', {str(db_path)!r}, 'tracker', 'add', '--wijk', 'noord',"
              " '--text', 'Is de speeltuin open?'], exiting=True)\n"
              "print(status, gc.isenabled(), gc.get_freeze_count() > 10_000)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["0", "True", "True"]
    assert open_store(db_path).value("SELECT count(*) FROM questions") == 1
