"""The invented demo data: loaded once, in one transaction, with exactly these contents."""

from __future__ import annotations

from collections import Counter

import pytest

from research import accounts, demo
from research.qual import codebook, codings, projects
from research.startup import prepare
from research.survey import monitors

TABLES = ("projects", "documents", "codes", "codings", "monitors", "waves", "frame_units",
          "variables", "responses", "wave_columns", "results", "questions", "events", "meta")



def counts(store) -> dict[str, int]:
    return {table: store.value(f"SELECT count(*) FROM {table}") for table in TABLES}


def test_demo_counts(demo_store):
    found = counts(demo_store)
    assert {k: found[k] for k in ("projects", "documents", "codes", "codings", "monitors",
                                  "waves", "frame_units", "questions", "variables")} == {
        "projects": 1, "documents": 7, "codes": 5, "codings": 30, "monitors": 2, "waves": 4,
        "frame_units": 365, "questions": 19, "variables": 20}
    assert demo_store.value("SELECT value FROM meta WHERE key = 'demo_loaded'") == "1"


def test_demo_waves_are_the_same_on_every_machine(demo_store):
    admin = accounts.find_user(demo_store, "admin")
    names = {m["name"]: m for m in monitors.list_monitors(demo_store, admin)}
    assert sorted(names) == ["Gemeentemonitor inburgering (demo, verzonnen)",
                             "Wijkcijfers Amsterdam: indicatoren per gebied (gepubliceerd, 2025)"]
    monitor = names["Gemeentemonitor inburgering (demo, verzonnen)"]
    assert monitor["units"] == 342
    assert [(w["label"], w["responses"]) for w in monitors.waves(demo_store, admin,
                                                                 monitor["id"])] == [
        ("2024", 202), ("2025", 212), ("2026", 213)]
    # Each wave's results are computed with the monitor's design.
    assert demo_store.value("SELECT count(*) FROM result_runs") == 3
    # One regional partnership answers for three municipalities in every wave.
    assert demo_store.rows(
        "SELECT r.wave_id, count(*) AS units FROM response_units ru JOIN responses r"
        " ON r.id = ru.response_id GROUP BY r.id HAVING count(*) > 1") == [
        {"wave_id": 1, "units": 3}, {"wave_id": 2, "units": 3}, {"wave_id": 3, "units": 3}]


def test_second_load_does_nothing(demo_store):
    before = counts(demo_store)
    assert demo.load(demo_store) is False
    assert prepare(demo_store, with_demo=True).demo_loaded is False
    assert counts(demo_store) == before


def test_first_prepare_reports_the_demo_loaded(db_path):
    from research.schema import open_store

    store = open_store(db_path)
    try:
        assert prepare(store, with_demo=True).demo_loaded is True
        assert store.value("SELECT count(*) FROM events WHERE action = 'demo_loaded'") == 1
    finally:
        store.close()


def test_every_demo_coding_covers_its_quoted_passage(demo_store):
    admin = accounts.find_user(demo_store, "admin")
    (project,) = projects.list_projects(demo_store, admin)
    assert project["name"] == "Buurtkamers Nieuw-West en Noord (demo, verzonnen)"
    by_name = {c["name"]: c["id"] for c in codebook.codes(demo_store, admin, project["id"])}
    assert sorted(by_name) == sorted(name for name, _, _ in demo.CODES)

    found = Counter()
    for name, code_id in by_name.items():
        for passage in codings.passages(demo_store, admin, code_id):
            found[(passage["document"], name, passage["passage"])] += 1
    expected = Counter((demo.INTERVIEWS[index][0], code, quote)
                       for index, code, quote in demo.CODINGS)
    assert sum(expected.values()) == 30
    assert found == expected


def test_demo_documents_are_read_as_transcripts(demo_store):
    rows = demo_store.rows("SELECT name, kind, held_on, text FROM documents ORDER BY held_on")
    # Read like an uploaded .txt: one turn per speaker line, turns apart by a blank line.
    assert [(r["name"], r["kind"], r["held_on"], r["text"]) for r in rows] == [
        (name, kind, held_on, text.strip().replace("\n", "\n\n"))
        for name, kind, held_on, text in demo.INTERVIEWS]
    assert [r["name"] for r in demo_store.rows("SELECT name FROM cases ORDER BY name")] == [
        "Deelnemer A", "Deelnemer B", "Deelnemer C", "Interviewer", "Moderator",
        "Respondent 1", "Respondent 2", "Respondent 3", "Respondent 4", "Respondent 5",
        "Respondent 6"]
    assert demo_store.value("SELECT count(*) FROM turns") == 49
    assert demo_store.value("SELECT count(*) FROM attribute_values") == 20


def test_demo_questions_per_wijk(demo_store):
    assert demo_store.rows("SELECT wijk_id, count(*) AS n FROM questions GROUP BY wijk_id"
                           " ORDER BY wijk_id") == [
        {"wijk_id": "nieuw-west", "n": 7}, {"wijk_id": "noord", "n": 6},
        {"wijk_id": "zuidoost", "n": 6}]
    # Two years of questions, and one ontwikkelvraag per wijkwerkplaats grown from them.
    assert demo_store.rows("SELECT substr(asked_on, 1, 4) AS year, count(*) AS n FROM questions"
                           " GROUP BY year ORDER BY year") == [
        {"year": "2025", "n": 6}, {"year": "2026", "n": 13}]
    assert demo_store.rows(
        "SELECT o.wijk_id, o.status, (SELECT count(*) FROM ov_questions q WHERE q.ov_id = o.id)"
        " AS questions, (SELECT count(*) FROM ov_partners p WHERE p.ov_id = o.id) AS partners,"
        " (SELECT count(*) FROM ov_milestones m WHERE m.ov_id = o.id) AS milestones"
        " FROM ontwikkelvragen o ORDER BY o.wijk_id") == [
        {"wijk_id": "nieuw-west", "status": "in-uitvoering", "questions": 2, "partners": 3,
         "milestones": 2},
        {"wijk_id": "noord", "status": "in-uitvoering", "questions": 3, "partners": 2,
         "milestones": 2},
        {"wijk_id": "zuidoost", "status": "geformuleerd", "questions": 3, "partners": 2,
         "milestones": 1}]


@pytest.mark.slow
def test_demo_load_is_one_transaction(store, monkeypatch):
    """A failure in the last part leaves no half demo behind, so the next start can load it."""
    before = counts(store)

    def broken(store):
        raise RuntimeError("stroom uitgevallen")

    original = demo._load_questions
    monkeypatch.setattr(demo, "_load_questions", broken)
    with pytest.raises(RuntimeError, match="stroom uitgevallen"):
        demo.load(store)
    assert counts(store) == before

    monkeypatch.setattr(demo, "_load_questions", original)
    assert demo.load(store) is True
    assert counts(store)["codings"] == 30
