"""Monitor pages with AppTest on the demo: results with filters in the URL, response and
follow-up, quotes, stapeling, the report, loading a wave and the questionnaire editor."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from conftest import logged_in
from pages import (
    TIMEOUT,
    errors,
    form_button,
    no_exception,
    page_file,
    run_page,
    run_router,
    titles,
    widget,
)
from research.survey import monitors, report

MONITOR = "Gemeentemonitor inburgering (demo, verzonnen)"
AMSTERDAM = "Wijkcijfers Amsterdam: indicatoren per gebied (gepubliceerd, 2025)"


def opened(name: str, user, **query) -> AppTest:
    """A page opened from a shared address: the query parameters are there before the run."""
    at = AppTest.from_file(page_file(name), default_timeout=TIMEOUT)
    at.session_state["auth"] = logged_in(user)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def captions(at) -> list[str]:
    """Caption texts without the markdown escapes of shell.plain."""
    return [c.value.replace("\\", "") for c in at.caption]


# -- Resultaten -------------------------------------------------------------------------------

def test_results_page_shows_the_newest_wave_weighted(demo_users):
    at = run_page("survey_results.py", demo_users["analist"])
    no_exception(at)
    assert titles(at) == ["Resultaten"]
    assert widget(at.selectbox, "Monitor").options == [MONITOR, AMSTERDAM]
    assert widget(at.selectbox, "Meting").options == ["2024 (n = 202)", "2025 (n = 212)",
                                                      "2026 (n = 213)"]
    assert widget(at.selectbox, "Meting").value == 3
    assert widget(at.selectbox, "Vraag").value is not None
    assert "Meting 2026. Gewogen met het gewicht uit het bestand; strata: grootteklasse; " \
           "eindige-populatiecorrectie met het steekproefkader." in captions(at)
    # The filters are in the address, so the view can be shared.
    assert (at.query_params["monitor"], at.query_params["meting"]) == ("1", "3")


def test_results_crosstab_by_size_class_from_the_url(demo_users, demo_store):
    admin = demo_users["analist"]
    samenwerking = next(v["id"] for v in monitors.variables(demo_store, admin, 1)
                        if v["name"] == "samenwerking_coa")
    at = opened("survey_results.py", admin, vraag=str(samenwerking), naar="size_class")
    no_exception(at)
    table = at.dataframe[0].value
    # Size classes from small to large (alphabetically '100.000 inwoners of meer' came first),
    # the answers adding up to a total row.
    assert list(table.columns) == ["< 20.000 inwoners", "20.000 - 50.000 inwoners",
                                   "50.000 - 100.000 inwoners", "100.000 inwoners of meer",
                                   "Totaal"]
    assert list(table.index) == ["Zeer ontevreden", "Ontevreden", "Neutraal", "Tevreden",
                                 "Zeer tevreden", "Totaal", "n"]
    assert table.loc["n", "Totaal"] == "206"
    assert set(table.loc["Totaal"]) == {"100%"}
    assert any("▲ / ▼: significant hoger / lager dan de rest" in c for c in captions(at))
    assert [b.label for b in at.get("download_button")][:3] == [
        "Tabel (Excel)", "Grafiek (PNG)", "Grafiek (SVG)"]



def test_results_from_an_address_with_unknown_values_say_so_in_dutch(demo_users):
    """A link to a deleted wave, or a tampered address: each unknown value gives a notice (not
    repeating it) and the page shows the default instead; the address is put right."""
    at = opened("survey_results.py", demo_users["lezer"], monitor="999999",
                meting="4",  # a wave of the other monitor
                vraag="<script>window.__xss=1</script>", naar="x" * 3000, tab="\x00")
    no_exception(at)
    assert errors(at) == []
    assert [w.value for w in at.warning] == [
        "Het adres bevat een onbekende keuze voor 'Monitor'; je ziet nu de standaardkeuze.",
        "Het adres bevat een onbekende keuze voor 'Meting'; je ziet nu de standaardkeuze.",
        "Het adres bevat een onbekende keuze voor 'Vraag'; je ziet nu de standaardkeuze.",
        "Het adres bevat een onbekende keuze voor 'Uitsplitsen naar'; je ziet nu de "
        "standaardkeuze.",
        "Het adres bevat een onbekende keuze voor 'Tabblad'; je ziet nu de standaardkeuze."]
    assert (at.query_params["monitor"], at.query_params["meting"], at.query_params["naar"]) == (
        "1", "3", "totaal")
    assert widget(at.selectbox, "Monitor").value == 1
    # Choosing another monitor is no unknown value: no notice for its waves.
    widget(at.selectbox, "Monitor").set_value(2).run()
    assert [w.value for w in at.warning] == []


def test_results_broken_down_by_a_single_choice_question(demo_users, demo_store):
    lex = demo_users["lezer"]
    cijfer = next(v["id"] for v in monitors.variables(demo_store, lex, 1)
                  if v["name"] == "cijfer_inburgering")
    at = opened("survey_results.py", lex, vraag=str(cijfer), naar="regie_werk")
    no_exception(at)
    assert "Vraag: Regierol begeleiding naar werk" in widget(at.selectbox,
                                                             "Uitsplitsen naar").options
    table = at.dataframe[0].value
    assert list(table.columns) == ["Ja", "Gedeeltelijk", "Nee", "Totaal"]
    assert list(table.index) == ["Gemiddelde", "n"]
    assert any(c.startswith("Uitgesplitst naar de antwoorden op 'Regierol begeleiding naar "
                            "werk'") for c in captions(at))


TABS = ["Tabel", "Ontwikkeling", "Stellingen en meerkeuzesets", "Benchmark"]


@pytest.mark.parametrize("tab", TABS)
def test_results_every_question_runs_in_every_tab(demo_users, demo_store, tab):
    at = opened("survey_results.py", demo_users["lezer"], tab=tab)
    options = widget(at.selectbox, "Vraag").options
    assert len(options) == 11
    for index in range(len(options)):
        widget(at.selectbox, "Vraag").select_index(index).run()
        no_exception(at)
        assert errors(at) == [], options[index]
    # Only the open tab ran: its own widgets are there, the others' not.
    labels = {s.label for s in at.selectbox}
    assert ("Eenheid" in labels, "Groep" in labels) == (tab == "Benchmark", False)
    # A reader sees no compute button.
    assert "Opnieuw berekenen" not in [b.label for b in at.button]


def test_results_trend_marks_a_significant_change(demo_users, demo_store):
    admin = demo_users["analist"]
    samenwerking = next(v["id"] for v in monitors.variables(demo_store, admin, 1)
                        if v["name"] == "samenwerking_coa")
    at = opened("survey_results.py", admin, vraag=str(samenwerking), tab="Ontwikkeling")
    assert not [f for f in at.dataframe if "Totaal" in f.value.columns]   # no crosstab run
    # Every answer side by side first, a column per answer.
    assert widget(at.selectbox, "Antwoord").value == "alle"
    every = next(f.value for f in at.dataframe if "Meting" in f.value.columns)
    assert list(every.columns) == ["Meting", "Zeer ontevreden", "Ontevreden", "Neutraal",
                                   "Tevreden", "Zeer tevreden", "n"]
    widget(at.selectbox, "Antwoord").set_value(4.0).run()
    trend = next(f.value for f in at.dataframe if "Verandering" in f.value.columns)
    assert list(trend["Meting"]) == ["2024", "2025", "2026"]
    assert trend["Verandering"].iloc[2].endswith("▲")
    widget(at.selectbox, "Antwoord").set_value("top-2").run()
    no_exception(at)
    top = next(f.value for f in at.dataframe if "Verandering" in f.value.columns)
    assert list(top["Meting"]) == ["2024", "2025", "2026"]
    assert any(c.startswith("Top-2: het aandeel") for c in captions(at))


# -- one monitor and wave across the pages ----------------------------------------------------

def test_the_chosen_wave_carries_across_the_monitor_pages(demo_users):
    """Resultaten on 2024, then Meetrapport, Citaten, Respons and Stapeling: every page shows
    2024 (each page has its own URL, so the choice lives in the session too) and puts it in
    its own address."""
    at = run_router(auth=logged_in(demo_users["analist"]))
    at.switch_page("research/ui/survey_results.py").run()
    widget(at.selectbox, "Meting").set_value(1).run()
    assert at.query_params["meting"] == "1"
    for page, title in (("survey_report.py", "Meetrapport"), ("survey_quotes.py", "Citaten"),
                        ("survey_response.py", "Respons"), ("survey_stapeling.py", "Stapeling"),
                        ("survey_results.py", "Resultaten")):
        at.query_params.clear()      # the browser's address of the next page has none
        at.switch_page(f"research/ui/{page}").run()
        no_exception(at)
        assert titles(at) == [title]
        assert widget(at.selectbox, "Monitor").value == 1, page
        assert widget(at.selectbox, "Meting").value == 1, page
        assert (at.query_params["monitor"], at.query_params["meting"]) == ("1", "1"), page
    # Stapeling opened on the chosen monitor: its groups (regions) of 2024.
    at.switch_page("research/ui/survey_stapeling.py").run()
    assert widget(at.radio, "Gegevens").value == "monitor"
    counts = at.dataframe[0].value
    assert list(counts["Gebied"]) == ["Noord", "Oost", "West", "Zuid"]
    assert any("Meting 2024, per regio" in c for c in captions(at))
    # A choice on any page moves the others along; an address with a wave in it wins.
    widget(at.selectbox, "Meting").set_value(2).run()
    at.query_params.clear()
    at.switch_page("research/ui/survey_report.py").run()
    assert widget(at.selectbox, "Meting").value == 2
    at.query_params["meting"] = "3"
    at.switch_page("research/ui/survey_quotes.py").run()
    assert widget(at.selectbox, "Meting").value == 3


# -- Respons ----------------------------------------------------------------------------------

def test_response_page_lists_units_to_chase_and_saves_a_note(demo_users):
    at = run_page("survey_response.py", demo_users["analist"])
    no_exception(at)
    assert [m.label for m in at.metric] == ["Respons 2024", "Respons 2025", "Respons 2026"]
    missing = next(f.value for f in at.dataframe if "Laatste notitie" in f.value.columns)
    assert len(missing) == 342 - 213 - 2  # the partnership's response covers three units
    widget(at.text_area, "Notitie voor de nabelronde").input("Gebeld, stuurt het deze week")
    form_button(at, "Notitie opslaan").click().run()
    no_exception(at)
    missing = next(f.value for f in at.dataframe if "Laatste notitie" in f.value.columns)
    assert "Gebeld, stuurt het deze week" in set(missing["Laatste notitie"])


def test_lezer_reads_the_response_without_the_note_form(demo_users):
    at = run_page("survey_response.py", demo_users["lezer"])
    no_exception(at)
    assert "Notitie opslaan" not in [b.label for b in at.button]


# -- Citaten ----------------------------------------------------------------------------------

def test_quotes_page_hides_small_groups_and_sends_answers_to_a_project(demo_users, demo_store):
    admin = demo_users["beheerder"]
    at = run_page("survey_quotes.py", admin)
    no_exception(at)
    assert widget(at.selectbox, "Open vraag").options == ["Toelichting", "Zwaarste knelpunt"]
    quotes = at.dataframe[0].value
    assert list(quotes.columns) == ["Antwoord", "Groep"] and len(quotes) > 10
    widget(at.selectbox, "Uitsplitsen naar").set_value("province").run()
    widget(at.selectbox, "Groep").set_value("Zeeland").run()
    assert [w.value for w in at.warning] == [
        "Citaten niet getoond: deze groep telt 7 respondenten, minder dan de drempel van 20 "
        "voor citaten."]
    next(b for b in at.button if b.label == "Antwoorden naar het project sturen").click().run()
    no_exception(at)
    assert [s.value for s in at.success] == [
        "De antwoorden staan in het project; codeer ze onder Coderen."]
    assert demo_store.value("SELECT count(*) FROM monitor_documents") == 1


# -- Stapeling --------------------------------------------------------------------------------

@pytest.mark.slow
def test_stapeling_page_shows_the_amsterdam_heatmap_and_the_published_counts(demo_users):
    at = run_page("survey_stapeling.py", demo_users["lezer"])
    no_exception(at)
    assert titles(at) == ["Stapeling"]
    counts = at.dataframe[0].value
    assert len(counts) == 23
    assert counts.set_index("Gebied").loc["Geuzenveld/Slotermeer", "Aantal ongunstig"] == 9
    assert any(c.startswith("Referentie: ongewogen gemiddelde van 23 gebieden")
               for c in captions(at))
    assert "6 van 23 gebieden gelijk met de gekozen regel." in [
        m.value.replace("\\", "") for m in at.markdown]
    heatmap = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert heatmap["data"][0]["z"]["shape"] == "23, 9"
    at.selectbox(key="reference_areas").set_value("sd").run()
    no_exception(at)
    counts = at.dataframe[0].value
    assert counts.set_index("Gebied").loc["Geuzenveld/Slotermeer", "Aantal ongunstig"] == 5


def test_stapeling_runs_only_the_open_tab(demo_users):
    """The SES groups and effort against need, each in its own tab of the address; the
    areas' tab (the published counts and the rules tried against them) does not run then."""
    at = opened("survey_stapeling.py", demo_users["lezer"], tab="Naar SES-groep")
    no_exception(at)
    counts = at.dataframe[0].value
    assert (list(counts["Gebied"]), list(counts["Aantal ongunstig"])) == (
        ["laag", "midden", "hoog"], [9, 3, 0])
    assert not any("gebieden gelijk" in m.value for m in at.markdown)
    at = opened("survey_stapeling.py", demo_users["lezer"], tab="Inzet en opgave")
    no_exception(at)
    charts = [json.loads(c.proto.spec)["layout"]["title"]["text"]
              for c in at.get("plotly_chart")]
    assert (charts, len(at.dataframe)) == (
        ["Bibliotheekruimte tegenover leesniveau per stadsdeel",
         "Jeugdgezondheidszorg tegenover lage SES"], 2)


# -- Meetrapport ------------------------------------------------------------------------------

def test_report_page_keeps_the_typed_texts_per_wave(demo_users, demo_store):
    anna = demo_users["analist"]
    at = run_page("survey_report.py", anna)
    no_exception(at)
    widget(at.text_area, "Inleiding").input("Dit jaar deden meer gemeenten mee.").run()
    widget(at.text_area, "Thema: Werk").input("Regie op werk blijft lastig.").run()
    no_exception(at)
    assert report.drafts(demo_store, anna, 3) == {
        "inleiding": "Dit jaar deden meer gemeenten mee.",
        "Werk": "Regie op werk blijft lastig."}
    # A later visit (a new session) finds the texts back; another wave has its own.
    again = run_page("survey_report.py", anna)
    assert widget(again.text_area, "Inleiding").value == "Dit jaar deden meer gemeenten mee."
    assert widget(again.text_area, "Thema: Werk").value == "Regie op werk blijft lastig."
    widget(again.selectbox, "Meting").set_value(2).run()
    assert widget(again.text_area, "Inleiding").value == ""
    # The report is made on the click, from the wave on screen.
    button = again.get("download_button")[0]
    assert button.proto.label == "Rapport downloaden (Word)"
    assert "Het rapport is van meting 2025" in " ".join(captions(again))


def test_a_reader_keeps_texts_in_the_session_only(demo_users, demo_store):
    at = run_page("survey_report.py", demo_users["lezer"])
    widget(at.text_area, "Inleiding").input("Mijn eigen aantekening.").run()
    no_exception(at)
    assert report.drafts(demo_store, demo_users["lezer"], 3) == {}
    assert any("bij de meting bewaren kan een analist" in c for c in captions(at))


# -- Vragenlijst en ontwerp ---------------------------------------------------------------------

def test_design_form_offers_two_stages_and_any_question(demo_users, demo_store):
    anna = demo_users["analist"]
    at = run_page("survey_setup.py", anna)
    no_exception(at)
    assert widget(at.selectbox, "Secundaire eenheden (tweede trap)").options[:2] == [
        "Geen", "Eenheid uit het kader"]
    assert "Vraag: Gestarte inburgeringstrajecten (aantal_trajecten)" in widget(
        at.selectbox, "Clusters").options
    widget(at.selectbox, "Clusters").set_value("unit")
    widget(at.selectbox, "Secundaire eenheden (tweede trap)").set_value("unit")
    form_button(at, "Opslaan", form="design").click().run()
    no_exception(at)
    design = monitors.monitor(demo_store, anna, 1)["design"]
    assert (design["strata"], design["psu"], design["ssu"], design["fpc2"]) == (
        "size_class", "unit", "unit", None)


# -- Meting laden -------------------------------------------------------------------------------

def test_a_new_monitor_is_chosen_at_once_even_from_an_address_naming_another(demo_users,
                                                                             demo_store):
    anna = demo_users["analist"]
    at = opened("survey_load.py", anna, monitor="1")
    no_exception(at)
    assert widget(at.selectbox, "Monitor").value == 1
    widget(at.text_input, "Naam", form="new_monitor").input("Testmonitor gemeenten")
    form_button(at, "Monitor maken", form="new_monitor").click().run()
    no_exception(at)
    created = demo_store.value("SELECT id FROM monitors WHERE name = 'Testmonitor gemeenten'")
    assert widget(at.selectbox, "Monitor").value == created
    assert at.query_params["monitor"] == str(created)
    # A run whose address still names the monitor of before (a browser that has not taken the
    # new address yet) keeps the new one, also on the runs after; a link naming another
    # monitor (a page entered with it) still moves it.
    for _ in range(2):
        at.query_params["monitor"] = "1"
        at.run()
        assert widget(at.selectbox, "Monitor").value == created
    assert opened("survey_results.py", anna, monitor="2").selectbox(key="url_monitor").value == 2


def test_the_address_is_read_once_per_page_visit(demo_users):
    """Within a visit the address the browser sends is the app's own (or one it has not yet
    taken); entering a page with a query is a link and wins."""
    at = run_router(auth=logged_in(demo_users["analist"]))
    at.query_params["monitor"] = "2"
    at.switch_page("research/ui/survey_results.py").run()
    assert widget(at.selectbox, "Monitor").value == 2
    widget(at.selectbox, "Monitor").set_value(1).run()
    at.query_params["monitor"] = "2"        # late: the address before the choice
    at.run()
    assert widget(at.selectbox, "Monitor").value == 1
    at.query_params["monitor"] = "2"
    at.switch_page("research/ui/survey_response.py").run()
    assert widget(at.selectbox, "Monitor").value == 2
