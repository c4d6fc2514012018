"""Invented demo data, loaded once on the first start so that every section shows real work.

Everything here is made up for this project (persons, municipalities and figures alike) and
is marked as such in its names. The monitor's answers come from a seeded random generator,
so the same data appear on every machine.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pandas as pd

from research import accounts
from research.accounts import SYSTEM_USER
from research.qual import axial, cases, codebook, codings, documents, memos, projects, transcripts
from research.storage import Store, Tx
from research.survey import monitors, published, results, waves
from research.tracker import knowledge, ontwikkelvragen, questions

DEMO_MARK = "(demo, verzonnen)"

# -- qualitative ------------------------------------------------------------------------------

INTERVIEWS = [
    ("Interview 01 - bewoner Geuzenveld", "interview", "2026-02-03", """\
Interviewer: Fijn dat u tijd heeft. Kunt u vertellen hoe u de buurtkamer heeft leren kennen?
Respondent 1: Via mijn buurvrouw. Zij nam me mee naar de koffieochtend, anders was ik nooit gegaan. Ik durfde eerst niet, mijn Nederlands is niet zo goed.
Interviewer: Wat maakte dat u toch bleef komen?
Respondent 1: De mensen. Er is een vrijwilliger die Arabisch spreekt, die helpt me met brieven van de gemeente. Bij het loket begrijp ik de helft niet en dan durf ik niets meer te vragen.
Interviewer: Heeft u ervaring met hulp van de gemeente of andere instanties?
Respondent 1: Ik wacht al acht maanden op schuldhulp. Ze zeggen steeds dat er een wachtlijst is. Ik vertrouw het niet meer, eerlijk gezegd. Ze beloven veel en dan hoor je niets.
Interviewer: En hoe redt u het in de tussentijd?
Respondent 1: Mijn zus helpt met boodschappen en de buurtkamer heeft soms een tas van de voedselbank. Zonder die mensen zou ik het niet redden.
"""),  # noqa: E501 (a transcript line is a turn: not wrapped)
    ("Interview 02 - jongerenwerker Slotermeer", "interview", "2026-02-17", """\
Interviewer: Hoe lang werkt u al in Slotermeer?
Respondent 2: Bijna tien jaar. Ik zie jongeren die hier zijn opgegroeid en nu zelf kinderen hebben.
Interviewer: Wat merkt u van de buurtkamer in uw werk?
Respondent 2: Het is een plek waar ouders binnenlopen zonder afspraak. Dat is goud waard. Bij de officiële instanties moet je eerst een formulier invullen en dan wacht je weken.
Interviewer: Waar lopen gezinnen vooral tegenaan?
Respondent 2: Taal, en wantrouwen. Veel ouders hebben slechte ervaringen met de toeslagen. Als de gemeente een brief stuurt, denken ze meteen dat er iets mis is.
Interviewer: Wat zou helpen?
Respondent 2: Meer mensen uit de wijk zelf achter de balie. En geen wachtlijst van een half jaar voor iets wat nu speelt. Een jongere die nu vastloopt, is over zes maanden al verder weg.
"""),  # noqa: E501 (a transcript line is a turn: not wrapped)
    ("Focusgroep 01 - ouders Noord", "focusgroep", "2026-03-05", """\
Moderator: Welkom allemaal. Wat betekent de ontmoetingsplek in het buurthuis voor jullie?
Deelnemer A: Voor mij is het de enige plek waar ik andere moeders spreek. Thuis ben ik alleen met de kinderen.
Deelnemer B: Ik kwam er voor de taalles, maar ik blijf voor de gesprekken. Je hoort er ook welke regelingen er zijn.
Moderator: Wat horen jullie daar dan bijvoorbeeld?
Deelnemer C: Dat je korting kunt krijgen op sport voor de kinderen. Dat had niemand van de gemeente me verteld.
Deelnemer A: Precies, de informatie komt via andere ouders, niet via de instanties.
Moderator: Zijn er dingen die beter kunnen?
Deelnemer B: De openingstijden. Het buurthuis is 's middags dicht, juist als de kinderen uit school komen.
Deelnemer C: En de wachtlijst voor de taalles is lang. Ik sta er al vier maanden op.
"""),  # noqa: E501 (a transcript line is a turn: not wrapped)
    ("Interview 03 - vrijwilliger Geuzenveld", "interview", "2026-03-12", """\
Interviewer: Wat doet u als vrijwilliger in de buurtkamer?
Respondent 3: Ik help mensen met formulieren en brieven. Veel bewoners snappen de taal van de gemeente niet.
Interviewer: Hoe komen mensen bij u terecht?
Respondent 3: Via via. Een buurvrouw neemt iemand mee, of de kinderen vertellen het op school.
Interviewer: Wat hoort u het vaakst?
Respondent 3: Dat ze al maanden wachten op een antwoord. En dat ze de instanties niet meer geloven.
"""),  # noqa: E501 (a transcript line is a turn: not wrapped)
    ("Interview 04 - moeder Noord", "interview", "2026-03-19", """\
Interviewer: Hoe bent u bij het buurthuis gekomen?
Respondent 4: Een andere moeder van school nam me mee. Nu kom ik elke week.
Interviewer: Wat betekent het voor u?
Respondent 4: Het is een plek waar ik even niet alleen ben. We helpen elkaar met de kinderen.
Interviewer: Heeft u hulp gezocht bij de gemeente?
Respondent 4: Ja, maar de wachtlijst voor de cursus was een jaar. Ik durf het niet meer te vragen.
"""),  # noqa: E501 (a transcript line is a turn: not wrapped)
    ("Interview 05 - buurtwerker Zuidoost", "interview", "2026-04-02", """\
Interviewer: Wat ziet u in uw werk in Zuidoost?
Respondent 5: Mensen vinden de weg naar hulp via elkaar, niet via het loket.
Interviewer: Waarom niet via het loket?
Respondent 5: Taal speelt mee, maar vooral vertrouwen. Ze zijn te vaak van het kastje naar de muur gestuurd.
Interviewer: En de buurtkamer?
Respondent 5: Die is laagdrempelig. Je kunt zonder afspraak binnenlopen.
"""),  # noqa: E501 (a transcript line is a turn: not wrapped)
    ("Interview 06 - bewoner Noord", "interview", "2026-04-16", """\
Interviewer: Hoe lang woont u al in Noord?
Respondent 6: Twintig jaar. Ik ken veel mensen hier.
Interviewer: Waar gaat u heen als u hulp nodig heeft?
Respondent 6: Eerst naar mijn buren. Bij de gemeente wacht je maanden en dan hoor je niets.
Interviewer: Komt u in het buurthuis?
Respondent 6: Voor de koffie, ja. Daar hoor je wat er speelt.
"""),  # noqa: E501 (a transcript line is a turn: not wrapped)
]

CODES = [
    ("Informele steun", "#6fcf97", "Hulp van buren, familie, vrijwilligers en andere ouders."),
    ("Taalbarrière", "#f2994a", "Taal als drempel voor contact, informatie of hulp."),
    ("Vertrouwen in instanties", "#eb5757",
     "Vertrouwen of wantrouwen richting gemeente en instanties."),
    ("Wachtlijsten", "#9b51e0", "Wachten op hulp, voorzieningen of cursussen."),
    ("Ontmoetingsplek", "#2d9cdb", "De buurtkamer of het buurthuis als plek om elkaar te treffen."),
]

# (document index, code name, quoted passage): offsets are found in the text, never typed.
CODINGS = [
    (0, "Informele steun", "Via mijn buurvrouw. Zij nam me mee naar de koffieochtend"),
    (0, "Taalbarrière", "mijn Nederlands is niet zo goed"),
    (0, "Informele steun",
     "Er is een vrijwilliger die Arabisch spreekt, die helpt me met brieven van de gemeente."),
    (0, "Taalbarrière",
     "Bij het loket begrijp ik de helft niet en dan durf ik niets meer te vragen."),
    (0, "Wachtlijsten",
     "Ik wacht al acht maanden op schuldhulp. Ze zeggen steeds dat er een wachtlijst is."),
    (0, "Vertrouwen in instanties",
     "Ik vertrouw het niet meer, eerlijk gezegd. Ze beloven veel en dan hoor je niets."),
    (0, "Informele steun", "Mijn zus helpt met boodschappen"),
    (1, "Ontmoetingsplek", "Het is een plek waar ouders binnenlopen zonder afspraak."),
    (1, "Wachtlijsten", "dan wacht je weken"),
    (1, "Taalbarrière", "Taal, en wantrouwen."),
    (1, "Vertrouwen in instanties", "Veel ouders hebben slechte ervaringen met de toeslagen."),
    (1, "Wachtlijsten", "geen wachtlijst van een half jaar voor iets wat nu speelt"),
    (2, "Ontmoetingsplek", "Voor mij is het de enige plek waar ik andere moeders spreek."),
    (2, "Ontmoetingsplek", "Ik kwam er voor de taalles, maar ik blijf voor de gesprekken."),
    (2, "Informele steun", "de informatie komt via andere ouders, niet via de instanties"),
    (2, "Vertrouwen in instanties", "Dat had niemand van de gemeente me verteld."),
    (2, "Wachtlijsten", "En de wachtlijst voor de taalles is lang. Ik sta er al vier maanden op."),
    (3, "Taalbarrière", "Veel bewoners snappen de taal van de gemeente niet."),
    (3, "Informele steun", "Een buurvrouw neemt iemand mee"),
    (3, "Wachtlijsten", "Dat ze al maanden wachten op een antwoord."),
    (3, "Vertrouwen in instanties", "En dat ze de instanties niet meer geloven."),
    (4, "Informele steun", "Een andere moeder van school nam me mee."),
    (4, "Ontmoetingsplek", "Het is een plek waar ik even niet alleen ben."),
    (4, "Wachtlijsten", "de wachtlijst voor de cursus was een jaar"),
    (5, "Informele steun", "Mensen vinden de weg naar hulp via elkaar, niet via het loket."),
    (5, "Vertrouwen in instanties", "Ze zijn te vaak van het kastje naar de muur gestuurd."),
    (5, "Ontmoetingsplek", "Je kunt zonder afspraak binnenlopen."),
    (6, "Informele steun", "Eerst naar mijn buren."),
    (6, "Wachtlijsten", "Bij de gemeente wacht je maanden en dan hoor je niets."),
    (6, "Ontmoetingsplek", "Voor de koffie, ja. Daar hoor je wat er speelt."),
]


def _load_qual(store: Store) -> None:
    project_id = projects.create_project(
        store, SYSTEM_USER, f"Buurtkamers Nieuw-West en Noord {DEMO_MARK}",
        "Verkennende studie naar wat buurtkamers betekenen voor bewoners met weinig "
        "vertrouwen in instanties. Alle personen en uitspraken zijn verzonnen.")
    admin = accounts.find_user(store, "admin")
    if admin is not None:
        projects.add_member(store, SYSTEM_USER, project_id, admin.account_id, "lead")
    # Through the same reader as an uploaded file, so the speakers become turns and cases.
    # The demo's labels are numbered per person ("Respondent 3") and one researcher
    # interviewed everyone, so each label is one case across the documents.
    doc_ids = []
    for name, kind, held_on, text in INTERVIEWS:
        transcript = transcripts.read(f"{name}.txt", text.encode("utf-8"))
        doc_ids.append(documents.import_transcript(
            store, SYSTEM_USER, project_id, transcript, name=name, kind=kind, held_on=held_on,
            case_modes=dict.fromkeys(transcript.speakers(), "gedeeld")))
    code_ids = {name: codebook.add_code(store, SYSTEM_USER, project_id, name, colour, description)
                for name, colour, description in CODES}
    for index, code, quote in CODINGS:
        stored = documents.document(store, SYSTEM_USER, doc_ids[index])["text"]
        start = stored.index(quote)
        codings.add_coding(store, SYSTEM_USER, doc_ids[index], code_ids[code],
                           start, start + len(quote))
    _describe_cases(store, project_id)
    memos.add_memo(store, SYSTEM_USER, project_id, "Opzet van de studie",
                   "Open coderen van drie gesprekken; daarna vergelijken tussen bewoners en "
                   "professionals. *Verzonnen demomemo.*", kind="methode")
    _relate_codes(store, project_id, code_ids)
    memos.add_memo(store, SYSTEM_USER, project_id, "Informele steun als brug",
                   "Steun van buren en vrijwilligers lijkt de weg naar instanties te openen; "
                   "nagaan of dit ook in Noord zo is.", kind="theorie", target="code",
                   target_id=code_ids["Informele steun"])


def _relate_codes(store: Store, project_id: int, code_ids: dict[str, int]) -> None:
    """A start of axial coding: stages, a phenomenon and two grounded relations."""
    types = {t["name"]: t["id"] for t in axial.relation_types(store, SYSTEM_USER, project_id)}
    for name in ("Vertrouwen in instanties", "Wachtlijsten", "Informele steun"):
        codebook.update_code(store, SYSTEM_USER, code_ids[name], stage="axiaal")
    codebook.update_code(store, SYSTEM_USER, code_ids["Vertrouwen in instanties"],
                         paradigm_role="fenomeen")
    grounds = [r["id"] for r in store.rows(
        "SELECT id FROM codings WHERE code_id IN (?, ?) ORDER BY id LIMIT 2",
        [code_ids["Wachtlijsten"], code_ids["Vertrouwen in instanties"]])]
    axial.add_relation(store, SYSTEM_USER, code_ids["Wachtlijsten"],
                       code_ids["Vertrouwen in instanties"], types["is oorzaak van"],
                       "Wie maanden wacht, verliest het vertrouwen.", grounds)
    axial.add_relation(store, SYSTEM_USER, code_ids["Informele steun"],
                       code_ids["Vertrouwen in instanties"], types["is strategie voor"],
                       "Bewoners zoeken hulp via elkaar in plaats van via het loket.")


def _describe_cases(store: Store, project_id: int) -> None:
    """Give the demo's speakers a role and wijk (case attributes)."""
    cases.add_attribute(store, SYSTEM_USER, project_id, "case", "Rol", "keuze",
                        ["bewoner", "professional", "onderzoeker"])
    cases.add_attribute(store, SYSTEM_USER, project_id, "case", "Stadsdeel", "keuze",
                        ["Nieuw-West", "Noord", "Zuidoost"])
    roles = {"Interviewer": ("onderzoeker", None), "Moderator": ("onderzoeker", None),
             "Respondent 1": ("bewoner", "Nieuw-West"),
             "Respondent 2": ("professional", "Nieuw-West"),
             "Respondent 3": ("professional", "Nieuw-West"), "Respondent 4": ("bewoner", "Noord"),
             "Respondent 5": ("professional", "Zuidoost"), "Respondent 6": ("bewoner", "Noord"),
             "Deelnemer A": ("bewoner", "Noord"), "Deelnemer B": ("bewoner", "Noord"),
             "Deelnemer C": ("bewoner", "Noord")}
    rows = [{"id": case["id"], "Rol": roles[case["name"]][0],
             "Stadsdeel": roles[case["name"]][1]}
            for case in cases.cases(store, SYSTEM_USER, project_id)]
    cases.set_values(store, SYSTEM_USER, project_id, "case", rows)


# -- monitor ----------------------------------------------------------------------------------

# Provinces with their landsdeel and a rough share of the 342 municipalities.
PROVINCES = [("Groningen", "Noord", 10), ("Friesland", "Noord", 18), ("Drenthe", "Noord", 12),
             ("Overijssel", "Oost", 25), ("Flevoland", "Oost", 6), ("Gelderland", "Oost", 51),
             ("Utrecht", "West", 26), ("Noord-Holland", "West", 44), ("Zuid-Holland", "West", 50),
             ("Zeeland", "Zuid", 13), ("Noord-Brabant", "Zuid", 56), ("Limburg", "Zuid", 31)]
SIZE_CLASSES = ["< 20.000 inwoners", "20.000 - 50.000 inwoners", "50.000 - 100.000 inwoners",
                "100.000 inwoners of meer"]
# Larger municipalities answer more often: the reason the demo's waves carry weights.
RESPONSE_RATES = [0.42, 0.55, 0.68, 0.85]
NAME_PARTS = (["Beek", "Zand", "Hoog", "Linde", "Wester", "Ooster", "Heide", "Bloem", "Molen",
               "Veen", "Berg", "Water", "Eike", "Klaver", "Vlier", "Riet", "Esch", "Haver",
               "Laar"], ["dam", "dorp", "veld", "horst", "wijk", "broek", "oord", "meer", "hoven",
                         "rode", "loo", "sum", "zijl", "burg", "stein", "hem", "lo", "wolde"])
PARTNERSHIP = ("GM9000", "GM9001", "GM9002")  # one regional partnership answers for three

LIKERT = {1: "Zeer ontevreden", 2: "Ontevreden", 3: "Neutraal", 4: "Tevreden",
          5: "Zeer tevreden", 9: "Weet niet"}
MENTIONED = {0: "Niet genoemd", 1: "Genoemd"}
VARIABLES: list[dict] = [
    {"name": "regie_werk", "label": "Regierol begeleiding naar werk", "type": "enkelvoudig",
     "question": "Heeft uw gemeente de regie over de begeleiding van statushouders naar werk?",
     "value_labels": {1: "Ja", 2: "Gedeeltelijk", 3: "Nee", 9: "Weet niet"},
     "missing_codes": [9], "topic": "Werk", "higher_is_better": None},
    {"name": "samenwerking_coa", "label": "Tevredenheid samenwerking COA", "type": "likert",
     "question": "Hoe tevreden is uw gemeente over de samenwerking met het COA?",
     "value_labels": LIKERT, "missing_codes": [9], "topic": "Samenwerking",
     "higher_is_better": 1},
    {"name": "tevreden_taalaanbod", "label": "Tevredenheid taalaanbod", "type": "likert",
     "question": "Hoe tevreden is uw gemeente over het aanbod van taalscholen in de regio?",
     "value_labels": LIKERT, "missing_codes": [9], "topic": "Inburgering",
     "higher_is_better": 1},
    {"name": "cijfer_inburgering", "label": "Rapportcijfer uitvoering Wet inburgering",
     "type": "rapportcijfer",
     "question": "Welk rapportcijfer geeft u de uitvoering van de Wet inburgering in uw gemeente?",
     "value_labels": {}, "missing_codes": [], "topic": "Inburgering", "higher_is_better": 1},
    {"name": "aantal_trajecten", "label": "Gestarte inburgeringstrajecten", "type": "getal",
     "question": "Hoeveel inburgeringstrajecten zijn in het afgelopen jaar gestart?",
     "value_labels": {}, "missing_codes": [], "topic": "Inburgering", "higher_is_better": None},
    *[{"name": f"knelpunt_{key}", "label": f"Knelpunt: {label}", "type": "meervoudig",
       "question": "Welke knelpunten ervaart uw gemeente? (meerdere antwoorden mogelijk)",
       "value_labels": MENTIONED, "missing_codes": [], "topic": "Knelpunten",
       "higher_is_better": 0, "mr_set": "knelpunten"}
      for key, label in [("huisvesting", "huisvesting"), ("taal", "taalaanbod"),
                         ("werk", "werkgevers"), ("capaciteit", "capaciteit")]],
    {"name": "toelichting", "label": "Toelichting", "type": "open",
     "question": "Wilt u uw antwoorden toelichten?", "value_labels": {}, "missing_codes": [],
     "topic": "Inburgering", "higher_is_better": None},
    {"name": "zwaarste_knelpunt", "label": "Zwaarste knelpunt", "type": "open",
     "question": "Welk knelpunt weegt voor uw gemeente het zwaarst, en waarom?",
     "value_labels": {}, "missing_codes": [], "topic": "Knelpunten", "higher_is_better": None},
]

REMARKS = [
    "De wachttijd voor taalscholen is opgelopen; we zoeken naar meer aanbieders.",
    "Door de krappe woningmarkt duurt de huisvesting van statushouders lang.",
    "Samenwerking met werkgevers verloopt goed dankzij een vaste contactpersoon.",
    "Het ontbreekt ons aan capaciteit voor persoonlijke begeleiding.",
    "De regionale samenwerking met buurgemeenten helpt bij de inkoop van trajecten.",
    "Het contact met het COA is verbeterd sinds er een vaste regiocoördinator is.",
]
HARDEST = [
    "Huisvesting: er zijn geen woningen beschikbaar, statushouders wachten maanden in het AZC.",
    "Capaciteit: twee consulenten voor meer dan honderd inburgeraars is niet vol te houden.",
    "Taal: de taalschool zit in de volgende stad, de reistijd is voor velen te lang.",
    "Werk: werkgevers vragen een taalniveau dat pas na een jaar gehaald wordt.",
]


def _frame(rng: random.Random) -> list[dict]:
    names = sorted(a + b for a in NAME_PARTS[0] for b in NAME_PARTS[1])
    rng.shuffle(names)
    provinces = [p for p in PROVINCES for _ in range(p[2])]
    rng.shuffle(provinces)
    return [{"code": f"GM9{index:03d}", "name": f"{name} (fictief)", "province": province,
             "region": landsdeel, "size_class": SIZE_CLASSES[rng.choice([0, 1, 1, 1, 1, 2, 3])]}
            for index, (name, (province, landsdeel, _))
            in enumerate(zip(names, provinces, strict=False))]


def _answers(rng: random.Random, shift: float) -> dict:
    """One municipality's invented answers; `shift` moves a wave towards satisfaction."""
    mentioned = {key: int(rng.random() < p) for key, p in
                 [("huisvesting", 0.7 - shift / 4), ("taal", 0.45), ("werk", 0.35),
                  ("capaciteit", 0.5 + shift / 4)]}
    return {
        "regie_werk": rng.choices([1, 2, 3, 9], weights=[5 + shift * 10, 3, 2, 1])[0],
        "samenwerking_coa": rng.choices([1, 2, 3, 4, 5, 9],
                                        weights=[1, 2, 4, 5 + shift * 12, 2 + shift * 4, 1])[0],
        "tevreden_taalaanbod": rng.choices([1, 2, 3, 4, 5, 9], weights=[2, 4, 4, 4, 1, 1])[0],
        "cijfer_inburgering": rng.choices(range(4, 10), weights=[1, 2, 5, 6 + shift * 10, 3, 1])[0],
        "aantal_trajecten": rng.randrange(3, 60),
        **{f"knelpunt_{key}": value for key, value in mentioned.items()},
        "toelichting": rng.choice(REMARKS) if rng.random() < 0.3 else None,
        "zwaarste_knelpunt": rng.choice(HARDEST) if rng.random() < 0.35 else None,
    }


def _wave(rng: random.Random, frame: list[dict], year: int, boost: float,
          shift: float) -> pd.DataFrame:
    """A wave of invented responses with design weights (frame count / responses per size
    class), the partnership answering once for its three members."""
    records = []
    start = date(year, 3, 1)
    for unit in frame:
        rate = RESPONSE_RATES[SIZE_CLASSES.index(unit["size_class"])] + boost
        if unit["code"] in PARTNERSHIP or rng.random() > rate:
            continue
        records.append({"eenheid": unit["code"], "size_class": unit["size_class"],
                        "ingevuld": (start + timedelta(days=rng.randrange(0, 56))).strftime(
                            "%d-%m-%Y"), **_answers(rng, shift)})
    partner = next(u for u in frame if u["code"] == PARTNERSHIP[0])
    records.append({"eenheid": "; ".join(PARTNERSHIP), "size_class": partner["size_class"],
                    "ingevuld": (start + timedelta(days=20)).strftime("%d-%m-%Y"),
                    **_answers(rng, shift)})
    data = pd.DataFrame.from_records(records)
    in_frame = pd.Series([u["size_class"] for u in frame]).value_counts()
    answered = data["size_class"].value_counts()
    data["gewicht"] = data["size_class"].map(in_frame / answered).round(4)
    return data.drop(columns="size_class")


def _load_monitor(store: Store) -> None:
    rng = random.Random(2026)
    monitor_id = monitors.create_monitor(
        store, SYSTEM_USER, f"Gemeentemonitor inburgering {DEMO_MARK}", "gemeente",
        "Jaarlijkse vragenlijst aan alle gemeenten over de begeleiding van statushouders naar "
        "werk en inburgering. Een verzonnen voorbeeld: 342 fictieve gemeenten, antwoorden en "
        "cijfers zijn verzonnen.",
        design={"weight": "bestand", "strata": "size_class", "fpc": "kader"})
    frame = _frame(rng)
    monitors.set_frame(store, SYSTEM_USER, monitor_id, frame)
    for year, boost, shift in [(2024, -0.05, 0.0), (2025, 0.0, 0.2), (2026, 0.04, 0.5)]:
        wave_id = waves.import_wave(store, SYSTEM_USER, monitor_id, str(year), year, VARIABLES,
                                    _wave(rng, frame, year, boost, shift),
                                    source=f"gemeentemonitor_{year}.sav (verzonnen)")
        results.compute(store, SYSTEM_USER, wave_id)


# -- wijkwerkplaats ---------------------------------------------------------------------------

QUESTIONS = [
    ("nieuw-west", "2026-01-14", "Buurtkamer Slotermeer", "bewoner", "wijk-wonen", "wonen",
     "Waarom duurt het zo lang voordat de schimmel in onze flat wordt aangepakt?"),
    ("nieuw-west", "2026-01-14", "Buurtkamer Slotermeer", "bewoner", "werk-inkomen", "werk-inkomen",
     "Waar kan ik terecht als ik de energierekening niet meer kan betalen?"),
    ("nieuw-west", "2026-02-02", "Moskee Geuzenveld", "bewonersinitiatief", "onderwijs-opvoeding",
     "onderwijs", "Hoe kunnen we ouders helpen die hun kind willen ondersteunen met huiswerk?"),
    ("nieuw-west", "2026-02-20", "Markt Osdorpplein", "bewoner", "gezondheid-welzijn",
     "gezondheid", "Er zijn veel ouderen eenzaam in onze straat, wie doet daar iets aan?"),
    ("nieuw-west", "2026-03-09", "Buurtkamer Slotermeer", "praktijkpartner", "wijk-wonen",
     "leefbaarheid",
     "Wat weten we over de effecten van renovatie op de sociale contacten in de buurt?"),
    ("zuidoost", "2026-01-21", "Bijlmerpark", "bewoner", "veiligheid-justitie", "veiligheid",
     "Waarom voelen jongeren zich niet veilig bij de metro in de avond?"),
    ("zuidoost", "2026-02-05", "Huiskamer Gaasperdam", "bewonersinitiatief",
     "participatie-inclusie",
     "participatie", "Hoe krijgen we meer bewoners bij de inspraakavonden van het stadsdeel?"),
    ("zuidoost", "2026-02-05", "Huiskamer Gaasperdam", "bewoner", "werk-inkomen", "werk-inkomen",
     "Mijn zoon vindt geen stage, ligt dat aan zijn naam?"),
    ("zuidoost", "2026-03-12", "Bibliotheek Reigersbos", "vrijwilligersorganisatie",
     "onderwijs-opvoeding", "onderwijs", "Welke taalprogramma's werken echt voor volwassenen?"),
    ("noord", "2026-01-28", "Buurthuis Banne", "bewoner", "wijk-wonen", "leefbaarheid",
     "Kan de speeltuin bij de Waterlandplein weer open, de kinderen spelen nu op straat?"),
    ("noord", "2026-02-11", "Buurthuis Banne", "bewoner", "gezondheid-welzijn", "gezondheid",
     "Waarom is de wachttijd bij de huisarts in Noord zo lang?"),
    ("noord", "2026-02-25", "Markt Buikslotermeerplein", "praktijkpartner", "werk-inkomen",
     "werk-inkomen", "Hoeveel gezinnen in Noord hebben problematische schulden?"),
    ("noord", "2026-03-18", "Buurthuis Banne", "bewonersinitiatief", "participatie-inclusie",
     "participatie", "Hoe vinden we vrijwilligers die willen helpen bij de taalcafés?"),
    # The year before: the questions the 2026 ontwikkelvragen grew from.
    ("nieuw-west", "2025-09-10", "Buurtkamer Slotermeer", "bewoner", "wijk-wonen", "wonen",
     "Wie moet de schimmel in de badkamer oplossen, wij of de corporatie?"),
    ("nieuw-west", "2025-10-22", "Buurtkamer Slotermeer", "bewoner", "wijk-wonen", "wonen",
     "Helpt iemand ons als de woningbouw niet reageert op klachten over vocht?"),
    ("zuidoost", "2025-09-17", "Huiskamer Gaasperdam", "bewoner", "werk-inkomen", "werk-inkomen",
     "Waarom krijgen jongeren uit Zuidoost zo moeilijk een stageplek?"),
    ("zuidoost", "2025-11-05", "Bijlmerpark", "praktijkpartner", "participatie-inclusie",
     "werk-inkomen", "Hoe kunnen werkgevers eerlijker selecteren bij stages?"),
    ("noord", "2025-10-01", "Buurthuis Banne", "bewoner", "werk-inkomen", "werk-inkomen",
     "Waar kunnen gezinnen terecht die hun schulden niet meer overzien?"),
    ("noord", "2025-11-19", "Markt Buikslotermeerplein", "bewoner", "werk-inkomen",
     "werk-inkomen", "Waarom schamen zoveel mensen zich om hulp bij geldzorgen te vragen?"),
]

# One ontwikkelvraag per wijkwerkplaats for 2026: (wijk, title, question, rationale,
# programme, question texts it grew from, status path, partners, milestones).
# (wijk, title, question, rationale, programme, words, path, partners, milestones)
ONTWIKKELVRAGEN: list[tuple[Any, ...]] = [
    ("nieuw-west", "Vocht en schimmel in Slotermeer",
     "Hoe krijgen huurders in Slotermeer sneller een oplossing voor vocht en schimmel?",
     "Dezelfde vraag kwam in twee jaar vier keer terug in de buurtkamer.", "wijk-wonen",
     ["schimmel"], ["geformuleerd", "in-uitvoering"],
     [("Huurdersvereniging Slotermeer", "bewonersinitiatief", 4000, 1500),
      ("Woningcorporatie (verzonnen)", "praktijkpartner", 2500, 500),
      ("Kenniscentrum Ongelijkheid", "onderzoekspartner", 6000, 2000)],
     [("Bewonersavond over vocht", "2026-02-15", "2026-02-15"),
      ("Meldpunt in de buurtkamer", "2026-05-01", None)]),
    ("zuidoost", "Eerlijke stages",
     "Wat helpt jongeren uit Zuidoost aan een stageplek zonder discriminatie?",
     "Jongeren en ouders vragen er steeds naar; werkgevers zoeken zelf ook een aanpak.",
     "participatie-inclusie", ["stage"], ["geformuleerd"],
     [("Jongerenwerk Zuidoost (verzonnen)", "praktijkpartner", 3000, 0),
      ("Kenniscentrum Ongelijkheid", "onderzoekspartner", 5000, 0)],
     [("Gesprekken met werkgevers", "2026-04-01", None)]),
    ("noord", "Geldzorgen bespreekbaar",
     "Hoe bereiken we gezinnen in Noord met geldzorgen voordat schulden oplopen?",
     "Vragen over schulden en schaamte kwamen uit markt en buurthuis.", "werk-inkomen",
     ["schulden", "geldzorgen"], ["geformuleerd", "in-uitvoering"],
     [("Buurthuis Banne", "bewonersinitiatief", 2000, 800),
      ("Schuldhulp Noord (verzonnen)", "praktijkpartner", 3500, 1200)],
     [("Inloopspreekuur geldzorgen", "2026-03-01", "2026-03-04"),
      ("Evaluatie met bewoners", "2026-09-01", None)]),
]


def _load_questions(store: Store) -> None:
    ids = {}
    for wijk, asked_on, place, group, programme, domain, text in QUESTIONS:
        ids[text] = questions.log_question(
            store, SYSTEM_USER, wijk_id=wijk, asked_on=date.fromisoformat(asked_on), text=text,
            asker_group=group, place=place, programme_id=programme, domain_id=domain)
    for wijk, title, question, rationale, programme, words, path, partners, milestones in \
            ONTWIKKELVRAGEN:
        grew_from = [i for text, i in ids.items()
                     if any(w in text.lower() for w in words) and
                     store.value("SELECT wijk_id FROM questions WHERE id = ?", [i]) == wijk]
        ov_id = ontwikkelvragen.create(store, SYSTEM_USER, wijk_id=wijk, year=2026, title=title,
                                       question=question, rationale=rationale,
                                       programme_id=programme, question_ids=grew_from)
        for step, status in enumerate(path):
            ontwikkelvragen.change_status(store, SYSTEM_USER, ov_id, status,
                                          "Besproken in de wijkwerkplaats.",
                                          on=date(2026, 1 + 2 * step, 15))
        for name, role, granted, spent in partners:
            partner_id = ontwikkelvragen.add_partner(store, SYSTEM_USER, ov_id, name, role, granted)
            ontwikkelvragen.set_budget(store, SYSTEM_USER, partner_id, spent=spent)
        for milestone, due, done in milestones:
            milestone_id = ontwikkelvragen.add_milestone(store, SYSTEM_USER, ov_id, milestone,
                                                         date.fromisoformat(due))
            if done:
                ontwikkelvragen.complete_milestone(store, SYSTEM_USER, milestone_id,
                                                   date.fromisoformat(done))


def _link_knowledge(store: Store) -> None:
    """The published Amsterdam figures, and the Noord ontwikkelvraag linked to one of them."""
    published.load_amsterdam(store, SYSTEM_USER)
    variable = store.value("SELECT id FROM variables WHERE name = 'moeilijk_rondkomen_pct'")
    ov_id = store.value("SELECT id FROM ontwikkelvragen WHERE wijk_id = 'noord'")
    knowledge.add_link(store, SYSTEM_USER, "ontwikkelvraag", ov_id, "indicator",
                       variable_id=variable, area="Noord",
                       note="Gemiddelde van de gebieden in Noord (gepubliceerde cijfers).")


def load(store: Store) -> bool:
    """Load the demo data once; returns False when it was loaded before."""
    if store.value("SELECT value FROM meta WHERE key = 'demo_loaded'"):
        return False

    # One transaction for all of it (the domain functions join it): an interrupted first
    # start leaves no half demo behind that would block the next one.
    def apply(tx: Tx) -> None:
        _load_qual(store)
        _load_monitor(store)
        _load_questions(store)
        _link_knowledge(store)
        tx.db.table("meta").upsert({"key": "demo_loaded", "value": "1"}, pk="key")
        tx.event("database", None, "demo_loaded")

    store.write(SYSTEM_USER.actor, apply)
    return True
