"""CSRF protection, double submit, for the whole application.

Every POST/PUT/PATCH/DELETE — whatever route serves it, signed in or not, login and register
included — must carry an `X-CSRF-Token` header equal to the `rekha_csrf` cookie. Another site
can make a browser *send* our cookies, but cannot *read* them, so it cannot copy the value into
the header. Written as plain ASGI middleware wrapping the app, so no route (including ones added
later) can be reached without the check.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets

from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from rekha.core.errors import error_body
from rekha.settings import Settings

CSRF_COOKIE = "rekha_csrf"
CSRF_HEADER = "x-csrf-token"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The cookie may outlive a session; a client that lost it asks GET /api/v1/auth/csrf-token again.
CSRF_COOKIE_MAX_AGE = 30 * 24 * 3600
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def valid_shape(token: str | None) -> bool:
    return bool(token) and bool(_TOKEN_SHAPE.match(token or ""))


def set_csrf_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        CSRF_COOKIE,
        token,
        max_age=CSRF_COOKIE_MAX_AGE,
        path="/",
        httponly=False,  # the web UI's scripts read it to copy it into the header
        secure=settings.session_cookie_secure,
        samesite="lax",
    )


def tokens_match(cookie: str | None, header: str | None) -> bool:
    if not valid_shape(cookie) or not valid_shape(header):
        return False
    return hmac.compare_digest(str(cookie).encode(), str(header).encode())


class CSRFMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method", "GET").upper() not in STATE_CHANGING:
            await self.app(scope, receive, send)
            return
        cookie_header = ""
        csrf_header: str | None = None
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                cookie_header = f"{cookie_header}; {value.decode('latin-1')}"
            elif name == b"x-csrf-token":
                csrf_header = value.decode("latin-1")
        cookie = cookie_parser(cookie_header).get(CSRF_COOKIE)
        if tokens_match(cookie, csrf_header):
            await self.app(scope, receive, send)
            return
        reason = "missing" if not cookie or not csrf_header else "mismatch"
        body = json.dumps(
            error_body(
                "csrf_failed",
                "The CSRF check failed: send the rekha_csrf cookie's value in the X-CSRF-Token "
                "header (GET /api/v1/auth/csrf-token provides one).",
                {"reason": reason},
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
