"""A real worker running the OpenAI provider against the local Chat Completions server: the
Celery retry honours Retry-After, transient failures stop after three retries with a dead
letter, a retry by the uploader then succeeds, and a non-palm never reaches the provider."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis

from rekha.analyses.progress import read_dead_letters
from rekha.analyses.tasks import MAX_ATTEMPTS
from rekha.reading.providers.openai import cost_usd
from rekha.settings import Settings
from tests.analyses.helpers import upload
from tests.analyses.test_jobs import finished, only_these_workers_read, wait_for
from tests.auth.helpers import csrf_headers
from tests.conftest import start_worker, stop_worker
from tests.fakes.openai_server import FakeOpenAI, Ok, RateLimited, ServerError

pytestmark = [pytest.mark.fixtures, pytest.mark.slow]

ANALYSES = "/api/v1/analyses"


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="module")
def openai_worker(fake_openai: FakeOpenAI) -> Iterator[subprocess.Popen[bytes]]:
    with only_these_workers_read():
        proc = start_worker(
            f"openai{secrets.token_hex(3)}",
            {
                "READING_PROVIDER": "openai",
                "OPENAI_BASE_URL": fake_openai.base_url,
                "OPENAI_API_KEY": "sk-test",
                "OPENAI_MODEL": "gpt-4.1-mini",
                "ANALYSIS_RETRY_BACKOFF_SECONDS": "0.2",
            },
        )
        try:
            yield proc
        finally:
            stop_worker(proc)


@pytest.fixture
def server(fake_openai: FakeOpenAI) -> FakeOpenAI:
    fake_openai.reset()
    return fake_openai


async def test_rate_limited_call_is_retried_after_retry_after_and_costs_are_recorded(
    openai_worker: subprocess.Popen[bytes],
    server: FakeOpenAI,
    make_client: Callable[..., httpx.AsyncClient],
    palm: Callable[[str], bytes],
) -> None:
    server.script(RateLimited(retry_after="1"), Ok(prompt_tokens=3000, completion_tokens=800))
    browser = make_client()
    accepted = await upload(browser, left=palm("left_01.jpg"))
    assert accepted.status_code == 202, accepted.text
    analysis_id = accepted.json()["id"]

    done = await wait_for(browser, analysis_id, finished)
    assert done["status"] == "completed", done
    assert done["attempts"] == 2
    assert len(server.requests) == 2

    summary = (await browser.get(f"{ANALYSES}/{analysis_id}/summary")).json()
    assert summary["summary"]["provider"] == "openai"
    assert summary["summary"]["text"].startswith("Your heart line")


async def test_transient_failures_stop_after_three_retries_then_retry_succeeds(
    openai_worker: subprocess.Popen[bytes],
    server: FakeOpenAI,
    make_client: Callable[..., httpx.AsyncClient],
    palm: Callable[[str], bytes],
    settings: Settings,
) -> None:
    server.set_default(ServerError(500))
    browser = make_client()
    accepted = await upload(browser, left=palm("left_01.jpg"))
    analysis_id = accepted.json()["id"]

    failed = await wait_for(browser, analysis_id, finished)
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "provider_unavailable"
    assert "not available right now" in failed["error"]["message"]
    # The first try and three retries, then no more calls.
    assert failed["attempts"] == MAX_ATTEMPTS == 4
    assert len(server.requests) == 4
    with redis.Redis.from_url(settings.redis_url, decode_responses=True) as client:
        letters = [
            d for d in read_dead_letters(client, settings) if d["analysis_id"] == analysis_id
        ]
    assert [d["code"] for d in letters] == ["provider_unavailable"]
    assert "500" in letters[0]["reason"] or "busy" in letters[0]["reason"]

    # The provider is back; the uploader retries.
    server.set_default(Ok(prompt_tokens=1000, completion_tokens=100))
    retried = await browser.post(f"{ANALYSES}/{analysis_id}/retry", headers=csrf_headers(browser))
    assert retried.status_code == 202, retried.text
    done = await wait_for(browser, analysis_id, finished)
    assert done["status"] == "completed"
    assert done["attempts"] == 1  # a fresh budget

    from sqlalchemy import select

    from rekha.analyses.models import Analysis
    from rekha.core.db import SyncDatabase

    db = SyncDatabase(settings)
    try:
        with db.session() as session:
            row = session.scalar(select(Analysis).where(Analysis.id == analysis_id))
            assert row is not None
            assert (row.provider, row.prompt_tokens, row.completion_tokens) == ("openai", 1000, 100)
            assert row.cost_usd == pytest.approx(cost_usd("gpt-4.1-mini", 1000, 100))
            assert row.report is not None and row.report["usage"]["prompt_tokens"] == 1000
    finally:
        db.engine.dispose()


async def test_non_palm_never_reaches_the_provider(
    openai_worker: subprocess.Popen[bytes],
    server: FakeOpenAI,
    make_client: Callable[..., httpx.AsyncClient],
    palm: Callable[[str], bytes],
) -> None:
    browser = make_client()
    accepted = await upload(browser, left=palm("neg_back_of_hand_01.jpg"))
    analysis_id = accepted.json()["id"]
    failed = await wait_for(browser, analysis_id, finished)
    assert failed["status"] == "failed"
    assert failed["error"]["code"] in {"back_of_hand", "no_hand"}
    assert server.requests == []
