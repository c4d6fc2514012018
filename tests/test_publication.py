"""Residents see what became of their question (issue 21): publishing, refusal while personal
data remain, withdrawing at once, the public pages that read only the published view."""

from __future__ import annotations

import ast
import json
import stat
from datetime import date
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from research.accounts import PermissionDenied
from research.public import site, view
from research.tracker import ontwikkelvragen, publication, questions, reportback
from research.tracker.publication import PublicationError

TODAY = date(2026, 6, 1)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def asked(store, users):
    """A question in Noord with two report-backs; returns its id."""
    coby = users["coordinator"]
    question = questions.log_question(
        store, coby, wijk_id="noord", asked_on=date(2026, 3, 12), place="Buurthuis Banne",
        text="Mijn buurvrouw mevrouw Jansen vraagt waarom de speeltuin aan het plein dicht is.",
        asker_group="bewoner", programme_id="wijk-wonen", today=TODAY)
    reportback.record(store, coby, question, how="bijeenkomst",
                      text="De speeltuin gaat in juni weer open na de reparatie.",
                      reported_on=date(2026, 4, 2), today=TODAY)
    reportback.record(store, coby, question, how="persoonlijk",
                      text="Gebeld met Fatima op 06-12345678.", reported_on=date(2026, 4, 3),
                      today=TODAY)
    return question


def told_ids(store, question):
    return [r["id"] for r in store.rows("SELECT id FROM question_reportbacks WHERE"
                                        " question_id = ? ORDER BY id", [question])]


def client(store, per_minute=60):
    import os

    os.environ[site.VIEW_ENV] = str(publication.view_path(store))
    return TestClient(site.make_app(per_minute))


def test_publishing_refuses_personal_data_then_shows_the_summary(store, users, asked):
    coby = users["coordinator"]
    public, private = told_ids(store, asked)
    with pytest.raises(PublicationError) as refused:
        publication.publish(store, coby, asked, "Waarom is de speeltuin aan de Kinkerstraat 12 "
                            "dicht?", [public, private])
    assert refused.value.message == (
        "Niet gepubliceerd: haal eerst de persoonsgegevens weg. De samenvatting bevat een "
        "adres: ‘Kinkerstraat 12’. De terugkoppeling van vrijdag 3 april 2026 bevat een naam: "
        "‘Fatima’. De terugkoppeling van vrijdag 3 april 2026 bevat een telefoonnummer: "
        "‘06-12345678’.")
    assert store.value("SELECT count(*) FROM publications") == 0
    assert not publication.view_path(store).exists()

    code = publication.publish(store, coby, asked, "Waarom is de speeltuin aan het plein dicht?",
                               [public])
    assert len(code) == 16 and set(code) <= set("abcdefghijklmnopqrstuvwxyz234567")
    entry = view.question(publication.view_path(store), code)
    assert entry == {
        "wijk_id": "noord", "wijk_name": "Noord",
        "summary": "Waarom is de speeltuin aan het plein dicht?", "month": "maart 2026",
        "programme": "Wijk & Wonen", "status": "Open",
        "done": [{"month": "april 2026", "how": "Op een bijeenkomst",
                  "text": "De speeltuin gaat in juni weer open na de reparatie."}],
        "ontwikkelvragen": []}
    # Nothing of the resident's own words in the published view.
    raw = publication.view_path(store).read_bytes()
    assert b"Jansen" not in raw and b"buurvrouw" not in raw and b"Fatima" not in raw
    assert stat.S_IMODE(publication.view_path(store).stat().st_mode) == 0o644
    assert [e["action"] for e in store.rows(
        "SELECT action FROM events WHERE entity = 'publication' ORDER BY id")] == ["create"]


def test_a_date_of_birth_is_refused_and_an_ordinary_date_is_not(store, users, asked):
    coby = users["coordinator"]
    with pytest.raises(PublicationError, match="geboortedatum"):
        publication.publish(store, coby, asked, "Vraag van een bewoner geboren op 3 maart 1950 "
                            "over de speeltuin.")
    publication.publish(store, coby, asked, "Besproken op 3 maart 2026: de speeltuin.")


def test_withdrawing_takes_effect_at_once_and_the_code_stays(store, users, asked):
    coby = users["coordinator"]
    code = publication.publish(store, coby, asked, "Waarom is de speeltuin dicht?")
    web = client(store)
    page = web.get(f"/v/{code}")
    assert page.status_code == 200
    assert "Waarom is de speeltuin dicht?" in page.text and "maart 2026" in page.text
    assert web.get(f"/v/{publication.spaced(code).replace(' ', '-')}").status_code == 200

    publication.withdraw(store, coby, asked)
    gone = web.get(f"/v/{code}")
    assert gone.status_code == 404 and "Deze vraag is niet (meer) openbaar." in gone.text
    assert web.get("/v/aaaaaaaaaaaaaaaa").text == gone.text   # unknown: the same answer
    with pytest.raises(PublicationError, match="niet openbaar"):
        publication.withdraw(store, coby, asked)
    assert publication.publish(store, coby, asked, "Weer openbaar.") == code
    assert web.get(f"/v/{code}").status_code == 200


def test_only_a_coordinator_of_the_wijk_or_a_beheerder_publishes(store, users, asked):
    for role in ("lezer", "onderzoeker", "analist"):
        with pytest.raises(PermissionDenied):
            publication.publish(store, users[role], asked, "Samenvatting")
    from conftest import PASSWORD
    from research import accounts
    from research.accounts import SYSTEM_USER

    other = accounts.create_user(store, SYSTEM_USER, "zoe", "coordinator", PASSWORD,
                                 wijken=["zuidoost"])
    with pytest.raises(PermissionDenied):
        publication.publish(store, other, asked, "Samenvatting")
    publication.publish(store, users["beheerder"], asked, "Samenvatting")


@pytest.mark.parametrize("summary, reportbacks, message", [
    ("  ", [], "Schrijf een korte samenvatting voor bewoners; de vraag zelf wordt niet "
               "openbaar."),
    ("x" * 601, [], "Een samenvatting is hoogstens 600 tekens."),
    ("Samenvatting", [99999], "Een gekozen terugkoppeling hoort niet bij deze vraag."),
])
def test_bad_input_is_refused_in_dutch(store, users, asked, summary, reportbacks, message):
    with pytest.raises(PublicationError) as refused:
        publication.publish(store, users["coordinator"], asked, summary, reportbacks)
    assert refused.value.message == message


def test_the_page_shows_the_ontwikkelvraag_and_its_milestones_escaped(store, users, asked):
    coby = users["coordinator"]
    ov = ontwikkelvragen.create(store, coby, wijk_id="noord", year=2026,
                                title="Spelen <b>in</b> Noord", question="Waar spelen kinderen?",
                                question_ids=[asked])
    ontwikkelvragen.add_milestone(store, coby, ov, "Gesprekken met ouders",
                                  due_on=date(2026, 9, 1))
    code = publication.publish(store, coby, asked, "Speeltuin <script>alert(1)</script>")
    page = client(store).get(f"/v/{code}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>" not in page.text
    assert "Onderzoek: Spelen &lt;b&gt;in&lt;/b&gt; Noord" in page.text
    assert "Gesprekken met ouders (september 2026)" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    listing = client(store).get("/w/noord")
    assert listing.status_code == 200 and f'href="/v/{code}"' in listing.text
    assert client(store).get("/").text.count('href="/w/noord"') == 1
    assert client(store).get("/w/zuidoost").status_code == 404


def test_requests_beyond_the_limit_are_refused(store, users, asked):
    web = client(store, per_minute=3)
    assert [web.get("/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert web.get("/").text == site.TOO_MANY
    assert web.post("/").status_code in (405, 429)


def test_the_rate_limit_forgets_after_a_minute():
    now = [0.0]
    limit = site.RateLimit(None, per_minute=2, clock=lambda: now[0])
    assert [limit.allowed("a"), limit.allowed("a"), limit.allowed("a"), limit.allowed("b")] == [
        True, True, False, True]
    now[0] = 60.5
    assert limit.allowed("a") is True


def test_the_slips_hold_a_qr_code_and_the_code_per_public_question(store, users, asked):
    coby = users["coordinator"]
    with pytest.raises(PublicationError):
        publication.slips_html(store, coby, "noord")
    code = publication.publish(store, coby, asked, "Waarom is de speeltuin dicht?")
    html = publication.slips_html(store, coby, "noord", "Buurthuis Banne")
    assert html.count("<svg") == 1 and publication.spaced(code) in html
    assert "@page { size: A4;" in html
    assert publication.public_url(code) == f"http://localhost:8502/v/{code}"


def test_the_public_door_reads_only_the_view():
    """research/public/ imports nothing of the app but itself, and nothing there names the
    database, the storage layer or the config that knows the database's path."""
    for path in sorted((ROOT / "research" / "public").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        modules |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for a in node.names}
        own = {m for m in modules if m and m.startswith("research")}
        assert own <= {"research.public"}, (path.name, own)
        text = path.read_text(encoding="utf-8")
        assert "open_store" not in text and "RESEARCH_DB" not in text, path.name


def test_the_view_is_opened_read_only(tmp_path):
    path = tmp_path / "x-openbaar.db"
    view.write(path, "a" * 16, "noord", "Noord", "2026-03", {"summary": "s"}, "nu")
    conn = view._readonly(path)
    try:
        with pytest.raises(Exception, match="readonly"):
            conn.execute("DELETE FROM public_questions")
    finally:
        conn.close()
    assert json.loads(json.dumps(view.question(path, "a" * 16))) == {
        "wijk_id": "noord", "wijk_name": "Noord", "summary": "s"}


# -- the page ---------------------------------------------------------------------------------

def test_the_page_publishes_refuses_and_withdraws(store, users, asked):
    from pages import errors, form_button, no_exception, run_page, widget
    from research.ui import shell

    coby = users["coordinator"]
    at = run_page("tracker_public.py", coby)
    no_exception(at)
    assert [t.value for t in at.title] == ["Openbaar maken"]
    assert widget(at.selectbox, "Vraag").value == asked
    widget(at.text_area, "Samenvatting voor bewoners").input(
        "Speeltuin aan de Kinkerstraat 12 dicht")
    form_button(at, "Publiceren").click().run()
    no_exception(at)
    assert errors(at) == ["Niet gepubliceerd: haal eerst de persoonsgegevens weg. De "
                          "samenvatting bevat een adres: ‘Kinkerstraat 12’."]
    assert store.value("SELECT count(*) FROM publications") == 0
    widget(at.text_area, "Samenvatting voor bewoners").input("Speeltuin aan het plein dicht")
    form_button(at, "Publiceren").click().run()
    no_exception(at)
    code = store.value("SELECT code FROM publications")
    assert [s.value for s in at.success][-1] == shell.plain(
        f"Gepubliceerd met code {publication.spaced(code)}.")
    at.run()
    assert at.success[0].value == shell.plain(f"Openbaar met code {publication.spaced(code)}: "
                                              f"http://localhost:8502/v/{code}")
    assert [b.label for b in at.get("download_button")] == [
        "QR-code (SVG)", "A4 met codes en QR-codes (HTML, om af te drukken)"]
    next(b for b in at.button if b.label == "Intrekken").click().run()
    no_exception(at)
    assert view.question(publication.view_path(store), code) is None
    assert [b.label for b in at.get("download_button")] == []


def test_the_page_is_for_coordinators_and_beheerders_only(store, users):
    from pages import run_page

    at = run_page("tracker_public.py", users["lezer"])
    assert [t.value for t in at.title] == []


def test_the_public_command_never_opens_the_database():
    from research import cli

    args = cli.parser().parse_args(["public", "--port", "9999"])
    assert (args.store, args.port, args.address) == (False, 9999, "localhost")
    assert cli.parser().parse_args(["serve"]).public_port == 8502
