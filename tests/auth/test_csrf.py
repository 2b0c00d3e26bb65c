"""Double-submit CSRF on every state-changing request, whichever route serves it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.routing import BaseRoute, Mount

from rekha.core.csrf import STATE_CHANGING
from tests.auth.helpers import AUTH, DEFAULT_PASSWORD, csrf_headers, ensure_csrf, register

_PATH_PARAM = re.compile(r"\{[^}]+\}")


def state_changing_requests(app: FastAPI) -> list[tuple[str, str]]:
    """(method, concrete path) for every POST/PUT/PATCH/DELETE route of the app: walked from
    app.routes (mounts and included routers too, hidden routes too), plus the OpenAPI schema
    as a cross-check in case the walk misses a router shape."""
    found: set[tuple[str, str]] = set()

    def add(methods: object, path: str) -> None:
        for method in set(methods or ()) & STATE_CHANGING:  # type: ignore[call-overload]
            found.add((method, _PATH_PARAM.sub("x0", path)))

    def walk(routes: list[BaseRoute], prefix: str) -> None:
        for route in routes:
            if isinstance(route, Mount):
                walk(list(route.routes), prefix + route.path)
            elif hasattr(route, "effective_candidates"):
                # FastAPI >= 0.13x keeps include_router() as a lazy branch.
                for candidate in route.effective_candidates():
                    if hasattr(candidate, "effective_candidates"):
                        walk([candidate], prefix)
                    else:
                        add(
                            getattr(candidate.original_route, "methods", None),
                            prefix + candidate.path,
                        )
            else:
                add(getattr(route, "methods", None), prefix + getattr(route, "path", ""))

    walk(list(app.routes), "")
    for path, operations in app.openapi()["paths"].items():
        add({m.upper() for m in operations}, path)
    return sorted(found)


def assert_csrf_refused(response: Any) -> None:
    assert response.status_code == 403, (response.request.method, response.request.url)
    assert response.json()["error"]["code"] == "csrf_failed"


async def test_every_state_changing_route_requires_the_token(
    app: FastAPI, make_client: Any
) -> None:
    """Walks the app's routes as they are now: a route someone adds later is covered too."""
    requests = state_changing_requests(app)
    # The auth routes alone give these; if the walk finds fewer, the walk is broken.
    for expected in [
        ("POST", f"{AUTH}/register"),
        ("POST", f"{AUTH}/login"),
        ("POST", f"{AUTH}/logout"),
        ("POST", f"{AUTH}/logout-all"),
        ("PATCH", f"{AUTH}/profile"),
        ("DELETE", f"{AUTH}/me"),
    ]:
        assert expected in requests

    signed_in = make_client()
    await register(signed_in)
    anonymous = make_client()
    await ensure_csrf(anonymous)
    for browser in (signed_in, anonymous):
        for method, path in requests:
            # No header at all (the cookie is there, as a forged cross-site request would have).
            assert_csrf_refused(await browser.request(method, path, json={}))
            # A header that does not match the cookie.
            assert_csrf_refused(
                await browser.request(method, path, json={}, headers={"X-CSRF-Token": "A" * 43})
            )
    # And the refused requests changed nothing: still signed in.
    assert (await signed_in.get(f"{AUTH}/me")).status_code == 200


async def test_a_route_added_after_startup_is_covered(make_app: Any, open_browser: Any) -> None:
    app = make_app()

    @app.post("/api/v1/added-later")
    async def added_later() -> dict[str, bool]:
        return {"reached": True}

    async with open_browser(app) as browser:
        assert_csrf_refused(await browser.post("/api/v1/added-later"))
        await ensure_csrf(browser)
        assert_csrf_refused(await browser.post("/api/v1/added-later"))
        allowed = await browser.post("/api/v1/added-later", headers=csrf_headers(browser))
        assert allowed.json() == {"reached": True}


@pytest.mark.parametrize(
    ("cookie", "header", "reason"),
    [
        (None, None, "missing"),
        (None, "t" * 43, "missing"),
        ("t" * 43, None, "missing"),
        ("t" * 43, "u" * 43, "mismatch"),
        ("short", "short", "mismatch"),  # too short to be one of ours
    ],
)
async def test_login_and_register_need_the_token_too(
    make_client: Any, cookie: str | None, header: str | None, reason: str
) -> None:
    browser = make_client()
    if cookie:
        browser.cookies.set("rekha_csrf", cookie)
    headers = {"X-CSRF-Token": header} if header else {}
    body = {"email": "someone@example.com", "password": DEFAULT_PASSWORD}
    for path in (f"{AUTH}/register", f"{AUTH}/login"):
        response = await browser.post(path, json=body, headers=headers)
        assert_csrf_refused(response)
        assert response.json()["error"]["details"] == {"reason": reason}


async def test_safe_methods_need_no_token(make_client: Any) -> None:
    browser = make_client()
    assert (await browser.get(f"{AUTH}/me")).status_code == 401
    assert (await browser.get("/healthz")).status_code == 200
    for response in (await browser.head("/healthz"), await browser.options(f"{AUTH}/login")):
        assert response.status_code != 403, response.text


async def test_csrf_token_endpoint_sets_and_keeps_the_cookie(make_client: Any) -> None:
    browser = make_client()
    first = await browser.get(f"{AUTH}/csrf-token")
    token = first.json()["csrf_token"]
    assert browser.cookies["rekha_csrf"] == token
    assert first.headers["cache-control"] == "no-store"
    # Asking again keeps the same token, so open tabs do not invalidate each other.
    assert (await browser.get(f"{AUTH}/csrf-token")).json()["csrf_token"] == token


async def test_sign_in_and_sign_out_rotate_the_csrf_token(make_client: Any) -> None:
    browser = make_client()
    before = (await browser.get(f"{AUTH}/csrf-token")).json()["csrf_token"]
    await register(browser)
    after_sign_in = browser.cookies["rekha_csrf"]
    assert after_sign_in != before
    # The pre-sign-in token no longer matches the cookie.
    stale = await browser.post(f"{AUTH}/logout", headers={"X-CSRF-Token": before})
    assert_csrf_refused(stale)
    assert (await browser.post(f"{AUTH}/logout", headers=csrf_headers(browser))).status_code == 204
    assert browser.cookies["rekha_csrf"] != after_sign_in
