"""Documents of a qualitative project: text kept exactly, speaker turns, cases, the search index.

The stored text is what every coding offset counts in (Python string indices), so it is kept
exactly as imported with only line ends made `\\n`. It can still be corrected after coding:
`edit_text` moves every coding and turn along with the edit.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from research.accounts import User
from research.qual import cases, memos, search
from research.qual.projects import ProjectError, project_of, require_read, require_write
from research.storage import Store, Tx, utcnow

if TYPE_CHECKING:
    from research.qual.transcripts import Transcript

DOCUMENT_KINDS = {"interview": "Interview", "focusgroep": "Focusgroep", "document": "Document",
                  "open-antwoorden": "Open antwoorden (monitor)"}
MAX_CHARACTERS = 5_000_000


@dataclass(frozen=True)
class TurnSpan:
    """A speaker turn as stored: the utterance's characters [start, end) and who spoke."""

    start: int
    end: int
    speaker: str | None = None
    time_s: float | None = None


def normalise_newlines(text: str) -> str:
    """Make every line end `\\n` (and nothing else: coding offsets depend on the text)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def paragraph_turns(text: str) -> list[TurnSpan]:
    """Blank-line separated paragraphs as speaker-less turns (for text without speakers)."""
    spans, start = [], 0
    for block in text.split("\n\n"):
        stripped = block.strip()
        if stripped:
            offset = start + block.index(stripped)
            spans.append(TurnSpan(offset, offset + len(stripped)))
        start += len(block) + 2
    return spans


# -- reading ----------------------------------------------------------------------------------

def documents(store: Store, user: User, project_id: int) -> list[dict]:
    """The project's documents (without their text) in interview order."""
    require_read(store, user, project_id)
    return store.rows(
        "SELECT d.id, d.name, d.kind, d.held_on, d.position, d.source_format, d.pseudonymised,"
        " length(d.text) AS characters,"
        " (SELECT count(*) FROM codings g WHERE g.document_id = d.id) AS codings,"
        " (SELECT count(DISTINCT t.case_id) FROM turns t WHERE t.document_id = d.id) AS speakers"
        " FROM documents d WHERE d.project_id = ?"
        " ORDER BY d.held_on IS NULL, d.held_on, d.position, d.name", [project_id])


def document(store: Store, user: User, document_id: int) -> dict:
    """One document with its text."""
    row = store.one("SELECT * FROM documents WHERE id = ?", [document_id])
    if row is None:
        raise ProjectError("Dit document bestaat niet.")
    require_read(store, user, row["project_id"])
    return row


def turns(store: Store, user: User, document_id: int) -> list[dict]:
    """The turns of a document in order, with the speaker's case name."""
    document(store, user, document_id)
    return store.rows(
        "SELECT t.id, t.position, t.start_pos, t.end_pos, t.time_s, t.case_id, c.name AS speaker"
        " FROM turns t LEFT JOIN cases c ON c.id = t.case_id WHERE t.document_id = ?"
        " ORDER BY t.position", [document_id])


def sentences(store: Store, user: User, document_id: int) -> list[dict]:
    """The sentence spans of a document (for one-click sentence coding)."""
    document(store, user, document_id)
    return store.rows("SELECT start_pos, end_pos FROM qual_sentences WHERE document_id = ?"
                      " ORDER BY start_pos", [document_id])


# -- adding -----------------------------------------------------------------------------------

def _check_text(name: str, text: str) -> None:
    if not text.strip():
        raise ProjectError(f"Het document '{name}' is leeg.")
    if "\x00" in text:
        # A NUL means binary content; SQLite's text functions also stop counting at it.
        raise ProjectError(f"Het document '{name}' bevat binaire tekens (NUL); "
                           "is het wel een tekstbestand?")
    if len(text) > MAX_CHARACTERS:
        raise ProjectError(f"Het document '{name}' is te lang ({len(text):,} tekens; "
                           f"hoogstens {MAX_CHARACTERS:,}).".replace(",", "."))


def _check_turns(name: str, text: str, spans: list[TurnSpan]) -> None:
    previous = 0
    for span in spans:
        if not previous <= span.start <= span.end <= len(text):
            raise ProjectError(f"De sprekersbeurten van '{name}' passen niet op de tekst.")
        previous = span.end


def _case_ids(tx: Tx, project_id: int, names: dict[str, str]) -> dict[str, int]:
    """The case of every speaker label (`names`: label -> case name), created when new."""
    ids = {}
    for label, name in names.items():
        found = tx.db.execute("SELECT id FROM cases WHERE project_id = ? AND name = ?",
                              [project_id, name]).fetchone()
        ids[label] = found[0] if found else tx.insert(
            "cases", {"project_id": project_id, "name": name}, entity="case")
    return ids


def _write_turns(tx: Tx, project_id: int, document_id: int, spans: list[TurnSpan],
                 case_names: dict[str, str] | None = None) -> None:
    """The document's turns, each linked to the case of its speaker (`case_names`: label ->
    case name; a label not in it is its own case name)."""
    labels = dict.fromkeys(s.speaker for s in spans if s.speaker)
    cases = _case_ids(tx, project_id, {label: (case_names or {}).get(label, label)
                                       for label in labels})
    tx.db.execute("DELETE FROM turns WHERE document_id = ?", [document_id])
    tx.insert_all("turns", [
        {"document_id": document_id, "position": i, "start_pos": s.start, "end_pos": s.end,
         "case_id": cases.get(s.speaker) if s.speaker else None, "time_s": s.time_s}
        for i, s in enumerate(spans)],
        {"document_id": document_id}, entity="turns")


def check_new(store: Store, user: User, project_id: int, name: str, text: str
              ) -> tuple[str, str]:
    """Refuse, before anything is written, a document this project cannot take (no right to
    write, no name, empty, binary or too long text, a name already used); returns the name
    and text as they would be stored."""
    require_write(store, user, project_id)
    name = name.strip()
    if not name:
        raise ProjectError("Geef het document een naam.")
    text = normalise_newlines(text)
    _check_text(name, text)
    if store.value("SELECT 1 FROM documents WHERE project_id = ? AND name = ?", [project_id, name]):
        raise ProjectError(f"Er is al een document '{name}' in dit project.")
    return name, text


def add_document(store: Store, user: User, project_id: int, name: str, text: str,
                 kind: str = "interview", held_on: str | None = None, *,
                 turns: list[TurnSpan] | None = None, source_format: str = "txt",
                 pseudonymised: bool = False, case_modes: dict[str, str] | None = None) -> int:
    """Store a document with its turns (paragraphs when none are given) and index it for
    search; returns its id. Everything is written in one transaction or not at all.

    Each speaker label becomes a case (see `cases.case_name`): `case_modes` says per label
    'eigen' (a case of this document) or 'gedeeld' (one case across documents); by default
    a generic label ('Respondent', 'INT') is 'eigen', a name 'gedeeld'."""
    if kind not in DOCUMENT_KINDS:
        raise ProjectError(f"Onbekend soort document '{kind}'.")
    name, text = check_new(store, user, project_id, name, text)
    spans = paragraph_turns(text) if turns is None else turns
    _check_turns(name, text, spans)
    case_names = {label: cases.case_name(label, name, (case_modes or {}).get(label))
                  for label in dict.fromkeys(s.speaker for s in spans if s.speaker)}
    # Tokenising happens before the transaction, so the write lock is held only for writing.
    index = search.sentence_rows(text, [(s.start, s.end) for s in spans])

    def apply(tx: Tx) -> int:
        position = tx.db.execute("SELECT coalesce(max(position), 0) + 1 FROM documents"
                                 " WHERE project_id = ?", [project_id]).fetchone()[0]
        document_id = tx.insert("documents", {
            "project_id": project_id, "name": name, "kind": kind, "held_on": held_on,
            "text": text, "imported_at": utcnow(), "source_format": source_format,
            "pseudonymised": int(pseudonymised), "position": position}, entity="document")
        _write_turns(tx, project_id, document_id, spans, case_names)
        search.write_index(tx, document_id, index)
        return document_id

    return store.write(user.actor, apply)


def import_transcript(store: Store, user: User, project_id: int, transcript: Transcript, *,
                      name: str | None = None, kind: str | None = None,
                      held_on: str | None = None, pseudonymised: bool = False,
                      case_modes: dict[str, str] | None = None) -> int:
    """Store a read (and previewed) transcript: its rendered text and its turns (for
    `case_modes` see `add_document`)."""
    text, spans = transcript.render()
    turn_spans = [TurnSpan(start, end, turn.speaker, turn.time_s)
                  for (start, end), turn in zip(spans, transcript.turns, strict=True)]
    if kind is None:
        kind = "focusgroep" if len(transcript.speakers()) > 2 else "interview"
    return add_document(store, user, project_id, name or transcript.name, text, kind, held_on,
                        turns=turn_spans, source_format=transcript.source_format,
                        pseudonymised=pseudonymised, case_modes=case_modes)


# -- changing ---------------------------------------------------------------------------------

def update_document(store: Store, user: User, document_id: int, *, name: str | None = None,
                    kind: str | None = None, held_on: str | None = None) -> None:
    """Change a document's name, kind or interview date (not its text: see `edit_text`)."""
    project_id = project_of(store, "documents", document_id)
    require_write(store, user, project_id)
    changes: dict = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise ProjectError("Geef het document een naam.")
        if store.value("SELECT 1 FROM documents WHERE project_id = ? AND name = ? AND id != ?",
                       [project_id, name, document_id]):
            raise ProjectError(f"Er is al een document '{name}' in dit project.")
        changes["name"] = name
    if kind is not None:
        if kind not in DOCUMENT_KINDS:
            raise ProjectError(f"Onbekend soort document '{kind}'.")
        changes["kind"] = kind
    if held_on is not None:
        changes["held_on"] = held_on or None
    store.write(user.actor, lambda tx: tx.update("documents", document_id, changes,
                                                  entity="document"))


def reorder(store: Store, user: User, project_id: int, ordered_ids: list[int]) -> None:
    """Set the project's own document order (used when interviews have no date)."""
    require_write(store, user, project_id)
    known = {r["id"] for r in store.rows("SELECT id FROM documents WHERE project_id = ?",
                                         [project_id])}
    if set(ordered_ids) != known or len(ordered_ids) != len(known):
        raise ProjectError("Geef elk document van het project precies één plaats.")

    def apply(tx: Tx) -> None:
        for position, document_id in enumerate(ordered_ids, 1):
            tx.update("documents", document_id, {"position": position}, entity="document")

    store.write(user.actor, apply)


def offset_mapper(old: str, new: str):
    """A function taking an offset in `old` to the corresponding offset in `new`.

    Text inserted exactly at a coding's edge stays outside it (a start maps after the
    insertion, an end before it); an edge inside replaced text moves to the edge of the
    replacement, so the coding keeps covering what replaced its words."""
    return _mapper(_diff(old, new), len(new))


def _diff(old: str, new: str) -> list:
    """The opcodes of the character diff from `old` to `new`."""
    return difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()


def coding_mapper(old: str, new: str):
    """A function taking a coding (start, end) in `old` to (start, end) in `new`.

    As `offset_mapper`, except where a deletion could equally have been made elsewhere
    because the same characters repeat ("ja ja" -> "ja": the first or the second "ja"): the
    diff puts it in one place, which may be the coded copy; it is then moved, within the
    repeat, to where it leaves the coding whole, so an edit beside a coding never removes it."""
    return _coding_mapper(old, _diff(old, new), len(new))


def _coding_mapper(old: str, blocks: list, new_length: int):
    """`coding_mapper` over the opcodes of a diff."""
    mapped = _mapper(blocks, new_length)

    def span(start: int, end: int) -> tuple[int, int]:
        for i, (tag, a0, a1, b0, _) in enumerate(blocks):
            if tag != "delete" or not (a0 < end and start < a1):
                continue
            size = a1 - a0
            # How far the deleted text can slide through the equal text around it.
            floor = blocks[i - 1][1] if i and blocks[i - 1][0] == "equal" else a0
            ceiling = blocks[i + 1][2] if i + 1 < len(blocks) and blocks[i + 1][0] == "equal" \
                else a1
            low = a0
            while low > floor and old[low - 1] == old[low - 1 + size]:
                low -= 1
            high = a0
            while high + size < ceiling and old[high] == old[high + size]:
                high += 1
            if start - size >= low:
                # Deleted just before the coding: the coding keeps its characters.
                return start + b0 - a1, (end + b0 - a1 if end <= ceiling else mapped(end, "end"))
            if end <= high:
                # Deleted just after it.
                return (start + b0 - a0 if start >= floor else mapped(start, "start")), \
                    end + b0 - a0
            break
        return mapped(start, "start"), mapped(end, "end")

    return span


def _mapper(blocks: list, new_length: int):
    """`offset_mapper`'s function over the opcodes of a diff."""

    def mapped(offset: int, side: str) -> int:
        same = [b0 + offset - a0 for tag, a0, a1, b0, _ in blocks
                if tag == "equal" and a0 <= offset <= a1]
        if same:
            return same[-1] if side == "start" else same[0]
        for _, a0, a1, b0, b1 in blocks:
            if a0 <= offset < a1:
                return b0 if side == "start" else b1
        return new_length

    return mapped


def edit_text(store: Store, user: User, document_id: int, new_text: str) -> dict:
    """Correct a document's text, moving its codings and turns with the edit.

    Returns the number of codings moved and removed (a coding whose whole passage was deleted
    is removed, and logged as such)."""
    row = document(store, user, document_id)
    require_write(store, user, row["project_id"])
    new_text = normalise_newlines(new_text)
    _check_text(row["name"], new_text)
    blocks = _diff(row["text"], new_text)   # once: a diff of a long text is the costly part
    mapped = _mapper(blocks, len(new_text))
    moved_coding = _coding_mapper(row["text"], blocks, len(new_text))
    codings = store.rows("SELECT id, start_pos, end_pos FROM codings WHERE document_id = ?",
                         [document_id])
    old_turns = store.rows("SELECT t.start_pos, t.end_pos, t.time_s, c.name FROM turns t"
                           " LEFT JOIN cases c ON c.id = t.case_id WHERE t.document_id = ?"
                           " ORDER BY t.position", [document_id])
    spans = [TurnSpan(mapped(t["start_pos"], "start"), mapped(t["end_pos"], "end"),
                      t["name"], t["time_s"]) for t in old_turns]
    spans = [s if s.end >= s.start else TurnSpan(s.start, s.start, s.speaker, s.time_s)
             for s in spans]
    index = search.sentence_rows(new_text, [(s.start, s.end) for s in spans])

    def apply(tx: Tx) -> dict:
        moved = removed = 0
        tx.update("documents", document_id, {"text": new_text}, entity="document")
        for coding in codings:
            start, end = moved_coding(coding["start_pos"], coding["end_pos"])
            if end <= start:
                tx.delete("codings", coding["id"], entity="coding")
                removed += 1
            elif (start, end) != (coding["start_pos"], coding["end_pos"]):
                tx.update("codings", coding["id"], {"start_pos": start, "end_pos": end},
                          entity="coding")
                moved += 1
        _write_turns(tx, row["project_id"], document_id, spans)
        tx.db.execute("DELETE FROM qual_sentences WHERE document_id = ?", [document_id])
        search.write_index(tx, document_id, index)
        return {"moved": moved, "removed": removed}

    return store.write(user.actor, apply)


def delete_document(store: Store, user: User, document_id: int) -> int:
    """Delete a document with its codings (each logged); returns how many codings went."""
    row = document(store, user, document_id)
    require_write(store, user, row["project_id"])

    def apply(tx: Tx) -> int:
        ids = [r[0] for r in tx.db.execute("SELECT id FROM codings WHERE document_id = ?",
                                           [document_id])]
        for coding_id in ids:
            memos.delete_for(tx, "coding", coding_id)
            tx.delete("codings", coding_id, entity="coding")
        memos.delete_for(tx, "document", document_id)
        memos.delete_for(tx, "passage", document_id)
        cases.delete_values(tx, "document", document_id)
        tx.delete("documents", document_id, entity="document")
        return len(ids)

    return store.write(user.actor, apply)


# -- document sets ----------------------------------------------------------------------------

def document_sets(store: Store, user: User, project_id: int) -> list[dict]:
    """The project's document sets (groups of documents, as MAXQDA's document sets) with
    their member document ids."""
    require_read(store, user, project_id)
    sets = store.rows("SELECT id, name, description FROM document_sets WHERE project_id = ?"
                      " ORDER BY name", [project_id])
    for row in sets:
        row["documents"] = [r["document_id"] for r in store.rows(
            "SELECT m.document_id FROM document_set_members m JOIN documents d"
            " ON d.id = m.document_id WHERE m.set_id = ?"
            " ORDER BY d.held_on IS NULL, d.held_on, d.position, d.name", [row["id"]])]
    return sets


def save_document_set(store: Store, user: User, project_id: int, name: str,
                      document_ids: list[int], description: str = "",
                      set_id: int | None = None) -> int:
    """Create or replace a document set (a document may be in several); returns its id."""
    require_write(store, user, project_id)
    name = " ".join(name.split())
    if not name:
        raise ProjectError("Geef de documentgroep een naam.")
    if store.value("SELECT 1 FROM document_sets WHERE project_id = ? AND name = ? AND"
                   " id IS NOT ?", [project_id, name, set_id]):
        raise ProjectError(f"Er is al een documentgroep '{name}'.")
    if set_id is not None and store.value("SELECT project_id FROM document_sets WHERE id = ?",
                                          [set_id]) != project_id:
        raise ProjectError("Deze documentgroep hoort niet bij dit project.")
    for document_id in document_ids:
        if project_of(store, "documents", document_id) != project_id:
            raise ProjectError("Een document in de groep hoort niet bij dit project.")

    def apply(tx: Tx) -> int:
        if set_id is None:
            new_id = tx.insert("document_sets", {"project_id": project_id, "name": name,
                                                 "description": description.strip()},
                               entity="document_set")
        else:
            new_id = set_id
            tx.update("document_sets", set_id, {"name": name,
                                                "description": description.strip()},
                      entity="document_set")
            tx.unlink("document_set_members", {"set_id": set_id},
                      entity="document_set_member")
        for document_id in dict.fromkeys(document_ids):
            tx.link("document_set_members", {"set_id": new_id, "document_id": document_id},
                    entity="document_set_member")
        return new_id

    return store.write(user.actor, apply)
