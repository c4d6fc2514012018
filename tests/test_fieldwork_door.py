"""The respondents' pages on the public door (issue 22), through Starlette's TestClient on a
fieldwork file written as the app writes it: a page per section as a plain form, errors tied
to their field, saving as you go, resuming, routing, sending and reopening, the same answer
for every link that does not work, escaping, limits, and the routing language itself."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from starlette.testclient import TestClient

from fieldwork_files import QUESTIONNAIRE
from research.public import conditions, fieldwork, site
from research.survey import invitations, readers

CODE = "a" * 32
OTHER = "b" * 32
CLOSES = (date.today() + timedelta(days=10)).isoformat()


@pytest.fixture
def path(tmp_path, monkeypatch):
    file = tmp_path / "x-veldwerk.db"
    questions = invitations.questions_from_entries(
        readers.read_questionnaire(QUESTIONNAIRE, "vragenlijst.csv"))
    fieldwork.put_fieldwork(file, 1, "Gemeentemonitor 2026", CLOSES, questions)
    fieldwork.put_links(file, 1, [(CODE, "Aadorp <b>&</b> co"), (OTHER, "Beekveld")])
    monkeypatch.setenv(site.VIEW_ENV, str(tmp_path / "x-openbaar.db"))
    monkeypatch.setenv(site.FIELDWORK_ENV, str(file))
    return file


@pytest.fixture
def client(path):
    return TestClient(site.make_app())


def post(client, page: int, action: str, code: str = CODE, **fields):
    return client.post(f"/m/{code}", data={"pagina": str(page), "actie": action, **fields},
                       follow_redirects=False)


def answers(path, code: str = CODE) -> dict:
    return fieldwork.link_states(path, 1)[fieldwork.code_hash(code)]


def test_the_first_page_is_an_accessible_form_without_script_or_cookie(client):
    response = client.get(f"/m/{CODE}")
    assert response.status_code == 200
    html = response.text
    assert "<title>Deel 1 van 3 – Gemeentemonitor 2026</title>" in html
    assert "<h1>Gemeentemonitor 2026</h1>" in html
    assert "<strong>Aadorp &lt;b&gt;&amp;&lt;/b&gt; co</strong>" in html
    assert "<h2>Deel 1 van 3</h2>" in html
    assert ('<fieldset class="vraag"><legend>Heeft uw gemeente beleid voor statushouders?'
            "</legend>") in html
    assert ('<label class="keuze" for="beleid-2"><input type="radio" id="beleid-2" '
            'name="beleid" value="9"> Weet niet</label>') in html
    assert '<form method="post" action="/m/' + CODE + '" novalidate>' in html
    assert re.findall(r'<button[^>]*>([^<]*)</button>', html) == [
        "Opslaan en verder", "Later verder"]
    assert "<script" not in html and "set-cookie" not in response.headers
    policy = response.headers["content-security-policy"]
    assert "form-action 'self'" in policy and "script-src" not in policy
    assert policy.startswith("default-src 'none'")
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "min-height: 44px" in html


def test_saving_as_you_go_and_resuming_on_the_same_link(client, path):
    assert post(client, 0, "volgende", beleid="1").headers["location"] == f"/m/{CODE}?pagina=2"
    page = client.get(f"/m/{CODE}?pagina=2").text
    assert '<label class="vraagtekst" for="budget">Hoeveel fte zet uw gemeente in?</label>' \
        in page
    assert re.findall(r'<button[^>]*>([^<]*)</button>', page) == [
        "Opslaan en verder", "Vorige", "Later verder"]
    saved = post(client, 1, "later", budget="3,5")
    assert saved.headers["location"] == f"/m/{CODE}?bewaard=1"
    assert "Uw antwoorden zijn bewaard" in client.get(saved.headers["location"]).text
    assert answers(path)["answers"] == {"beleid": 1.0, "budget": 3.5}
    # Back later on the same link: the page where it stopped, with the answer as typed.
    resumed = client.get(f"/m/{CODE}").text
    assert "<h2>Deel 2 van 4</h2>" in resumed and 'value="3,5"' in resumed


def test_a_wrong_answer_is_named_beside_its_field_and_nothing_is_saved(client, path):
    post(client, 0, "volgende", beleid="1")
    refused = post(client, 1, "volgende", budget="veel")
    assert refused.status_code == 422
    assert "<title>Fout: Deel 2 van 4 – Gemeentemonitor 2026</title>" in refused.text
    assert ('<input type="text" inputmode="decimal" id="budget" name="budget" value="veel" '
            'autocomplete="off" aria-invalid="true" aria-describedby="fout-budget">') \
        in refused.text
    assert ('<p class="fout" id="fout-budget">Vul een getal in, bijvoorbeeld 12 of 7,5.</p>'
            in refused.text)
    assert '<div class="melding" role="alert">' in refused.text
    assert answers(path)["answers"] == {"beleid": 1.0}
    both = post(client, 1, "volgende", budget="3", budget__anders="99")
    assert "Vul een getal in of kies een ander antwoord, niet allebei." in both.text
    unknown = post(client, 0, "volgende", beleid="7")
    assert "Kies een van de antwoorden." in unknown.text
    assert answers(path)["answers"] == {"beleid": 1.0}


def test_routing_skips_a_question_and_clears_its_answer(client, path):
    post(client, 0, "volgende", beleid="1")
    post(client, 1, "volgende", budget="12")
    # Back to the first page and another answer: the budget question is no longer asked.
    assert post(client, 2, "vorige").headers["location"] == f"/m/{CODE}?pagina=2"
    assert post(client, 0, "volgende", beleid="2").headers["location"] == f"/m/{CODE}?pagina=3"
    assert answers(path)["answers"] == {"beleid": 2.0}
    assert "<h2>Deel 2 van 3</h2>" in client.get(f"/m/{CODE}?pagina=3").text


def test_sending_then_reopening_until_the_closing_date(client, path):
    post(client, 0, "volgende", beleid="2")
    post(client, 2, "volgende", tevreden="4", cijfer="8")
    last = client.get(f"/m/{CODE}?pagina=4").text
    assert re.findall(r'<button[^>]*>([^<]*)</button>', last)[0] == "Versturen"
    sent = post(client, 3, "versturen", hulp=["hulp_2"], toelichting="<script>x</script>")
    assert sent.headers["location"] == f"/m/{CODE}"
    thanks = client.get(f"/m/{CODE}").text
    assert "<h1>Bedankt!</h1>" in thanks and f'href="/m/{CODE}?pagina=1"' in thanks
    assert answers(path)["submitted_at"] is not None
    assert answers(path)["answers"]["hulp_1"] == 0.0
    again = client.get(f"/m/{CODE}?pagina=4").text
    assert "&lt;script&gt;x&lt;/script&gt;</textarea>" in again and "<script>" not in again
    assert 'value="hulp_2" checked' in again
    post(client, 3, "versturen", hulp=["hulp_1"], toelichting="Anders")
    assert answers(path)["answers"]["toelichting"] == "Anders"
    # The other link is untouched: a link reads and writes only its own answers.
    assert answers(path, OTHER)["answers"] == {}


def test_a_page_further_than_reached_cannot_be_opened_by_address(client):
    assert "<h2>Deel 1 van 3</h2>" in client.get(f"/m/{CODE}?pagina=4").text
    assert post(client, 3, "versturen", toelichting="x").headers["location"] == f"/m/{CODE}"


def test_every_link_that_does_not_work_gets_the_same_answer(client, path):
    unknown = client.get(f"/m/{'c' * 32}")
    malformed = client.get("/m/../../etc")
    assert unknown.status_code == 404 and "Deze link werkt niet (meer)." in unknown.text
    assert malformed.status_code == 404
    fieldwork.set_state(path, 1, closes_on=(date.today() - timedelta(days=1)).isoformat())
    past = client.get(f"/m/{CODE}")
    assert (past.status_code, past.text) == (404, unknown.text)
    assert post(client, 0, "volgende", beleid="1").text == unknown.text
    fieldwork.set_state(path, 1, closes_on=CLOSES, status=fieldwork.CLOSED)
    assert client.get(f"/m/{CODE}").text == unknown.text
    assert answers(path)["answers"] == {}


def test_posts_are_limited_in_size_and_rate(path):
    client = TestClient(site.make_app(per_minute=3))
    big = client.post(f"/m/{CODE}", content=b"toelichting=" + b"x" * (300 * 1024),
                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert big.status_code == 413
    assert post(client, 0, "later", beleid="1").status_code == 303
    assert post(client, 0, "later", beleid="2").status_code == 303
    assert post(client, 0, "later", beleid="9").status_code == 429
    assert client.get(f"/m/{CODE}").status_code == 429


@pytest.mark.parametrize("text, answers, expected", [
    ("v3 = 1", {"v3": 1.0}, True), ("v3 = 1", {"v3": 2.0}, False), ("v3 = 1", {}, False),
    ("v3 != 1", {}, False), ("v3 <> 1", {"v3": 2}, True), ("v3 >= 7,5", {"v3": 7.5}, True),
    ("v3 in (1, 2)", {"v3": 2.0}, True), ("v3 niet in (8,9)", {"v3": 9.0}, False),
    ("v3 = 1 en v4 > 2 of v5 = 1", {"v5": 1.0}, True),
    ("v3 = 1 en (v4 > 2 of v5 = 1)", {"v5": 1.0}, False),
    ("v3 = 1 AND v4 < 0", {"v3": 1.0, "v4": -1.0}, True), ("v3 = 1", {"v3": "1"}, False),
])
def test_conditions_hold_as_written(text, answers, expected):
    assert conditions.parse(text).holds(answers) is expected


@pytest.mark.parametrize("text, message", [
    ("__import__('os')", "''os')' in de voorwaarde is niet te lezen."),
    ("v3 = 1;", "';' in de voorwaarde is niet te lezen."),
    ("v3", "De voorwaarde houdt te vroeg op."),
    ("v3 niet 1", "Na 'niet' hoort 'in' in de voorwaarde."),
    ("(v3 = 1", "De voorwaarde houdt te vroeg op."),
    ("", "De voorwaarde is leeg."),
])
def test_conditions_that_cannot_be_read_are_refused_in_dutch(text, message):
    with pytest.raises(conditions.ConditionError) as refused:
        conditions.parse(text)
    assert str(refused.value) == message
