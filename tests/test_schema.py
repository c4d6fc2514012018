"""Migrations: applied once, copied before changing a database with data, refused when newer."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from research.qual import codebook
from research.schema import MIGRATIONS, Migration, migrate, open_store
from research.storage import SYSTEM, StorageError, Store
from research.tracker import questions

ALL = ["0001_foundation", "0002_tracker_search_and_contacts", "0003_ontwikkelvragen",
       "0004_reportbacks", "0005_qual_coding",
       "0006_axial_selective", "0007_question_groups_and_knowledge",
       "0008_survey_columns_design_results", "0009_document_position_index",
       "0010_session_epoch_and_login_throttle", "0011_project_names_per_user",
       "0012_reportback_plans", "0013_web_sessions", "0014_monitor_drafts",
       "0015_coders_document_sets_code_names", "0016_publications", "0017_fieldwork",
       "0018_codings_by_coder", "0019_sentence_word_positions",
       "0020_codings_by_code_and_document", "0021_questions_by_programme"]
SCHEMA_TABLES = [
    "attribute_values", "attributes", "cases", "code_relations", "code_set_members",
    "code_sets", "coder_guids", "codes", "codings", "document_set_members", "document_sets",
    "documents", "events", "fieldwork_notes", "fieldworks", "frame_units",
    "invitation_contacts", "invitation_units", "invitations",
    "knowledge_links", "life_domains", "login_throttle", "memos", "meta", "migrations",
    "monitor_documents", "monitors", "ontwikkelvragen", "ov_milestones", "ov_partners",
    "ov_questions", "ov_status_changes", "ov_statuses", "ov_transitions", "programmes",
    "project_members", "projects", "publications", "qual_fts", "qual_fts_config",
    "qual_fts_content", "qual_fts_data", "qual_fts_docsize", "qual_fts_idx", "qual_sentences",
    "question_contacts",
    "question_group_members", "question_groups", "question_links", "question_reportbacks",
    "questions", "questions_fts", "questions_fts_config", "questions_fts_data",
    "questions_fts_docsize", "questions_fts_idx", "rejected_groupings", "relation_passages",
    "relation_types", "report_drafts", "reportback_plans", "response_units", "responses",
    "result_runs", "results", "session_codes",
    "sqlite_sequence", "turns", "user_wijken", "users", "variables", "wave_columns",
    "wave_variables", "waves", "web_sessions", "wijkwerkplaatsen",
]


def tables(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"))
    finally:
        conn.close()


def recorded(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY rowid")]
    finally:
        conn.close()


def copies(path) -> list:
    return sorted(path.parent.glob(f"{path.name}.voor-migratie-*"))


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def add_test_table(db):
    db.execute("CREATE TABLE test_extra (a TEXT)")


def test_registered_migrations():
    assert [m.name for m in MIGRATIONS] == ALL


def test_migrate_new_file_applies_everything_without_copy(db_path):
    assert migrate(db_path) == ALL
    assert recorded(db_path) == ALL
    assert tables(db_path) == SCHEMA_TABLES
    assert copies(db_path) == []


def test_second_migrate_applies_nothing_and_copies_nothing(db_path):
    migrate(db_path)
    before = digest(db_path)
    assert migrate(db_path) == []
    assert recorded(db_path) == ALL
    assert copies(db_path) == []
    assert digest(db_path) == before


def test_new_migration_copies_database_before_applying(db_path):
    migrate(db_path)
    seen_during_apply = []

    def apply(db):
        seen_during_apply.append([p.name for p in copies(db_path)])
        add_test_table(db)

    assert migrate(db_path, MIGRATIONS + [Migration("9999_test", apply)]) == ["9999_test"]

    made = copies(db_path)
    assert len(made) == 1
    assert seen_during_apply == [[made[0].name]]  # the copy existed when the migration ran
    assert "test_extra" in tables(db_path)
    assert recorded(db_path) == ALL + ["9999_test"]
    # The copy is the database as it was before: without the new table or its record.
    assert "test_extra" not in tables(made[0])
    assert tables(made[0]) == SCHEMA_TABLES
    assert recorded(made[0]) == ALL

    # Applying the same list again does nothing and makes no second copy.
    assert migrate(db_path, MIGRATIONS + [Migration("9999_test", add_test_table)]) == []
    assert len(copies(db_path)) == 1


def test_failing_migration_changes_nothing_and_keeps_the_copy(db_path):
    migrate(db_path)
    tables_before, recorded_before = tables(db_path), recorded(db_path)

    def broken(db):
        db.execute("CREATE TABLE half_af (a TEXT)")
        raise RuntimeError("kapot")

    with pytest.raises(StorageError) as raised:
        migrate(db_path, MIGRATIONS + [Migration("9998_goed", add_test_table),
                                       Migration("9999_kapot", broken)])
    error = raised.value
    assert error.kind == "migration"
    made = copies(db_path)
    assert len(made) == 1
    assert error.message == (
        "De database kon niet worden bijgewerkt: migratie 9999_kapot mislukte (kapot). "
        f"Er is niets veranderd. Een kopie van vóór de migratie staat in {made[0]}.")
    # Neither the failing migration nor the one before it left anything behind.
    assert tables(db_path) == tables_before
    assert recorded(db_path) == recorded_before
    assert tables(made[0]) == tables_before


def test_failing_first_migration_on_new_file_leaves_no_tables(db_path):
    def broken(db):
        raise ValueError("stuk")

    with pytest.raises(StorageError) as raised:
        migrate(db_path, MIGRATIONS + [Migration("9999_kapot", broken)])
    assert raised.value.kind == "migration"
    assert raised.value.message == ("De database kon niet worden bijgewerkt: migratie 9999_kapot "
                                    "mislukte (stuk). Er is niets veranderd.")
    assert tables(db_path) == []
    assert copies(db_path) == []


def _record_future_migration(path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO migrations (name, applied_at) VALUES ('9000_toekomst', 'later')")
    conn.commit()
    conn.close()


NEWER_MESSAGE = ("Deze database is gemaakt met een nieuwere versie van de app "
                 "(onbekende migraties: 9000_toekomst). Werk de app bij; "
                 "het bestand is niet aangeraakt.")


def test_database_from_newer_app_is_refused_untouched(db_path):
    migrate(db_path)
    _record_future_migration(db_path)
    before = digest(db_path)

    for attempt in (lambda: migrate(db_path), lambda: open_store(db_path)):
        with pytest.raises(StorageError) as raised:
            attempt()
        assert raised.value.kind == "newer"
        assert raised.value.message == NEWER_MESSAGE
    assert digest(db_path) == before
    assert copies(db_path) == []


def test_newer_database_in_rollback_journal_mode_is_refused_untouched(db_path):
    migrate(db_path)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    _record_future_migration(db_path)
    before = db_path.read_bytes()

    with pytest.raises(StorageError) as raised:
        migrate(db_path)
    assert raised.value.kind == "newer"
    assert db_path.read_bytes() == before


def test_open_store_returns_a_working_store(db_path):
    store = open_store(db_path)
    try:
        assert isinstance(store, Store)
        assert store.path == db_path
        store.write(SYSTEM, lambda tx: tx.insert("meta", {"key": "test", "value": "ja"}))
        assert store.value("SELECT value FROM meta WHERE key = 'test'") == "ja"
        assert store.value("SELECT count(*) FROM events WHERE entity = 'meta'") == 1
    finally:
        store.close()


def test_file_with_other_data_is_not_changed_without_a_copy(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE notities (tekst TEXT)")
    conn.execute("INSERT INTO notities VALUES ('belangrijk')")
    conn.commit()
    conn.close()
    before = db_path.read_bytes()
    try:
        migrate(db_path)
    except StorageError:  # refusing the foreign file is fine too, if it is left untouched
        assert db_path.read_bytes() == before
        return
    (copy,) = copies(db_path)
    assert tables(copy) == ["notities"]


def test_next_document_position_is_read_from_an_index_not_the_texts(db_path):
    """`documents.position` lies after `text` in each row; without the index, finding the
    next position on an import reads every text of the project."""
    store = open_store(db_path)
    try:
        plan = store.db.execute("EXPLAIN QUERY PLAN SELECT coalesce(max(position), 0) + 1"
                                " FROM documents WHERE project_id = ?", [1]).fetchall()
    finally:
        store.close()
    assert [row[-1] for row in plan] == \
        ["SEARCH documents USING COVERING INDEX documents_position (project_id=?)"]


def plans(store, action) -> list[str]:
    """The query plan of every SELECT that `action()` runs (as SQLite traced it, with its
    values), one detail per line."""
    conn = store.db.conn
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        action()
    finally:
        conn.set_trace_callback(None)
    return [row[-1] for sql in seen if sql.lstrip().upper().startswith("SELECT")
            for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]


def test_the_codebooks_counts_are_read_from_an_index_not_the_codings(store, users, qual):
    """Passages and documents per code (`codebook.codes`): without the index on (code_id,
    document_id) every coding's row was read."""
    assert "SEARCH g USING COVERING INDEX codings_code_document (code_id=?) LEFT-JOIN" in \
        plans(store, lambda: codebook.codes(store, users["onderzoeker"], qual))


def test_the_questions_per_programme_are_counted_from_an_index(store, users):
    """The chart in Bewonersvragen (`questions.count_by_programme`), on every click."""
    assert "SEARCH q USING COVERING INDEX questions_programme (wijk_id=?)" in \
        plans(store, lambda: questions.count_by_programme(store, users["coordinator"]))


# -- another process has the file open (issue 16) --------------------------------------------

HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute(sys.argv[2])
conn.execute("SELECT count(*) FROM migrations").fetchone()
print("held", flush=True)
time.sleep(float(sys.argv[3]))
conn.execute("COMMIT")
"""


def holding(db_path, statement: str, seconds: float):
    """Another process that holds `statement` (a read or the write lock) for `seconds`."""
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", HOLD, str(db_path), statement,
                                str(seconds)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


@pytest.mark.slow
def test_a_migration_waits_for_a_write_lock_held_briefly_by_another_process(db_path):
    migrate(db_path)
    other = holding(db_path, "BEGIN IMMEDIATE", 1.0)
    try:
        assert migrate(db_path, MIGRATIONS + [Migration("9999_test", add_test_table)]) == \
            ["9999_test"]
    finally:
        assert other.wait(10) == 0
    assert recorded(db_path) == ALL + ["9999_test"]


@pytest.mark.slow
def test_a_migration_runs_beside_another_process_reading(db_path):
    migrate(db_path)
    other = holding(db_path, "BEGIN", 1.0)  # a read transaction stays open
    try:
        assert migrate(db_path, MIGRATIONS + [Migration("9999_test", add_test_table)]) == \
            ["9999_test"]
    finally:
        assert other.wait(10) == 0
    assert "test_extra" in tables(db_path)


@pytest.mark.slow  # 3 s: waits out the lock's time limit
def test_a_migration_refuses_a_lock_held_too_long_and_changes_nothing(db_path, monkeypatch):
    from research import storage

    migrate(db_path)
    monkeypatch.setattr(storage, "BUSY_TIMEOUT_MS", 200)
    other = holding(db_path, "BEGIN IMMEDIATE", 3.0)
    try:
        with pytest.raises(StorageError) as raised:
            migrate(db_path, MIGRATIONS + [Migration("9999_test", add_test_table)])
    finally:
        assert other.wait(10) == 0
    assert raised.value.kind == "locked"
    assert raised.value.message == (
        "De database kon niet worden bijgewerkt: een ander proces houdt haar langer dan 5 "
        "seconden bezet. Er is niets veranderd; probeer het opnieuw als dat proces klaar is.")
    assert recorded(db_path) == ALL
    assert "test_extra" not in tables(db_path)


def test_the_database_and_its_copies_are_readable_by_the_app_account_only(db_path):
    import os
    import stat

    migrate(db_path)
    migrate(db_path, MIGRATIONS + [Migration("9999_test", add_test_table)])
    [copy] = copies(db_path)
    made = [db_path, copy] + [p for p in (db_path.with_name(db_path.name + "-wal"),
                                          db_path.with_name(db_path.name + "-shm"))
                              if p.exists()]
    assert {p.name: stat.S_IMODE(os.stat(p).st_mode) for p in made} == \
        {p.name: 0o600 for p in made}


def test_a_database_made_by_an_older_version_becomes_private(db_path):
    import os
    import stat

    migrate(db_path)
    os.chmod(db_path, 0o644)
    open_store(db_path).close()
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600


def test_project_names_move_out_of_the_unique_column_with_their_rows(db_path):
    """0011 renames the UNIQUE column instead of rebuilding the table: its documents, members
    and codes stay (a rebuild would have deleted them by cascade)."""
    migrate(db_path, MIGRATIONS[:10])
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("INSERT INTO users (id, username, role, created_at) VALUES (7, 'olga',"
                 " 'onderzoeker', 'x')")
    conn.execute("INSERT INTO projects (id, name, created_by, created_at) VALUES"
                 " (1, 'Armoede', 7, 'x'), (2, 'Wonen', NULL, 'x')")
    conn.execute("INSERT INTO project_members VALUES (1, 7, 'lead')")
    conn.execute("INSERT INTO documents (project_id, name, text, imported_at) VALUES"
                 " (1, 'Interview', 'Tekst', 'x')")
    conn.commit()
    conn.close()
    assert migrate(db_path, MIGRATIONS[:11]) == ["0011_project_names_per_user"]
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT id, name, name_key FROM projects ORDER BY id").fetchall() \
            == [(1, "Armoede", "7:Armoede"), (2, "Wonen", "0:Wonen")]
        assert conn.execute("SELECT count(*) FROM documents").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM project_members").fetchone() == (1,)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()


def test_0015_keeps_codes_and_their_codings_and_lets_siblings_alone_share_a_name(db_path):
    """Code names become unique among siblings (issue 17): the migration keeps every code,
    coding and relation, and SQLite itself still refuses two equal names under one parent."""
    migrate(db_path, MIGRATIONS[:14])
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("INSERT INTO projects (id, name, name_key, created_at) VALUES (1, 'P', '0:P',"
                 " 'nu')")
    conn.execute("INSERT INTO documents (id, project_id, name, text, imported_at)"
                 " VALUES (1, 1, 'D', 'Een tekst.', 'nu')")
    conn.execute("INSERT INTO codes (id, project_id, name) VALUES (1, 1, 'Familie')")
    conn.execute("INSERT INTO codes (id, project_id, name, parent_id) VALUES (2, 1, 'Steun', 1)")
    conn.execute("INSERT INTO codings (document_id, code_id, start_pos, end_pos, created_at)"
                 " VALUES (1, 2, 0, 3, 'nu')")
    conn.commit()
    conn.close()
    assert migrate(db_path) == ["0015_coders_document_sets_code_names", "0016_publications",
                                "0017_fieldwork", "0018_codings_by_coder",
                                "0019_sentence_word_positions",
                                "0020_codings_by_code_and_document",
                                "0021_questions_by_programme"]
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys = ON")
    assert conn.execute("SELECT id, name, name_key, parent_id FROM codes ORDER BY id"
                        ).fetchall() == [(1, "Familie", "0:Familie", None),
                                         (2, "Steun", "1:Steun", 1)]
    assert conn.execute("SELECT code_id FROM codings").fetchall() == [(2,)]
    conn.execute("INSERT INTO codes (id, project_id, name, name_key) VALUES (3, 1, 'Steun',"
                 " '0:Steun')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO codes (project_id, name, name_key, parent_id)"
                     " VALUES (1, 'Steun', '1:Steun', 1)")
    with pytest.raises(sqlite3.IntegrityError):   # moved next to its namesake: refused
        conn.execute("UPDATE codes SET parent_id = NULL WHERE id = 2")
    conn.execute("UPDATE codes SET name = 'Hulp' WHERE id = 2")
    assert conn.execute("SELECT name_key FROM codes WHERE id = 2").fetchone() == ("1:Hulp",)
    assert conn.execute("SELECT kind FROM users").fetchall() == []
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def test_no_migration_imports_live_domain_code():
    """A migration replays the same forever only if it uses nothing that later versions
    change (issue 19): schema.py imports nothing of research but the storage layer."""
    import ast
    from pathlib import Path

    import research.schema

    tree = ast.parse(Path(research.schema.__file__).read_text(encoding="utf-8"))
    imported = sorted({node.module for node in ast.walk(tree)
                       if isinstance(node, ast.ImportFrom) and node.module
                       and node.module.startswith("research")}
                      | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                         for alias in node.names if alias.name.startswith("research")})
    assert imported == ["research.storage"]


def test_questions_from_before_0002_get_their_lemmas_after_the_migrations(db_path):
    """0002 leaves existing questions without lemmas; `startup.prepare` fills them, and the
    keyword search finds them through the index."""
    from research.startup import prepare
    from research.tracker import questions

    migrate(db_path, MIGRATIONS[:1])
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO wijkwerkplaatsen (id, name) VALUES ('noord', 'Noord')")
    conn.execute("INSERT INTO questions (wijk_id, asked_on, text, asker_group, created_at)"
                 " VALUES ('noord', '2024-03-01', 'Wanneer gaan de speeltuinen weer open?',"
                 " 'bewoner', 'x')")
    conn.commit()
    conn.close()
    store = open_store(db_path)
    try:
        assert store.value("SELECT lemmas FROM questions") == ""
        prepare(store)
        assert store.value("SELECT lemmas FROM questions") == "gaan speeltuin open"
        assert questions.fill_lemmas(store) == 0
        assert store.value("SELECT count(*) FROM questions_fts WHERE questions_fts MATCH"
                           " 'speeltuin'") == 1
        assert store.value("SELECT count(*) FROM events WHERE entity = 'question' AND"
                           " action = 'lemmas'") == 1
    finally:
        store.close()
