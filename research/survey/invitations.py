"""Fieldwork from the app: a wave's online questionnaire, one personal link per frame unit,
the answers followed as they come, and closing that makes them the wave (issue 22).

Starting fieldwork for a wave creates the (empty) wave, a `fieldworks` row with the
questionnaire as the respondents' pages show it, and one invitation per frame unit with a
code of 160 random bits (base32). The public door never opens this database: the
questionnaire and each link's code hash go into the fieldwork file beside it
(`research.public.fieldwork`), in the same step as the rows here, and the door writes the
answers there. The Respons page reads submitted links from that file while the fieldwork is
open (`answered_units`); closing reads every answer, routes it as the pages did, and loads
it into the wave through `intake.load`, the path of an uploaded file (types, design,
weights, results store); the answers then leave the fieldwork file.

Contact persons (name, e-mail) are personal data: kept in `invitation_contacts`, out of the
audit log (`storage.REDACTED_COLUMNS`), read only by the analyst's pages and the mail-merge
file, whose every download is an audit event.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import secrets
from datetime import date
from pathlib import Path

import pandas as pd

from research import config, untrusted
from research.accounts import User, require
from research.exports import csv_cell
from research.public import conditions
from research.public import fieldwork as door
from research.public import questionnaire as pages
from research.storage import Store, Tx, utcnow
from research.survey import intake, readers, results
from research.survey.monitors import MonitorError

PER_PAGE = 6
# A variable name as SPSS takes it, and as a condition can name it.
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,63}")
MENTIONED = {0.0: "Niet genoemd", 1.0: "Genoemd"}
CONTACT_HEADINGS = {"code": "code", "gemeentecode": "code", "eenheid": "code",
                    "naam": "name", "contactpersoon": "name", "contact": "name",
                    "email": "email", "e-mail": "email", "e-mailadres": "email",
                    "emailadres": "email", "mail": "email"}
EMAIL = re.compile(r"[^@\s;,<>\"]+@[^@\s;,<>\"]+\.[A-Za-z]{2,}")
STATES = {"nieuw": "Niet geopend", "geopend": "Geopend", "bezig": "Bezig",
          "verstuurd": "Verstuurd"}
SOURCE = "Online vragenlijst"


def new_code() -> str:
    """A personal link's code: 160 random bits as 32 lowercase base32 characters."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").lower()


def link_url(code: str) -> str:
    """The address of a personal link (RESEARCH_PUBLIC_URL, as for published questions)."""
    return f"{config.public_url()}/m/{code}"


def file_path(store: Store) -> Path:
    """The fieldwork file beside the store's database (what the public door reads)."""
    return door.path_beside(store.path)


# -- the questionnaire --------------------------------------------------------------------------

def _options(entry: dict) -> list[list]:
    """(code, label) of a choice question: the answers in code order, 'weet niet' and other
    missing codes last."""
    labels = entry.get("value_labels") or {}
    missing = set(entry.get("missing_codes") or [])
    ordered = sorted(labels, key=lambda code: (code in missing, code))
    return [[_plain(code), str(labels[code])] for code in ordered]


def _plain(code: float) -> int | float:
    return int(code) if float(code).is_integer() else float(code)


def _question(entry: dict, where: str) -> dict:
    """One question of the online questionnaire from a questionnaire entry."""
    kind = entry.get("type")
    if kind is None:
        raise MonitorError(f"{where}: geef het type (enkelvoudig, meervoudig, likert, "
                           "rapportcijfer, getal of open).")
    question = {"name": entry["name"], "type": kind,
                "text": entry.get("question") or entry.get("label") or entry["name"],
                "condition": entry.get("condition"), "topic": entry.get("topic")}
    labels = entry.get("value_labels") or {}
    missing = [[_plain(c), str(labels[c])] for c in entry.get("missing_codes") or []
               if c in labels]
    if kind in ("enkelvoudig", "likert"):
        if not labels:
            raise MonitorError(f"{where}: een keuzevraag heeft antwoorden nodig in de kolom "
                               "'waarden' (bijvoorbeeld 1=Ja; 2=Nee; 9=Weet niet).")
        question["options"] = _options(entry)
    elif kind == "rapportcijfer":
        question["options"] = [[n, str(n)] for n in range(1, 11)] + missing
    elif kind == "getal":
        question["missing"] = missing
    return question


def questions_from_entries(entries: list[dict]) -> list[dict]:
    """The online questionnaire (see `research.public.questionnaire`) from the entries of a
    questionnaire file: the items of a multiple-response set become one question; a
    condition may name only questions before it; a page holds one topic, at most PER_PAGE
    questions and no question whose condition names another on the same page."""
    questions: list[dict] = []
    sets: dict[str, dict] = {}
    for entry in entries:
        where = f"Vraag '{entry['name']}'"
        if not NAME.fullmatch(entry["name"]) or entry["name"].endswith("."):
            raise MonitorError(f"{where}: een naam begint met een letter en bevat alleen "
                               "letters, cijfers, _ en . (hoogstens 64 tekens, zoals in SPSS).")
        if entry.get("type") == "meervoudig":
            key = entry.get("mr_set") or entry["name"]
            if key in sets:
                sets[key]["items"].append([entry["name"], entry.get("label") or entry["name"]])
                continue
            sets[key] = {"name": key, "type": "meervoudig",
                         "text": entry.get("question") or entry.get("label") or key,
                         "items": [[entry["name"], entry.get("label") or entry["name"]]],
                         "condition": entry.get("condition"), "topic": entry.get("topic")}
            questions.append(sets[key])
        else:
            questions.append(_question(entry, where))
    if not questions:
        raise MonitorError("De vragenlijst bevat geen vragen.")
    names = [q["name"] for q in questions]
    double = sorted({n for n in names if names.count(n) > 1})
    if double:
        raise MonitorError(f"Vraag '{double[0]}': die naam is ook de naam van een "
                           "meerkeuzeset; geef een van beide een andere naam.")
    _check_conditions(questions)
    return _paged(questions)


def _check_conditions(questions: list[dict]) -> None:
    """Refuse a condition that names a question not asked before it."""
    before: set[str] = set()
    for question in questions:
        if question.get("condition"):
            unknown = conditions.names(conditions.parse(question["condition"])) - before
            if unknown:
                raise MonitorError(f"Vraag '{question['name']}': de voorwaarde noemt "
                                   f"{', '.join(sorted(unknown))}, geen eerdere vraag.")
        before.update(pages.names(question))


def _paged(questions: list[dict]) -> list[dict]:
    """The questions with their page number."""
    page, topic = 0, None
    on_page: list[dict] = []
    for question in questions:
        named = conditions.names(conditions.parse(question["condition"])) \
            if question.get("condition") else set()
        if on_page and (question["topic"] != topic or len(on_page) >= PER_PAGE
                        or named & {n for q in on_page for n in pages.names(q)}):
            page, on_page = page + 1, []
        topic = question["topic"]
        on_page.append(question)
        question["page"] = page
    return questions


def variables_from_entries(entries: list[dict]) -> list[dict]:
    """The wave's variables as `readers` describes them (for loading the answers)."""
    variables = []
    for entry in entries:
        kind = entry["type"]
        labels = dict(entry.get("value_labels") or {})
        if kind == "meervoudig" and not labels:
            labels = dict(MENTIONED)
        variables.append({
            "name": entry["name"], "label": entry.get("label") or entry["name"],
            "question": entry.get("question"), "type": kind, "value_labels": labels,
            "missing_codes": list(entry.get("missing_codes") or []),
            "topic": entry.get("topic"), "higher_is_better": entry.get("higher_is_better"),
            "mr_set": (entry.get("mr_set") or entry["name"]) if kind == "meervoudig" else None})
    return variables


# -- starting -----------------------------------------------------------------------------------

def monitor_entries(store: Store, user: User, monitor_id: int) -> list[dict]:
    """The monitor's own questionnaire (its variables, from earlier waves) as questionnaire
    entries, in the order they were first loaded; no routing."""
    require(user, "survey.read")
    rows = store.rows("SELECT * FROM variables WHERE monitor_id = ? ORDER BY id", [monitor_id])
    if not rows:
        raise MonitorError("Deze monitor heeft nog geen vragen: kies een vragenlijstbestand.")
    return [{"name": r["name"], "label": r["label"], "question": r["question"],
             "type": r["type"], "topic": r["topic"], "mr_set": r["mr_set"],
             "higher_is_better": None if r["higher_is_better"] is None
             else bool(r["higher_is_better"]),
             "value_labels": {float(k): v for k, v in
                              json.loads(r["value_labels"] or "{}").items()},
             "missing_codes": [float(c) for c in json.loads(r["missing_codes"] or "[]")]}
            for r in rows]


def start(store: Store, user: User, monitor_id: int, label: str, year: int | None,
          closes_on: date, source=None, filename: str = "vragenlijst") -> int:
    """Start fieldwork for a new wave from a questionnaire file (`source`), or without one
    from the monitor's own questionnaire: the wave, one invitation per frame unit, and the
    questionnaire on the public door; returns the fieldwork's id."""
    require(user, "survey.write")
    label = str(label).strip()
    if not label:
        raise MonitorError("Geef de meting een naam, bijvoorbeeld het jaartal.")
    if closes_on < date.today():
        raise MonitorError("De sluitingsdatum ligt in het verleden.")
    monitor = store.one("SELECT id, name FROM monitors WHERE id = ?", [monitor_id])
    if monitor is None:
        raise MonitorError("Deze monitor bestaat niet.")
    if store.value("SELECT 1 FROM waves WHERE monitor_id = ? AND label = ?",
                   [monitor_id, label]):
        raise MonitorError(f"Er bestaat al een meting '{label}' in deze monitor.")
    units = store.rows("SELECT id, code, name FROM frame_units WHERE monitor_id = ?"
                       " ORDER BY code", [monitor_id])
    if not units:
        raise MonitorError("Deze monitor heeft nog geen steekproefkader: laad dat eerst.")
    try:
        entries = readers.read_questionnaire(source, filename) if source is not None \
            else monitor_entries(store, user, monitor_id)
    except readers.ReadError as error:
        raise MonitorError(error.message) from None
    questions = questions_from_entries(entries)
    content = json.dumps({"questions": questions,
                          "variables": _json_variables(variables_from_entries(entries))},
                         ensure_ascii=False)
    title = f"{monitor['name']} {label}"
    links = [(new_code(), unit) for unit in units]
    created: list[int] = []

    def apply(tx: Tx) -> int:
        now = utcnow()
        wave_id = tx.insert("waves", {"monitor_id": monitor_id, "label": label, "year": year,
                                      "fieldwork_start": date.today().isoformat(),
                                      "fieldwork_end": closes_on.isoformat(),
                                      "source": SOURCE}, entity="wave")
        fieldwork_id = tx.insert("fieldworks", {
            "wave_id": wave_id, "questionnaire": content, "closes_on": closes_on.isoformat(),
            "created_by": user.id, "created_at": now}, entity="fieldwork")
        for code, unit in links:
            invitation = tx.db.table("invitations").insert({
                "fieldwork_id": fieldwork_id, "code": code, "label": unit["name"],
                "created_at": now}).last_pk
            tx.db.table("invitation_units").insert({"invitation_id": invitation,
                                                    "unit_id": unit["id"]})
        tx.event("invitation", None, "create", after={"fieldwork_id": fieldwork_id,
                                                       "aantal": len(links)})
        created.append(fieldwork_id)
        # Inside the transaction: if the door's file cannot be written, nothing starts. A
        # fieldwork of this id left in the file (a database restored from an older backup)
        # goes first, so none of its links opens this questionnaire.
        door.remove_fieldwork(file_path(store), fieldwork_id)
        door.put_fieldwork(file_path(store), fieldwork_id, title, closes_on.isoformat(),
                           questions)
        door.put_links(file_path(store), fieldwork_id,
                       [(code, unit["name"]) for code, unit in links])
        return fieldwork_id

    try:
        return store.write(user.actor, apply)
    except BaseException:
        for fieldwork_id in created:   # written to the door's file, then the commit failed
            door.remove_fieldwork(file_path(store), fieldwork_id)
        raise


def _json_variables(variables: list[dict]) -> list[dict]:
    """Variables with their codes as JSON keys ('1', not 1.0)."""
    return [{**v, "value_labels": {str(_plain(k)): x for k, x in v["value_labels"].items()}}
            for v in variables]


def _loaded_variables(stored: list[dict]) -> list[dict]:
    """The variables kept as JSON, with their codes as numbers again."""
    return [{**v, "value_labels": {float(k): x for k, x in v["value_labels"].items()},
             "missing_codes": [float(c) for c in v["missing_codes"]]} for v in stored]


# -- reading ------------------------------------------------------------------------------------

def _fieldwork(store: Store, fieldwork_id: int) -> dict:
    row = store.one("SELECT f.*, w.label, w.year, w.monitor_id FROM fieldworks f"
                    " JOIN waves w ON w.id = f.wave_id WHERE f.id = ?", [fieldwork_id])
    if row is None:
        raise MonitorError("Dit veldwerk bestaat niet.")
    row["questionnaire"] = json.loads(row["questionnaire"])
    return row


def fieldwork(store: Store, user: User, fieldwork_id: int) -> dict:
    """One fieldwork with its wave's label and year and its questionnaire decoded."""
    require(user, "survey.read")
    return _fieldwork(store, fieldwork_id)


def of_wave(store: Store, user: User, wave_id: int) -> int:
    """The id of a wave's fieldwork, or a Dutch refusal when it was loaded from a file."""
    require(user, "survey.read")
    found = store.value("SELECT id FROM fieldworks WHERE wave_id = ?", [wave_id])
    if found is None:
        raise MonitorError("Deze meting heeft geen online veldwerk.")
    return found


def stored_variables(found: dict) -> list[dict]:
    """The variables of a fieldwork (from `fieldwork`), codes as numbers."""
    return _loaded_variables(found["questionnaire"]["variables"])


def of_monitor(store: Store, user: User, monitor_id: int) -> list[dict]:
    """The monitor's fieldworks, newest first: id, wave_id, label, closes_on, status,
    invitations, submitted (from the fieldwork file while open)."""
    require(user, "survey.read")
    rows = store.rows(
        "SELECT f.id, f.wave_id, w.label, f.closes_on, f.status, f.closed_at,"
        " (SELECT count(*) FROM invitations i WHERE i.fieldwork_id = f.id) AS invitations"
        " FROM fieldworks f JOIN waves w ON w.id = f.wave_id WHERE w.monitor_id = ?"
        " ORDER BY f.id DESC", [monitor_id])
    for row in rows:
        states = door.link_states(file_path(store), row["id"]) if row["status"] == "open" else {}
        row["submitted"] = sum(1 for s in states.values() if s["submitted_at"])
    return rows


def open_fieldwork(store: Store, user: User, wave_id: int) -> dict | None:
    """The open fieldwork of a wave, {id, closes_on, submitted (links sent so far)}, or
    None: what the Respons page follows while answers come in."""
    require(user, "survey.read")
    row = store.one("SELECT id, closes_on FROM fieldworks WHERE wave_id = ? AND"
                    " status = 'open'", [wave_id])
    if row is None:
        return None
    sent = answered_units(store, wave_id) or []
    return {**row, "submitted": len({r["invitation"] for r in sent})}


def _state(state: dict | None) -> str:
    """A link's state key (see STATES)."""
    if state is None or not state["opened_at"]:
        return "nieuw"
    if state["submitted_at"]:
        return "verstuurd"
    return "bezig" if state["saved_at"] else "geopend"


def links(store: Store, user: User, fieldwork_id: int) -> pd.DataFrame:
    """Every invitation with its contact and how far it got: id, codes, name, contact, email,
    link, status (Dutch), saved_at, sent_at. Contacts: only for those who may load waves."""
    require(user, "survey.write")
    found = _fieldwork(store, fieldwork_id)
    rows = store.rows(
        "SELECT i.id, i.code, i.label AS name, c.name AS contact, c.email,"
        " (SELECT group_concat(u.code, '; ') FROM invitation_units iu JOIN frame_units u"
        "   ON u.id = iu.unit_id WHERE iu.invitation_id = i.id) AS codes"
        " FROM invitations i LEFT JOIN invitation_contacts c ON c.invitation_id = i.id"
        " WHERE i.fieldwork_id = ? ORDER BY i.label", [fieldwork_id])
    states = door.link_states(file_path(store), fieldwork_id) \
        if found["status"] == "open" else {}
    table = []
    for row in rows:
        state = states.get(door.code_hash(row["code"]))
        table.append({"id": row["id"], "codes": row["codes"], "name": row["name"],
                      "contact": row["contact"], "email": row["email"],
                      "link": link_url(row["code"]),
                      "status": STATES[_state(state)] if found["status"] == "open"
                      else "Gesloten",
                      "saved_at": state["saved_at"] if state else None,
                      "sent_at": state["submitted_at"] if state else None})
    return pd.DataFrame(table, columns=["id", "codes", "name", "contact", "email", "link",
                                        "status", "saved_at", "sent_at"])


def reminders(store: Store, user: User, fieldwork_id: int) -> pd.DataFrame:
    """The open links (not sent yet): who to remind."""
    table = links(store, user, fieldwork_id)
    return table[table["sent_at"].isna()].reset_index(drop=True)


def answered_units(store: Store, wave_id: int) -> list[dict] | None:
    """While a wave's fieldwork is open: per frame unit whose link was sent, {invitation,
    unit, date} (a partnership's link counts for each of its units); None when the wave has
    no open fieldwork. For the live Respons page (no permission of its own: the caller's)."""
    row = store.one("SELECT id FROM fieldworks WHERE wave_id = ? AND status = 'open'",
                    [wave_id])
    if row is None:
        return None
    states = door.link_states(file_path(store), row["id"])
    answered = []
    for invitation, code, unit_id in store.table(
            "SELECT i.id, i.code, iu.unit_id FROM invitations i JOIN invitation_units iu"
            " ON iu.invitation_id = i.id WHERE i.fieldwork_id = ?", [row["id"]])[1]:
        state = states.get(door.code_hash(code))
        if state and state["submitted_at"]:
            answered.append({"invitation": invitation, "unit": unit_id,
                             "date": state["submitted_at"][:10]})
    return answered


# -- contacts -----------------------------------------------------------------------------------

def read_contacts(source: bytes, filename: str) -> list[dict]:
    """Contacts from a CSV as Excel writes it (';' or ',', BOM or not, UTF-8 or Windows-1252)
    with the headings code, naam and e-mail; a Dutch refusal naming the row otherwise."""
    if not source.strip():
        raise MonitorError(f"Bestand '{filename}' is leeg.")
    try:
        text = readers.decode_text(source, filename)
        readers.check_table_text(text, filename)
    except readers.ReadError as error:
        raise MonitorError(error.message) from None
    if untrusted.looks_binary(text[:65536], untrusted.CONTROL_SHARE_TABLE):
        raise MonitorError(f"Bestand '{filename}' is geen CSV-bestand met contactpersonen.")
    rows = list(csv.reader(io.StringIO(text, newline=""),
                           delimiter=untrusted.sniff_delimiter(text)))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise MonitorError(f"Bestand '{filename}' is leeg.")
    header = [CONTACT_HEADINGS.get(re.sub(r"[\s_]+", "", c.strip().lower())) for c in rows[0]]
    if "code" not in header or not {"name", "email"} & set(header):
        found = ", ".join(c.strip() for c in rows[0])
        raise MonitorError(f"Bestand '{filename}': de kolommen code, naam en e-mail zijn nodig "
                           f"(gevonden: {found[:80] + '…' if len(found) > 80 else found}).")
    contacts = []
    for number, row in enumerate(rows[1:], start=2):
        cells = {key: row[i].strip() for i, key in enumerate(header) if key and i < len(row)}
        if not cells.get("code"):
            raise MonitorError(f"Bestand '{filename}', rij {number}: de code ontbreekt.")
        email = cells.get("email") or None
        if email and not EMAIL.fullmatch(email):
            raise MonitorError(f"Bestand '{filename}', rij {number}: '{email}' is geen "
                               "e-mailadres.")
        name = cells.get("name") or None
        if len(name or "") > 200 or len(email or "") > 254:
            raise MonitorError(f"Bestand '{filename}', rij {number}: naam of e-mailadres is "
                               "te lang.")
        contacts.append({"code": cells["code"], "name": name, "email": email})
    return contacts


def set_contacts(store: Store, user: User, fieldwork_id: int, source: bytes,
                 filename: str) -> int:
    """Read a contacts file and set the contact of each invitation by its unit code; returns
    how many. Unknown codes refuse the whole file."""
    require(user, "survey.write")
    found = _fieldwork(store, fieldwork_id)
    contacts = read_contacts(source, filename)
    by_code = {r["code"]: r["invitation_id"] for r in store.rows(
        "SELECT u.code, iu.invitation_id FROM invitation_units iu JOIN invitations i"
        " ON i.id = iu.invitation_id JOIN frame_units u ON u.id = iu.unit_id"
        " WHERE i.fieldwork_id = ?", [found["id"]])}
    unknown = [c["code"] for c in contacts if c["code"] not in by_code]
    if unknown:
        raise MonitorError(f"Bestand '{filename}': {len(unknown)} codes staan niet in dit "
                           f"veldwerk, bijvoorbeeld {', '.join(unknown[:3])}. Er is niets "
                           "opgeslagen.")

    def apply(tx: Tx) -> int:
        for contact in contacts:
            invitation = by_code[contact["code"]]
            row = {"invitation_id": invitation, "name": contact["name"],
                   "email": contact["email"]}
            if tx.get("invitation_contacts", invitation) is None:
                tx.insert("invitation_contacts", row, entity="invitation_contact")
            else:
                tx.update("invitation_contacts", invitation, row, entity="invitation_contact")
        return len(contacts)

    return store.write(user.actor, apply)


def mail_merge(store: Store, user: User, fieldwork_id: int) -> bytes:
    """The links with their contacts as a CSV for a mail merge (';', UTF-8 with BOM, as
    Excel opens it; a cell that starts with = + - @ gets a leading apostrophe, so no
    spreadsheet runs it). Every download is an audit event: it holds personal data."""
    table = links(store, user, fieldwork_id)
    found = _fieldwork(store, fieldwork_id)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["code", "naam", "contactpersoon", "e-mail", "link", "sluitingsdatum",
                     "status"])
    for row in table.itertuples(index=False):
        writer.writerow([csv_cell(v) for v in (row.codes, row.name, row.contact,
                                                 row.email, row.link, found["closes_on"],
                                                 row.status)])
    store.write(user.actor, lambda tx: tx.event(
        "invitation_contact", None, "export", after={"fieldwork_id": fieldwork_id,
                                                      "aantal": len(table)}))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


MAIL_FIELDS = ("{naam}", "{contactpersoon}", "{link}", "{sluitingsdatum}")


def _mail_text(template: str, values: dict) -> str:
    """The template with its fields filled in (plain replacement: no format language)."""
    for field in MAIL_FIELDS:
        template = template.replace(field, str(values[field[1:-1]] or ""))
    return template


def send(store: Store, user: User, fieldwork_id: int, smtp: dict, subject: str, text: str,
         waiting_only: bool = True, connect=None) -> int:
    """Mail each contact their link through the SMTP server in `smtp` (host, port, user,
    password, sender, starttls: the [smtp] section of the secrets); the text may hold
    {naam}, {contactpersoon}, {link} and {sluitingsdatum}. With `waiting_only`, only links not
    sent yet. Returns how many mails went out; one audit event says how many."""
    import smtplib
    from email.message import EmailMessage

    require(user, "survey.write")
    found = _open(store, fieldwork_id)
    if not subject.strip() or "{link}" not in text:
        raise MonitorError("Geef een onderwerp en een tekst met {link} erin.")
    if not smtp.get("host") or not smtp.get("sender"):
        raise MonitorError("Er is geen mailserver ingesteld ([smtp] met host en sender).")
    table = reminders(store, user, fieldwork_id) if waiting_only \
        else links(store, user, fieldwork_id)
    table = table[table["email"].notna()]
    closes = found["closes_on"][8:10] + "-" + found["closes_on"][5:7] + "-" + \
        found["closes_on"][:4]
    sent = 0
    try:
        with (connect or smtplib.SMTP)(smtp["host"], int(smtp.get("port", 587)),
                                       timeout=30) as server:
            if smtp.get("starttls", True):
                server.starttls()
            if smtp.get("user"):
                server.login(smtp["user"], smtp.get("password", ""))
            for row in table.itertuples(index=False):
                values = {"naam": row.name, "contactpersoon": row.contact,
                          "link": row.link, "sluitingsdatum": closes}
                message = EmailMessage()
                message["From"], message["To"] = smtp["sender"], row.email
                message["Subject"] = _mail_text(subject, values).replace("\n", " ")
                message.set_content(_mail_text(text, values))
                server.send_message(message)
                sent += 1
    except (OSError, smtplib.SMTPException) as error:
        raise MonitorError(f"De mailserver gaf een fout na {sent} mails: {error}.") from None
    finally:
        if sent:
            store.write(user.actor, lambda tx: tx.event(
                "invitation_contact", None, "mail", after={"fieldwork_id": fieldwork_id,
                                                            "aantal": sent}))
    return sent


# -- changing -----------------------------------------------------------------------------------

def _open(store: Store, fieldwork_id: int) -> dict:
    found = _fieldwork(store, fieldwork_id)
    if found["status"] != "open":
        raise MonitorError("Dit veldwerk is gesloten.")
    return found


def set_closing_date(store: Store, user: User, fieldwork_id: int, closes_on: date) -> None:
    """Move the closing date (the links work through that day)."""
    require(user, "survey.write")
    _open(store, fieldwork_id)
    if closes_on < date.today():
        raise MonitorError("De sluitingsdatum ligt in het verleden.")

    def apply(tx: Tx) -> None:
        tx.update("fieldworks", fieldwork_id, {"closes_on": closes_on.isoformat()},
                  entity="fieldwork")
        door.set_state(file_path(store), fieldwork_id, closes_on=closes_on.isoformat())

    store.write(user.actor, apply)


def combine(store: Store, user: User, fieldwork_id: int, invitation_ids: list[int],
            label: str) -> str:
    """One link for a regional partnership answering for several units: the units' own
    links (of one unit each, not yet used) are replaced by it. Returns its address."""
    require(user, "survey.write")
    _open(store, fieldwork_id)
    label = label.strip()
    wanted = sorted({int(i) for i in invitation_ids})
    if not label:
        raise MonitorError("Geef het samenwerkingsverband een naam.")
    if len(wanted) < 2:
        raise MonitorError("Kies minstens twee eenheden voor een samenwerkingsverband.")
    marks = ", ".join("?" * len(wanted))
    old = store.rows(f"SELECT i.id, i.code, min(iu.unit_id) AS unit_id, count(*) AS units"
                     f" FROM invitations i JOIN invitation_units iu ON iu.invitation_id = i.id"
                     f" WHERE i.fieldwork_id = ? AND i.id IN ({marks}) GROUP BY i.id",
                     [fieldwork_id, *wanted])
    if len(old) != len(wanted) or any(r["units"] != 1 for r in old):
        raise MonitorError("Een gekozen eenheid hoort al bij een samenwerkingsverband of "
                           "staat niet in dit veldwerk.")
    states = door.link_states(file_path(store), fieldwork_id)
    if any(_state(states.get(door.code_hash(r["code"]))) in ("bezig", "verstuurd") for r in old):
        raise MonitorError("Een gekozen eenheid heeft al antwoorden opgeslagen; die link blijft.")
    code = new_code()

    def apply(tx: Tx) -> None:
        for row in old:
            tx.delete("invitations", row["id"], entity="invitation")
        invitation = tx.insert("invitations", {"fieldwork_id": fieldwork_id, "code": code,
                                               "label": label, "created_at": utcnow()},
                               entity="invitation")
        for row in old:
            tx.link("invitation_units", {"invitation_id": invitation,
                                         "unit_id": row["unit_id"]})
        door.put_links(file_path(store), fieldwork_id, [(code, label)])
        door.remove_links(file_path(store), [r["code"] for r in old])

    store.write(user.actor, apply)
    return link_url(code)


# -- closing ------------------------------------------------------------------------------------

def answers_table(store: Store, fieldwork_id: int) -> tuple[pd.DataFrame, list[dict]]:
    """The sent answers as a wave file's data (a row per sent link: eenheid with its unit
    codes, ingevuld, a column per variable; questions not asked are empty) and the
    variables."""
    found = _fieldwork(store, fieldwork_id)
    variables = stored_variables(found)
    questions = found["questionnaire"]["questions"]
    states = door.link_states(file_path(store), fieldwork_id)
    rows = []
    for invitation in store.rows(
            "SELECT i.code, (SELECT group_concat(u.code, '; ') FROM invitation_units iu"
            " JOIN frame_units u ON u.id = iu.unit_id WHERE iu.invitation_id = i.id) AS codes"
            " FROM invitations i WHERE i.fieldwork_id = ? ORDER BY i.id", [fieldwork_id]):
        state = states.get(door.code_hash(invitation["code"]))
        if not state or not state["submitted_at"]:
            continue
        answers = pages.routed(questions, state["answers"])
        rows.append({"eenheid": invitation["codes"], "ingevuld": state["submitted_at"][:10],
                     **{v["name"]: answers.get(v["name"]) for v in variables}})
    data = pd.DataFrame(rows, columns=["eenheid", "ingevuld", *[v["name"] for v in variables]])
    for var in variables:
        if var["type"] != "open":
            data[var["name"]] = pd.to_numeric(data[var["name"]], errors="coerce").astype(float)
        else:
            data[var["name"]] = data[var["name"]].astype(object)
    return data, variables


def close(store: Store, user: User, fieldwork_id: int) -> tuple[int, int]:
    """Close the fieldwork: the links stop at once, the sent answers become the wave (the
    path of a loaded file: types, design, weights, results), and leave the fieldwork file.
    Returns (wave id, result rows). Nothing changes when the load is refused."""
    require(user, "survey.write")
    found = _open(store, fieldwork_id)
    path = file_path(store)
    door.set_state(path, fieldwork_id, status=door.CLOSED)   # no answer arrives meanwhile
    try:
        data, variables = answers_table(store, fieldwork_id)
        if data.empty:
            raise MonitorError("Er zijn nog geen verstuurde antwoorden; het veldwerk blijft "
                               "open.")
        wave = readers.WaveFile(data, variables, filename=SOURCE)

        def apply(tx: Tx) -> None:
            intake.load(store, user, found["monitor_id"], found["label"], found["year"], wave,
                        roles={"unit": "eenheid", "completed": "ingevuld"}, source=SOURCE,
                        compute=False, wave_id=found["wave_id"])
            tx.update("fieldworks", fieldwork_id, {"status": "gesloten",
                                                   "closed_at": utcnow()}, entity="fieldwork")

        store.write(user.actor, apply)
    except BaseException:
        door.set_state(path, fieldwork_id, status=door.OPEN)
        raise
    door.remove_fieldwork(path, fieldwork_id)
    return found["wave_id"], results.compute(store, user, found["wave_id"])
