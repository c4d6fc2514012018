"""The web server's own routes and checks around Streamlit (the st.App in streamlit_server.py).

- `POST /sessie` with `{"code": ...}`: trades the one-time code the login page handed the
  browser (research.sessions.redeem) for the session's token, set as a cookie: HttpOnly (no
  script reads it), SameSite=Strict, path /, and Secure with the `__Host-` prefix over https.
  Streamlit's own scripts cannot set such a cookie, so the login page's small component
  (shell) posts the code here with `fetch`: the page stays where it is, and no token or code
  ever appears in an address. Only the app's own pages may post (Sec-Fetch-Site, else Origin),
  so another site cannot log a browser in under an account of its choosing.
- `POST /sessie/uit`: clears that cookie (logout has ended the session on the server already).
- `/media/...` (Streamlit's downloads, images and charts as files): refused with 403 unless
  the request carries the cookie of a session that still holds.

Streamlit's websocket sends the cookie along when a page connects, so a refreshed page or a
new tab finds the session through `st.context.cookies` (shell.login_gate); SameSite=Strict
suits it, because the page's own scripts open the websocket and fetch the downloads.
"""

from __future__ import annotations

import functools

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from research import config, sessions
from research.storage import Store

SESSION_PATH = "/sessie"
MEDIA_REFUSED = "Geen toegang: log in om dit bestand te openen."
FOREIGN_ORIGIN = "Geweigerd: dit verzoek komt niet van de app zelf."
BAD_CODE = "Deze inlogcode is onbekend, verlopen of al gebruikt. Log opnieuw in."


@functools.cache
def _store(path: str) -> Store:
    # One Store per file for the server's threads (connections are per thread).
    return Store(path)


def store() -> Store:
    return _store(str(config.db_path()))


def valid_token(token: str | None) -> bool:
    """Whether a cookie's token belongs to a session that still holds (read only)."""
    return token is not None and sessions.token_verdict(store(), token).user is not None


def _same_origin(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    return origin is not None and origin == f"{request.url.scheme}://{request.url.netloc}"


def _set_cookie(response: Response, request: Request, token: str | None) -> None:
    secure = request.url.scheme == "https"
    name = sessions.SECURE_COOKIE if secure else sessions.COOKIE
    if token is None:
        response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="strict")
    else:
        # No Max-Age: the browser forgets it when it closes; the server ends it sooner when
        # idle (RESEARCH_SESSION_MINUTES) and at the latest after RESEARCH_SESSION_HOURS.
        response.set_cookie(name, token, path="/", secure=secure, httponly=True,
                            samesite="strict")


async def start_cookie(request: Request) -> Response:
    """POST /sessie: the one-time code in, the session cookie out (204), or 400/403."""
    if not _same_origin(request):
        return PlainTextResponse(FOREIGN_ORIGIN, status_code=403)
    try:
        payload = await request.json()
    except ValueError:
        payload = None
    code = payload.get("code") if isinstance(payload, dict) else None
    if not isinstance(code, str):
        return PlainTextResponse(BAD_CODE, status_code=400)
    token = await run_in_threadpool(sessions.redeem, store(), code)
    if token is None:
        return PlainTextResponse(BAD_CODE, status_code=400)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    _set_cookie(response, request, token)
    return response


async def clear_cookie(request: Request) -> Response:
    """POST /sessie/uit: forget the cookie (204)."""
    if not _same_origin(request):
        return PlainTextResponse(FOREIGN_ORIGIN, status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    _set_cookie(response, request, None)
    return response


def _base_path() -> str:
    from streamlit import config as streamlit_config

    base = (streamlit_config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


class MediaGate:
    """ASGI middleware: a request for /media/... without a valid session cookie gets 403.
    Pure ASGI (no BaseHTTPMiddleware), so range requests and streaming pass untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(_base_path() + "/media/"):
            token = sessions.token_from(HTTPConnection(scope).cookies)
            if not await run_in_threadpool(valid_token, token):
                refused = PlainTextResponse(MEDIA_REFUSED, status_code=403,
                                            headers={"Cache-Control": "no-store"})
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


ROUTES = [Route(SESSION_PATH, start_cookie, methods=["POST"]),
          Route(SESSION_PATH + "/uit", clear_cookie, methods=["POST"])]
MIDDLEWARE = [Middleware(MediaGate)]
