"""Fieldwork from the app (issue 22): starting it makes the empty wave, a link per frame unit
and the questionnaire in the fieldwork file; contacts stay out of the audit log; the mail
merge is audited; a partnership gets one link; the Respons page follows sent links; closing
makes the sent answers the wave with its results, and the raw answers read back in SPSS."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date, timedelta

import pyreadstat
import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from fieldwork_files import CONTACTS, FRAME, QUESTIONNAIRE
from research.accounts import PermissionDenied
from research.public import fieldwork as door
from research.public import site
from research.survey import fieldwork, intake, invitations, monitors, raw_responses, readers
from research.survey.monitors import MonitorError

CLOSES = date.today() + timedelta(days=14)


@pytest.fixture
def monitor(store, users):
    monitor_id = monitors.create_monitor(store, users["analist"], "Gemeentemonitor", "gemeente")
    intake.set_frame_from_file(store, users["analist"], monitor_id, FRAME, "kader.csv")
    return monitor_id


@pytest.fixture
def started(store, users, monitor):
    return invitations.start(store, users["analist"], monitor, "2026", 2026, CLOSES,
                             QUESTIONNAIRE, "vragenlijst.csv")


@pytest.fixture
def door_client(store, monkeypatch):
    monkeypatch.setenv(site.VIEW_ENV, str(store.path.with_name("x-openbaar.db")))
    monkeypatch.setenv(site.FIELDWORK_ENV, str(invitations.file_path(store)))
    return TestClient(site.make_app())


def code_of(store, users, fieldwork_id: int, name: str) -> str:
    table = invitations.links(store, users["analist"], fieldwork_id)
    return table.loc[table["name"] == name, "link"].iloc[0].rsplit("/", 1)[1]


def answer(client, code: str, pages: list[dict]) -> None:
    """Fill in and send a questionnaire page by page."""
    for number, fields in enumerate(pages):
        last = number == len(pages) - 1
        response = client.post(f"/m/{code}", data={
            **fields, "pagina": str(fields.pop("_pagina", number)),
            "actie": "versturen" if last else "volgende"}, follow_redirects=False)
        assert response.status_code == 303, response.text
        # Saved: on to the next page, or (sent) the thanks page.
        assert response.headers["location"].startswith(
            f"/m/{code}" + ("" if last else "?pagina=")), response.headers["location"]


FULL = [{"beleid": "1"}, {"budget": "3,5"}, {"tevreden": "4", "cijfer": "8"},
        {"hulp": ["hulp_1"], "toelichting": "Goed <b>samengewerkt</b>"}]


def test_the_questionnaire_becomes_pages_with_routing():
    questions = invitations.questions_from_entries(
        readers.read_questionnaire(QUESTIONNAIRE, "vragenlijst.csv"))
    assert [(q["name"], q["type"], q["page"], q["condition"]) for q in questions] == [
        ("beleid", "enkelvoudig", 0, None), ("budget", "getal", 1, "beleid = 1"),
        ("tevreden", "likert", 2, None), ("cijfer", "rapportcijfer", 2, None),
        ("hulp", "meervoudig", 3, None), ("toelichting", "open", 3, None)]
    assert questions[0]["options"] == [[1, "Ja"], [2, "Nee"], [9, "Weet niet"]]
    assert questions[1]["missing"] == [[99, "Weet niet"]]
    assert questions[3]["options"][-1] == [10, "10"]
    assert questions[4]["items"] == [["hulp_1", "Taalles"], ["hulp_2", "Werk"]]


@pytest.mark.parametrize("rows, message", [
    ("naam;type;voorwaarde\nv1;getal;v2 = 1\nv2;getal;\n",
     "Vraag 'v1': de voorwaarde noemt v2, geen eerdere vraag."),
    ("naam;type\nv1;enkelvoudig\n",
     "Vraag 'v1': een keuzevraag heeft antwoorden nodig in de kolom 'waarden' (bijvoorbeeld "
     "1=Ja; 2=Nee; 9=Weet niet)."),
    ("naam;type\nv1;\n", "Vraag 'v1': geef het type (enkelvoudig, meervoudig, likert, "
                         "rapportcijfer, getal of open)."),
    ("naam;type\nv 1;getal\n", "Vraag 'v 1': een naam begint met een letter en bevat alleen "
                             "letters, cijfers, _ en . (hoogstens 64 tekens, zoals in SPSS)."),
    ("naam;type;set\nhulp;open;\nhulp_1;meervoudig;hulp\n", "Vraag 'hulp': die naam is ook "
     "de naam van een meerkeuzeset; geef een van beide een andere naam."),
])
def test_a_questionnaire_that_cannot_be_fielded_is_refused(rows, message):
    with pytest.raises(MonitorError) as refused:
        invitations.questions_from_entries(readers.read_questionnaire(rows.encode(), "v.csv"))
    assert refused.value.message == message


def test_a_condition_that_cannot_be_read_names_the_row():
    with pytest.raises(readers.ReadError) as refused:
        readers.read_questionnaire(b"naam;type;voorwaarde\nv1;getal;\nv2;getal;v1 == 1\n",
                                   "v.csv")
    assert refused.value.message == ("Bestand 'v.csv', rij 3 (v2): In de voorwaarde staat '=' "
                                     "waar een getal hoort. (kolom 'voorwaarde').")


def test_starting_makes_the_wave_a_link_per_unit_and_the_door_file(store, users, monitor,
                                                                   started):
    anna = users["analist"]
    found = invitations.fieldwork(store, anna, started)
    assert (found["label"], found["year"], found["status"]) == ("2026", 2026, "open")
    assert [w["label"] for w in monitors.waves(store, anna, monitor)] == ["2026"]
    table = invitations.links(store, anna, started)
    assert table["name"].tolist() == ["Aadorp", "Beekveld", "Cromhout", "Dalwijk", "Eemhoven"]
    assert set(table["status"]) == {"Niet geopend"}
    codes = [link.rsplit("/", 1)[1] for link in table["link"]]
    assert all(len(c) == 32 and c.isalnum() for c in codes) and len(set(codes)) == 5
    assert table["link"][0] == f"http://localhost:8502/m/{codes[0]}"
    path = invitations.file_path(store)
    assert path.name == f"{store.path.stem}-veldwerk.db"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    states = door.link_states(path, started)
    assert set(states) == {door.code_hash(c) for c in codes}
    # The file holds hashes of the codes, never the codes.
    assert not any(c.encode() in path.read_bytes() for c in codes)


def test_starting_is_refused_in_dutch_and_leaves_nothing(store, users, monitor, started):
    anna = users["analist"]
    with pytest.raises(MonitorError, match="^Er bestaat al een meting '2026' in deze monitor.$"):
        invitations.start(store, anna, monitor, "2026", 2026, CLOSES, QUESTIONNAIRE, "v.csv")
    with pytest.raises(MonitorError, match="^De sluitingsdatum ligt in het verleden.$"):
        invitations.start(store, anna, monitor, "2027", 2027, date.today() - timedelta(1),
                          QUESTIONNAIRE, "v.csv")
    with pytest.raises(MonitorError, match="^Bestand 'v.csv' is leeg"):
        invitations.start(store, anna, monitor, "2027", 2027, CLOSES, b"", "v.csv")
    assert [w["label"] for w in monitors.waves(store, anna, monitor)] == ["2026"]
    with pytest.raises(PermissionDenied):
        invitations.start(store, users["lezer"], monitor, "2027", None, CLOSES, QUESTIONNAIRE,
                          "v.csv")


def test_contacts_are_kept_out_of_the_log_and_the_mail_merge_is_audited(store, users, started):
    anna = users["analist"]
    assert invitations.set_contacts(store, anna, started, CONTACTS, "contacten.csv") == 2
    logged = json.dumps(store.rows("SELECT * FROM events"))
    assert "Anne de Vries" not in logged and "anne@aadorp.example" not in logged
    assert not any(c in logged for c in invitations.links(store, anna, started)["link"]
                   .str.rsplit("/", n=1).str[1])
    merged = invitations.mail_merge(store, anna, started).decode("utf-8")
    assert merged.startswith("\ufeffcode;naam;contactpersoon;e-mail;link;sluitingsdatum;status")
    rows = list(csv.reader(io.StringIO(merged[1:]), delimiter=";"))
    assert rows[1][:4] == ["GM0001", "Aadorp", "Anne de Vries", "anne@aadorp.example"]
    assert rows[2][2] == "'=HYPERLINK(\"x\")"   # a spreadsheet shows it as text
    assert rows[1][5] == CLOSES.isoformat()
    assert store.value("SELECT count(*) FROM events WHERE entity = 'invitation_contact'"
                       " AND action = 'export'") == 1
    with pytest.raises(PermissionDenied):
        invitations.links(store, users["lezer"], started)


@pytest.mark.parametrize("content, message", [
    (b"code;naam;e-mail\nGM9999;X;x@y.nl\n", "Bestand 'c.csv': 1 codes staan niet in dit "
     "veldwerk, bijvoorbeeld GM9999. Er is niets opgeslagen."),
    (b"code,naam,e-mail\nGM0001,X,geen-adres\n", "Bestand 'c.csv', rij 2: 'geen-adres' is geen "
     "e-mailadres."),
    (b"gemeente;telefoon\nA;1\n", "Bestand 'c.csv': de kolommen code, naam en e-mail zijn "
     "nodig (gevonden: gemeente, telefoon)."),
    (b"", "Bestand 'c.csv' is leeg."),
])
def test_a_bad_contacts_file_is_refused_and_saves_nothing(store, users, started, content,
                                                          message):
    with pytest.raises(MonitorError) as refused:
        invitations.set_contacts(store, users["analist"], started, content, "c.csv")
    assert refused.value.message == message
    assert store.value("SELECT count(*) FROM invitation_contacts") == 0


def test_excel_contacts_in_windows_1252_with_commas_are_read():
    raw = "Code,Naam,E-mailadres\r\nGM0003,Jos Cörvers,jos@cromhout.example\r\n"
    assert invitations.read_contacts(raw.encode("cp1252"), "c.csv") == [
        {"code": "GM0003", "name": "Jos Cörvers", "email": "jos@cromhout.example"}]


def test_a_partnership_gets_one_link_for_its_units(store, users, started, door_client):
    anna = users["analist"]
    table = invitations.links(store, anna, started)
    ids = table.loc[table["name"].isin(["Cromhout", "Dalwijk"]), "id"].tolist()
    old = [code_of(store, users, started, "Cromhout")]
    url = invitations.combine(store, anna, started, ids, "Regio Zuid")
    table = invitations.links(store, anna, started)
    assert table["name"].tolist() == ["Aadorp", "Beekveld", "Eemhoven", "Regio Zuid"]
    assert table["codes"].tolist()[-1] == "GM0003; GM0004"
    assert door_client.get(f"/m/{old[0]}").status_code == 404
    answer(door_client, url.rsplit("/", 1)[1], [{"beleid": "2"}, {"_pagina": 2, "tevreden": "5"},
                                                {"_pagina": 3, "toelichting": "Samen"}])
    wave_id = invitations.fieldwork(store, anna, started)["wave_id"]
    assert fieldwork.response(store, anna, wave_id).to_dict("records") == [
        {"group": "Totaal", "in_frame": 5, "responded": 2, "response_rate": 40.0}]
    with pytest.raises(MonitorError, match="^Kies minstens twee eenheden"):
        invitations.combine(store, anna, started, ids[:1], "X")


def test_live_response_follows_sent_links_and_the_reminders_the_others(store, users, started,
                                                                        door_client):
    anna = users["analist"]
    wave_id = invitations.fieldwork(store, anna, started)["wave_id"]
    code = code_of(store, users, started, "Beekveld")
    door_client.post(f"/m/{code}", data={"pagina": "0", "beleid": "1", "actie": "later"})
    assert fieldwork.response(store, anna, wave_id).iloc[0]["responded"] == 0
    assert invitations.links(store, anna, started).set_index("name").loc[
        "Beekveld", "status"] == "Bezig"
    answer(door_client, code, [{"_pagina": 1, "budget": "12"}, {"_pagina": 2, "cijfer": "7"},
                               {"_pagina": 3}])
    assert fieldwork.response(store, anna, wave_id, "region").to_dict("records") == [
        {"group": "Noord", "in_frame": 2, "responded": 1, "response_rate": 50.0},
        {"group": "Zuid", "in_frame": 3, "responded": 0, "response_rate": 0.0}]
    today = date.today().isoformat()
    assert fieldwork.response_over_time(store, anna, wave_id).to_dict("records") == [
        {"date": today, "responses": 1, "units": 1, "response_rate": 20.0}]
    assert fieldwork.nonrespondents(store, anna, wave_id)["name"].tolist() == [
        "Aadorp", "Cromhout", "Dalwijk", "Eemhoven"]
    assert invitations.reminders(store, anna, started)["name"].tolist() == [
        "Aadorp", "Cromhout", "Dalwijk", "Eemhoven"]
    # Notes of the follow-up calls belong to the wave from the start.
    unit = int(fieldwork.nonrespondents(store, anna, wave_id)["id"].iloc[0])
    fieldwork.add_note(store, anna, wave_id, unit, "Gebeld, belt terug")
    assert fieldwork.nonrespondents(store, anna, wave_id)["last_note"].iloc[0] == \
        "Gebeld, belt terug"


def test_closing_makes_the_sent_answers_the_wave_with_results(store, users, monitor, started,
                                                               door_client):
    anna = users["analist"]
    answer(door_client, code_of(store, users, started, "Aadorp"), FULL)
    answer(door_client, code_of(store, users, started, "Beekveld"),
           [{"beleid": "2"}, {"_pagina": 2, "tevreden": "2", "cijfer": "6"},
            {"_pagina": 3, "hulp": ["hulp_1", "hulp_2"]}])
    # Started but never sent: it does not count.
    code = code_of(store, users, started, "Cromhout")
    door_client.post(f"/m/{code}", data={"pagina": "0", "beleid": "9", "actie": "later"})
    wave_id, rows = invitations.close(store, anna, started)
    assert rows > 0
    assert monitors.waves(store, anna, monitor)[0]["responses"] == 2
    assert invitations.fieldwork(store, anna, started)["status"] == "gesloten"
    assert door_client.get(f"/m/{code}").status_code == 404
    assert door.link_states(invitations.file_path(store), started) == {}
    estimate = store.rows("SELECT category, estimate, n FROM results r JOIN variables v ON"
                          " v.id = r.variable_id WHERE r.wave_id = ? AND v.name = 'beleid'"
                          " AND breakdown = 'totaal' ORDER BY category", [wave_id])
    assert [(e["category"], round(e["estimate"], 3), e["n"]) for e in estimate] == [
        (1.0, 0.5, 2), (2.0, 0.5, 2)]
    mean = store.one("SELECT estimate, n FROM results r JOIN variables v ON v.id = r.variable_id"
                     " WHERE r.wave_id = ? AND v.name = 'cijfer' AND breakdown = 'totaal'",
                     [wave_id])
    assert (mean["estimate"], mean["n"]) == (7.0, 2)
    with pytest.raises(MonitorError, match="^Dit veldwerk is gesloten.$"):
        invitations.close(store, anna, started)


def test_closing_without_sent_answers_keeps_the_fieldwork_open(store, users, started,
                                                               door_client):
    with pytest.raises(MonitorError, match="^Er zijn nog geen verstuurde antwoorden"):
        invitations.close(store, users["analist"], started)
    code = code_of(store, users, started, "Aadorp")
    assert door_client.get(f"/m/{code}").status_code == 200


def test_raw_answers_read_back_in_spss_and_excel_with_their_labels(store, users, started,
                                                                     door_client, tmp_path):
    anna = users["analist"]
    answer(door_client, code_of(store, users, started, "Aadorp"), FULL)
    before = raw_responses.export(store, anna, started, "sav")
    invitations.close(store, anna, started)
    for raw in (before, raw_responses.export(store, anna, started, "sav")):
        (tmp_path / "a.sav").write_bytes(raw)
        data, meta = pyreadstat.read_sav(str(tmp_path / "a.sav"), user_missing=True)
        assert data.to_dict("records") == [
            {"eenheid": "GM0001", "ingevuld": date.today().isoformat(), "beleid": 1.0,
             "budget": 3.5, "tevreden": 4.0, "cijfer": 8.0, "hulp_1": 1.0, "hulp_2": 0.0,
             "toelichting": "Goed <b>samengewerkt</b>"}]
        assert meta.column_names_to_labels["beleid"] == "Beleid"
        assert meta.column_names_to_labels["hulp_2"] == "Werk"
        assert meta.variable_value_labels["beleid"] == {1.0: "Ja", 2.0: "Nee", 9.0: "Weet niet"}
        assert meta.variable_value_labels["hulp_1"] == {0.0: "Niet genoemd", 1.0: "Genoemd"}
        assert meta.missing_ranges["budget"] == [{"lo": 99.0, "hi": 99.0}]
    book = load_workbook(io.BytesIO(raw_responses.export(store, anna, started, "xlsx")))
    assert [c.value for c in book["antwoorden"][2]] == [
        "GM0001", date.today().isoformat(), 1, 3.5, 4, 8, 1, 0, "Goed <b>samengewerkt</b>"]
    assert book["antwoorden"]["B2"].data_type == "s"
    guide = readers.read_questionnaire(raw_responses.export(store, anna, started, "xlsx"),
                                       "a.xlsx")
    assert guide[0]["value_labels"] == {1.0: "Ja", 2.0: "Nee", 9.0: "Weet niet"}
    assert "Anne" not in str([[c.value for c in r] for r in book["antwoorden"].iter_rows()])


def test_the_closing_date_moves_and_the_door_follows(store, users, started, door_client):
    anna = users["analist"]
    code = code_of(store, users, started, "Aadorp")
    later = CLOSES + timedelta(days=7)
    invitations.set_closing_date(store, anna, started, later)
    assert invitations.fieldwork(store, anna, started)["closes_on"] == later.isoformat()
    assert door.link(invitations.file_path(store), code, today=later) is not None
    assert door.link(invitations.file_path(store), code,
                     today=later + timedelta(days=1)) is None
    with pytest.raises(MonitorError, match="^De sluitingsdatum ligt in het verleden.$"):
        invitations.set_closing_date(store, anna, started, date.today() - timedelta(days=1))


# -- the page -------------------------------------------------------------------------------

@pytest.fixture
def demo_fieldwork(demo_store, demo_users, monkeypatch):
    """Fieldwork of wave 2027 on the demo monitor, the door it answers through (a test
    client) and its links: (fieldwork id, client, links)."""
    anna = demo_users["analist"]
    monkeypatch.setenv(site.VIEW_ENV, str(demo_store.path.with_name("x-openbaar.db")))
    monkeypatch.setenv(site.FIELDWORK_ENV, str(invitations.file_path(demo_store)))
    started = invitations.start(demo_store, anna, 1, "2027", 2027, CLOSES, QUESTIONNAIRE,
                                "vragenlijst.csv")
    return started, TestClient(site.make_app()), invitations.links(demo_store, anna, started)


@pytest.mark.slow  # 5 s: many reruns of the page
def test_the_page_lists_links_moves_the_date_joins_a_partnership_and_closes(
        demo_store, demo_users, demo_fieldwork):
    from pages import errors, form_button, no_exception, run_page, widget

    anna = demo_users["analist"]
    started, client, links = demo_fieldwork
    answer(client, links["link"].iloc[0].rsplit("/", 1)[1], FULL)
    at = run_page("survey_fieldwork.py", anna)
    no_exception(at)
    assert [m.label for m in at.metric] == ["Uitnodigingen", "Verstuurd", "Sluitingsdatum"]
    assert [m.value for m in at.metric] == ["342", "1", CLOSES.strftime("%d-%m-%Y")]
    assert [t.label for t in at.tabs] == ["Links en contactpersonen", "Herinneren",
                                          "Wijzigen", "Sluiten"]
    assert len(at.dataframe[0].value) == 342
    later = CLOSES + timedelta(days=3)
    widget(at.date_input, "Nieuwe sluitingsdatum").set_value(later)
    form_button(at, "Sluitingsdatum opslaan").click().run()
    no_exception(at)
    assert invitations.fieldwork(demo_store, anna, started)["closes_on"] == later.isoformat()
    ids = links["id"].iloc[1:3].tolist()
    widget(at.multiselect, "Eenheden").set_value(ids)
    widget(at.text_input, "Naam van het samenwerkingsverband").input("Regio Test")
    form_button(at, "Samen één link geven").click().run()
    no_exception(at)
    assert len(invitations.links(demo_store, anna, started)) == 341
    form_button(at, "Veldwerk sluiten en berekenen").click().run()
    assert errors(at) == ["Vink eerst aan dat je het veldwerk wilt sluiten."]
    widget(at.checkbox, "Ik wil het veldwerk nu sluiten").check()
    form_button(at, "Veldwerk sluiten en berekenen").click().run()
    no_exception(at)
    assert [s.value for s in at.success][-1].startswith("Veldwerk gesloten: meting 2027 geladen")
    assert monitors.waves(demo_store, anna, 1)[-1]["responses"] == 1
    at.run()
    assert [i.value for i in at.info][-1].startswith("Dit veldwerk is gesloten op ")


def test_the_respons_page_counts_sent_links_while_the_fieldwork_is_open(
        demo_users, demo_fieldwork):
    from pages import no_exception, run_page

    _started, client, links = demo_fieldwork
    for link in links["link"].iloc[:2]:
        answer(client, link.rsplit("/", 1)[1], FULL)
    at = run_page("survey_response.py", demo_users["lezer"])
    no_exception(at)
    assert [m.label for m in at.metric][-1] == "Respons 2027"
    assert at.metric[-1].value == "1%"
    assert (f"Online veldwerk loopt tot en met {CLOSES.strftime('%d-%m-%Y')}: 2 links "
            "verstuurd. Nieuwe antwoorden tellen hier mee zodra ze binnenkomen."
            in [c.value for c in at.caption])
    assert "340 eenheden hebben in meting 2027 nog niet geantwoord." in [
        m.value for m in at.markdown]


def test_the_command_line_closes_the_fieldwork_and_writes_the_raw_answers(
        store, users, started, door_client, tmp_path, capsys):
    from research.cli import main

    answer(door_client, code_of(store, users, started, "Aadorp"), FULL)
    status = main(["--db", str(store.path), "survey", "close-fieldwork", "--monitor",
                   "Gemeentemonitor", "--wave", "2026", "--sav", str(tmp_path / "a.sav")])
    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("Veldwerk gesloten: meting 2026 heeft 1 respondenten, ")
    data, meta = pyreadstat.read_sav(str(tmp_path / "a.sav"))
    assert data["eenheid"].tolist() == ["GM0001"]
    assert main(["--db", str(store.path), "survey", "close-fieldwork", "--monitor",
                 "Gemeentemonitor", "--wave", "2026"]) == 1
    assert "Fout: Dit veldwerk is gesloten." in capsys.readouterr().err


@pytest.mark.parametrize("name", ["survey_results.py", "survey_quotes.py", "survey_stapeling.py",
                                  "survey_report.py", "survey_setup.py", "survey_load.py"])
def test_monitor_pages_open_on_a_wave_still_in_fieldwork(demo_store, demo_users, name):
    from pages import no_exception, run_page

    invitations.start(demo_store, demo_users["analist"], 1, "2027", 2027, CLOSES,
                      QUESTIONNAIRE, "vragenlijst.csv")
    at = run_page(name, demo_users["analist"])
    no_exception(at)
    if name == "survey_results.py":
        assert [i.value for i in at.info] == [
            f"Meting 2027 is nog in het veldwerk (tot en met {CLOSES.strftime('%d-%m-%Y')}): de "
            "resultaten volgen als het veldwerk sluit. De respons staat onder Respons."]


def test_deleting_the_wave_stops_its_links(store, users, started, door_client):
    from research.survey import waves

    code = code_of(store, users, started, "Aadorp")
    wave_id = invitations.fieldwork(store, users["analist"], started)["wave_id"]
    waves.delete_wave(store, users["analist"], wave_id)
    assert door_client.get(f"/m/{code}").status_code == 404
    assert store.value("SELECT count(*) FROM invitations") == 0


class FakeSMTP:
    """An SMTP server that keeps what it is sent."""
    sent: list = []

    def __init__(self, host, port, timeout):
        self.address = (host, port)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


def test_links_go_out_by_mail_when_a_server_is_configured(store, users, started):
    anna = users["analist"]
    invitations.set_contacts(store, anna, started, CONTACTS, "contacten.csv")
    FakeSMTP.sent = []
    server = {"host": "mail.example", "sender": "monitor@example.org"}
    count = invitations.send(store, anna, started, server, "Monitor {naam}",
                             "Beste {contactpersoon}, {link} tot {sluitingsdatum}",
                             connect=FakeSMTP)
    assert count == 2
    first = FakeSMTP.sent[0]
    assert (first["To"], first["Subject"]) == ("anne@aadorp.example", "Monitor Aadorp")
    link = invitations.links(store, anna, started)["link"].iloc[0]
    assert first.get_content().strip() == (f"Beste Anne de Vries, {link} tot "
                                           f"{CLOSES.strftime('%d-%m-%Y')}")
    assert store.value("SELECT count(*) FROM events WHERE entity = 'invitation_contact'"
                       " AND action = 'mail'") == 1
    with pytest.raises(MonitorError, match=r"^Geef een onderwerp en een tekst met \{link\}"):
        invitations.send(store, anna, started, {"host": "h", "sender": "s"}, "x", "geen link",
                         connect=FakeSMTP)


def test_every_hostile_file_as_contacts_is_refused_in_dutch_or_read(store, users, started):
    """The hostile corpus (tests/hostile/) as a contacts file: a Dutch refusal naming the
    file with the database as it was, or (a CSV with code and naam) contacts read."""
    from test_hostile import HOSTILE, assert_dutch, state

    read = []
    for path in sorted(p for p in HOSTILE.iterdir() if p.is_file() and p.suffix != ".py"):
        before = state(store)
        try:
            invitations.set_contacts(store, users["analist"], started, path.read_bytes(),
                                     path.name)
        except MonitorError as error:
            assert f"'{path.name}'" in error.message, error.message
            assert_dutch(error.message)
            assert state(store) == before
        else:
            read.append(path.name)
    # Frames of G1/G2 name no unit of this fieldwork: refused as unknown codes.
    assert read == []


def test_without_a_file_the_monitor_s_own_questionnaire_is_fielded(store, users, monitor,
                                                                     started, door_client):
    anna = users["analist"]
    answer(door_client, code_of(store, users, started, "Aadorp"), FULL)
    invitations.close(store, anna, started)
    second = invitations.start(store, anna, monitor, "2027", 2027, CLOSES)
    questions = invitations.fieldwork(store, anna, second)["questionnaire"]["questions"]
    assert [(q["name"], q["type"], q["page"], q["condition"]) for q in questions] == [
        ("beleid", "enkelvoudig", 0, None), ("budget", "getal", 0, None),
        ("tevreden", "likert", 1, None), ("cijfer", "rapportcijfer", 1, None),
        ("hulp", "meervoudig", 2, None), ("toelichting", "open", 2, None)]
    assert questions[0]["options"] == [[1, "Ja"], [2, "Nee"], [9, "Weet niet"]]
    empty = monitors.create_monitor(store, anna, "Leeg", "gemeente")
    intake.set_frame_from_file(store, anna, empty, FRAME, "kader.csv")
    with pytest.raises(MonitorError, match="^Deze monitor heeft nog geen vragen"):
        invitations.start(store, anna, empty, "2027", 2027, CLOSES)
