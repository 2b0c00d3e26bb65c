"""The account flow as a browser lives it: sign up, sign in, profile, sign out."""

from __future__ import annotations

import hashlib
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest

from rekha.auth import passwords
from rekha.auth.hooks import register_sign_in_hook, unregister_sign_in_hook
from rekha.core.redis import key
from rekha.settings import Settings
from tests.auth.helpers import (
    AUTH,
    DEFAULT_PASSWORD,
    csrf_headers,
    ensure_csrf,
    login,
    register,
    unique_email,
)


def set_cookies(response: httpx.Response) -> dict[str, Any]:
    """name -> morsel of every Set-Cookie header on the response."""
    cookies: dict[str, Any] = {}
    for header in response.headers.get_list("set-cookie"):
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        cookies.update(parsed)
    return cookies


async def test_whole_flow(make_client: Any) -> None:
    browser = make_client()
    assert (await browser.get(f"{AUTH}/me")).status_code == 401

    user = await register(browser, name="  Asha  ")
    assert user["name"] == "Asha"
    me = await browser.get(f"{AUTH}/me")
    assert me.status_code == 200
    assert me.json()["id"] == user["id"]
    assert me.headers["cache-control"] == "no-store"
    assert "password_hash" not in me.json()

    profile = await browser.patch(
        f"{AUTH}/profile",
        json={"name": "Asha Rao", "picture": "https://example.com/a.png", "dominant_hand": "left"},
        headers=csrf_headers(browser),
    )
    assert profile.status_code == 200, profile.text
    assert profile.json()["picture"] == "https://example.com/a.png"
    # Only the fields sent change; null clears one.
    cleared = await browser.patch(
        f"{AUTH}/profile", json={"picture": None}, headers=csrf_headers(browser)
    )
    assert cleared.json()["name"] == "Asha Rao"
    assert cleared.json()["picture"] is None
    assert cleared.json()["dominant_hand"] == "left"

    out = await browser.post(f"{AUTH}/logout", headers=csrf_headers(browser))
    assert out.status_code == 204
    assert (await browser.get(f"{AUTH}/me")).status_code == 401

    back = await login(browser, user["email"])
    assert back.status_code == 200, back.text
    assert back.json()["name"] == "Asha Rao"
    assert (await browser.get(f"{AUTH}/me")).status_code == 200


async def test_profile_refuses_a_script_picture(make_client: Any) -> None:
    browser = make_client()
    await register(browser)
    response = await browser.patch(
        f"{AUTH}/profile", json={"picture": "javascript:alert(1)"}, headers=csrf_headers(browser)
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_profile_and_me_need_a_session(make_client: Any) -> None:
    browser = make_client()
    headers = await ensure_csrf(browser)
    for response in (
        await browser.get(f"{AUTH}/me"),
        await browser.get(f"{AUTH}/me/export"),
        await browser.patch(f"{AUTH}/profile", json={"name": "x"}, headers=headers),
        await browser.post(f"{AUTH}/logout-all", headers=headers),
        await browser.request("DELETE", f"{AUTH}/me", json={"password": "x"}, headers=headers),
    ):
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "not_authenticated"


async def test_cookie_flags(make_client: Any, settings: Settings) -> None:
    browser = make_client()
    await ensure_csrf(browser)
    response = await browser.post(
        f"{AUTH}/register",
        json={"email": unique_email(), "password": DEFAULT_PASSWORD},
        headers=csrf_headers(browser),
    )
    assert response.status_code == 201
    cookies = set_cookies(response)
    session = cookies["rekha_session"]
    assert session["httponly"] is True
    assert session["samesite"].lower() == "lax"
    assert session["path"] == "/"
    assert int(session["max-age"]) == settings.session_ttl_seconds
    assert not session["secure"]  # the test run sets SESSION_COOKIE_SECURE=false
    assert len(session.value) >= 43  # 256 bits, urlsafe base64
    csrf = cookies["rekha_csrf"]
    assert not csrf["httponly"]  # scripts must read it
    assert csrf["samesite"].lower() == "lax"
    assert csrf["path"] == "/"


async def test_cookies_are_secure_by_default(make_app: Any, open_browser: Any) -> None:
    app = make_app(session_cookie_secure=True)
    async with open_browser(app) as browser:
        token = (await browser.get(f"{AUTH}/csrf-token")).json()["csrf_token"]
        # A Secure cookie is not sent back over plain http; hand it over as a browser on https would.
        browser.cookies.set("rekha_csrf", token)
        response = await browser.post(
            f"{AUTH}/register",
            json={"email": unique_email(), "password": DEFAULT_PASSWORD},
            headers={"X-CSRF-Token": token},
        )
    assert response.status_code == 201, response.text
    cookies = set_cookies(response)
    assert cookies["rekha_session"]["secure"] is True
    assert cookies["rekha_csrf"]["secure"] is True


async def test_login_rotates_the_session(make_client: Any) -> None:
    first = make_client()
    user = await register(first)
    registered_token = first.cookies["rekha_session"]
    again = await login(first, user["email"])
    assert again.status_code == 200
    rotated = first.cookies["rekha_session"]
    assert rotated != registered_token
    assert (await first.get(f"{AUTH}/me")).status_code == 200

    # Whoever kept the old token (a shared computer, a planted cookie) is refused.
    stale = make_client()
    stale.cookies.set("rekha_session", registered_token)
    assert (await stale.get(f"{AUTH}/me")).status_code == 401


async def test_session_is_stored_under_a_hash_of_the_token(
    make_client: Any, app: Any, settings: Settings
) -> None:
    browser = make_client()
    user = await register(browser)
    token = browser.cookies["rekha_session"]
    redis = app.state.redis
    stored = key(settings, "session", hashlib.sha256(token.encode()).hexdigest())
    assert await redis.hget(stored, "user_id") == user["id"]
    async for name in redis.scan_iter(match=f"{settings.redis_key_prefix}*"):
        assert token not in name
        if await redis.type(name) == "hash":
            assert token not in (await redis.hgetall(name)).values()


async def test_session_ttl_slides_with_use(make_client: Any, app: Any, settings: Settings) -> None:
    browser = make_client()
    await register(browser)
    token = browser.cookies["rekha_session"]
    stored = key(settings, "session", hashlib.sha256(token.encode()).hexdigest())
    assert 0 < await app.state.redis.ttl(stored) <= settings.session_ttl_seconds
    await app.state.redis.expire(stored, 120)  # as if the session had aged almost a week

    response = await browser.get(f"{AUTH}/me")
    assert response.status_code == 200
    assert await app.state.redis.ttl(stored) > settings.session_ttl_seconds - 60
    refreshed = set_cookies(response)["rekha_session"]
    assert refreshed.value == token
    assert int(refreshed["max-age"]) > settings.session_ttl_seconds - 60


async def test_expired_session_is_refused(make_client: Any, app: Any, settings: Settings) -> None:
    browser = make_client()
    await register(browser)
    token = browser.cookies["rekha_session"]
    await app.state.redis.delete(
        key(settings, "session", hashlib.sha256(token.encode()).hexdigest())
    )
    assert (await browser.get(f"{AUTH}/me")).status_code == 401


async def test_logout_all_ends_every_session(
    make_client: Any, app: Any, settings: Settings
) -> None:
    laptop, phone, other_person = make_client(), make_client(), make_client()
    user = await register(laptop)
    assert (await login(phone, user["email"])).status_code == 200
    await register(other_person)

    response = await phone.post(f"{AUTH}/logout-all", headers=csrf_headers(phone))
    assert response.status_code == 204
    assert (await laptop.get(f"{AUTH}/me")).status_code == 401
    assert (await phone.get(f"{AUTH}/me")).status_code == 401
    assert (await other_person.get(f"{AUTH}/me")).status_code == 200
    assert not await app.state.redis.exists(key(settings, "user-sessions", user["id"]))


async def test_logout_is_fine_when_signed_out(make_client: Any) -> None:
    browser = make_client()
    response = await browser.post(f"{AUTH}/logout", headers=await ensure_csrf(browser))
    assert response.status_code == 204


async def test_email_is_normalised_and_unique(make_client: Any) -> None:
    browser = make_client()
    local = unique_email("Mixed.Case").split("@")[0]
    user = await register(browser, email=f"  {local}@Example.COM ")
    assert user["email"] == f"{local.lower()}@example.com"

    duplicate = make_client()
    await ensure_csrf(duplicate)
    response = await duplicate.post(
        f"{AUTH}/register",
        json={"email": f"{local.upper()}@EXAMPLE.com", "password": DEFAULT_PASSWORD},
        headers=csrf_headers(duplicate),
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"

    assert (await login(make_client(), f"{local.upper()}@example.com")).status_code == 200


@pytest.mark.parametrize(
    ("password", "status", "code"),
    [
        ("short7!", 422, "password_too_short"),
        ("é" * 37, 422, "password_too_long"),  # 37 characters, 74 bytes
        ("a" * 73, 422, "password_too_long"),
        ("a" * 72, 201, None),
        ("abcdefgh", 201, None),
    ],
)
async def test_password_length_rules(
    make_client: Any, password: str, status: int, code: str | None
) -> None:
    browser = make_client()
    response = await browser.post(
        f"{AUTH}/register",
        json={"email": unique_email(), "password": password},
        headers=await ensure_csrf(browser),
    )
    assert response.status_code == status, response.text
    if code:
        assert response.json()["error"]["code"] == code
        assert "72 bytes" in response.json()["error"]["message"] or code == "password_too_short"


async def test_invalid_email_is_refused(make_client: Any) -> None:
    browser = make_client()
    response = await browser.post(
        f"{AUTH}/register",
        json={"email": "not-an-email", "password": DEFAULT_PASSWORD},
        headers=await ensure_csrf(browser),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_login_does_not_reveal_whether_the_email_exists(
    make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = make_client()
    user = await register(browser)
    comparisons: list[str] = []
    real_check = passwords._check

    def counting_check(password: bytes, hashed: str) -> bool:
        comparisons.append(hashed)
        return real_check(password, hashed)

    monkeypatch.setattr(passwords, "_check", counting_check)
    wrong_password = await login(make_client(), user["email"], "not the password")
    unknown_email = await login(make_client(), unique_email("nobody"), "not the password")
    too_long = await login(make_client(), unique_email("nobody"), "x" * 100)

    for response in (wrong_password, unknown_email, too_long):
        assert response.status_code == 401
        assert response.json() == wrong_password.json()
    assert wrong_password.json()["error"]["code"] == "invalid_credentials"
    # Unknown accounts still pay one bcrypt comparison, of the same cost as a real one.
    assert len(comparisons) == 3
    assert comparisons[1].split("$")[2] == comparisons[0].split("$")[2]


async def test_sign_in_hooks_run_on_register_and_login(make_client: Any) -> None:
    seen: list[tuple[str, str | None]] = []

    async def hook(db: Any, user: Any, request: Any, response: Any) -> None:
        seen.append((user.email, request.cookies.get("rekha_claim")))
        response.set_cookie("hooked", "yes")

    register_sign_in_hook(hook)
    register_sign_in_hook(hook)  # idempotent
    try:
        browser = make_client()
        browser.cookies.set("rekha_claim", "claim-token")
        user = await register(browser)
        assert (await login(browser, user["email"])).status_code == 200
        assert (await login(make_client(), user["email"], "wrong password")).status_code == 401
    finally:
        unregister_sign_in_hook(hook)
    assert seen == [(user["email"], "claim-token")] * 2
    assert browser.cookies.get("hooked") == "yes"


async def test_sessions_end_at_the_absolute_lifetime_however_used(
    make_client: Any, app: Any, settings: Settings
) -> None:
    import time

    from rekha.auth.sessions import ABSOLUTE_LIFETIME_S

    browser = make_client()
    await register(browser)
    token = browser.cookies["rekha_session"]
    stored = key(settings, "session", hashlib.sha256(token.encode()).hexdigest())
    assert (await browser.get(f"{AUTH}/me")).status_code == 200
    signed_in_long_ago = int(time.time()) - ABSOLUTE_LIFETIME_S - 1
    await app.state.redis.hset(stored, "created_at", str(signed_in_long_ago))
    assert (await browser.get(f"{AUTH}/me")).status_code == 401
    assert not await app.state.redis.exists(stored)


async def test_logout_ends_the_session_on_the_server(make_client: Any) -> None:
    browser = make_client()
    await register(browser)
    token = browser.cookies["rekha_session"]
    assert (await browser.post(f"{AUTH}/logout", headers=csrf_headers(browser))).status_code == 204
    # Not just a cleared cookie: a copy of the token is worthless too.
    replay = make_client()
    replay.cookies.set("rekha_session", token)
    assert (await replay.get(f"{AUTH}/me")).status_code == 401


async def test_racing_registrations_of_one_email_give_one_account(make_client: Any) -> None:
    import asyncio

    email = unique_email("race")
    browsers = [make_client(), make_client()]
    for browser in browsers:
        await ensure_csrf(browser)
    responses = await asyncio.gather(
        *(
            b.post(
                f"{AUTH}/register",
                json={"email": email, "password": DEFAULT_PASSWORD},
                headers=csrf_headers(b),
            )
            for b in browsers
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    conflict = next(r for r in responses if r.status_code == 409)
    assert conflict.json()["error"]["code"] == "email_taken"
