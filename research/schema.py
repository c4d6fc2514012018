"""The database schema as migrations registered in code, and the one way to open the database.

A migration is a named function that changes the schema. `migrate` applies the pending ones in
a single transaction, records each in the `migrations` table and, when the file already held
data, first makes a copy of it with SQLite's online backup. A migration that fails rolls
everything back and leaves the copy. A database that records migrations this code does not
know comes from a newer version of the app and is refused untouched.
"""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import sqlite_utils

from research.storage import StorageError, Store, check_file, connect, is_busy, utcnow


@dataclass(frozen=True)
class Migration:
    name: str
    apply: Callable[[sqlite_utils.Database], None]


MIGRATIONS: list[Migration] = []


def migration(name: str):
    """Register a migration; names sort in the order they must run (0001_..., 0002_...)."""

    def register(fn: Callable[[sqlite_utils.Database], None]):
        MIGRATIONS.append(Migration(name, fn))
        return fn

    return register


def _run(db: sqlite_utils.Database, script: str) -> None:
    """Run a script statement by statement: sqlite3's executescript() would COMMIT the
    migration transaction. SQLite itself says when a statement (a trigger body too) is whole."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"Onvolledige SQL in migratie: {statement[:60]}")


def applied(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations recorded in this database, in the order they ran."""
    if "migrations" not in db.table_names():
        return []
    return [r["name"] for r in db.query("SELECT name FROM migrations ORDER BY rowid")]


def pending(db: sqlite_utils.Database,
            migrations: list[Migration] | None = None) -> list[Migration]:
    """Registered migrations not yet applied; raises StorageError for a newer database."""
    migrations = MIGRATIONS if migrations is None else migrations
    done = applied(db)
    unknown = sorted(set(done) - {m.name for m in migrations})
    if unknown:
        raise StorageError(
            "newer",
            "Deze database is gemaakt met een nieuwere versie van de app "
            f"(onbekende migraties: {', '.join(unknown)}). Werk de app bij; "
            "het bestand is niet aangeraakt.",
        )
    return [m for m in migrations if m.name not in done]


def private_file(path: Path) -> None:
    """Create `path` empty, readable and writable by the app's own account only (0600), so
    that what SQLite then writes into it (and its -wal and -shm files, which take the
    database's permissions) is never readable by other accounts on the machine."""
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def make_private(path: Path) -> None:
    """Restrict an existing database and its -wal/-shm files to the app's account (files made
    by an older version were 0644). chmod opens no descriptor, so no lock is touched."""
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        target = path.with_name(name)
        if target.exists() and target.stat().st_mode & 0o077:
            os.chmod(target, 0o600)


def backup_copy(source: Path, target: Path) -> Path:
    """Copy a live database to `target` with SQLite's online backup (consistent under writes).

    The copy is switched to a rollback journal, so it is one self-contained file, and is
    readable by the app's account only.
    """
    private_file(target)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
        src.close()
    return target


def _inspect(path: Path, migrations: list[Migration] | None) -> list[Migration]:
    """Pending migrations, read through a read-only connection so that a refused file
    (newer, or another program's database) is left byte for byte as it was."""
    if not path.exists() or path.stat().st_size == 0:
        return MIGRATIONS if migrations is None else migrations
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        db = sqlite_utils.Database(conn)
        if not applied(db) and db.table_names():
            raise StorageError(
                "foreign",
                f"{path.name} is een SQLite-database van een ander programma. Kies een ander "
                "bestand met RESEARCH_DB of --db; dit bestand is niet aangeraakt.")
        return pending(db, migrations)
    finally:
        conn.close()


def migrate(path: Path, migrations: list[Migration] | None = None) -> list[str]:
    """Bring the database at `path` up to date; returns the names of the migrations applied.

    All pending migrations run in one transaction under SQLite's write lock: another process
    that has the file open waits for it (or it for them), and nobody ever sees half a
    migration. A lock held past the busy timeout is refused in Dutch, with nothing changed."""
    path = Path(path)
    check_file(path)
    if not path.exists():
        private_file(path)
    make_private(path)
    todo = _inspect(path, migrations)
    if not todo:
        return []
    fresh = path.stat().st_size == 0
    copy = None
    if not fresh:
        check_file(path, thorough=True)  # never migrate (or copy) a damaged file
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        copy = backup_copy(path, path.with_name(f"{path.name}.voor-migratie-{stamp}"))
    conn = connect(path)
    db = sqlite_utils.Database(conn)
    try:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
            raise StorageError(
                "locked", "De database kon niet worden bijgewerkt: een ander proces houdt haar "
                          "langer dan 5 seconden bezet. Er is niets veranderd; probeer het "
                          "opnieuw als dat proces klaar is.") from error
        # Checked again under the write lock: another process may have migrated meanwhile.
        todo = pending(db, migrations)
        current = None
        try:
            db.execute("CREATE TABLE IF NOT EXISTS migrations "
                       "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            for current in todo:
                current.apply(db)
                db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)",
                           [current.name, utcnow()])
            conn.execute("COMMIT")
        except Exception as error:
            conn.execute("ROLLBACK")
            where = f" Een kopie van vóór de migratie staat in {copy}." if copy else ""
            raise StorageError(
                "migration",
                "De database kon niet worden bijgewerkt: migratie "
                f"{current.name if current else '?'} "
                f"mislukte ({error}). Er is niets veranderd.{where}",
            ) from error
        return [m.name for m in todo]
    finally:
        conn.close()


def open_store(path: Path) -> Store:
    """Check, migrate and open the database at `path` (creating it when absent)."""
    migrate(path)
    return Store(path)


# -- the migrations --------------------------------------------------------------------------

@migration("0001_foundation")
def _foundation(db: sqlite_utils.Database) -> None:
    _run(db, """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);

CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  actor_id INTEGER,
  entity TEXT NOT NULL,
  entity_id TEXT,
  action TEXT NOT NULL,
  before TEXT,
  after TEXT
);
CREATE INDEX events_entity ON events (entity, entity_id);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_actor ON events (actor);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;

CREATE TABLE wijkwerkplaatsen (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, stadsdeel TEXT, description TEXT
);
CREATE TABLE programmes (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, keywords TEXT
);
CREATE TABLE life_domains (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, keywords TEXT
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name TEXT,
  email TEXT UNIQUE COLLATE NOCASE,
  role TEXT NOT NULL
    CHECK (role IN ('beheerder', 'onderzoeker', 'analist', 'coordinator', 'lezer')),
  password_hash TEXT,
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  password_changed_at TEXT
);
CREATE TABLE user_wijken (
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  wijk_id TEXT NOT NULL REFERENCES wijkwerkplaatsen (id),
  PRIMARY KEY (user_id, wijk_id)
);
CREATE TABLE login_throttle (
  username TEXT PRIMARY KEY COLLATE NOCASE,
  failures INTEGER NOT NULL,
  locked_until TEXT
);

CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT,
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL
);
CREATE TABLE project_members (
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users (id),
  role TEXT NOT NULL CHECK (role IN ('lead', 'member')),
  PRIMARY KEY (project_id, user_id)
);
CREATE TABLE documents (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'interview',
  held_on TEXT,
  text TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  UNIQUE (project_id, name)
);
CREATE TABLE codes (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT,
  colour TEXT NOT NULL DEFAULT '#f2c94c',
  parent_id INTEGER REFERENCES codes (id),
  UNIQUE (project_id, name)
);
CREATE TABLE codings (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  code_id INTEGER NOT NULL REFERENCES codes (id) ON DELETE CASCADE,
  start_pos INTEGER NOT NULL,
  end_pos INTEGER NOT NULL,
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  CHECK (start_pos >= 0 AND end_pos > start_pos)
);
CREATE INDEX codings_document ON codings (document_id, start_pos);
CREATE INDEX codings_code ON codings (code_id);

CREATE TABLE monitors (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  unit_kind TEXT NOT NULL CHECK (unit_kind IN ('gemeente', 'gebied', 'persoon')),
  description TEXT,
  created_at TEXT NOT NULL
);
CREATE TABLE frame_units (
  id INTEGER PRIMARY KEY,
  monitor_id INTEGER NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  region TEXT,
  size_class TEXT,
  UNIQUE (monitor_id, code)
);
CREATE TABLE waves (
  id INTEGER PRIMARY KEY,
  monitor_id INTEGER NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  year INTEGER,
  fieldwork_start TEXT,
  fieldwork_end TEXT,
  UNIQUE (monitor_id, label)
);
CREATE TABLE variables (
  id INTEGER PRIMARY KEY,
  monitor_id INTEGER NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  label TEXT NOT NULL,
  question TEXT,
  type TEXT NOT NULL CHECK (type IN
    ('enkelvoudig', 'meervoudig', 'likert', 'rapportcijfer', 'getal', 'open')),
  value_labels TEXT,
  missing_codes TEXT,
  topic TEXT,
  higher_is_better INTEGER,
  UNIQUE (monitor_id, name)
);
CREATE TABLE responses (
  id INTEGER PRIMARY KEY,
  wave_id INTEGER NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
  unit_id INTEGER REFERENCES frame_units (id),
  completed_on TEXT,
  weight REAL NOT NULL DEFAULT 1
);
CREATE INDEX responses_wave ON responses (wave_id);
CREATE TABLE answers (
  response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
  variable_id INTEGER NOT NULL REFERENCES variables (id) ON DELETE CASCADE,
  value REAL,
  text TEXT,
  PRIMARY KEY (response_id, variable_id)
) WITHOUT ROWID;
CREATE INDEX answers_variable ON answers (variable_id);

CREATE TABLE questions (
  id INTEGER PRIMARY KEY,
  wijk_id TEXT NOT NULL REFERENCES wijkwerkplaatsen (id),
  asked_on TEXT NOT NULL,
  place TEXT,
  text TEXT NOT NULL,
  asker_group TEXT NOT NULL,
  programme_id TEXT REFERENCES programmes (id),
  domain_id TEXT REFERENCES life_domains (id),
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'gekoppeld', 'gesloten')),
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL
);
CREATE INDEX questions_wijk ON questions (wijk_id, asked_on);
""")


@migration("0002_tracker_search_and_contacts")
def _tracker_search_and_contacts(db: sqlite_utils.Database) -> None:
    # Existing questions get their lemmas after the migrations (`questions.fill_lemmas`, run
    # by `startup.prepare`): a migration that called the lemmatiser would replay differently
    # whenever the lemmatiser changed.
    _run(db, """
ALTER TABLE questions ADD COLUMN lemmas TEXT NOT NULL DEFAULT '';
ALTER TABLE questions ADD COLUMN closed_at TEXT;

CREATE TABLE question_links (
  question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
  other_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('zelfde', 'verwant')),
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  PRIMARY KEY (question_id, other_id),
  CHECK (question_id < other_id)
);

CREATE TABLE question_contacts (
  question_id INTEGER PRIMARY KEY REFERENCES questions (id) ON DELETE CASCADE,
  name TEXT,
  phone TEXT,
  email TEXT,
  note TEXT,
  consent_on TEXT NOT NULL,
  consent_text TEXT NOT NULL,
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL
);
""")
    # The index is built from the column as it is (empty lemmas): an external-content FTS
    # table must never be told to delete values it was not given (that corrupts it); filling
    # the lemmas later goes through the update trigger, which deletes the empty value it has.
    _run(db, """
CREATE VIRTUAL TABLE questions_fts USING fts5 (
  lemmas, content = 'questions', content_rowid = 'id', tokenize = 'unicode61'
);
INSERT INTO questions_fts (questions_fts) VALUES ('rebuild');
CREATE TRIGGER questions_fts_insert AFTER INSERT ON questions BEGIN
  INSERT INTO questions_fts (rowid, lemmas) VALUES (new.id, new.lemmas);
END;
CREATE TRIGGER questions_fts_delete AFTER DELETE ON questions BEGIN
  INSERT INTO questions_fts (questions_fts, rowid, lemmas) VALUES ('delete', old.id, old.lemmas);
END;
CREATE TRIGGER questions_fts_update AFTER UPDATE OF lemmas ON questions BEGIN
  INSERT INTO questions_fts (questions_fts, rowid, lemmas) VALUES ('delete', old.id, old.lemmas);
  INSERT INTO questions_fts (rowid, lemmas) VALUES (new.id, new.lemmas);
END;
""")


@migration("0003_ontwikkelvragen")
def _ontwikkelvragen(db: sqlite_utils.Database) -> None:
    _run(db, """
CREATE TABLE ov_statuses (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, progress INTEGER NOT NULL, position INTEGER NOT NULL
);
CREATE TABLE ov_transitions (
  from_status TEXT NOT NULL REFERENCES ov_statuses (id),
  to_status TEXT NOT NULL REFERENCES ov_statuses (id),
  PRIMARY KEY (from_status, to_status)
);
CREATE TABLE ontwikkelvragen (
  id INTEGER PRIMARY KEY,
  wijk_id TEXT NOT NULL REFERENCES wijkwerkplaatsen (id),
  year INTEGER NOT NULL,
  title TEXT NOT NULL,
  question TEXT NOT NULL,
  rationale TEXT,
  programme_id TEXT REFERENCES programmes (id),
  status TEXT NOT NULL REFERENCES ov_statuses (id),
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  UNIQUE (wijk_id, year)
);
CREATE TABLE ov_questions (
  ov_id INTEGER NOT NULL REFERENCES ontwikkelvragen (id) ON DELETE CASCADE,
  question_id INTEGER NOT NULL REFERENCES questions (id),
  PRIMARY KEY (ov_id, question_id)
);
CREATE TABLE ov_status_changes (
  id INTEGER PRIMARY KEY,
  ov_id INTEGER NOT NULL REFERENCES ontwikkelvragen (id) ON DELETE CASCADE,
  from_status TEXT REFERENCES ov_statuses (id),
  to_status TEXT NOT NULL REFERENCES ov_statuses (id),
  note TEXT NOT NULL,
  changed_on TEXT NOT NULL,
  changed_by INTEGER REFERENCES users (id)
);
CREATE TABLE ov_milestones (
  id INTEGER PRIMARY KEY,
  ov_id INTEGER NOT NULL REFERENCES ontwikkelvragen (id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  due_on TEXT,
  done_on TEXT
);
CREATE TABLE ov_partners (
  id INTEGER PRIMARY KEY,
  ov_id INTEGER NOT NULL REFERENCES ontwikkelvragen (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  budget_granted REAL NOT NULL DEFAULT 0 CHECK (budget_granted >= 0),
  budget_spent REAL NOT NULL DEFAULT 0 CHECK (budget_spent >= 0),
  UNIQUE (ov_id, name)
);
""")


@migration("0004_reportbacks")
def _reportbacks(db: sqlite_utils.Database) -> None:
    _run(db, """
CREATE TABLE question_reportbacks (
  id INTEGER PRIMARY KEY,
  question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
  reported_on TEXT NOT NULL,
  how TEXT NOT NULL,
  text TEXT NOT NULL,
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL
);
CREATE INDEX question_reportbacks_question ON question_reportbacks (question_id);
""")


@migration("0005_qual_coding")
def _qual_coding(db: sqlite_utils.Database) -> None:
    _run(db, """
-- A batch groups the events of one write transaction: one user action, undone as a whole.
ALTER TABLE events ADD COLUMN batch INTEGER;
CREATE INDEX events_batch ON events (batch);
CREATE INDEX events_actor_id ON events (actor_id, id);

ALTER TABLE documents ADD COLUMN source_format TEXT NOT NULL DEFAULT 'txt';
ALTER TABLE documents ADD COLUMN pseudonymised INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN position INTEGER;

ALTER TABLE codes ADD COLUMN inclusion TEXT NOT NULL DEFAULT '';
ALTER TABLE codes ADD COLUMN exclusion TEXT NOT NULL DEFAULT '';
ALTER TABLE codes ADD COLUMN example TEXT NOT NULL DEFAULT '';
ALTER TABLE codes ADD COLUMN created_at TEXT;

ALTER TABLE projects ADD COLUMN blind INTEGER NOT NULL DEFAULT 0;

CREATE TABLE cases (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  UNIQUE (project_id, name)
);

CREATE TABLE turns (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  start_pos INTEGER NOT NULL,
  end_pos INTEGER NOT NULL,
  case_id INTEGER REFERENCES cases (id),
  time_s REAL,
  CHECK (start_pos >= 0 AND end_pos >= start_pos),
  UNIQUE (document_id, position)
);
CREATE INDEX turns_case ON turns (case_id);

CREATE TABLE attributes (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  applies_to TEXT NOT NULL CHECK (applies_to IN ('case', 'document')),
  name TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('tekst', 'getal', 'datum', 'janee', 'keuze')),
  choices TEXT NOT NULL DEFAULT '[]',
  position INTEGER NOT NULL DEFAULT 0,
  UNIQUE (project_id, applies_to, name)
);
CREATE TABLE attribute_values (
  attribute_id INTEGER NOT NULL REFERENCES attributes (id) ON DELETE CASCADE,
  item_id INTEGER NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (attribute_id, item_id)
);

CREATE TABLE code_sets (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  UNIQUE (project_id, name)
);
CREATE TABLE code_set_members (
  set_id INTEGER NOT NULL REFERENCES code_sets (id) ON DELETE CASCADE,
  code_id INTEGER NOT NULL REFERENCES codes (id) ON DELETE CASCADE,
  PRIMARY KEY (set_id, code_id)
);

CREATE TABLE memos (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  target_kind TEXT NOT NULL
    CHECK (target_kind IN ('project', 'document', 'case', 'code', 'coding', 'passage')),
  target_id INTEGER,
  start_pos INTEGER,
  end_pos INTEGER,
  kind TEXT NOT NULL CHECK (kind IN ('theorie', 'methode', 'steekproef', 'vrij')),
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  updated_by INTEGER REFERENCES users (id),
  updated_at TEXT NOT NULL
);
CREATE INDEX memos_target ON memos (project_id, target_kind, target_id);

-- The search index: one row per sentence; `qual_fts` holds its words and lemmas (rowid = id).
CREATE TABLE qual_sentences (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  start_pos INTEGER NOT NULL,
  end_pos INTEGER NOT NULL
);
CREATE INDEX qual_sentences_document ON qual_sentences (document_id, start_pos);
CREATE VIRTUAL TABLE qual_fts USING fts5 (words, lemmas, tokenize = 'unicode61');
CREATE TRIGGER qual_sentences_delete AFTER DELETE ON qual_sentences BEGIN
  DELETE FROM qual_fts WHERE rowid = old.id;
END;
""")


# The relation types every project had when 0006 ran (codebooks/paradigma.yaml of that day),
# frozen here so that replaying the migration never depends on the file as it is now.
RELATION_TYPES_0006 = [
    ("is oorzaak van", 1, "oorzaak"), ("is context voor", 1, "context"),
    ("is intervenierende voorwaarde voor", 1, "intervenierend"),
    ("is strategie voor", 1, "strategie"), ("is gevolg van", 1, "gevolg"),
    ("is eigenschap van", 1, None), ("hangt samen met", 0, None), ("staat tegenover", 0, None)]


@migration("0006_axial_selective")
def _axial_selective(db: sqlite_utils.Database) -> None:

    _run(db, """
ALTER TABLE codes ADD COLUMN stage TEXT NOT NULL DEFAULT 'open'
  CHECK (stage IN ('open', 'axiaal', 'selectief'));
ALTER TABLE codes ADD COLUMN paradigm_role TEXT;
ALTER TABLE projects ADD COLUMN core_code_id INTEGER REFERENCES codes (id) ON DELETE SET NULL;
ALTER TABLE projects ADD COLUMN storyline TEXT NOT NULL DEFAULT '';

CREATE TABLE relation_types (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  directed INTEGER NOT NULL DEFAULT 1,
  paradigm_role TEXT,
  UNIQUE (project_id, name)
);
CREATE TABLE code_relations (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  source_id INTEGER NOT NULL REFERENCES codes (id) ON DELETE CASCADE,
  target_id INTEGER NOT NULL REFERENCES codes (id) ON DELETE CASCADE,
  type_id INTEGER NOT NULL REFERENCES relation_types (id) ON DELETE CASCADE,
  memo TEXT NOT NULL DEFAULT '',
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  UNIQUE (source_id, target_id, type_id),
  CHECK (source_id != target_id)
);
CREATE INDEX code_relations_project ON code_relations (project_id);
CREATE TABLE relation_passages (
  relation_id INTEGER NOT NULL REFERENCES code_relations (id) ON DELETE CASCADE,
  coding_id INTEGER NOT NULL REFERENCES codings (id) ON DELETE CASCADE,
  PRIMARY KEY (relation_id, coding_id)
);
""")
    for (project_id,) in db.execute("SELECT id FROM projects").fetchall():
        db.table("relation_types").insert_all(
            [{"project_id": project_id, "name": name, "directed": directed,
              "paradigm_role": role} for name, directed, role in RELATION_TYPES_0006])


@migration("0007_question_groups_and_knowledge")
def _question_groups_and_knowledge(db: sqlite_utils.Database) -> None:
    _run(db, """
-- Groups of questions confirmed by a coordinator from a proposal of the grouping job.
CREATE TABLE question_groups (
  id INTEGER PRIMARY KEY,
  wijk_id TEXT NOT NULL REFERENCES wijkwerkplaatsen (id),
  title TEXT NOT NULL,
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL
);
CREATE TABLE question_group_members (
  group_id INTEGER NOT NULL REFERENCES question_groups (id) ON DELETE CASCADE,
  question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, question_id)
);
CREATE INDEX question_group_members_question ON question_group_members (question_id);
-- A rejected proposal is remembered by its members, so the job does not propose it again.
CREATE TABLE rejected_groupings (
  wijk_id TEXT NOT NULL REFERENCES wijkwerkplaatsen (id),
  members TEXT NOT NULL,
  rejected_by INTEGER REFERENCES users (id),
  rejected_at TEXT NOT NULL,
  PRIMARY KEY (wijk_id, members)
);

-- Knowledge a question or an ontwikkelvraag is linked to (the coordinator as broker).
CREATE TABLE knowledge_links (
  id INTEGER PRIMARY KEY,
  target_kind TEXT NOT NULL CHECK (target_kind IN ('vraag', 'ontwikkelvraag')),
  target_id INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('code', 'memo', 'indicator', 'url', 'document')),
  code_id INTEGER REFERENCES codes (id) ON DELETE SET NULL,
  memo_id INTEGER REFERENCES memos (id) ON DELETE SET NULL,
  variable_id INTEGER REFERENCES variables (id) ON DELETE SET NULL,
  area TEXT,
  url TEXT,
  title TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL
);
CREATE INDEX knowledge_links_target ON knowledge_links (target_kind, target_id);
""")


@migration("0008_survey_columns_design_results")
def _survey_columns_design_results(db: sqlite_utils.Database) -> None:
    _run(db, """
-- The design of a monitor (weights, strata, clusters, fpc) and its suppression thresholds.
ALTER TABLE monitors ADD COLUMN design TEXT NOT NULL DEFAULT '{}';
ALTER TABLE monitors ADD COLUMN min_n INTEGER NOT NULL DEFAULT 10;
ALTER TABLE monitors ADD COLUMN min_n_quotes INTEGER NOT NULL DEFAULT 20;
ALTER TABLE frame_units ADD COLUMN province TEXT;
ALTER TABLE frame_units ADD COLUMN population REAL;
ALTER TABLE waves ADD COLUMN source TEXT;
ALTER TABLE waves ADD COLUMN loaded_at TEXT;
ALTER TABLE waves ADD COLUMN weighting TEXT;
ALTER TABLE variables ADD COLUMN mr_set TEXT;
ALTER TABLE responses ADD COLUMN respondent TEXT;
ALTER TABLE responses ADD COLUMN stratum TEXT;
ALTER TABLE responses ADD COLUMN psu TEXT;
ALTER TABLE responses ADD COLUMN fpc REAL;
ALTER TABLE responses ADD COLUMN calibrated_weight REAL;

-- Every frame unit a response speaks for (a regional partnership answers for several).
CREATE TABLE response_units (
  response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
  unit_id INTEGER NOT NULL REFERENCES frame_units (id) ON DELETE CASCADE,
  PRIMARY KEY (response_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX response_units_unit ON response_units (unit_id);

-- A variable as it was asked in one wave: its name in the file, wording, codes, and the
-- recoding of that wave's codes onto the monitor's codes.
CREATE TABLE wave_variables (
  wave_id INTEGER NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
  variable_id INTEGER NOT NULL REFERENCES variables (id) ON DELETE CASCADE,
  source_name TEXT NOT NULL,
  label TEXT,
  question TEXT,
  value_labels TEXT,
  missing_codes TEXT,
  recode TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (wave_id, variable_id)
);
-- One compressed column per wave and variable (research/survey/columns.py).
CREATE TABLE wave_columns (
  wave_id INTEGER NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
  variable_id INTEGER NOT NULL REFERENCES variables (id) ON DELETE CASCADE,
  data BLOB NOT NULL,
  PRIMARY KEY (wave_id, variable_id)
);

-- Follow-up of units that have not answered yet.
CREATE TABLE fieldwork_notes (
  id INTEGER PRIMARY KEY,
  wave_id INTEGER NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
  unit_id INTEGER NOT NULL REFERENCES frame_units (id) ON DELETE CASCADE,
  note TEXT NOT NULL,
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL
);
CREATE INDEX fieldwork_notes_unit ON fieldwork_notes (wave_id, unit_id);

-- The results store: per wave, indicator x breakdown x group (x answer category).
CREATE TABLE results (
  wave_id INTEGER NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
  variable_id INTEGER NOT NULL REFERENCES variables (id) ON DELETE CASCADE,
  breakdown TEXT NOT NULL,
  grp TEXT NOT NULL,
  statistic TEXT NOT NULL CHECK (statistic IN ('aandeel', 'gemiddelde', 'totaal')),
  category REAL,
  estimate REAL,
  se REAL,
  ci_low REAL,
  ci_high REAL,
  n INTEGER NOT NULL,
  neff REAL,
  missing_n INTEGER NOT NULL DEFAULT 0,
  p_rest REAL,
  ci_method TEXT
);
CREATE INDEX results_lookup ON results (wave_id, variable_id, breakdown);
-- Open answers sent to a qualitative project: one document per wave and question.
CREATE TABLE monitor_documents (
  document_id INTEGER PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
  wave_id INTEGER NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
  variable_id INTEGER NOT NULL REFERENCES variables (id) ON DELETE CASCADE,
  UNIQUE (wave_id, variable_id, document_id)
);
CREATE TABLE result_runs (
  wave_id INTEGER PRIMARY KEY REFERENCES waves (id) ON DELETE CASCADE,
  computed_at TEXT NOT NULL,
  design TEXT NOT NULL,
  rows INTEGER NOT NULL,
  seconds REAL NOT NULL
);
""")
    _answers_to_columns(db)
    _run(db, "DROP TABLE answers;")


def _frozen_numbers(values: list[float]) -> bytes:
    """A numeric column in the column store's N1 format (float64, zlib level 1), written here
    and not by `research.survey.columns`, so that this migration writes the same bytes
    whatever that codec later learns; `columns.decode` reads N1 for good."""
    return b"N1" + zlib.compress(struct.pack(f"<{len(values)}d", *values), 1)


def _frozen_texts(texts: list[str | None]) -> bytes:
    """A text column in the column store's T1 format (a JSON list, zlib level 1)."""
    return b"T1" + zlib.compress(json.dumps(texts, ensure_ascii=False).encode("utf-8"), 1)


def _answers_to_columns(db: sqlite_utils.Database) -> None:
    """Move the long `answers` of earlier versions into one column per wave and variable."""

    db.execute("INSERT INTO response_units (response_id, unit_id)"
               " SELECT id, unit_id FROM responses WHERE unit_id IS NOT NULL")
    for wave_id, in db.execute("SELECT id FROM waves").fetchall():
        ids = [r[0] for r in db.execute(
            "SELECT id FROM responses WHERE wave_id = ? ORDER BY id", [wave_id]).fetchall()]
        position = {rid: i for i, rid in enumerate(ids)}
        variables = db.execute(
            "SELECT DISTINCT v.id, v.name, v.type, v.label, v.question, v.value_labels,"
            " v.missing_codes FROM answers a JOIN responses r ON r.id = a.response_id"
            " JOIN variables v ON v.id = a.variable_id WHERE r.wave_id = ?", [wave_id]).fetchall()
        for var_id, name, kind, label, question, value_labels, missing in variables:
            cells = db.execute(
                "SELECT a.response_id, a.value, a.text FROM answers a JOIN responses r"
                " ON r.id = a.response_id WHERE r.wave_id = ? AND a.variable_id = ?",
                [wave_id, var_id]).fetchall()
            if kind == "open":
                texts: list[str | None] = [None] * len(ids)
                for rid, _, text in cells:
                    texts[position[rid]] = text
                blob = _frozen_texts(texts)
            else:
                values = [float("nan")] * len(ids)
                for rid, value, _ in cells:
                    values[position[rid]] = float("nan") if value is None else value
                blob = _frozen_numbers(values)
            db.execute("INSERT INTO wave_columns (wave_id, variable_id, data) VALUES (?, ?, ?)",
                       [wave_id, var_id, blob])
            db.execute("INSERT INTO wave_variables (wave_id, variable_id, source_name, label,"
                       " question, value_labels, missing_codes) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [wave_id, var_id, name, label, question, value_labels, missing])


@migration("0009_document_position_index")
def _document_position_index(db: sqlite_utils.Database) -> None:
    _run(db, """
-- `position` was added after `text`, so reading it walked every document's text: the next
-- position of an import cost a read of the whole project.
CREATE INDEX documents_position ON documents (project_id, position);
""")


@migration("0010_session_epoch_and_login_throttle")
def _session_epoch_and_login_throttle(db: sqlite_utils.Database) -> None:
    _run(db, """
-- Raised when a password is set: a session started under an older epoch has ended.
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
-- Failed logins as a score that decays, keyed by a hash of the typed name (a password typed
-- into the name field is never stored). The old table's counts only ever grew.
DROP TABLE login_throttle;
CREATE TABLE login_throttle (
  name_key TEXT PRIMARY KEY,
  score REAL NOT NULL,
  at TEXT NOT NULL,
  locked_until TEXT
);
""")


@migration("0011_project_names_per_user")
def _project_names_per_user(db: sqlite_utils.Database) -> None:
    _run(db, """
-- A project's name was unique in the whole database, so trying a name told a non-member that
-- a project of that name existed. A name is now unique among the projects a user can open
-- (checked in research.qual.projects); the column that carried the UNIQUE constraint keeps it
-- as a key per creator ('<created_by>:<name>'). Renaming a column leaves the table and the
-- rows that refer to it alone (rebuilding it would cascade with foreign keys on).
ALTER TABLE projects RENAME COLUMN name TO name_key;
ALTER TABLE projects ADD COLUMN name TEXT NOT NULL DEFAULT '';
UPDATE projects SET name = name_key, name_key = coalesce(created_by, 0) || ':' || name_key;
CREATE INDEX projects_name ON projects (name);
""")


@migration("0012_reportback_plans")
def _reportback_plans(db: sqlite_utils.Database) -> None:
    _run(db, """
-- Who reports back to the residents of a question, and by when (the overdue list uses it).
CREATE TABLE reportback_plans (
  question_id INTEGER PRIMARY KEY REFERENCES questions (id) ON DELETE CASCADE,
  owner_id INTEGER REFERENCES users (id),
  due_on TEXT,
  set_by INTEGER REFERENCES users (id),
  set_at TEXT NOT NULL
);
""")


@migration("0013_web_sessions")
def _web_sessions(db: sqlite_utils.Database) -> None:
    _run(db, """
-- A login that outlives a browser tab (research.sessions): the browser holds a random token in
-- an HttpOnly cookie, the database only its SHA-256. A session ends (ended_at, end_reason) at
-- logout, idle expiry, when its account is disabled or its password set, or by a beheerder.
CREATE TABLE web_sessions (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  epoch INTEGER NOT NULL,
  via TEXT NOT NULL,
  token_hash TEXT UNIQUE,
  created_at TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  ended_at TEXT,
  end_reason TEXT
);
CREATE INDEX web_sessions_open ON web_sessions (user_id) WHERE ended_at IS NULL;
-- The one-time code the login page hands the browser to fetch its cookie with: its hash, the
-- session it belongs to, and when it lapses (a minute); deleted when used.
CREATE TABLE session_codes (
  code_hash TEXT PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES web_sessions (id) ON DELETE CASCADE,
  expires_at TEXT NOT NULL
);
""")


@migration("0014_monitor_drafts")
def _monitor_drafts(db: sqlite_utils.Database) -> None:
    _run(db, """
-- The analyst's text blocks of a wave report (an introduction, a text per topic), saved as
-- they are typed, so that they survive leaving the page. One row per wave and block.
CREATE TABLE report_drafts (
  id INTEGER PRIMARY KEY,
  wave_id INTEGER NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
  block TEXT NOT NULL,
  text TEXT NOT NULL,
  updated_by INTEGER REFERENCES users (id),
  updated_at TEXT NOT NULL,
  UNIQUE (wave_id, block)
);
""")


@migration("0015_coders_document_sets_code_names")
def _coders_document_sets_code_names(db: sqlite_utils.Database) -> None:
    _run(db, """
-- A coder without a login: every <User> of an imported REFI project becomes an inactive
-- account of this kind (no password), so that agreement, reports, blind coding and the
-- disagreement browser work on their codings; a beheerder can later link it to an account.
ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'account'
  CHECK (kind IN ('account', 'coder'));
-- The GUID a coder has in a project's REFI files, written back on export so that a round trip
-- through ATLAS.ti, NVivo or MAXQDA keeps the coder of every coding.
CREATE TABLE coder_guids (
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  guid TEXT NOT NULL,
  PRIMARY KEY (project_id, user_id),
  UNIQUE (project_id, guid)
);
CREATE INDEX coder_guids_guid ON coder_guids (guid);

-- Groups of documents (MAXQDA's document sets, ATLAS.ti's document groups, REFI Sets).
CREATE TABLE document_sets (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  UNIQUE (project_id, name)
);
CREATE TABLE document_set_members (
  set_id INTEGER NOT NULL REFERENCES document_sets (id) ON DELETE CASCADE,
  document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  PRIMARY KEY (set_id, document_id)
);
CREATE INDEX document_set_members_document ON document_set_members (document_id);

-- A code's name is unique among its siblings, not in the whole project: the tree tells
-- 'Steun' under 'Familie' from 'Steun' under 'Buurt' (other tools allow it, and an import
-- renamed one to 'Steun (2)'). The column that carried UNIQUE (project_id, name) keeps it
-- as a key '<parent id or 0>:<name>' (rebuilding the table would cascade with foreign keys
-- on); the trigger keeps the key in step when a code is renamed or moved.
ALTER TABLE codes RENAME COLUMN name TO name_key;
ALTER TABLE codes ADD COLUMN name TEXT NOT NULL DEFAULT '';
UPDATE codes SET name = name_key, name_key = coalesce(parent_id, 0) || ':' || name_key;
CREATE INDEX codes_name ON codes (project_id, name);
CREATE TRIGGER codes_name_key AFTER UPDATE OF name, parent_id ON codes
BEGIN
  UPDATE codes SET name_key = coalesce(new.parent_id, 0) || ':' || new.name WHERE id = new.id;
END;
""")


@migration("0016_publications")
def _publications(db: sqlite_utils.Database) -> None:
    _run(db, """
-- A bewonersvraag a coordinator made public (research.tracker.publication): the summary
-- written for residents, the report-backs shown with it, and the question's public code, which
-- stays the same when it is withdrawn and published again (the printed slip keeps working).
-- What the public pages read is the published view file beside the database, never this.
CREATE TABLE publications (
  question_id INTEGER PRIMARY KEY REFERENCES questions (id) ON DELETE CASCADE,
  code TEXT NOT NULL UNIQUE,
  summary TEXT NOT NULL,
  reportback_ids TEXT NOT NULL DEFAULT '[]',
  published_by INTEGER REFERENCES users (id),
  published_at TEXT,
  withdrawn_at TEXT
);
""")


@migration("0017_fieldwork")
def _fieldwork(db: sqlite_utils.Database) -> None:
    _run(db, """
-- A wave fielded from the app (research.survey.invitations): the questionnaire as the
-- respondents' pages show it (JSON), the closing date and whether it is still open. The
-- wave row exists from the start (empty), so follow-up notes belong to it; closing fills it.
-- What the public door reads and writes is the fieldwork file beside the database, never this.
CREATE TABLE fieldworks (
  id INTEGER PRIMARY KEY,
  wave_id INTEGER NOT NULL UNIQUE REFERENCES waves (id) ON DELETE CASCADE,
  questionnaire TEXT NOT NULL,
  closes_on TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'gesloten')),
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  closed_at TEXT
);
-- One personal link per invitation: its code (>= 128 random bits) is the credential, so it
-- never enters the audit log. An invitation speaks for one frame unit, or for several when a
-- regional partnership answers for them together.
CREATE TABLE invitations (
  id INTEGER PRIMARY KEY,
  fieldwork_id INTEGER NOT NULL REFERENCES fieldworks (id) ON DELETE CASCADE,
  code TEXT NOT NULL UNIQUE,
  label TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE invitation_units (
  invitation_id INTEGER NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
  unit_id INTEGER NOT NULL REFERENCES frame_units (id) ON DELETE CASCADE,
  PRIMARY KEY (invitation_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX invitation_units_unit ON invitation_units (unit_id);
-- The contact person of an invitation: personal data, apart from the answers, out of the
-- audit log, read only for the mail-merge file the analyst asks for (which is audited).
CREATE TABLE invitation_contacts (
  invitation_id INTEGER PRIMARY KEY REFERENCES invitations (id) ON DELETE CASCADE,
  name TEXT,
  email TEXT
);
""")


@migration("0018_codings_by_coder")
def _codings_by_coder(db: sqlite_utils.Database) -> None:
    _run(db, """
-- The codes a coder applied last (the coding panel offers them first, on every tap): without
-- it the query read every coding of the project, 30 ms at 100,000 codings.
CREATE INDEX codings_coder ON codings (created_by, code_id);
""")


@migration("0019_sentence_word_positions")
def _sentence_word_positions(db: sqlite_utils.Database) -> None:
    _run(db, """
-- Where each word of a sentence starts and how long it is (int32 pairs, little-endian,
-- relative to the sentence): a search marks its hits from these instead of tokenising every
-- found sentence again. Sentences indexed before have none and are tokenised as before.
ALTER TABLE qual_sentences ADD COLUMN word_positions BLOB;
""")


@migration("0020_codings_by_code_and_document")
def _codings_by_code_and_document(db: sqlite_utils.Database) -> None:
    _run(db, """
-- The codebook's counts per code (passages, documents) read from the index alone: through
-- `codings_code` every coding's row was read, 0.23 s at 100,000 codings on Axiaal, Codeboek
-- and Passages; now 0.02 s. The new index starts with code_id, so it serves what the old one
-- did.
CREATE INDEX codings_code_document ON codings (code_id, document_id);
DROP INDEX codings_code;
""")


@migration("0021_questions_by_programme")
def _questions_by_programme(db: sqlite_utils.Database) -> None:
    _run(db, """
-- The questions per wijkwerkplaats and programme (the chart in Bewonersvragen, on every click)
-- counted from the index alone: 27 ms at 20,000 questions through `questions_wijk`, 6 ms now.
CREATE INDEX questions_programme ON questions (wijk_id, programme_id);
""")
