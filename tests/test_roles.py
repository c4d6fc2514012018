"""Roles on the command line, as a matrix: every command that acts as an account (--user)
lets exactly the roles through that the app lets through, and refuses the others in Dutch
without changing anything. (Pages: tests/test_pages.py::test_page_for_role.)"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import make_users
from research.cli import main
from research.schema import open_store

ROLES = ["beheerder", "onderzoeker", "analist", "coordinator", "lezer"]
NAMES = {"beheerder": "admin", "onderzoeker": "olga", "analist": "anna", "coordinator": "coby",
         "lezer": "lex"}
MONITOR = "Gemeentemonitor inburgering (demo, verzonnen)"
PROJECT = "1"


@pytest.fixture
def demo(demo_store, db_path, tmp_path):
    make_users(demo_store)
    wave = tmp_path / "meting.csv"
    pd.DataFrame({"eenheid": ["GM9005", "GM9006"], "cijfer_inburgering": [7, 8]}).to_csv(
        wave, sep=";", index=False)
    transcript = tmp_path / "interview.txt"
    transcript.write_text("Int: Hoe gaat het?\nR1: Goed.\n", encoding="utf-8")
    return {"wave": str(wave), "transcript": str(transcript), "db": db_path}


def counts(db) -> dict:
    store = open_store(db)
    try:
        return {t: store.value(f"SELECT count(*) FROM {t}")
                for t in ("waves", "documents", "codes", "events")}
    finally:
        store.close()


# command, the roles that may run it (the demo project's only member is the beheerder)
COMMANDS = [
    (lambda d, w: ["survey", "load", d["wave"], "--monitor", MONITOR, "--wave", w],
     {"beheerder", "analist"}),
    (lambda d, w: ["survey", "estimate", "--monitor", MONITOR, "--wave", "2026", "--var",
                   "cijfer_inburgering"], set(ROLES)),
    (lambda d, w: ["qual", "import", d["transcript"], "--project", PROJECT], {"beheerder"}),
    (lambda d, w: ["qual", "codings", "--project", PROJECT], {"beheerder"}),
    (lambda d, w: ["qual", "saturation", "--project", PROJECT], {"beheerder"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("number", range(len(COMMANDS)))
def test_command_line_role_matrix(demo, role, number, capsys):
    build, allowed = COMMANDS[number]
    before = counts(demo["db"])
    status = main(["--db", str(demo["db"]), *build(demo, f"rol-{role}"), "--user", NAMES[role]])
    out, err = capsys.readouterr()
    if role in allowed:
        assert status == 0 and "Fout" not in err, err
    else:
        assert status == 1
        assert err.startswith("Fout: ") and "Traceback" not in err, err
        assert counts(demo["db"]) == before
