"""Anonymous uploads: the claim cookie, and attaching them to the account the browser signs into."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI

from rekha.analyses.storage import absolute_path
from rekha.core.storage import analysis_dir
from rekha.settings import Settings
from tests.analyses.helpers import ANALYSES, assert_error, load_analysis, noise_jpeg, upload
from tests.auth.helpers import csrf_headers, login, register

CLAIM = "rekha_claim"


def set_cookie_headers(response: httpx.Response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]


async def test_anonymous_upload_sets_one_http_only_claim_cookie_per_browser(
    make_client: Callable[..., httpx.AsyncClient], app: FastAPI
) -> None:
    browser = make_client()
    first = await upload(browser, left=noise_jpeg(seed=101))
    assert first.status_code == 202, first.text
    [cookie] = set_cookie_headers(first, CLAIM)
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "secure" not in flags  # SESSION_COOKIE_SECURE=false in the tests
    token = browser.cookies[CLAIM]
    assert len(token) >= 43

    second = await upload(browser, left=noise_jpeg(seed=102))
    assert second.status_code == 202, second.text
    assert browser.cookies[CLAIM] == token  # reused, not replaced
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    for response in (first, second):
        analysis = await load_analysis(app, response.json()["id"])
        assert analysis is not None
        assert analysis.claim_token_hash == token_hash  # only the hash is stored
        assert analysis.user_id is None

    other = make_client()
    third = await upload(other, left=noise_jpeg(seed=103))
    assert third.status_code == 202, third.text
    assert other.cookies[CLAIM] != token


async def test_the_claim_cookie_is_secure_when_configured(
    make_app: Callable[..., FastAPI], browser_for: Callable[..., Any]
) -> None:
    secure_app = make_app(session_cookie_secure=True)
    async with browser_for(secure_app, scheme="https") as browser:
        response = await upload(browser, left=noise_jpeg(seed=104))
        assert response.status_code == 202, response.text
        [cookie] = set_cookie_headers(response, CLAIM)
        assert "secure" in cookie.lower()


async def test_uploading_browser_owns_until_it_signs_in_then_the_account_does(
    make_client: Callable[..., httpx.AsyncClient], app: FastAPI, settings: Settings
) -> None:
    uploader = make_client()
    stranger = make_client()
    ids = []
    for seed in (201, 202):
        response = await upload(
            uploader, left=noise_jpeg(seed=seed), right=noise_jpeg(seed=seed + 50)
        )
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    analysis_id = ids[0]
    image_url = f"{ANALYSES}/{analysis_id}/images/left?kind=original"

    # Before signing in: the uploading browser sees its photos; the full report needs an account.
    assert (await uploader.get(image_url)).status_code == 200
    assert_error(await uploader.get(f"{ANALYSES}/{analysis_id}"), 401, "login_required")
    # Another browser: the public summary only.
    assert (await stranger.get(f"{ANALYSES}/{analysis_id}/summary")).status_code == 200
    assert_error(await stranger.get(image_url), 404, "analysis_not_found")
    assert_error(await stranger.get(f"{ANALYSES}/{analysis_id}"), 401, "login_required")
    stolen = await stranger.delete(f"{ANALYSES}/{analysis_id}", headers=await _csrf(stranger))
    assert_error(stolen, 404, "analysis_not_found")

    # The stranger signs up: nothing of the uploader's comes along.
    await register(stranger)
    assert (await stranger.get(ANALYSES)).json()["total"] == 0
    assert_error(await stranger.get(f"{ANALYSES}/{analysis_id}"), 404, "analysis_not_found")

    # The uploader registers: both analyses are attached and their files move.
    user = await register(uploader)
    listing = (await uploader.get(ANALYSES)).json()
    assert sorted(item["id"] for item in listing["items"]) == sorted(ids)
    assert CLAIM not in uploader.cookies  # the token is spent
    report = await uploader.get(f"{ANALYSES}/{analysis_id}")
    assert report.status_code == 200, report.text
    for claimed_id in ids:
        analysis = await load_analysis(app, claimed_id)
        assert analysis is not None and analysis.user_id == user["id"]
        assert analysis.claim_token_hash is None
        for image in analysis.images:
            assert image.path.startswith(f"{user['id']}/{claimed_id}/")
            assert absolute_path(settings, image.path).is_file()
        assert not analysis_dir(settings, None, claimed_id).exists()
    assert (await uploader.get(image_url)).status_code == 200
    # Still nothing for the stranger.
    assert_error(await stranger.get(image_url), 404, "analysis_not_found")
    assert_error(await stranger.get(f"{ANALYSES}/{analysis_id}"), 404, "analysis_not_found")


async def test_signing_in_to_an_existing_account_claims_too(
    make_client: Callable[..., httpx.AsyncClient], app: FastAPI
) -> None:
    first_device = make_client()
    account = await register(first_device)
    phone = make_client()
    response = await upload(phone, right=noise_jpeg(seed=301))
    analysis_id = response.json()["id"]
    signed_in = await login(phone, account["email"], account["password"])
    assert signed_in.status_code == 200, signed_in.text
    analysis = await load_analysis(app, analysis_id)
    assert analysis is not None and analysis.user_id == account["id"]
    # The first device, signed in to the same account, now sees it as well.
    assert (await first_device.get(f"{ANALYSES}/{analysis_id}")).status_code == 200


async def test_a_forged_or_foreign_claim_cookie_claims_nothing(
    make_client: Callable[..., httpx.AsyncClient], app: FastAPI
) -> None:
    uploader = make_client()
    response = await upload(uploader, left=noise_jpeg(seed=401))
    analysis_id = response.json()["id"]
    forger = make_client()
    forger.cookies.set(CLAIM, "A" * 43)
    assert_error(
        await forger.get(f"{ANALYSES}/{analysis_id}/images/left"), 404, "analysis_not_found"
    )
    await register(forger)
    analysis = await load_analysis(app, analysis_id)
    assert analysis is not None and analysis.user_id is None  # still the uploader's to claim


async def test_signed_in_uploads_are_owned_at_once_without_a_claim_cookie(
    make_client: Callable[..., httpx.AsyncClient], app: FastAPI, settings: Settings
) -> None:
    browser = make_client()
    user = await register(browser)
    response = await upload(browser, left=noise_jpeg(seed=501))
    assert response.status_code == 202, response.text
    assert not set_cookie_headers(response, CLAIM)
    analysis = await load_analysis(app, response.json()["id"])
    assert analysis is not None and analysis.user_id == user["id"]
    assert analysis.claim_token_hash is None
    assert analysis.images[0].path.startswith(f"{user['id']}/{analysis.id}/")


async def _csrf(client: httpx.AsyncClient) -> dict[str, str]:
    from tests.auth.helpers import ensure_csrf

    await ensure_csrf(client)
    return csrf_headers(client)
