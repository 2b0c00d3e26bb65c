"""Daily quotas (per account, per anonymous address) and the storage quota: 429 + Retry-After."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from tests.analyses.helpers import assert_error, noise_jpeg, upload
from tests.auth.helpers import register


def assert_quota_refusal(response: Any, code: str) -> None:
    body = assert_error(response, 429, code)
    retry_after = int(response.headers["retry-after"])
    assert 0 < retry_after <= 24 * 3600
    assert body["details"]["retry_after"] == retry_after


async def test_anonymous_address_quota(
    make_app: Callable[..., FastAPI], browser_for: Callable[..., Any]
) -> None:
    app = make_app(analyses_per_ip_per_day=2)
    async with browser_for(app, "10.20.0.1") as first, browser_for(app, "10.20.0.1") as second:
        # A refused upload does not use up the quota.
        refused = await upload(first, left=("x.jpg", b"not a photo at all", "image/jpeg"))
        assert refused.status_code == 400
        for seed in (1, 2):
            response = await upload(first, left=noise_jpeg(seed=900 + seed))
            assert response.status_code == 202, response.text
        # Another browser from the same address shares the address's quota.
        response = await upload(second, left=noise_jpeg(seed=903))
        assert_quota_refusal(response, "anonymous_quota_exceeded")
        assert "account" in response.json()["error"]["message"]
    # Another address is unaffected.
    async with browser_for(app, "10.20.0.2") as elsewhere:
        assert (await upload(elsewhere, left=noise_jpeg(seed=904))).status_code == 202


async def test_account_quota_is_per_account_not_per_address(
    make_app: Callable[..., FastAPI], browser_for: Callable[..., Any]
) -> None:
    app = make_app(analyses_per_user_per_day=2, analyses_per_ip_per_day=1)
    async with browser_for(app, "10.30.0.1") as browser:
        await register(browser)
        for seed in (1, 2):  # more than the address's anonymous quota: accounts have their own
            response = await upload(browser, left=noise_jpeg(seed=910 + seed))
            assert response.status_code == 202, response.text
        response = await upload(browser, left=noise_jpeg(seed=913))
        assert_quota_refusal(response, "daily_quota_exceeded")
    async with browser_for(app, "10.30.0.1") as other:
        await register(other)
        assert (await upload(other, left=noise_jpeg(seed=914))).status_code == 202


async def test_storage_quota(
    make_app: Callable[..., FastAPI], browser_for: Callable[..., Any], nothing_left_behind: Any
) -> None:
    photo = noise_jpeg(400, 300, seed=920)
    app = make_app(storage_bytes_per_user=int(len(photo) * 1.5))
    async with browser_for(app) as browser:
        await register(browser)
        assert (await upload(browser, left=photo)).status_code == 202
        async with nothing_left_behind():
            response = await upload(browser, left=noise_jpeg(400, 300, seed=921))
        assert_quota_refusal(response, "storage_quota_exceeded")
        assert "Delete" in response.json()["error"]["message"]


async def test_concurrent_uploads_cannot_overshoot_the_quota(
    make_app: Callable[..., FastAPI], browser_for: Callable[..., Any]
) -> None:
    import asyncio

    app = make_app(analyses_per_ip_per_day=2)
    async with browser_for(app, "10.40.0.1") as browser:
        responses = await asyncio.gather(
            *(upload(browser, left=noise_jpeg(seed=930 + n)) for n in range(5))
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [202, 202, 429, 429, 429], [r.text for r in responses]
