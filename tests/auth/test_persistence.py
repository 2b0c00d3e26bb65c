"""Sessions live only in Redis: they outlive API restarts, and Redis restarts (with AOF)."""

from __future__ import annotations

from typing import Any

from tests.auth.helpers import AUTH, csrf_headers, register


async def test_session_survives_an_api_restart(make_app: Any, open_browser: Any) -> None:
    before = make_app()
    async with open_browser(before) as browser:
        user = await register(browser)
        cookies = dict(browser.cookies)
    await before.state.redis.aclose()
    await before.state.db.dispose()

    after = make_app()  # a new process would build exactly this
    async with open_browser(after) as browser:
        browser.cookies.update(cookies)
        me = await browser.get(f"{AUTH}/me")
        assert me.status_code == 200
        assert me.json()["id"] == user["id"]
        # The CSRF cookie from before the restart is still accepted.
        assert (
            await browser.post(f"{AUTH}/logout", headers=csrf_headers(browser))
        ).status_code == 204
        assert (await browser.get(f"{AUTH}/me")).status_code == 401


async def test_session_survives_a_redis_restart(
    make_app: Any, open_browser: Any, private_redis: Any
) -> None:
    app = make_app(redis_url=private_redis.url)
    async with open_browser(app) as browser:
        user = await register(browser)
        cookies = dict(browser.cookies)
        assert (await browser.get(f"{AUTH}/me")).status_code == 200
    await app.state.redis.aclose()

    private_redis.stop()
    private_redis.start()  # same data directory: the append-only file is replayed

    restarted = make_app(redis_url=private_redis.url)
    async with open_browser(restarted) as browser:
        browser.cookies.update(cookies)
        me = await browser.get(f"{AUTH}/me")
        assert me.status_code == 200, me.text
        assert me.json()["id"] == user["id"]


async def test_without_the_session_key_redis_restart_signs_out(
    make_app: Any, open_browser: Any, private_redis: Any
) -> None:
    # The control for the test above: the session really is in that Redis and nowhere else.
    app = make_app(redis_url=private_redis.url)
    async with open_browser(app) as browser:
        await register(browser)
        cookies = dict(browser.cookies)
    await app.state.redis.flushdb()
    await app.state.redis.aclose()
    restarted = make_app(redis_url=private_redis.url)
    async with open_browser(restarted) as browser:
        browser.cookies.update(cookies)
        assert (await browser.get(f"{AUTH}/me")).status_code == 401
