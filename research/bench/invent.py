"""Invented data that looks Dutch: transcripts, codes, bewonersvragen, a monitor frame and
its answers. Seeded, so every run builds the same data; nothing here is about real people.

Words follow a Zipf law over a vocabulary of frequent function words, the words of this
field (buurthuis, wachtlijst, gemeente, ...) and a long tail drawn from the Dutch lookup table
that ships with spacy-lookups-data, so an index of two million words holds tens of thousands
of distinct words, as real transcripts do.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

SEED = 20260601

FUNCTION_WORDS = """de het een en ik je dat is van in niet ze we er die op te met voor maar zijn
was heb wel ook als dan nog naar om aan bij of wat kan hij mijn hebben ja gewoon heel dus moet
wordt geen daar hier nu zo al toen want kunnen veel meer echt even eigenlijk soms altijd nooit
weer mij me ons onze hun jullie u uw zij haar hem wie waar hoe waarom wanneer omdat doordat
zodat terwijl tot uit over door zonder tegen onder tussen na sinds binnen buiten toch misschien
natuurlijk ongeveer best beetje erg zeker samen alleen andere elke iedereen niemand iets niets
alles dit deze die zo'n gaan gaat ging komen komt kwam doen doet deed zeggen zegt zei weten
weet wist zien ziet zag willen wil wilde mogen mag zou zouden worden werd geweest gehad""".split()

FIELD_WORDS = """buurthuis buurtkamer wachtlijst wachtlijsten gemeente loket vrijwilliger
vrijwilligers brief brieven formulier formulieren taalles taal kinderen kind school scholen
huur woning woningen flat schulden schuldhulp toeslagen toeslag buren buurvrouw buurman
moeders ouders vader moeder zus broer familie koffieochtend koffie ontmoeting plek buurt wijk
straat plein speeltuin park metro bus fiets werk baan uitkering geld rekening energierekening
huisarts zorg wijkteam welzijn jongerenwerker jongeren ouderen eenzaam eenzaamheid vertrouwen
wantrouwen instanties instantie afspraak afspraken maanden weken jaar jaren dag dagen avond
ochtend middag informatie regeling regelingen korting sport contributie voedselbank boodschappen
hulp helpen helpt hielp vragen vraag vroeg snappen begrijpen begrijp wachten wacht wachtte
wonen woon woont woonde verhuizen verhuisd betalen betaal kosten duur goedkoop veilig onveilig
overlast politie camera verlichting schoon vies kapot gerepareerd opgeknapt gesloopt nieuw oud
Nederlands Arabisch Turks Engels Papiamento Surinaams cursus les lessen taalcafé bibliotheek
computer telefoon internet digitaal DigiD mail post balie medewerker medewerkers beleid project
projecten subsidie budget plan plannen bewoners bewoner initiatief initiatieven partner
gesprek gesprekken mening meedoen meepraten inspraak geluid stem zorgen zorgelijk moeilijk
makkelijk lastig fijn leuk goed slecht beter slechter belangrijk nodig genoeg te weinig
vaak zelden samenwerking organisatie organisaties stadsdeel Noord Zuidoost Nieuw-West
Geuzenveld Slotermeer Osdorp Bijlmer Gaasperdam Banne Tuindorp Waterlandplein Mosplein""".split()

FIRST_NAMES = """Fatima Henk Sanne Mohamed Ayşe Priya Kees Ingrid Youssef Naima Gerrit Wendy
Anouk Dewi Mustafa Ria Jeroen Sevda Kofi Esther Bilal Marloes Ahmed Joyce Tim Latifa Ruud
Nadia Winston Ilse Hamza Mirjam Samira Frank Chantal Emre Linda Rachid Gloria Sem""".split()

CODE_HEADS = """Wachtlijst Vertrouwen Taal Steun Ontmoeting Toegang Eenzaamheid Schulden
Informatie Wonen Veiligheid Gezondheid Werk Onderwijs Opvoeding Meedoen Discriminatie
Armoede Digitalisering Mobiliteit Zorg Vrijwilligerswerk Inspraak Jongeren Ouderen Buurt
Voorzieningen Regels Geld Tijd""".split()

CODE_QUALIFIERS = ["bij de gemeente", "in de buurt", "van buren", "via school", "bij het loket",
                   "in het buurthuis", "van familie", "van vrijwilligers", "bij de huisarts",
                   "in de wijk", "van professionals", "via andere ouders", "online",
                   "op straat", "in de flat", "bij instanties", "door taal", "door geld",
                   "na verhuizing", "met kinderen", "voor ouderen", "voor jongeren",
                   "als nieuwkomer", "als mantelzorger", "op het werk", "in de les",
                   "bij de woningcorporatie", "bij het wijkteam", "in de moskee",
                   "in de kerk", "op de markt", "in het park", "bij de voedselbank",
                   "bij de bibliotheek", "in het taalcafé", "via de telefoon",
                   "bij de sportclub", "in de speeltuin", "bij de politie", "als ervaring",
                   "als wens", "als zorg", "als oplossing", "in het verleden", "nu",
                   "in de toekomst", "van de overheid", "door wantrouwen", "door regels",
                   "door wachttijd"]

SPEAKER_PREFIXES = ["Interviewer", "Moderator"]


# -- words and sentences ------------------------------------------------------------------------

@lru_cache(maxsize=1)
def vocabulary(tail: int = 30_000) -> tuple[list[str], np.ndarray]:
    """Words and their Zipf probabilities: function words first, then the field's words, then
    a seeded sample of the Dutch lookup table."""
    path = resources.files("spacy_lookups_data") / "data" / "nl_lemma_lookup.json.gz"
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as handle:
        forms = sorted(w for w in json.load(handle) if w.isalpha() and w.islower()
                       and 4 <= len(w) <= 10)
    rng = np.random.default_rng(SEED)
    known = set(FUNCTION_WORDS) | set(FIELD_WORDS)
    sample = [w for w in rng.choice(forms, size=tail, replace=False) if w not in known]
    words = list(dict.fromkeys(FUNCTION_WORDS + FIELD_WORDS + sample))
    ranks = np.arange(1, len(words) + 1)
    weights = 1.0 / (ranks + 2.7) ** 1.15          # Zipf-Mandelbrot
    return words, weights / weights.sum()


def sentences(rng: np.random.Generator, n_words: int) -> list[str]:
    """Sentences (4 to 30 words, a comma now and then, mostly '.', some '?') adding up to
    about `n_words` words."""
    words, p = vocabulary()
    drawn = rng.choice(len(words), size=n_words, p=p)
    lengths = np.clip(rng.poisson(11, size=n_words // 4 + 2) + 4, 4, 30)
    result, at = [], 0
    for length in lengths:
        if at >= n_words:
            break
        chunk = [words[i] for i in drawn[at:at + length]]
        at += length
        if len(chunk) > 6 and rng.random() < 0.3:
            cut = int(rng.integers(2, len(chunk) - 2))
            chunk[cut] += ","
        end = rng.choice([".", "?", "...", "!"], p=[0.82, 0.12, 0.04, 0.02])
        chunk[0] = chunk[0][:1].upper() + chunk[0][1:]
        result.append(" ".join(chunk) + end)
    return result


def _turns(rng: np.random.Generator, n_words: int, speakers: list[str],
           lead: str) -> list[tuple[str, str]]:
    """(speaker, utterance) pairs: the lead asks a short question, the others answer at
    length, now and then to each other (in a group), never twice in a row."""
    pool = sentences(rng, n_words)
    others = [s for s in speakers if s != lead]
    turns: list[tuple[str, str]] = []
    at = 0
    while at < len(pool):
        last = turns[-1][0] if turns else None
        if last is None or last != lead and (len(others) == 1 or rng.random() < 0.4):
            speaker, take = lead, 1
        else:
            choices = [s for s in others if s != last]
            speaker, take = choices[int(rng.integers(len(choices)))], int(rng.integers(1, 7))
        turns.append((speaker, " ".join(pool[at:at + take])))
        at += take
    return turns


def transcript_text(turns: list[tuple[str, str]]) -> str:
    """`Naam: tekst` per turn, one per line, as a typed transcript."""
    return "\n".join(f"{speaker}: {text}" for speaker, text in turns) + "\n"


def interview(rng: np.random.Generator, index: int, n_words: int) -> tuple[str, bytes]:
    """An interview file (name, UTF-8 bytes) with an interviewer and one respondent."""
    respondent = f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {index // len(FIRST_NAMES) + 1}"
    turns = _turns(rng, n_words, ["Interviewer", respondent], "Interviewer")
    return f"Interview {index + 1:04d} - {respondent}.txt", transcript_text(turns).encode()


def focus_group(rng: np.random.Generator, n_words: int, n_speakers: int = 12) -> tuple[str, bytes]:
    """A focus group file with a moderator and n_speakers - 1 participants."""
    speakers = ["Moderator"] + FIRST_NAMES[:n_speakers - 1]
    turns = _turns(rng, n_words, speakers, "Moderator")
    return "Focusgroep - bewoners Noord.txt", transcript_text(turns).encode()


def code_names(n: int) -> list[tuple[str, str | None]]:
    """(name, parent name) for n codes: themes at the top, 'theme qualifier' below them."""
    heads = CODE_HEADS[:max(3, min(len(CODE_HEADS), n // 10))]
    names: list[tuple[str, str | None]] = [(h, None) for h in heads]
    rng = np.random.default_rng(SEED + 1)
    pairs = [(h, q) for h in CODE_HEADS for q in CODE_QUALIFIERS]
    for i in rng.permutation(len(pairs)):
        if len(names) >= n:
            break
        head, qualifier = pairs[i]
        names.append((f"{head} {qualifier}", head if head in heads else None))
    return names[:n]


# -- bewonersvragen -------------------------------------------------------------------------------

QUESTION_TEMPLATES = [
    "Waarom is de {voorziening} bij het {plek} {toestand}?",
    "Wanneer gaat de {voorziening} in {buurt} weer open?",
    "Kan de gemeente iets doen aan de {probleem} in onze {woning}?",
    "Hoe lang is de wachtlijst voor {dienst} in {buurt}?",
    "Wie helpt {groep} met {onderwerp}?",
    "Waar kan {groep} terecht voor {dienst}?",
    "Klopt het dat de {voorziening} in {buurt} {toestand} is?",
    "Hoe vraag ik {regeling} aan als ik {situatie}?",
    "Komt er een nieuwe {voorziening} bij het {plek}?",
    "Waarom krijgen we geen antwoord van de {instantie} over {onderwerp}?",
    "Is er {dienst} voor {groep} in {buurt}?",
    "Ik voel me 's avonds niet veilig bij het {plek}, kan daar {maatregel} komen?",
    "Wat gebeurt er met het {plek} als de {woning} wordt gesloopt?",
    "Mijn {familie} {situatie}, waar kan {wie} hulp krijgen?",
    "Hoe kunnen bewoners meepraten over {onderwerp} in {buurt}?",
    "Waarom duurt {dienst} bij de {instantie} zo lang?",
    "Kunnen de {groep} van {buurt} gratis {activiteit}?",
    "Wie ruimt het {afval} op het {plek} op?",
]
SLOTS = {
    "voorziening": ["speeltuin", "buurthuis", "bibliotheek", "huisartsenpost", "sporthal",
                    "buurtkamer", "taalcafé", "zwembad", "jongerencentrum", "voedselbank"],
    "plek": ["Waterlandplein", "Mosplein", "metrostation", "winkelcentrum", "park", "pleintje",
             "Buikslotermeerplein", "Osdorpplein", "Bijlmerplein", "Gaasperpark"],
    "toestand": ["dicht", "kapot", "vies", "gesloten", "onveilig", "te vol", "niet bereikbaar"],
    "buurt": ["de Banne", "Tuindorp Oostzaan", "Geuzenveld", "Slotermeer", "Osdorp",
              "Gaasperdam", "de Bijlmer", "Holendrecht", "Nieuwendam", "Volewijck"],
    "probleem": ["schimmel", "tocht", "lekkage", "kou", "overlast", "geluidsoverlast", "muizen"],
    "woning": ["flat", "woning", "portiek", "galerij", "huurwoning"],
    "dienst": ["schuldhulp", "taalles", "huiswerkbegeleiding", "thuiszorg", "een huisarts",
               "jeugdhulp", "een sociale huurwoning", "een fysiotherapeut", "de kinderopvang"],
    "groep": ["ouderen", "jongeren", "nieuwkomers", "moeders", "mantelzorgers", "kinderen",
              "statushouders", "alleenstaande ouders"],
    "onderwerp": ["hun digitale post", "formulieren", "de energierekening", "toeslagen",
                  "de huur", "werk zoeken", "de nieuwe plannen", "de verbouwing", "schulden"],
    "regeling": ["de stadspas", "bijzondere bijstand", "een parkeervergunning",
                 "huurtoeslag", "een kwijtschelding", "de energietoeslag"],
    "situatie": ["geen DigiD heb", "net ben verhuisd", "mijn baan kwijt ben",
                 "de taal nog niet spreek", "schulden heb", "alleen ben met drie kinderen"],
    "instantie": ["gemeente", "woningcorporatie", "belastingdienst", "wijkteam", "GGD"],
    "maatregel": ["meer licht", "een camera", "toezicht", "een buurtwacht"],
    "familie": ["moeder", "vader", "zoon", "dochter", "buurvrouw", "oma"],
    "wie": ["zij", "hij", "ik", "we"],
    "activiteit": ["zwemles volgen", "sporten", "naar de muziekschool", "op kamp"],
    "afval": ["zwerfvuil", "grofvuil", "glas", "fietswrakken"],
}
WIJKEN = ["nieuw-west", "zuidoost", "noord"]
ASKER_GROUPS = ["bewoner", "bewonersinitiatief", "praktijkpartner", "vrijwilligersorganisatie",
                "professional", "anders"]


def question(rng: np.random.Generator) -> str:
    """One bewonersvraag from a template, sometimes with an extra remark from the long tail."""
    template = QUESTION_TEMPLATES[int(rng.integers(len(QUESTION_TEMPLATES)))]
    filled = template.format(**{k: v[int(rng.integers(len(v)))] for k, v in SLOTS.items()})
    if rng.random() < 0.35:
        filled += " " + sentences(rng, int(rng.integers(5, 12)))[0]
    return filled


def questions(n: int, seed: int = SEED) -> list[dict]:
    """n bewonersvragen over three wijkwerkplaatsen and two years."""
    rng = np.random.default_rng(seed)
    start = date(2024, 6, 1)
    return [{"wijk_id": WIJKEN[int(rng.integers(3))], "text": question(rng),
             "asked_on": start + timedelta(days=int(rng.integers(0, 700))),
             "asker_group": ASKER_GROUPS[int(rng.integers(len(ASKER_GROUPS)))]}
            for _ in range(n)]


# -- the monitor ------------------------------------------------------------------------------

AREA_PARTS = (["Ooster", "Wester", "Noorder", "Zuider", "Nieuw", "Oud", "Hoog", "Laag",
               "Groen", "Zand", "Veen", "Dijk", "Water", "Linden", "Eiken", "Berken"],
              ["park", "veld", "buurt", "wijk", "dorp", "kwartier", "hof", "dam", "meer",
               "weide", "haven", "kade"])
SIZE_CLASSES = ["< 5.000 inwoners", "5.000 - 10.000 inwoners", "10.000 - 20.000 inwoners",
                "20.000 inwoners of meer"]
TOPICS = ["Wonen", "Veiligheid", "Gezondheid", "Meedoen", "Inkomen"]
LIKERT = {1: "Helemaal oneens", 2: "Oneens", 3: "Neutraal", 4: "Eens", 5: "Helemaal eens",
          9: "Weet niet"}
YES_NO = {1: "Ja", 2: "Nee"}
MENTIONED = {0: "Niet genoemd", 1: "Genoemd"}


def area_names(n: int) -> list[str]:
    """n distinct Dutch-looking area names (Oosterpark, Zandveld, ...)."""
    names = [a + b for a in AREA_PARTS[0] for b in AREA_PARTS[1]]
    rng = np.random.default_rng(SEED + 2)
    return [str(names[i]) for i in rng.permutation(len(names))[:n]]


def frame_units(areas: int, per_area: int = 4) -> list[dict]:
    """The frame: per_area buurten in each of `areas` gebieden (the region attribute), with a
    size class and a population."""
    rng = np.random.default_rng(SEED + 3)
    units = []
    for a, area in enumerate(area_names(areas)):
        for b in range(per_area):
            population = int(rng.integers(1_500, 30_000))
            size = sum(population >= limit for limit in (5_000, 10_000, 20_000))
            units.append({"code": f"BU{a:02d}{b:02d}", "name": f"{area} {b + 1}",
                          "region": area, "size_class": SIZE_CLASSES[size],
                          "population": population})
    return units


def variables(n: int) -> list[dict]:
    """n questionnaire variables: statements (Likert, 'weet niet' missing), report marks,
    yes/no questions and one multiple-response set, spread over five topics."""
    result = []
    kinds = ["likert"] * 8 + ["rapportcijfer"] * 4 + ["enkelvoudig"] * 4 + ["meervoudig"] * 4
    for i in range(n):
        kind, topic = kinds[i % len(kinds)], TOPICS[(i // 4) % len(TOPICS)]
        var: dict[str, Any] = {"name": f"v{i + 1:03d}", "type": kind, "topic": topic,
                               "label": f"{topic}: {kind} {i + 1}",
                               "question": f"Vraag {i + 1} over {topic.lower()}"}
        if kind == "likert":
            var.update(value_labels=LIKERT, missing_codes=[9], higher_is_better=True)
        elif kind == "enkelvoudig":
            var.update(value_labels=YES_NO)
        elif kind == "meervoudig":
            var.update(value_labels=MENTIONED, mr_set=f"set_{topic.lower()}")
        result.append(var)
    return result


def _answers(rng: np.random.Generator, kind: str, n: int, shift: np.ndarray) -> np.ndarray:
    """Answer codes of one variable for n respondents (about 4% missing)."""
    if kind == "likert":
        values = np.clip(np.round(3.3 + shift + rng.normal(0, 1.1, n)), 1, 5)
        values[rng.random(n) < 0.05] = 9
    elif kind == "rapportcijfer":
        values = np.clip(np.round(7.0 + shift + rng.normal(0, 1.3, n)), 1, 10)
    elif kind == "enkelvoudig":
        values = np.where(rng.random(n) < 0.6 + shift / 5, 1.0, 2.0)
    else:
        values = (rng.random(n) < 0.3 + shift / 5).astype(float)
    values = values.astype(float)
    values[rng.random(n) < 0.04] = np.nan
    return values


def wave(units: list[dict], specs: list[dict], n: int, seed: int) -> pd.DataFrame:
    """A wave of n respondents: unit code, completion date, weight and one column per
    variable; areas differ a little, so the tests against the rest find something."""
    rng = np.random.default_rng(seed)
    chosen = rng.integers(0, len(units), n)
    regions = sorted({u["region"] for u in units})
    area_effect = rng.normal(0, 0.25, len(regions))
    shift = area_effect[[regions.index(units[i]["region"]) for i in range(len(units))]][chosen]
    data = {"eenheid": np.array([u["code"] for u in units])[chosen],
            "ingevuld": pd.Timestamp("2026-03-01") + pd.to_timedelta(
                rng.integers(0, 60, n), unit="D"),
            "gewicht": np.round(rng.lognormal(0, 0.35, n), 4)}
    for var in specs:
        data[var["name"]] = _answers(rng, var["type"], n, shift)
    return pd.DataFrame(data)
