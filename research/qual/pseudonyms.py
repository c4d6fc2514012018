"""Pseudonymisation before analysis, with the key kept apart from the analysis data.

At import, `suggest` proposes what to replace: names, places, addresses, phone numbers, e-mail
addresses, dates, ages, web addresses and BSNs found by the Dutch de-identification package
deduce; street names without a house number, workplaces and organisations, and years of birth
found by patterns of our own (`_found_by_patterns`: deduce misses them); the speakers' own
names, the originals already in this project's key (so a name is replaced the same way in
every document) and names the user adds. Recall on a labelled Dutch interview is measured in
tests/test_qual_pseudonyms.py (tests/data/pseudoniemen_gelabeld.yaml). The user accepts, rejects
or changes each; `apply` replaces every occurrence, `remember` stores the new pairs.

The key (original -> pseudonym) lives in its own SQLite file beside the database
(`<naam>-sleutels.db`, readable by the owner only), is readable in the app only by a beheerder
or the project lead, never goes into an export or the audit log, and can be deleted to make
the project's data anonymous.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence, Set
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import sqlite_utils

from research import worker
from research.accounts import PermissionDenied, User
from research.qual.projects import ProjectError, is_lead, require_read, require_write
from research.qual.transcripts import Transcript, Turn
from research.storage import StorageError, Store, utcnow

# deduce's tags -> our kinds; the label is what the pseudonym says ("[Persoon 2]").
KINDS = {
    "deelnemer": "Deelnemer", "persoon": "Persoon", "plaats": "Plaats", "adres": "Adres",
    "instelling": "Instelling", "telefoonnummer": "Telefoonnummer", "email": "E-mailadres",
    "url": "Website", "datum": "Datum", "leeftijd": "Leeftijd", "bsn": "BSN", "nummer": "Nummer",
    "geboortejaar": "Geboortejaar",
}
# Kinds whose pseudonyms are numbered (two different people must stay two people); the
# others only say what was there.
NUMBERED = {"deelnemer", "persoon", "plaats", "adres", "instelling"}
DEDUCE_KINDS = {
    "persoon": "persoon", "patient": "persoon", "locatie": "plaats", "ziekenhuis": "instelling",
    "zorginstelling": "instelling", "instelling": "instelling", "telefoonnummer": "telefoonnummer",
    "emailadres": "email", "url": "url", "datum": "datum", "leeftijd": "leeftijd", "bsn": "bsn",
    "patientnummer": "nummer", "id": "nummer",
}
STREET = re.compile(r"(straat|weg|laan|plein|gracht|kade|dijk|singel|pad|hof|dreef|steeg|"
                    r"park|markt|dwarsstraat)\b|\d", re.IGNORECASE)
# Street names as Dutch streets end: 'Kinkerstraat', 'Burgemeester de Vlugtlaan'. Endings that
# common nouns share ('Snelweg', 'Woningmarkt') count only inside a sentence (capitalised
# there, the word is a name) or with a house number.
STREET_SUFFIXES = ("straat", "laan", "plein", "gracht", "kade", "dijk", "singel", "dreef",
                   "steeg", "plantsoen", "allee", "boulevard", "burgwal", "dwarsstraat", "weg",
                   "pad", "hof", "park", "markt", "kanaal", "wal", "baan", "poort")
_CAP = r"(?:[A-ZÀ-Ý][\w'’-]*)"
_NAME_PARTICLES = r"(?:van|de|der|den|het|'t|ter|ten|voor|op|aan)"
# A street: capitalised words (particles between them), the last ending in a street suffix
# after a stem of three letters or more, and a house number when there is one.
STREET_NAME = re.compile(
    rf"(?<![\w-])(?:{_CAP}[ \t]+(?:(?:van|de|der|den|het|'t|ter|ten|en)[ \t]+){{0,2}}){{0,3}}"
    rf"[A-ZÀ-Ý][\w'’-]{{2,}}?(?:{'|'.join(STREET_SUFFIXES)})(?![\w-])"
    r"(?P<number>[ \t]+\d{1,4}(?:[ \t]?[a-zA-Z](?![\w-])|[ \t]?-[ \t]?\d{1,4})?)?")
# Organisations by the word they carry ('Stichting Buurtwerk Oost', 'Hervormd Lyceum Zuid',
# 'Hogeschool van Amsterdam', 'Bakkerij Visser BV', 'gemeente Amsterdam').
# Written with a capital or not ('buurthuis De Koffiepot'); a name with a capital follows.
_ORG_WORDS = "|".join(
    f"[{word[0]}{word[0].lower()}]{word[1:]}" for word in (
        "Stichting", "Vereniging", "Coöperatie", "Hogeschool", "Universiteit", "Ziekenhuis",
        "Basisschool", "School", "Huisartsenpraktijk", "Praktijk", "Woningcorporatie",
        "Woonstichting", "Bibliotheek", "Buurthuis", "Buurtcentrum", "Wijkcentrum",
        "Lyceum", "College", "Gymnasium", "Academie", "Kliniek", "Apotheek",
        "Bakkerij", "Slagerij", "Supermarkt", "Kerk", "Moskee", "Sportschool", "Sportclub",
        "Voetbalclub", "Kinderopvang", "Crèche", "Zorggroep", "Thuiszorg", "Verpleeghuis",
        "Verzorgingshuis", "Bedrijf", "Fabriek", "Winkel", "Café", "Restaurant"))
_NAME_RUN = rf"{_CAP}(?:[ \t]+(?:(?:van|de|der|den|het|'t|ter|ten)[ \t]+){{0,2}}{_CAP}){{0,3}}"
ORGANISATION = re.compile(
    rf"(?<![\w-])(?:(?:{_CAP}[ \t]+){{0,2}}(?P<word>{_ORG_WORDS})"
    rf"(?P<tail>(?:[ \t]+(?:(?:van|de|der|den|het|'t|ter|ten|voor)[ \t]+){{0,2}}{_CAP}){{1,3}})"
    rf"|(?:{_CAP}[ \t]+){{1,3}}(?:{_ORG_WORDS}|BV|B\.V\.|NV|N\.V\.|Groep)(?![\w-])"
    rf"|[Gg]emeente[ \t]+{_CAP})")
# A workplace, school or club after 'werk bij', 'in dienst bij', 'zit op', ...: the
# capitalised name after the preposition ('bij Albert Heijn', 'bij het OLVG', 'op De Regenboog').
WORKPLACE = re.compile(
    r"(?<![\w-])(?:werk|werkt|werkte|werkten|gewerkt|werkzaam|dienst|stage|stagiair|vrijwilliger|"
    r"vrijwilligerswerk|baan|baantje|bijbaan|studeer|studeert|studeerde|school|leerling|lid|"
    r"zit|zat|zitten|ging|gaat|ga|gewerkt)(?![\w-])[^.?!\n]{0,40}?(?<![\w-])(?:bij|op|aan|voor)"
    rf"[ \t]+(?:de[ \t]+|het[ \t]+)?(?P<name>{_NAME_RUN})")
# An organisation named with an article after a preposition: 'naar de Dirk', 'bij de GGD',
# 'van het Rode Kruis' (a person's name never takes an article; a street is a street).
ARTICLE_NAME = re.compile(
    rf"(?<![\w-])(?:[Bb]ij|[Nn]aar|[Vv]an|[Oo]p|[Vv]ia|[Vv]oor|[Mm]et)[ \t]+(?:de|het)[ \t]+"
    rf"(?P<name>{_NAME_RUN})")
# A year of birth: 'geboren in 1958', 'geboortejaar 1958', 'hij is van 1955'.
BIRTH_YEAR = re.compile(
    r"(?<![\w-])(?:geboren|geboortejaar|geb\.|ben van|is van|was van|bent van|zijn van|"
    r"jaargang|jaartje)(?![\w-])[^.?!\n]{0,30}?(?<!\d)(?P<year>(?:19|20)\d{2})(?!\d)",
    re.IGNORECASE)
# Cheap finders of where a street or organisation can be: the full patterns run only around
# them, so a long transcript of capitalised words costs no more than reading it.
_STREET_HINT = re.compile(rf"(?:{'|'.join(STREET_SUFFIXES)})(?![\w-])")
_ORG_HINT = re.compile(rf"(?:{_ORG_WORDS}|BV|B\.V\.|NV|N\.V\.|Groep|[Gg]emeente)")
_SENTENCE_START = re.compile(r"(?:^|[.?!:;]\s+|\n\s*|[\"“‘(]\s*)$")
# Capitalised words that start sentences or are common, never a name by themselves.
_NOT_A_NAME = {"Ik", "Je", "Jij", "U", "Hij", "Zij", "Ze", "We", "Wij", "Het", "De", "Een", "Dat",
               "Die", "Dit", "Daar", "Hier", "Toen", "En", "Maar", "Ja", "Nee", "Nou", "Mijn",
               "Zijn", "Haar", "Ons", "Onze", "Hun", "Ook", "Dus", "Want", "Als", "Wat", "Wie"}
# Speaker labels that already say nothing about who spoke.
GENERIC_SPEAKER = re.compile(
    r"^(int|interviewer|respondent|resp|moderator|gespreksleider|deelnemer|spreker|onderzoeker|"
    r"[a-z]{1,3})\.?\s*\d*$", re.IGNORECASE)


@dataclass(frozen=True)
class Suggestion:
    """One distinct text to replace, how often it occurs, and the proposed pseudonym."""

    original: str
    kind: str
    pseudonym: str
    count: int
    source: str          # 'deduce', 'spreker', 'sleutel' (already in the key), 'lijst' (user)
    known: bool = False  # already in the project's key: the pseudonym is fixed


def key_path(store: Store) -> Path:
    """The key file that belongs to the store's database."""
    return store.path.with_name(f"{store.path.stem}-sleutels.db")


def _key_db(store: Store) -> sqlite_utils.Database:
    path = key_path(store)
    new = not path.exists()
    db = sqlite_utils.Database(path)
    if new:
        # Only the account that runs the app may read the key.
        os.chmod(path, 0o600)
    db.execute("CREATE TABLE IF NOT EXISTS pseudonyms (project_id INTEGER NOT NULL,"
               " original TEXT NOT NULL, kind TEXT NOT NULL, pseudonym TEXT NOT NULL,"
               " created_by TEXT, created_at TEXT NOT NULL, PRIMARY KEY (project_id, original))")
    return db


def _known(store: Store, project_id: int) -> dict[str, tuple[str, str]]:
    """original -> (kind, pseudonym) for the project (internal: never shown unchecked)."""
    if not key_path(store).exists():
        return {}
    db = _key_db(store)
    try:
        return {r["original"]: (r["kind"], r["pseudonym"]) for r in db.query(
            "SELECT original, kind, pseudonym FROM pseudonyms WHERE project_id = ?", [project_id])}
    finally:
        db.close()


@contextmanager
def root_logging_kept():
    """Put the root logger's level and handlers back as they were when the block ends.

    deduce calls `logging.basicConfig(stream=sys.stdout, level=logging.DEBUG)` when it is
    imported; in the app's process (whose root logger has no handler yet) that would print
    every library's DEBUG lines. Import deduce inside this block, wherever it is imported."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


@lru_cache(maxsize=1)
def _deduce():
    """The de-identifier, built once per process (loading its lookup tables takes seconds)."""
    with root_logging_kept():
        from deduce import Deduce
    return Deduce()


def warm() -> None:
    """Build the de-identifier now (the model worker's warm-up at the app's start)."""
    _deduce()


def detect(text: str) -> list[tuple[str, str]]:
    """(text, kind) of every name, place, address, number ... deduce and our own patterns
    find in `text`.

    Runs in the model worker when the app started it: deduce's million objects must not
    live in the app's process (see `research.worker`)."""
    return worker.MODELS.run(_found, text)


def _found(text: str) -> list[tuple[str, str]]:
    """What our patterns find, then what deduce finds: where both find the same text, the
    patterns' kind wins (deduce takes 'werk bij Albert Heijn' for a person)."""
    return _found_by_patterns(text) + _found_by_deduce(text)


def _around(text: str, hint: re.Pattern, pattern: re.Pattern, before: int = 160,
            after: int = 160):
    """The matches of `pattern` in the stretches of text around the matches of `hint`."""
    ranges: list[list[int]] = []
    for found in hint.finditer(text):
        start, end = max(0, found.start() - before), min(len(text), found.end() + after)
        if ranges and start <= ranges[-1][1]:
            ranges[-1][1] = end
        else:
            ranges.append([start, end])
    for start, end in ranges:
        # pos/endpos, not a slice: the lookbehinds still see the character before `start`.
        yield from pattern.finditer(text, start, end)


def _found_by_patterns(text: str) -> list[tuple[str, str]]:
    """(text, kind) of street names (also without a house number), organisations and
    workplaces, and years of birth: direct identifiers deduce does not look for."""
    found: dict[str, str] = {}
    for match in _around(text, _STREET_HINT, STREET_NAME):
        street = match.group(0).strip()
        at_start = _SENTENCE_START.search(text[max(0, match.start() - 3):match.start()]) \
            is not None or match.start() == 0
        if at_start and len(street.split()) == 1 and not match["number"]:
            continue   # 'Snelweg is druk': a common noun starting a sentence
        found.setdefault(street, "adres")
    for match in _around(text, _ORG_HINT, ORGANISATION):
        name = match.group(0).strip()
        if match["word"] and match["word"][0].islower() and match.start() == match.start("word"):
            # 'buurthuis De Koffiepot': the name is the identifier, 'buurthuis' may stay.
            name = re.sub(r"^(?:(?:van|de|der|den|het|'t|ter|ten|voor)\s+)+", "",
                          match["tail"].strip())
        found.setdefault(name, "instelling")
    for match in [*WORKPLACE.finditer(text), *ARTICLE_NAME.finditer(text)]:
        name = match["name"].strip()
        if name in _NOT_A_NAME or name.endswith(STREET_SUFFIXES) or \
                any(name in other for other in found):
            continue
        found.setdefault(name, "instelling")
    for match in BIRTH_YEAR.finditer(text):
        found.setdefault(match["year"], "geboortejaar")
    return list(found.items())


def _found_by_deduce(text: str) -> list[tuple[str, str]]:
    """(text, kind) of every annotation deduce makes in `text`."""
    found = []
    for annotation in _deduce().deidentify(text).annotations:
        kind = DEDUCE_KINDS.get(annotation.tag)
        if kind is None:
            continue
        if kind == "plaats" and STREET.search(annotation.text):
            kind = "adres"
        found.append((annotation.text.strip(), kind))
    return found


def _pattern(original: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(original) + r"(?!\w)")


def _count(transcript: Transcript, original: str) -> int:
    pattern = _pattern(original)
    return sum(len(pattern.findall(turn.text)) for turn in transcript.turns) + sum(
        1 for turn in transcript.turns if turn.speaker == original)


def suggest(store: Store, user: User, project_id: int, transcript: Transcript,
            extra: Sequence[str] = (), pending: dict[str, tuple[str, str]] | None = None,
            detected: list[tuple[str, str]] | None = None) -> list[Suggestion]:
    """What to replace in a transcript before it is saved, with consistent pseudonyms.

    `pending` holds the pairs chosen for earlier files of the same batch (original ->
    (kind, pseudonym)), not yet in the key: they are reused and numbered after, so two
    people in two new files never get the same pseudonym. Numbers follow the order in
    which people first appear. `detected` is what `detect` found in the transcript's text,
    when the caller kept it from an earlier run (the model is the slow part)."""
    require_write(store, user, project_id)
    known = _known(store, project_id)
    taken = {**known, **(pending or {})}
    text, _ = transcript.render()
    candidates: dict[str, tuple[str, str]] = {}
    for speaker in transcript.speakers():
        if not GENERIC_SPEAKER.match(speaker):
            candidates.setdefault(speaker, ("deelnemer", "spreker"))
    for name in extra:
        if name.strip():
            candidates.setdefault(name.strip(), ("persoon", "lijst"))
    for original in taken:
        if _pattern(original).search(text):
            candidates.setdefault(original, (taken[original][0], "sleutel"))
    for original, kind in detect(text) if detected is None else detected:
        if original and not original.isdigit() or kind in ("leeftijd", "bsn", "nummer",
                                                           "geboortejaar"):
            candidates.setdefault(original, (kind, "deduce"))
    numbers = _next_numbers(taken, _in_texts(store, project_id))
    suggestions = []
    for original in sorted(candidates, key=lambda o: (_first_position(text, o), -len(o))):
        kind, source = candidates[original]
        count = _count(transcript, original)
        if count == 0:
            continue
        if original in taken:
            suggestions.append(Suggestion(original, taken[original][0], taken[original][1],
                                          count, "sleutel", known=original in known))
            continue
        suggestions.append(Suggestion(original, kind, _label(kind, numbers), count, source))
    return sorted(suggestions, key=lambda s: (list(KINDS).index(s.kind),
                                              _first_position(text, s.original)))


def _first_position(text: str, original: str) -> int:
    found = _pattern(original).search(text)
    return found.start() if found else len(text)


def check(store: Store, project_id: int, chosen: list[Suggestion]) -> None:
    """Refuse a choice that would give one pseudonym to two different originals (the
    analysis would merge two people), against the key and within the choice itself."""
    owners: dict[str, str] = {}
    for original, (_, pseudonym) in _known(store, project_id).items():
        owners.setdefault(pseudonym, original)
    for suggestion in chosen:
        # "[Datum]" may stand for many dates; a numbered person or place for one only.
        owner = owners.setdefault(suggestion.pseudonym, suggestion.original)
        if suggestion.kind in NUMBERED and owner != suggestion.original:
            raise ProjectError(f"{suggestion.pseudonym} staat al voor iemand of iets anders; "
                               "kies een andere vervanging.")


# A numbered pseudonym as `_label` writes it: "[Persoon 2]".
NUMBERED_LABEL = re.compile(r"\[(" + "|".join(KINDS[k] for k in sorted(NUMBERED)) + r") (\d+)\]")


def _in_texts(store: Store, project_id: int) -> set[str]:
    """The numbered pseudonyms that stand in the project's pseudonymised documents."""
    found: set[str] = set()
    for row in store.rows("SELECT text FROM documents WHERE project_id = ? AND pseudonymised = 1",
                          [project_id]):
        found.update(match.group(0) for match in NUMBERED_LABEL.finditer(row["text"]))
    return found


def _next_numbers(known: dict[str, tuple[str, str]], in_texts: Set[str] = frozenset()
                  ) -> dict[str, int]:
    """The highest number given so far per kind, in the key and in the documents: when the
    key and the database are out of step (a database restored from an older backup, a key
    file lost), a new person must still never get the number of someone in a document."""
    numbers = {kind: 0 for kind in NUMBERED}
    by_label = {label: kind for kind, label in KINDS.items()}
    labels = [(kind, pseudonym) for kind, pseudonym in known.values()]
    for text in in_texts:
        m = NUMBERED_LABEL.match(text)
        assert m is not None  # each one was found by this pattern
        labels.append((by_label[m.group(1)], m.group(0)))
    for kind, pseudonym in labels:
        match = re.search(r"(\d+)\]$", pseudonym)
        if kind in numbers and match:
            numbers[kind] = max(numbers[kind], int(match.group(1)))
    return numbers


def missing_from_key(store: Store, user: User, project_id: int) -> list[str]:
    """Numbered pseudonyms in the project's documents that its key does not hold (lead or
    beheerder only): the key and the database are out of step, and those people can no
    longer be traced back."""
    _require_key_reader(store, user, project_id)
    kept = {pseudonym for _, pseudonym in _known(store, project_id).values()}
    return sorted(_in_texts(store, project_id) - kept,
                  key=lambda p: (p.split()[0], int(p.rsplit(" ", 1)[1][:-1])))


def _label(kind: str, numbers: dict[str, int]) -> str:
    if kind not in NUMBERED:
        return f"[{KINDS[kind]}]"
    numbers[kind] += 1
    return f"[{KINDS[kind]} {numbers[kind]}]"


def apply(transcript: Transcript, choices: dict[str, str]) -> Transcript:
    """The transcript with every occurrence of each chosen original (longest first, whole
    words only) replaced by its pseudonym, in the text and in the speaker names."""
    for original, pseudonym in choices.items():
        if not pseudonym.strip():
            raise ProjectError(f"Geef een vervanging voor '{original}'.")
    ordered = sorted(choices, key=len, reverse=True)
    if not ordered:
        return transcript
    pattern = re.compile("|".join(r"(?<!\w)" + re.escape(o) + r"(?!\w)" for o in ordered))

    def swap(text: str) -> str:
        return pattern.sub(lambda m: choices[m.group(0)], text)

    turns = [Turn(choices.get(t.speaker, swap(t.speaker)) if t.speaker else t.speaker,
                  swap(t.text), t.time_s) for t in transcript.turns]
    return replace(transcript, turns=turns, name=swap(transcript.name))


def remember(store: Store, user: User, project_id: int, chosen: list[Suggestion]
             ) -> list[str]:
    """Store the new original -> pseudonym pairs in the key file; returns the originals that
    were new (for `forget`, should the document they belong to not be saved).

    The audit log records the pseudonyms made, never the originals."""
    require_write(store, user, project_id)
    known = _known(store, project_id)
    new = [s for s in chosen if s.original not in known]
    if not new:
        return []
    db = _key_db(store)
    try:
        with db.conn:
            db.table("pseudonyms").insert_all([
                {"project_id": project_id, "original": s.original, "kind": s.kind,
                 "pseudonym": s.pseudonym, "created_by": user.username, "created_at": utcnow()}
                for s in new])
    finally:
        db.close()
    try:
        store.write(user.actor, lambda tx: tx.event(
            "pseudonym_key", project_id, "create", None,
            {"pseudoniemen": sorted({s.pseudonym for s in new}), "aantal": len(new)}))
    except BaseException:
        # Unlogged pairs must not stay (a full disk refused the event).
        _delete_pairs(store, project_id, [s.original for s in new])
        raise
    return [s.original for s in new]


def _delete_pairs(store: Store, project_id: int, originals: list[str]) -> None:
    db = _key_db(store)
    try:
        with db.conn:
            db.conn.executemany("DELETE FROM pseudonyms WHERE project_id = ? AND original = ?",
                                [(project_id, original) for original in originals])
    finally:
        db.close()


def forget(store: Store, user: User, project_id: int, originals: list[str]) -> None:
    """Take pairs out of the key again: those `remember` stored for a document that was then
    refused (a full disk, a lock), so the key holds no names of a document that is not
    there."""
    if not originals or not key_path(store).exists():
        return
    _delete_pairs(store, project_id, originals)
    try:
        store.write(user.actor, lambda tx: tx.event(
            "pseudonym_key", project_id, "delete", None,
            {"aantal": len(originals), "reden": "document niet opgeslagen"}))
    except StorageError:
        pass  # the database refuses every write now (a full disk): the pairs are gone anyway


def _require_key_reader(store: Store, user: User, project_id: int) -> None:
    require_read(store, user, project_id)
    if not is_lead(store, user, project_id):
        raise PermissionDenied("Alleen de projectleider of een beheerder ziet de sleutel.")


def key_entries(store: Store, user: User, project_id: int) -> list[dict]:
    """The project's key (lead or beheerder only); reading it is logged."""
    _require_key_reader(store, user, project_id)
    rows = sorted(({"original": o, "kind": KINDS[k], "pseudonym": p}
                   for o, (k, p) in _known(store, project_id).items()),
                  key=lambda r: (r["kind"], r["pseudonym"]))
    store.write(user.actor, lambda tx: tx.event("pseudonym_key", project_id, "read", None,
                                                {"aantal": len(rows)}))
    return rows


def delete_key(store: Store, user: User, project_id: int) -> int:
    """Delete the project's key for good (the data become anonymous); returns how many
    pairs went. The file is vacuumed so the originals do not linger in free pages."""
    _require_key_reader(store, user, project_id)
    if not key_path(store).exists():
        return 0
    db = _key_db(store)
    try:
        with db.conn:
            count = db.execute("DELETE FROM pseudonyms WHERE project_id = ?",
                               [project_id]).rowcount
        db.execute("VACUUM")
    finally:
        db.close()
    store.write(user.actor, lambda tx: tx.event("pseudonym_key", project_id, "delete", None,
                                                {"aantal": count}))
    return count
