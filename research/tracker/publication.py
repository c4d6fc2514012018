"""Publishing a bewonersvraag for residents: what became of their question, without login.

Nothing is public by default. A coordinator of the wijkwerkplaats (or a beheerder) writes a
short summary for residents (the resident's own words are never published by default), picks
the report-backs that may be shown, and publishes. Before anything is written, the summary and
those report-backs are searched for personal data with the pseudonymisation engine (names,
street addresses, phone numbers, e-mail addresses, BSN, years and dates of birth); publishing
is refused while any remain. Withdrawing takes effect at once.

Publishing writes two places in one step: the `publications` row (with its audit event) in
the app's database, and the question's entry in the published view (`research.public.view`),
the only file the public door reads. The entry holds what the public page shows: summary,
month asked, programme, status, what was done, and the ontwikkelvragen the question fed
(title, status, milestones).

Each published question has a code of 80 random bits (16 characters of base32, ≥ 64 bits as
promised), kept when it is withdrawn and published again, so a printed slip stays valid.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Sequence
from datetime import date
from html import escape
from pathlib import Path

from research import config
from research.accounts import User, require
from research.dutch_calendar import MONTH_NAMES
from research.errors import UserError
from research.public import view
from research.qual import pseudonyms
from research.storage import Store, Tx, utcnow
from research.tracker import questions
from research.tracker.dates import format_date
from research.tracker.questions import STATUSES, get_question
from research.tracker.reportback import CHANNELS

MAX_SUMMARY = 600
# What may never be public: direct identifiers. Places ('Noord'), organisations ('buurthuis
# De Banne'), ages and ordinary dates may stay: residents need them to recognise the question.
REFUSED_KINDS = {"persoon": "een naam", "deelnemer": "een naam", "adres": "een adres",
                 "telefoonnummer": "een telefoonnummer", "email": "een e-mailadres",
                 "bsn": "een BSN", "geboortejaar": "een geboortejaar", "nummer": "een nummer"}
# A date is a date of birth when the words before it say so.
BIRTH = re.compile(r"(geboren|geb\.|geboortedatum)\W{0,3}(op\W+)?$", re.IGNORECASE)


class PublicationError(UserError):
    """A refused publication, with a Dutch message."""


def view_path(store: Store) -> Path:
    """The published view that belongs to the store's database."""
    return view.path_beside(store.path)


def new_code() -> str:
    """A public code: 80 random bits as 16 lowercase base32 characters."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()


def spaced(code: str) -> str:
    """A code as printed on a slip: 'abcd efgh ijkl mnop'."""
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def personal_data(text: str) -> list[tuple[str, str]]:
    """(found text, what it is) of every direct identifier in `text` (Dutch descriptions), in
    the order they occur."""
    found = []
    for original, kind in pseudonyms.detect(text):
        if kind in REFUSED_KINDS:
            found.append((original, REFUSED_KINDS[kind]))
        elif kind == "datum":
            before = text[:max(text.find(original), 0)]
            if BIRTH.search(before.rstrip()[-30:] + " "):
                found.append((original, "een geboortedatum"))
    # deduce gives its annotations in no fixed order.
    return sorted(dict.fromkeys(found), key=lambda item: (text.find(item[0]), item))


def _month(iso_day: str) -> str:
    """'2026-03-12' → 'maart 2026' (the public page never shows the day)."""
    year, month = iso_day[:4], int(iso_day[5:7])
    return f"{MONTH_NAMES[month - 1]} {year}"


def _require_coordinator(user: User, question: dict) -> None:
    require(user, "tracker.write", question["wijk_id"],
            "Je kunt alleen vragen van je eigen wijkwerkplaats openbaar maken.")


def of_question(store: Store, user: User, question_id: int) -> dict | None:
    """The publication of a question (published or withdrawn), or None."""
    get_question(store, user, question_id)
    row = store.one("SELECT * FROM publications WHERE question_id = ?", [question_id])
    if row is not None:
        row["reportback_ids"] = json.loads(row["reportback_ids"])
    return row


def publish(store: Store, user: User, question_id: int, summary: str,
            reportback_ids: Sequence[int] = ()) -> str:
    """Make a question public with this summary and these report-backs; returns its code.
    Publishing again replaces what was public."""
    question = get_question(store, user, question_id)
    _require_coordinator(user, question)
    summary = summary.strip()
    if not summary:
        raise PublicationError("Schrijf een korte samenvatting voor bewoners; de vraag zelf "
                               "wordt niet openbaar.")
    if len(summary) > MAX_SUMMARY:
        raise PublicationError(f"Een samenvatting is hoogstens {MAX_SUMMARY} tekens.")
    chosen = _reportbacks(store, question_id, reportback_ids)
    _refuse_personal_data(summary, chosen)
    before = store.one("SELECT * FROM publications WHERE question_id = ?", [question_id])
    code = before["code"] if before else new_code()
    entry = _entry(store, question, summary, chosen)
    now = utcnow()
    after = {"question_id": question_id, "code": code, "summary": summary,
             "reportback_ids": json.dumps([r["id"] for r in chosen]), "published_by": user.id,
             "published_at": now, "withdrawn_at": None}
    wijk_name = store.value("SELECT name FROM wijkwerkplaatsen WHERE id = ?",
                            [question["wijk_id"]])

    def apply(tx: Tx) -> None:
        if before is None:
            tx.insert("publications", after, entity="publication")
        else:
            tx.update("publications", question_id, after, entity="publication")
        # Inside the transaction: if the view cannot be written, nothing is published.
        view.write(view_path(store), code, question["wijk_id"], wijk_name,
                   question["asked_on"][:7], entry, now)

    try:
        store.write(user.actor, apply)
    except BaseException:
        if before is None or before["withdrawn_at"] is not None:
            view.remove(view_path(store), code)   # written, then the commit failed
        raise
    return code


def withdraw(store: Store, user: User, question_id: int) -> None:
    """Take a question off the public pages at once (its code shows 'niet (meer) openbaar')."""
    question = get_question(store, user, question_id)
    _require_coordinator(user, question)
    before = store.one("SELECT * FROM publications WHERE question_id = ?", [question_id])
    if before is None or before["withdrawn_at"] is not None:
        raise PublicationError("Deze vraag is niet openbaar.")
    # The view first: from this moment on nobody reads it, even if the audit write fails.
    view.remove(view_path(store), before["code"])
    store.write(user.actor, lambda tx: tx.update(
        "publications", question_id, {"withdrawn_at": utcnow()}, entity="publication"))


def published(store: Store, user: User, wijk_id: str) -> list[dict]:
    """The questions of a wijkwerkplaats that are public now, with their codes."""
    questions.visible_wijken(store, user)
    return store.rows(
        "SELECT p.question_id, p.code, p.summary, q.asked_on, q.place FROM publications p"
        " JOIN questions q ON q.id = p.question_id WHERE q.wijk_id = ? AND"
        " p.withdrawn_at IS NULL ORDER BY q.asked_on DESC, q.id DESC", [wijk_id])


def _reportbacks(store: Store, question_id: int, ids) -> list[dict]:
    wanted = {int(i) for i in ids}
    rows = store.rows("SELECT id, reported_on, how, text FROM question_reportbacks"
                      " WHERE question_id = ? ORDER BY reported_on, id", [question_id])
    unknown = wanted - {r["id"] for r in rows}
    if unknown:
        raise PublicationError("Een gekozen terugkoppeling hoort niet bij deze vraag.")
    return [r for r in rows if r["id"] in wanted]


def _refuse_personal_data(summary: str, chosen: list[dict]) -> None:
    """Refuse while the summary or a chosen report-back names a person, address, ..."""
    problems = []
    for where, text in [("De samenvatting", summary)] + [
            (f"De terugkoppeling van {format_date(date.fromisoformat(r['reported_on']))}",
             r["text"]) for r in chosen]:
        for original, what in personal_data(text):
            problems.append(f"{where} bevat {what}: ‘{original}’.")
    if problems:
        raise PublicationError("Niet gepubliceerd: haal eerst de persoonsgegevens weg. "
                               + " ".join(problems))


def _entry(store: Store, question: dict, summary: str, chosen: list[dict]) -> dict:
    """What the public page shows of a question (no text a resident wrote, no names)."""
    programme = store.value("SELECT name FROM programmes WHERE id = ?",
                            [question["programme_id"]]) if question["programme_id"] else None
    ovs = store.rows("SELECT o.id, o.title, s.name AS status FROM ov_questions l JOIN"
                     " ontwikkelvragen o ON o.id = l.ov_id JOIN ov_statuses s ON"
                     " s.id = o.status WHERE l.question_id = ? ORDER BY o.year, o.id",
                     [question["id"]])
    return {
        "summary": summary, "month": _month(question["asked_on"]), "programme": programme,
        "status": STATUSES[question["status"]],
        "done": [{"month": _month(r["reported_on"]), "how": CHANNELS.get(r["how"], r["how"]),
                  "text": r["text"]} for r in chosen],
        "ontwikkelvragen": [{
            "title": o["title"], "status": o["status"],
            "milestones": [{"title": m["title"], "done": m["done_on"] is not None,
                            "month": _month(m["done_on"] or m["due_on"])
                            if (m["done_on"] or m["due_on"]) else None}
                           for m in store.rows("SELECT title, due_on, done_on FROM"
                                               " ov_milestones WHERE ov_id = ? ORDER BY"
                                               " due_on IS NULL, due_on, id", [o["id"]])]}
            for o in ovs],
    }


def public_url(code: str) -> str:
    """The address of a question's public page (what its QR code holds)."""
    return f"{config.public_url()}/v/{code}"


def qr_svg(code: str) -> str:
    """The QR code of a question's public page as an SVG element (segno: error correction M,
    readable from a printed slip)."""
    import segno

    return segno.make(public_url(code), error="m").svg_inline(scale=4, title=spaced(code))


def slips_html(store: Store, user: User, wijk_id: str, place: str | None = None) -> str:
    """A printable A4 page (HTML) with a slip per public question of a wijkwerkplaats, or of
    one gathering (`place`): summary, code and QR code, to hand out or pin up."""
    rows = [r for r in published(store, user, wijk_id)
            if place is None or (r["place"] or "") == place]
    if not rows:
        raise PublicationError("Er zijn (hier) nog geen openbare vragen om af te drukken.")
    name = store.value("SELECT name FROM wijkwerkplaatsen WHERE id = ?", [wijk_id])
    slips = "".join(
        f'<section class="slip"><div class="qr">{qr_svg(r["code"])}</div><div>'
        f"<p><strong>{escape(r['summary'])}</strong></p>"
        f"<p>Volg wat er met deze vraag gebeurt: scan de code of ga naar<br>"
        f"<span class=\"url\">{escape(config.public_url())}/v/</span> en typ "
        f"<span class=\"code\">{escape(spaced(r['code']))}</span></p></div></section>"
        for r in rows)
    title = f"Bewonersvragen wijkwerkplaats {name}" + (f", {place}" if place else "")
    return (f'<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>'
            f"{escape(title)}</title><style>@page {{ size: A4; margin: 12mm; }} body {{ "
            "font-family: sans-serif; }} .slip {{ display: flex; gap: 6mm; border: 1px dashed "
            "#555; padding: 4mm; margin-bottom: 4mm; page-break-inside: avoid; }} .code {{ "
            "font-family: monospace; font-size: 14pt; font-weight: bold; }}</style></head>"
            f"<body><h1>{escape(title)}</h1>{slips}</body></html>")
