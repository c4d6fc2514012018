"""Page test (AppTest) of Wijkwerkplaats > Overzichten on the demo data."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from conftest import make_users
from research import accounts
from research.ui import shell

PAGE = str(shell.UI_DIR / "tracker_overview.py")
TIMEOUT = 30


@pytest.fixture(autouse=True)
def fresh_open_cache():
    """Each test opens its own database file; drop cached stores of earlier tests."""
    shell._open.clear()
    yield
    shell._open.clear()


@pytest.fixture
def demo_users(demo_store):
    """One account per role on the demo database (the coordinator belongs to Noord)."""
    return make_users(demo_store)


def run_page(user: accounts.User) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["auth"] = {"user_id": user.id, "last_seen": time.time()}
    return at.run()


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def widget(widgets, label: str, key: str | None = None):
    found = [w for w in widgets if w.label == label and (key is None or w.key == key)]
    assert len(found) == 1, f"expected one widget {label!r}, found {[w.label for w in widgets]}"
    return found[0]


def test_page_runs_for_the_beheerder_with_all_tabs(db_path, demo_users):
    at = run_page(demo_users["beheerder"])
    no_exception(at)
    assert [t.value for t in at.title] == ["Overzichten"]
    assert [t.label for t in at.tabs] == ["Tijdlijn", "Thema's door de tijd",
                                          "Open en beantwoord", "Jaarverslag"]
    assert not at.error
    # the timeline table, the themes chart and the open/answered chart
    assert len(at.dataframe) == 3
    assert len(at.get("plotly_chart")) == 2


def test_jaarverslag_tab_has_both_downloads(db_path, demo_users):
    at = run_page(demo_users["beheerder"])
    no_exception(at)
    widget(at.selectbox, "Jaar", key="report_year").set_value(2026).run()
    no_exception(at)
    assert [b.label for b in at.get("download_button")] == [
        "Jaarverslag als Word (.docx)", "Jaarverslag als Excel (.xlsx)"]
    assert [m.label for m in at.metric] == ["Vragen", "Met terugkoppeling",
                                           "Mediaan dagen tot terugkoppeling"]


def test_filters_change_the_tables(db_path, demo_users):
    at = run_page(demo_users["lezer"])
    widget(at.selectbox, "Wijkwerkplaats").set_value("noord").run()
    widget(at.selectbox, "Per").set_value("kwartaal").run()
    widget(at.radio, "Indeling").set_value("leefdomein").run()
    no_exception(at)
    timeline, themes, open_answered = (t.value for t in at.dataframe)
    assert set(timeline["Wijkwerkplaats"]) == {"Noord"}
    assert list(themes.columns) == ["Periode", "Thema", "Aantal"]
    assert all("-K" in p for p in themes["Periode"])
    assert list(open_answered["Wijkwerkplaats"]) == ["Noord"]


def test_page_refuses_the_analist(db_path, demo_users):
    at = run_page(demo_users["analist"])
    no_exception(at)
    assert [e.value for e in at.error] == ["Je hebt geen toegang tot deze pagina."]
