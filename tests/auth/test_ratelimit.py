"""Rate limits live in Redis, so they hold across API processes."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from rekha.core import ratelimit
from rekha.core.net import client_ip
from rekha.core.redis import key
from rekha.settings import Settings
from tests.auth.helpers import AUTH, DEFAULT_PASSWORD, register, unique_email


def some_ip() -> str:
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


async def test_hit_allows_the_limit_then_refuses(app: Any, settings: Settings) -> None:
    name = key(settings, "ratelimit", "unit", secrets.token_hex(4))
    results = [await ratelimit.hit(app.state.redis, name, 3, 60) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.remaining for r in results[:3]] == [2, 1, 0]
    assert 1 <= results[3].retry_after <= 60
    assert 0 < await app.state.redis.pttl(name) <= 60_000


async def test_hit_is_atomic_across_connections(settings: Settings) -> None:
    # Two independent clients (as two processes would have) racing for five slots.
    name = key(settings, "ratelimit", "unit", secrets.token_hex(4))
    clients = [aioredis.Redis.from_url(settings.redis_url) for _ in range(2)]
    try:
        results = await asyncio.gather(
            *(ratelimit.hit(clients[i % 2], name, 5, 60) for i in range(30))
        )
    finally:
        for c in clients:
            await c.aclose()
    assert sum(r.allowed for r in results) == 5


def test_limit_spec_is_parsed_or_refused() -> None:
    assert ratelimit.RateLimit.parse("10/900") == ratelimit.RateLimit(10, 900)
    for bad in ("10", "ten/900", "0/900", "5/0"):
        with pytest.raises(ValueError):
            ratelimit.RateLimit.parse(bad)


async def _post(browser: httpx.AsyncClient, path: str, body: dict[str, str]) -> httpx.Response:
    if not browser.cookies.get("rekha_csrf"):
        await browser.get(f"{AUTH}/csrf-token")
    return await browser.post(
        path, json=body, headers={"X-CSRF-Token": browser.cookies["rekha_csrf"]}
    )


def assert_rate_limited(response: httpx.Response, window: int) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["retry-after"]) <= window


async def test_login_is_limited_per_email(
    make_app: Any, open_browser: Any, make_client: Any
) -> None:
    user = await register(make_client())
    app = make_app(login_rate_limit_per_email="3/900")
    # Attempts from different addresses still add up for one account.
    for _ in range(3):
        async with open_browser(app, some_ip()) as browser:
            body = {"email": user["email"], "password": "wrong password"}
            assert (await _post(browser, f"{AUTH}/login", body)).status_code == 401
    async with open_browser(app, some_ip()) as browser:
        right = {"email": user["email"].upper(), "password": DEFAULT_PASSWORD}
        assert_rate_limited(await _post(browser, f"{AUTH}/login", right), 900)
        # Another account is not affected.
        other = {"email": unique_email(), "password": "whatever123"}
        assert (await _post(browser, f"{AUTH}/login", other)).status_code == 401


async def test_login_is_limited_per_address(make_app: Any, open_browser: Any) -> None:
    app = make_app(login_rate_limit_per_ip="2/900")
    address = some_ip()
    async with open_browser(app, address) as browser:
        for _ in range(2):
            body = {"email": unique_email(), "password": "wrong password"}
            assert (await _post(browser, f"{AUTH}/login", body)).status_code == 401
        body = {"email": unique_email(), "password": "wrong password"}
        assert_rate_limited(await _post(browser, f"{AUTH}/login", body), 900)
    async with open_browser(app, some_ip()) as elsewhere:
        assert (await _post(elsewhere, f"{AUTH}/login", body)).status_code == 401


async def test_registration_is_limited_per_address(make_app: Any, open_browser: Any) -> None:
    app = make_app(register_rate_limit_per_ip="2/3600")
    address = some_ip()
    async with open_browser(app, address) as browser:
        for _ in range(2):
            body = {"email": unique_email(), "password": DEFAULT_PASSWORD}
            assert (await _post(browser, f"{AUTH}/register", body)).status_code == 201
            browser.cookies.delete("rekha_session")
        body = {"email": unique_email(), "password": DEFAULT_PASSWORD}
        assert_rate_limited(await _post(browser, f"{AUTH}/register", body), 3600)


async def test_forwarded_for_is_used_only_when_trusted(make_app: Any, open_browser: Any) -> None:
    from starlette.requests import Request

    def request(peer: str, forwarded: str | None) -> Request:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
        return Request({"type": "http", "headers": headers, "client": (peer, 1)})

    trusting = Settings(trust_forwarded_for=True)
    wary = Settings(trust_forwarded_for=False)
    # The rightmost entry is the one our own proxy appended; the rest is the client's to forge.
    assert client_ip(request("127.0.0.1", "1.2.3.4, 203.0.113.9"), trusting) == "203.0.113.9"
    assert client_ip(request("127.0.0.1", "not-an-ip"), trusting) == "127.0.0.1"
    assert client_ip(request("127.0.0.1", "203.0.113.9"), wary) == "127.0.0.1"


async def test_limit_is_shared_by_two_api_processes(api_processes: Any, settings: Settings) -> None:
    """Two real `rekha serve` processes on the same Redis: attempts on either count for both."""
    first, second = api_processes(2, {"LOGIN_RATE_LIMIT_PER_EMAIL": "4/900"})
    email = unique_email("shared")
    statuses: list[int] = []
    async with (
        httpx.AsyncClient(base_url=first.base_url) as a,
        httpx.AsyncClient(base_url=second.base_url) as b,
    ):
        for browser in (a, b):
            token = (await browser.get(f"{AUTH}/csrf-token")).json()["csrf_token"]
            browser.headers["X-CSRF-Token"] = token
        for browser in (a, b, a, b, a, b):
            response = await browser.post(
                f"{AUTH}/login", json={"email": email, "password": "wrong password"}
            )
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert int(response.headers["retry-after"]) >= 1
    assert statuses == [401, 401, 401, 401, 429, 429]
