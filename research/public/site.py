"""The public door's web pages: plain HTML for residents, on a phone, without login.

    /              the wijkwerkplaatsen with published questions
    /w/<wijk>      one wijkwerkplaats: its published questions
    /v/<code>      one question (the QR code on a slip opens this)

A separate server (`python -m research public`, started beside the app by `make run`): it is
given the published view's path and nothing else, reads it read-only (`research.public.view`),
and imports nothing of the app but this package. No script, no cookie, no form: the pages only
show. Every text is escaped; a Content-Security-Policy forbids scripts and outside resources;
each client address gets a limited number of requests per minute (HTTP 429 beyond it). An
unknown code and a withdrawn one get the same answer, so trying codes tells nothing.
"""

from __future__ import annotations

import os
import re
import threading
import time
from html import escape
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from research.public import view

VIEW_ENV = "RESEARCH_PUBLIC_VIEW"
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
"""


def view_file() -> Path:
    """The published view this server shows (given by the command that starts it)."""
    return Path(os.environ[VIEW_ENV])


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    """A whole page around `body` (already escaped HTML)."""
    return HTMLResponse(
        f'<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f'<body><main>{body}</main></body></html>', status_code=status, headers=HEADERS)


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
    """The public site as an ASGI app (GET only; anything else is 405)."""
    site = Starlette(routes=[Route("/", _index), Route("/w/{wijk}", _wijk),
                             Route("/v/{code}", _question)])
    return RateLimit(site, per_minute)
