"""Sign-in helpers for any domain's tests: really register, as a browser would.

from tests.auth.helpers import csrf_headers, register

user = await register(client)                       # signed in; client's jar holds cookies
await client.post("/api/v1/analyses", headers=csrf_headers(client), files=...)
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx

AUTH = "/api/v1/auth"
DEFAULT_PASSWORD = "correct horse battery staple"


def csrf_headers(client: httpx.AsyncClient) -> dict[str, str]:
    """The X-CSRF-Token header for the client's current rekha_csrf cookie ({} if it has none).

    Read it fresh before each state-changing request: sign-in and sign-out rotate the token."""
    token = client.cookies.get("rekha_csrf")
    return {"X-CSRF-Token": token} if token else {}


async def ensure_csrf(client: httpx.AsyncClient) -> dict[str, str]:
    """Fetch a CSRF token if the client has none yet; returns the header to send."""
    if not client.cookies.get("rekha_csrf"):
        response = await client.get(f"{AUTH}/csrf-token")
        assert response.status_code == 200, response.text
    return csrf_headers(client)


def reset_address_limits() -> None:
    """Forget the per-address sign-up and sign-in counts of this test run.

    A whole test suite signs up from 127.0.0.1 far more often than REGISTER_RATE_LIMIT_PER_IP
    allows; the limits themselves are tested in tests/auth/test_ratelimit.py."""
    import redis

    from rekha.core.redis import key
    from rekha.settings import Settings

    settings = Settings()  # the test run's environment: same Redis and key prefix as the app
    with redis.Redis.from_url(settings.redis_url) as client:
        for kind in ("register-ip", "login-ip"):
            names = list(client.scan_iter(match=key(settings, "ratelimit", kind, "*"), count=1000))
            if names:
                client.delete(*names)


def unique_email(tag: str = "user") -> str:
    return f"{tag}-{secrets.token_hex(6)}@example.com"


async def register(
    client: httpx.AsyncClient,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    name: str | None = None,
) -> dict[str, Any]:
    """Register a new account and leave `client` signed in to it. Returns the user JSON
    (id, email, name, ...) plus "password"."""
    email = email or unique_email()
    body: dict[str, Any] = {"email": email, "password": password}
    if name is not None:
        body["name"] = name
    reset_address_limits()
    response = await client.post(f"{AUTH}/register", json=body, headers=await ensure_csrf(client))
    assert response.status_code == 201, response.text
    return {**response.json(), "password": password}


async def login(
    client: httpx.AsyncClient, email: str, password: str = DEFAULT_PASSWORD
) -> httpx.Response:
    """POST /login with a CSRF token; returns the response (check the status yourself)."""
    reset_address_limits()
    return await client.post(
        f"{AUTH}/login",
        json={"email": email, "password": password},
        headers=await ensure_csrf(client),
    )
