"""The public door's web pages: plain HTML for residents, on a phone, without login.

    /              the wijkwerkplaatsen with published questions
    /w/<wijk>      one wijkwerkplaats: its published questions
    /v/<code>      one question (the QR code on a slip opens this)
    /m/<code>      a respondent's online questionnaire (the personal link of an invitation):
                   GET shows a page of it, POST saves that page (issue 22)

A separate server (`python -m research public`, started beside the app by `make run`): it is
given the paths of the published view and the fieldwork file and nothing else, reads the view
read-only (`research.public.view`), and imports nothing of the app but this package. No
script, no cookie; the residents' pages only show. Every text is escaped; a
Content-Security-Policy forbids scripts and outside resources; each client address gets a
limited number of requests per minute (HTTP 429 beyond it). An unknown code and a withdrawn
one get the same answer, so trying codes tells nothing.

The questionnaire's pages are the one place with forms: plain HTML forms posted to the same
address (`form-action 'self'`), still without a script or a cookie. The code in the path is
the credential (160 random bits), so a form needs no CSRF token: another site cannot know it. A
link reads and writes only its own row of the fieldwork file (`research.public.fieldwork`);
an unknown code, a closed fieldwork and one past its closing date get the same answer.
"""

from __future__ import annotations

import os
import re
import threading
import time
from html import escape
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from research.public import fieldwork, questionnaire, view

VIEW_ENV = "RESEARCH_PUBLIC_VIEW"
FIELDWORK_ENV = "RESEARCH_PUBLIC_FIELDWORK"
LINK = re.compile(r"[a-z2-7]{32}")
MAX_FORM_BYTES = 256 * 1024
MAX_FORM_FIELDS = 2000
NO_LINK = "Deze link werkt niet (meer)."
PER_MINUTE = 60
CODE = re.compile(r"[a-z2-7]{16}")
WIJK = re.compile(r"[a-z0-9-]{1,40}")
NOT_PUBLIC = "Deze vraag is niet (meer) openbaar."
TOO_MANY = "Te veel verzoeken. Probeer het over een minuut opnieuw."
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self';"
                               " base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY", "Cache-Control": "no-store",
}
STYLE = """
body { font-family: system-ui, sans-serif; font-size: 1.05rem; line-height: 1.5; color: #111;
       background: #fff; max-width: 42rem; margin: 0 auto; padding: 1rem; }
a { color: #0b3d91; } a:focus { outline: 3px solid #f2c94c; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 1.5rem; }
.status { display: inline-block; border: 2px solid #111; border-radius: .3rem;
          padding: 0 .4rem; font-weight: bold; }
li { margin-bottom: .4rem; } .meta { color: #333; }
fieldset, .vraag { border: 1px solid #777; border-radius: .4rem; margin: 0 0 1.2rem;
                   padding: .6rem .8rem; }
legend, .vraagtekst { font-weight: bold; display: block; margin-bottom: .4rem; padding: 0 .2rem; }
.keuze { display: flex; align-items: center; gap: .6rem; min-height: 44px; padding: .2rem 0; }
.keuze input { width: 1.5rem; height: 1.5rem; flex: none; margin: 0; }
.cijfers { display: flex; flex-wrap: wrap; gap: 0 1rem; }
.cijfers legend { width: 100%; } .cijfers .keuze { min-width: 3.2rem; }
input[type=text], textarea { font: inherit; width: 100%; box-sizing: border-box;
  min-height: 44px; padding: .4rem; border: 2px solid #555; border-radius: .3rem; }
input:focus, textarea:focus, button:focus { outline: 3px solid #f2c94c; outline-offset: 2px; }
[aria-invalid=true] { border-color: #b00020; }
.fout { color: #b00020; font-weight: bold; margin: .2rem 0; }
.knoppen { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1.5rem 0; }
button { font: inherit; min-height: 48px; padding: .5rem 1.2rem; border-radius: .4rem;
         border: 2px solid #0b3d91; background: #fff; color: #0b3d91; cursor: pointer; }
button.hoofd { background: #0b3d91; color: #fff; }
.melding { border-left: 6px solid #0b3d91; padding: .4rem .8rem; background: #eef3fb; }
"""
# The questionnaire's pages post their forms to themselves; nothing else changes.
FORM_HEADERS = {**HEADERS, "Content-Security-Policy": HEADERS["Content-Security-Policy"]
                .replace("form-action 'none'", "form-action 'self'")}


def view_file() -> Path:
    """The published view this server shows (given by the command that starts it)."""
    return Path(os.environ[VIEW_ENV])


def fieldwork_file() -> Path:
    """The fieldwork file this server takes answers into (given by the command that starts
    it, beside the published view by default)."""
    chosen = os.environ.get(FIELDWORK_ENV)
    if chosen:
        return Path(chosen)
    shown = view_file()
    return shown.with_name(shown.name.replace("-openbaar.db", "-veldwerk.db"))


def page(title: str, body: str, status: int = 200, headers: dict | None = None) -> HTMLResponse:
    """A whole page around `body` (already escaped HTML)."""
    return HTMLResponse(
        f'<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f'<body><main>{body}</main></body></html>', status_code=status,
        headers=headers or HEADERS)


def _index(request: Request) -> Response:
    items = "".join(f'<li><a href="/w/{escape(wijk_id)}">{escape(name)}</a> '
                    f'({count} {"vraag" if count == 1 else "vragen"})</li>'
                    for wijk_id, name, count in view.wijken(view_file()))
    body = ("<h1>Wat er met bewonersvragen gebeurt</h1><p>Vragen die bewoners stelden in de "
            "wijkwerkplaatsen, en wat ermee gedaan is.</p>"
            + (f"<ul>{items}</ul>" if items else "<p>Er zijn nog geen openbare vragen.</p>"))
    return page("Bewonersvragen", body)


def _wijk(request: Request) -> Response:
    wijk_id = request.path_params["wijk"]
    found = view.of_wijk(view_file(), wijk_id) if WIJK.fullmatch(wijk_id) else None
    if found is None:
        return page("Niet gevonden", "<h1>Niet gevonden</h1><p>Deze wijkwerkplaats heeft geen "
                    'openbare vragen.</p><p><a href="/">Alle wijkwerkplaatsen</a></p>', 404)
    name, entries = found
    items = "".join(
        f'<li><a href="/v/{escape(e["code"])}">{escape(e["summary"])}</a>'
        f'<br><span class="meta">{escape(e["month"])} · {escape(e["status"])}</span></li>'
        for e in entries)
    return page(f"Wijkwerkplaats {name}",
                f"<h1>Wijkwerkplaats {escape(name)}</h1><ul>{items}</ul>"
                '<p><a href="/">Alle wijkwerkplaatsen</a></p>')


def _question(request: Request) -> Response:
    code = request.path_params["code"].lower().replace("-", "").replace(" ", "")
    entry = view.question(view_file(), code) if CODE.fullmatch(code) else None
    if entry is None:
        return page("Niet openbaar", f"<h1>{NOT_PUBLIC}</h1><p>Misschien is de vraag "
                    "ingetrokken, of is de code verkeerd overgenomen.</p>", 404)
    return page("Uw vraag", question_html(entry))


def question_html(entry: dict) -> str:
    """One published question as HTML (every text escaped)."""
    parts = [f"<h1>{escape(entry['summary'])}</h1>",
             f'<p class="meta">Gesteld in {escape(entry["month"])} in wijkwerkplaats '
             f'{escape(entry["wijk_name"])}'
             + (f" · programma {escape(entry['programme'])}" if entry.get("programme") else "")
             + "</p>",
             f'<p>Stand van zaken: <span class="status">{escape(entry["status"])}</span></p>']
    if entry["done"]:
        parts.append("<h2>Wat er gedaan is</h2><ul>" + "".join(
            f"<li>{escape(d['month'])} ({escape(d['how'].lower())}): {escape(d['text'])}</li>"
            for d in entry["done"]) + "</ul>")
    for ov in entry["ontwikkelvragen"]:
        parts.append(f"<h2>Onderzoek: {escape(ov['title'])}</h2>"
                     f'<p>Status: <span class="status">{escape(ov["status"])}</span></p>')
        if ov["milestones"]:
            parts.append("<ul>" + "".join(
                f"<li>{'✓ ' if m['done'] else ''}{escape(m['title'])}"
                + (f" ({escape(m['month'])})" if m["month"] else "") + "</li>"
                for m in ov["milestones"]) + "</ul>")
    parts.append(f'<p><a href="/w/{escape(entry["wijk_id"])}">Meer vragen uit deze '
                 "wijkwerkplaats</a></p>")
    return "".join(parts)


# research.dutch_calendar's month names: the door imports nothing of the app.
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")


def dutch_day(iso: str) -> str:
    """'2026-12-31' (or a time stamp) -> '31 december 2026'."""
    return f"{int(iso[8:10])} {MONTHS[int(iso[5:7]) - 1]} {iso[:4]}"


def _no_link() -> HTMLResponse:
    """The one answer for an unknown code, a closed fieldwork and one past its date."""
    return page("Link werkt niet", f"<h1>{NO_LINK}</h1><p>Misschien is de vragenlijst "
                "gesloten, of is de link niet helemaal overgenomen. Neem contact op met wie u "
                "de uitnodiging stuurde.</p>", 404)


def _link(request: Request) -> tuple[str, dict] | None:
    """The code in the address and its link, or None (also for a malformed code)."""
    code = request.path_params["code"].strip().lower()
    if not LINK.fullmatch(code):
        return None
    found = fieldwork.link(fieldwork_file(), code)
    return (code, found) if found is not None else None


def _reachable(link: dict, shown: list[int]) -> list[int]:
    """The pages a respondent may open by address: up to where they got, or all once sent."""
    return [n for n in shown if link["submitted_at"] or n <= link["page"]]


async def _survey(request: Request) -> Response:
    found = _link(request)
    if found is None:
        return _no_link()
    code, link = found
    if request.method == "POST":
        return await _save(request, code, link)
    items = link["questionnaire"]
    shown = questionnaire.shown_pages(items, link["answers"])
    if "bewaard" in request.query_params:
        return _saved(code, link)
    wanted = request.query_params.get("pagina")
    if wanted is None and link["submitted_at"]:
        return _thanks(code, link)
    reachable = _reachable(link, shown) or shown[:1]
    number = int(wanted) - 1 if wanted and wanted.isdigit() else link["page"]
    if number not in reachable:
        number = max([n for n in reachable if n <= link["page"]] or reachable[:1])
    return _form(code, link, number, {}, None)


def _form(code: str, link: dict, number: int, errors: dict[str, str],
          sent: dict | None) -> HTMLResponse:
    """One page of the questionnaire as a form (with the errors of a refused save)."""
    items, answers = link["questionnaire"], link["answers"]
    shown = questionnaire.shown_pages(items, answers)
    position = shown.index(number) + 1 if number in shown else 1
    last = not shown or number >= shown[-1]
    parts = [f"<h1>{escape(link['title'])}</h1>"]
    if position == 1:
        parts.append(f"<p>U vult deze vragenlijst in voor <strong>{escape(link['label'])}"
                     "</strong>. Uw antwoorden worden bij elke stap bewaard: u kunt stoppen en "
                     "later verder met dezelfde link, tot en met "
                     f"{escape(dutch_day(link['closes_on']))}.</p>")
    parts.append(f"<h2>Deel {position} van {max(len(shown), 1)}</h2>")
    if errors:
        names = {q["name"]: q["text"] for q in items}
        parts.append('<div class="melding" role="alert"><p><strong>Niet opgeslagen: controleer '
                     "uw antwoord.</strong></p><ul>" + "".join(
                         f'<li><a href="#fout-{escape(name)}">{escape(names.get(name, name))}'
                         f"</a>: {escape(message)}</li>" for name, message in errors.items())
                     + "</ul></div>")
    page_questions = questionnaire.pages(items)[number] if items else []
    forward = ('<button type="submit" class="hoofd" name="actie" value="versturen">Versturen'
               "</button>" if last else '<button type="submit" class="hoofd" name="actie" '
               'value="volgende">Opslaan en verder</button>')
    back = ('<button type="submit" name="actie" value="vorige">Vorige</button>'
            if position > 1 else "")
    parts.append(f'<form method="post" action="/m/{escape(code)}" novalidate>'
                 f'<input type="hidden" name="pagina" value="{number}">'
                 + questionnaire.page_html(page_questions, answers, errors, sent)
                 + f'<div class="knoppen">{forward}{back}<button type="submit" name="actie" '
                 'value="later">Later verder</button></div></form>')
    title = f"{'Fout: ' if errors else ''}Deel {position} van {max(len(shown), 1)} – " \
        f"{link['title']}"
    return page(title, "".join(parts), 422 if errors else 200, FORM_HEADERS)


def _thanks(code: str, link: dict) -> HTMLResponse:
    return page("Verstuurd", f"<h1>Bedankt!</h1><p>De antwoorden voor <strong>"
                f"{escape(link['label'])}</strong> zijn verstuurd op "
                f"{escape(dutch_day(link['submitted_at']))}. Tot en met "
                f"{escape(dutch_day(link['closes_on']))} kunt u ze met deze link nog bekijken "
                f'en wijzigen.</p><p><a href="/m/{escape(code)}?pagina=1">Antwoorden bekijken '
                "of wijzigen</a></p>")


def _saved(code: str, link: dict) -> HTMLResponse:
    return page("Bewaard", "<h1>Uw antwoorden zijn bewaard</h1><p>U kunt later verder met "
                "dezelfde link uit uw uitnodiging, tot en met "
                f"{escape(dutch_day(link['closes_on']))}.</p>"
                f'<p><a href="/m/{escape(code)}">Nu verder</a></p>')


async def _fields(request: Request) -> dict[str, list[str]] | None:
    """The posted form's fields (None when the body is too large); anything that is not a
    URL-encoded form in UTF-8 counts as an empty form."""
    length = request.headers.get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_FORM_BYTES:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                          max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return {}
    fields: dict[str, list[str]] = {}
    for key, value in pairs:
        fields.setdefault(key, []).append(value)
    return fields


def _target(action: str, number: int, shown: list[int]) -> int:
    """The page an action leads to from page `number`."""
    if action == "vorige":
        return max([n for n in shown if n < number] or [number])
    if action in ("volgende", "versturen"):
        return min([n for n in shown if n > number] or [number])
    return number


async def _save(request: Request, code: str, link: dict) -> Response:
    """Save the posted page, then show where the action leads (Post/Redirect/Get)."""
    form = await _fields(request)
    if form is None:
        return page("Te groot", "<h1>Dit formulier is te groot om op te slaan.</h1>", 413)
    items, answers = link["questionnaire"], link["answers"]
    pagina = (form.get("pagina") or [""])[0]
    number = int(pagina) if pagina.isdigit() else -1
    if number not in questionnaire.shown_pages(items, answers):
        return RedirectResponse(f"/m/{code}", 303, headers=HEADERS)
    found, errors = questionnaire.read_page(questionnaire.pages(items)[number], form, answers)
    if errors:
        return _form(code, link, number, errors, {**answers, **found})
    names = {n for q in questionnaire.pages(items)[number] for n in questionnaire.names(q)}
    kept = questionnaire.routed(items, {**{k: v for k, v in answers.items() if k not in names},
                                        **found})
    shown = questionnaire.shown_pages(items, kept)
    action = (form.get("actie") or [""])[0]
    target = _target(action, number, shown)
    submit = action == "versturen" and target == number
    furthest = target if action != "vorige" else max(link["page"], number)
    if not fieldwork.save(fieldwork_file(), code, kept, furthest if not submit else number,
                          submit=submit):
        return _no_link()
    where = ("" if submit else "?bewaard=1" if action == "later" else f"?pagina={target + 1}")
    return RedirectResponse(f"/m/{code}{where}", 303, headers=HEADERS)


class RateLimit:
    """At most `per_minute` requests per client address in any minute (a sliding window of
    one-minute buckets), kept in memory: the public server is one process."""

    def __init__(self, app, per_minute: int = PER_MINUTE, clock=time.monotonic):
        self.app, self.per_minute, self.clock = app, per_minute, clock
        self.seen: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def allowed(self, client: str) -> bool:
        now = self.clock()
        with self.lock:
            if len(self.seen) > 10_000:   # many addresses: forget the quiet ones
                self.seen = {c: t for c, t in self.seen.items() if t and now - t[-1] < 60}
            times = [t for t in self.seen.get(client, []) if now - t < 60]
            if len(times) >= self.per_minute:
                self.seen[client] = times
                return False
            self.seen[client] = times + [now]
            return True

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            client = (scope.get("client") or ("?", 0))[0]
            if not self.allowed(client):
                response = PlainTextResponse(TOO_MANY, status_code=429,
                                             headers={"Retry-After": "60", **HEADERS})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def make_app(per_minute: int = PER_MINUTE) -> RateLimit:
    """The public site as an ASGI app (GET only, and POST for a questionnaire's pages;
    anything else is 405)."""
    site = Starlette(routes=[Route("/", _index), Route("/w/{wijk}", _wijk),
                             Route("/v/{code}", _question),
                             Route("/m/{code}", _survey, methods=["GET", "POST"])])
    return RateLimit(site, per_minute)
