"""Bewonersvragen: residents' questions logged per wijkwerkplaats.

A coordinator writes in their own wijkwerkplaatsen and reads the others, as every role with
`tracker.read` does. No resident's name is stored with a question: who asked is a group.
Contact details, only with recorded consent, live in their own table (research.tracker.contacts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from research.accounts import PermissionDenied, User, can, require
from research.errors import UserError
from research.nlp import lemma_text, lemmas, quoted_terms, search_text
from research.storage import SYSTEM, Store, Tx, utcnow

ASKER_GROUPS = {
    "bewoner": "Bewoner",
    "bewonersinitiatief": "Bewonersinitiatief",
    "praktijkpartner": "Praktijkpartner",
    "vrijwilligersorganisatie": "Vrijwilligersorganisatie",
    "professional": "Professional (gemeente, zorg, school)",
    "anders": "Anders",
}
STATUSES = {"open": "Open", "gekoppeld": "Gekoppeld", "gesloten": "Gesloten"}
MAX_TEXT = 4000


class QuestionError(UserError):
    """A refused question, with a Dutch message."""


def visible_wijken(store: Store, user: User) -> list[str]:
    """The wijkwerkplaatsen whose questions this user may read (all of them, or none)."""
    if not can(user, "tracker.read"):
        return []
    return [r["id"] for r in store.rows("SELECT id FROM wijkwerkplaatsen ORDER BY name")]


def own_wijken(store: Store, user: User) -> list[str]:
    """The wijkwerkplaatsen in which this user may log questions."""
    return [w for w in visible_wijken(store, user) if can(user, "tracker.write", w)]


def log_question(store: Store, user: User, *, wijk_id: str, asked_on: date, text: str,
                 asker_group: str, place: str = "", programme_id: str | None = None,
                 domain_id: str | None = None, today: date | None = None,
                 future_confirmed: bool = False) -> int:
    """Record one bewonersvraag; returns its id.

    A date in the future is refused unless the user confirmed it (it is usually a typo).
    """
    require(user, "tracker.write", wijk_id,
            "Je kunt alleen vragen vastleggen voor je eigen wijkwerkplaats.")
    text = text.strip()
    if not text:
        raise QuestionError("Schrijf de vraag op in de woorden van de bewoner.")
    if len(text) > MAX_TEXT:
        raise QuestionError(f"Een vraag is hoogstens {MAX_TEXT} tekens.")
    if asker_group not in ASKER_GROUPS:
        raise QuestionError("Kies wie de vraag stelde.")
    if asked_on > (today or date.today()) and not future_confirmed:
        raise QuestionError("De datum ligt in de toekomst. Klopt dat? Bevestig het dan.")
    if not store.value("SELECT 1 FROM wijkwerkplaatsen WHERE id = ?", [wijk_id]):
        raise QuestionError("Onbekende wijkwerkplaats.")
    return store.write(user.actor, lambda tx: tx.insert("questions", {
        "wijk_id": wijk_id, "asked_on": asked_on.isoformat(), "place": place.strip() or None,
        "text": text, "lemmas": lemma_text(text), "asker_group": asker_group,
        "programme_id": programme_id or None,
        "domain_id": domain_id or None, "status": "open", "created_by": user.id,
        "created_at": utcnow()}, entity="question"))


def fill_lemmas(store: Store) -> int:
    """Give every question stored without lemmas (from before migration 0002, which leaves
    them to this so that it replays the same whatever the lemmatiser becomes) its lemmas;
    returns how many were filled. The search index follows by its trigger."""
    empty = store.rows("SELECT id, text FROM questions WHERE lemmas = '' AND text != ''")
    filled = [(found, row["id"]) for row in empty if (found := lemma_text(row["text"]))]
    if filled:
        def apply(tx: Tx) -> None:
            tx.db.conn.executemany("UPDATE questions SET lemmas = ? WHERE id = ?", filled)
            tx.event("question", None, "lemmas", None, {"aantal": len(filled)})
        store.write(SYSTEM, apply)
    return len(filled)


def fts_query(text: str) -> str | None:
    """An FTS5 expression requiring every content lemma of `text` (each quoted, so that
    words like NOT or a '*' are searched for, not obeyed); None when there is none."""
    return quoted_terms(lemmas(search_text(text)))


@dataclass(frozen=True)
class Selection:
    """The questions a user may read under a page's filters: the WHERE clause and its
    parameters, built once (the user's wijkwerkplaatsen read, the search lemmatised) for both
    the count and the page of rows. `where` is None when nothing can match."""

    where: str | None
    params: tuple = ()

    def count(self, store: Store) -> int:
        """How many questions are selected."""
        if self.where is None:
            return 0
        return store.value(f"SELECT count(*) FROM questions q WHERE {self.where}",
                           list(self.params))

    def rows(self, store: Store, limit: int | None = None, offset: int = 0) -> list[dict]:
        """The selected questions, newest first; with `limit`, that many from `offset` on."""
        if self.where is None:
            return []
        page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
        return store.rows(
            "SELECT q.id, q.asked_on, w.name AS wijkwerkplaats, q.place, q.text, q.asker_group,"
            " p.name AS programme, d.name AS life_domain, q.status"
            " FROM questions q JOIN wijkwerkplaatsen w ON w.id = q.wijk_id"
            " LEFT JOIN programmes p ON p.id = q.programme_id"
            " LEFT JOIN life_domains d ON d.id = q.domain_id"
            f" WHERE {self.where} ORDER BY q.asked_on DESC, q.id DESC{page}",
            list(self.params))


def select(store: Store, user: User, *, wijk_id: str | None = None,
           programme_id: str | None = None, since: date | None = None,
           until: date | None = None, search: str = "") -> Selection:
    """The questions this user may read, optionally filtered by wijkwerkplaats, programme,
    period and words. `search` finds questions containing every word, by lemma
    ("speeltuinen" finds "speeltuin"), through the FTS5 index."""
    wijken = visible_wijken(store, user)
    if wijk_id is not None:
        wijken = [w for w in wijken if w == wijk_id]
    if not wijken:
        return Selection(None)
    where = [f"q.wijk_id IN ({', '.join('?' * len(wijken))})"]
    params: list = list(wijken)
    if programme_id:
        where.append("q.programme_id = ?")
        params.append(programme_id)
    if since:
        where.append("q.asked_on >= ?")
        params.append(since.isoformat())
    if until:
        where.append("q.asked_on <= ?")
        params.append(until.isoformat())
    if search.strip():
        expression = fts_query(search)
        if expression is None:
            return Selection(None)
        where.append("q.id IN (SELECT rowid FROM questions_fts WHERE questions_fts MATCH ?)")
        params.append(expression)
    return Selection(" AND ".join(where), tuple(params))


def list_questions(store: Store, user: User, *, limit: int | None = None, offset: int = 0,
                   **filters) -> list[dict]:
    """The questions this user may read, newest first, filtered as `select` filters; with
    `limit`, that many from `offset` on (a page of the list: reading all 20,000 questions on
    every click cost a tenth of a second and 20,000 objects for Streamlit's garbage
    collection)."""
    return select(store, user, **filters).rows(store, limit, offset)


def count_questions(store: Store, user: User, **filters) -> int:
    """How many questions `list_questions` would return with the same filters (without
    any: how many this user may read, the start page's figure)."""
    return select(store, user, **filters).count(store)


def count_by_programme(store: Store, user: User) -> list[dict]:
    """Per wijkwerkplaats and programme, how many questions this user may read."""
    wijken = visible_wijken(store, user)
    if not wijken:
        return []
    return store.rows(
        "SELECT w.name AS wijk, coalesce(p.name, '(geen programma)') AS programme,"
        " count(*) AS questions FROM questions q JOIN wijkwerkplaatsen w ON w.id = q.wijk_id"
        " LEFT JOIN programmes p ON p.id = q.programme_id"
        f" WHERE q.wijk_id IN ({', '.join('?' * len(wijken))})"
        " GROUP BY w.name, p.name ORDER BY w.name, questions DESC", wijken)


LINK_KINDS = {"zelfde": "Zelfde vraag", "verwant": "Verwante vraag"}


def get_question(store: Store, user: User, question_id: int) -> dict:
    """One question (any wijk, for readers), or a Dutch refusal."""
    if not can(user, "tracker.read"):
        raise PermissionDenied()
    row = store.one("SELECT * FROM questions WHERE id = ?", [question_id])
    if row is None:
        raise QuestionError(f"Vraag {question_id} bestaat niet.")
    return row


def link_questions(store: Store, user: User, question_id: int, other_id: int, kind: str) -> None:
    """Mark two questions of one wijkwerkplaats as the same question or as related.

    Linking never merges: both questions stay as they were logged.
    """
    if kind not in LINK_KINDS:
        raise QuestionError("Kies 'zelfde vraag' of 'verwante vraag'.")
    if question_id == other_id:
        raise QuestionError("Een vraag kan niet aan zichzelf worden gekoppeld.")
    first, second = (get_question(store, user, i) for i in sorted((question_id, other_id)))
    require(user, "tracker.write", first["wijk_id"],
            "Je kunt alleen vragen van je eigen wijkwerkplaats koppelen.")
    if first["wijk_id"] != second["wijk_id"]:
        raise QuestionError("Alleen vragen van dezelfde wijkwerkplaats kunnen worden gekoppeld.")

    def apply(tx) -> None:
        key = {"question_id": first["id"], "other_id": second["id"]}
        tx.unlink("question_links", key)
        tx.link("question_links", {**key, "kind": kind, "created_by": user.id,
                                   "created_at": utcnow()})
    store.write(user.actor, apply)


def unlink_questions(store: Store, user: User, question_id: int, other_id: int) -> None:
    """Remove the link between two questions."""
    first = get_question(store, user, min(question_id, other_id))
    require(user, "tracker.write", first["wijk_id"],
            "Je kunt alleen vragen van je eigen wijkwerkplaats ontkoppelen.")
    store.write(user.actor, lambda tx: tx.unlink("question_links", {
        "question_id": min(question_id, other_id), "other_id": max(question_id, other_id)}))


def links_of(store: Store, user: User, question_id: int) -> list[dict]:
    """The questions linked to this one: id, text, asked_on and kind."""
    get_question(store, user, question_id)
    return store.rows(
        "SELECT q.id, q.text, q.asked_on, l.kind FROM question_links l"
        " JOIN questions q ON q.id = CASE WHEN l.question_id = :id THEN l.other_id"
        " ELSE l.question_id END"
        " WHERE l.question_id = :id OR l.other_id = :id ORDER BY q.asked_on, q.id",
        {"id": question_id})


def close_question(store: Store, user: User, question_id: int, today: date | None = None) -> None:
    """Close a question; its contact details are erased a set time after this date."""
    row = get_question(store, user, question_id)
    require(user, "tracker.write", row["wijk_id"],
            "Je kunt alleen vragen van je eigen wijkwerkplaats sluiten.")
    if row["status"] == "gesloten":
        raise QuestionError("Deze vraag is al gesloten.")
    closed = (today or date.today()).isoformat()
    store.write(user.actor, lambda tx: tx.update(
        "questions", question_id, {"status": "gesloten", "closed_at": closed}, entity="question"))
