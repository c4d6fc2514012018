"""The grouping job: proposals from open questions, confirmed, split or rejected by the
coordinator; measured against the labelled paraphrase groups."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from research.accounts import PermissionDenied
from research.nlp import lemma_text
from research.tracker import grouping, questions
from research.tracker.grouping import GroupingError

LABELLED = Path(__file__).parent / "data" / "bewonersvragen_gelabeld.yaml"


def log(store, user, text, wijk="noord"):
    return questions.log_question(store, user, wijk_id=wijk, asked_on=date(2026, 3, 2),
                                  text=text, asker_group="bewoner", today=date(2026, 3, 2))


@pytest.fixture
def asked(store, users):
    coby = users["coordinator"]
    return [log(store, coby, t) for t in (
        "Wanneer gaat de speeltuin aan de Waterlandplein weer open?",
        "Gaat de speeltuin bij het Waterlandplein nog open?",
        "Waarom is de speeltuin op het Waterlandplein dicht?",
        "Hoe kan ik huurtoeslag aanvragen?",
        "Waar vraag ik huurtoeslag aan?",
        "Is er een taalcafé in de buurt?")]


def test_proposals_confirm_split_and_reject(store, users, asked):
    coby = users["coordinator"]
    found = grouping.proposals(store, coby, "noord")
    assert [[q["id"] for q in p["questions"]] for p in found] == [asked[:3], asked[3:5]]
    # Confirm the playground group without its third question: a split.
    group = grouping.confirm(store, coby, "noord", asked[:2], "Speeltuin Waterlandplein")
    grouping.reject(store, coby, "noord", asked[3:5])
    assert grouping.proposals(store, coby, "noord") == []
    assert [(g["title"], [q["id"] for q in g["questions"]])
            for g in grouping.groups(store, coby, "noord")] == [
        ("Speeltuin Waterlandplein", asked[:2])]
    with pytest.raises(GroupingError, match="^Een van de vragen zit al in een groep.$"):
        grouping.confirm(store, coby, "noord", asked[1:3], "Dubbel")
    with pytest.raises(GroupingError, match="^Een groep heeft minstens twee vragen.$"):
        grouping.confirm(store, coby, "noord", [asked[5]], "Alleen")
    grouping.dissolve(store, coby, group)
    assert grouping.groups(store, coby, "noord") == []


def test_only_the_own_wijk(store, users, asked):
    with pytest.raises(PermissionDenied):
        grouping.confirm(store, users["lezer"], "noord", asked[:2], "Lezer")
    other = log(store, users["beheerder"], "Een vraag in Zuidoost", wijk="zuidoost")
    with pytest.raises(GroupingError, match="^Alle vragen van een groep horen bij dezelfde"):
        grouping.confirm(store, users["beheerder"], "noord", [asked[0], other], "Gemengd")


def test_measured_on_the_labelled_set():
    data = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["vragen"]
    found, truth = [], []
    for wijk in ("nieuw-west", "zuidoost", "noord"):
        rows = [{"id": q["id"], "text": q["tekst"], "lemmas": lemma_text(q["tekst"])}
                for q in data if q["wijk"] == wijk]
        found += grouping.clusters(rows)
        groups: dict[int, list[int]] = {}
        for q in data:
            if q["wijk"] == wijk and q.get("groep"):
                groups.setdefault(q["groep"], []).append(q["id"])
        truth += list(groups.values())
    assert grouping.pair_scores(found, truth) == (0.577, 0.539)
