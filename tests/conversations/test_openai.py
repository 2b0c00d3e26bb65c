"""The OpenAI responder: the real SDK over real HTTP against a local Chat Completions server,
and the whole path through the API and a real Celery worker."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from rekha.conversations.openai_responder import (
    SUMMARY_TOKEN_BUDGET,
    OpenAIResponder,
    estimate_tokens,
    plan_context,
)
from rekha.conversations.report import StoredReport
from rekha.conversations.responder import ResponderContext, Turn
from rekha.reading.providers.base import ProviderUnavailable
from rekha.reading.providers.openai import ProviderFailed, cost_usd
from rekha.settings import Settings
from tests.auth.helpers import register
from tests.conftest import start_worker, stop_worker
from tests.conversations.builders import conversations_url, create_conversation, make_analysis, talk
from tests.fakes.openai_server import FakeOpenAI, Ok, RateLimited, Unauthorized

pytestmark = pytest.mark.fixtures

ANSWER = (
    "Your Hriday rekha (heart line) ends under the middle finger, read as practical, private "
    "affection; the Vivah lines are not clearly visible on your photo."
)


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def server(fake_openai: FakeOpenAI) -> FakeOpenAI:
    fake_openai.reset()
    fake_openai.set_default(Ok(content=ANSWER, prompt_tokens=2100, completion_tokens=180))
    return fake_openai


def openai_settings(settings: Settings, server: FakeOpenAI) -> Settings:
    return settings.model_copy(
        update={
            "reading_provider": "openai",
            "openai_base_url": server.base_url,
            "openai_api_key": "sk-test",
            "openai_timeout_seconds": 5.0,
            # A private rate-limit bucket per test, so tests never wait on each other.
            "redis_key_prefix": f"{settings.redis_key_prefix}{secrets.token_hex(3)}:",
        }
    )


def context(stored: StoredReport, **changes: Any) -> ResponderContext:
    values: dict[str, Any] = {
        "analysis_id": "a-openai",
        "question": "What about marriage?",
        "report": stored,
        "history": [
            Turn("user", "What about my career?"),
            Turn("assistant", "Your Bhagya rekha (fate line) climbs toward the middle finger."),
        ],
        "summary": "- They asked: what does my hand shape say?",
    }
    values.update(changes)
    return ResponderContext(**values)


def test_answer_sends_reading_summary_history_and_records_usage(
    settings: Settings, server: FakeOpenAI, stored: StoredReport
) -> None:
    responder = OpenAIResponder(openai_settings(settings, server))
    answer = responder.answer(context(stored))

    assert answer.text == ANSWER
    assert answer.usage.prompt_tokens == 2100 and answer.usage.completion_tokens == 180
    assert answer.usage.cost_usd == cost_usd(settings.openai_model, 2100, 180) > 0
    assert answer.topics == ["love"]
    assert {"lines.heart", "lines.marriage"} <= set(answer.cited)

    (request,) = server.requests
    assert request["model"] == settings.openai_model
    messages = request["messages"]
    roles = [m["role"] for m in messages]
    assert roles == ["system", "system", "system", "user", "assistant", "user"]
    assert "Hast Rekha Shastra" in messages[0]["content"]
    reading = json.loads(messages[1]["content"].split("\n", 1)[1])
    assert set(reading["measurements"]) == {"left", "right"}
    assert "clearly_visible" in reading["measurements"]["right"]["lines"]["heart"]
    assert "points" not in reading["measurements"]["right"]["lines"]["heart"]
    assert reading["reading"]["sections"]
    assert "hand shape" in messages[2]["content"]
    assert messages[-1] == {"role": "user", "content": "What about marriage?"}
    assert server.request_headers[0]["authorization"] == "Bearer sk-test"


def test_rate_limit_is_transient_with_retry_after(
    settings: Settings, server: FakeOpenAI, stored: StoredReport
) -> None:
    server.script(RateLimited(retry_after="7"))
    with pytest.raises(ProviderUnavailable) as info:
        OpenAIResponder(openai_settings(settings, server)).answer(context(stored))
    assert info.value.retry_after == 7


def test_rejected_credentials_are_permanent(
    settings: Settings, server: FakeOpenAI, stored: StoredReport
) -> None:
    server.script(Unauthorized())
    with pytest.raises(ProviderFailed) as info:
        OpenAIResponder(openai_settings(settings, server)).answer(context(stored))
    assert info.value.code == "provider_not_configured"


def test_context_budget_keeps_recent_turns_and_summarises_older_ones() -> None:
    history = [
        Turn("user" if i % 2 == 0 else "assistant", f"turn {i} " + "word " * 150)
        for i in range(30)
    ]
    plan = plan_context(history, summary=None, budget=1000)
    assert plan.kept == history[-len(plan.kept) :]
    assert 0 < len(plan.kept) < len(history)
    assert sum(estimate_tokens(t.content) for t in plan.kept) <= 1000
    assert plan.folded == len(history) - len(plan.kept)
    assert plan.summary is not None
    assert estimate_tokens(plan.summary) <= SUMMARY_TOKEN_BUDGET
    # The newest folded turn is in the summary; the oldest fell out of its budget.
    assert f"turn {plan.folded - 1} " in plan.summary
    assert "turn 0 " not in plan.summary
    # Deterministic, and a later fold builds on the earlier summary.
    assert plan_context(history, None, budget=1000) == plan
    later = plan_context([Turn("user", "newest question")], plan.summary, budget=1)
    assert later.summary is not None and later.summary.endswith("They asked: newest question")


def test_short_history_is_sent_whole() -> None:
    history = [Turn("user", "What about love?"), Turn("assistant", "Your heart line...")]
    plan = plan_context(history, summary="earlier")
    assert plan.kept == history and plan.folded == 0 and plan.summary == "earlier"


# ---------------------------------------------------------------- through the API and a worker


@pytest.fixture
async def openai_app(settings: Settings, server: FakeOpenAI) -> AsyncIterator[FastAPI]:
    from rekha.app import create_app

    application = create_app(settings.model_copy(update={"reading_provider": "openai"}))
    yield application
    await application.state.redis.aclose()
    await application.state.db.dispose()


@pytest.fixture
def openai_worker(server: FakeOpenAI) -> Iterator[str]:
    """A worker configured for the fake server, and the only one taking `default` jobs."""
    from rekha.worker import celery_app

    name = f"conv{secrets.token_hex(3)}"
    proc = start_worker(
        name,
        {
            "READING_PROVIDER": "openai",
            "OPENAI_BASE_URL": server.base_url,
            "OPENAI_API_KEY": "sk-test",
        },
    )
    # Workers other tests started (without the fake server's address) pause on this queue.
    others = [
        host for reply in celery_app.control.ping(timeout=1.0) for host in reply
        if not host.startswith(f"{name}@")
    ]
    if others:
        celery_app.control.cancel_consumer("default", destination=others, reply=True)
    try:
        yield name
    finally:
        if others:
            celery_app.control.add_consumer("default", destination=others, reply=True)
        stop_worker(proc)


async def wait_for_answer(
    client: httpx.AsyncClient, aid: str, cid: str, message_id: int
) -> dict[str, Any]:
    for _ in range(300):
        page = (await client.get(conversations_url(aid, f"/{cid}/messages"))).json()
        message = next(m for m in page["items"] if m["id"] == message_id)
        if message["status"] != "pending":
            return message
        await asyncio.sleep(0.1)
    raise AssertionError("the answer stayed pending for 30 s")


@pytest.mark.slow
async def test_talk_returns_202_and_the_worker_answers(
    openai_app: FastAPI,
    openai_worker: str,
    server: FakeOpenAI,
    report: dict[str, Any],
) -> None:
    transport = httpx.ASGITransport(app=openai_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        user = await register(client)
        aid = await make_analysis(openai_app, user["id"], report)
        cid = (await create_conversation(client, aid))["id"]

        response = await talk(client, aid, cid, "What about marriage?")
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["user_message"]["content"] == "What about marriage?"
        pending = body["assistant_message"]
        assert pending["status"] == "pending" and pending["content"] == ""

        answer = await wait_for_answer(client, aid, cid, pending["id"])
        assert answer["status"] == "completed"
        assert answer["content"] == ANSWER
        assert answer["prompt_tokens"] == 2100 and answer["completion_tokens"] == 180
        model = openai_app.state.settings.openai_model
        assert answer["cost_usd"] == pytest.approx(cost_usd(model, 2100, 180))
        assert "lines.heart" in answer["cited"]

        # The follow-up sends the earlier turn as history and keeps the topic.
        server.reset()
        server.set_default(
            Ok(content="On your left palm the heart line...", prompt_tokens=900,
               completion_tokens=50)
        )
        follow = await talk(client, aid, cid, "and my left hand?")
        assert follow.status_code == 202
        assert follow.json()["user_message"]["topics"] == ["love"]
        done = await wait_for_answer(client, aid, cid, follow.json()["assistant_message"]["id"])
        assert done["status"] == "completed" and done["prompt_tokens"] == 900
        sent = server.requests[-1]["messages"]
        assert {"role": "user", "content": "What about marriage?"} in sent
        assert {"role": "assistant", "content": ANSWER} in sent
        assert sent[-1] == {"role": "user", "content": "and my left hand?"}
