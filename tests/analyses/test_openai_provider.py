"""The OpenAI reading provider against a local Chat Completions server, over real HTTP with the
real SDK: success, 429 with Retry-After, 500, timeout, malformed output, bad key, refusal."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from PIL import Image

from rekha.reading.providers import get_reader
from rekha.reading.providers.base import ProviderUnavailable
from rekha.reading.providers.openai import (
    MAX_IMAGE_SIDE,
    OpenAIReader,
    ProviderFailed,
    cost_usd,
)
from rekha.reading.providers.ratelimit import ProviderRateLimiter
from rekha.reading.types import Hand, MeasurementRefused, RefusalCode
from rekha.settings import Settings
from tests.fakes.openai_server import (
    FakeOpenAI,
    Hang,
    Malformed,
    Ok,
    RateLimited,
    ServerError,
    Unauthorized,
)

pytestmark = pytest.mark.fixtures


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def server(fake_openai: FakeOpenAI) -> FakeOpenAI:
    fake_openai.reset()
    return fake_openai


@pytest.fixture
def redis_client(settings: Settings) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    yield client
    client.close()


def _settings(settings: Settings, server: FakeOpenAI, **overrides: Any) -> Settings:
    # A fresh limiter namespace per test, so one test's calls never slow another's.
    import secrets

    return settings.model_copy(
        update={
            "reading_provider": "openai",
            "openai_base_url": server.base_url,
            "openai_api_key": "sk-test",
            "openai_timeout_seconds": 5.0,
            "redis_key_prefix": f"{settings.redis_key_prefix}oa{secrets.token_hex(3)}:",
            **overrides,
        }
    )


def _palm(fixtures_dir: Path, name: str = "left_01.jpg") -> bytes:
    return (fixtures_dir / name).read_bytes()


def _images_sent(request: dict[str, Any]) -> list[Image.Image]:
    images = []
    for part in request["messages"][1]["content"]:
        if part["type"] == "image_url":
            url = part["image_url"]["url"]
            assert url.startswith("data:image/jpeg;base64,")
            images.append(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
    return images


def test_registry_knows_openai(settings: Settings, server: FakeOpenAI) -> None:
    reader = get_reader("openai", _settings(settings, server))
    assert isinstance(reader, OpenAIReader)
    assert reader.name == "openai"


def test_success_sends_downscaled_images_and_measurements_and_grounds_the_answer(
    settings: Settings, server: FakeOpenAI, fixtures_dir: Path, redis_client: redis.Redis
) -> None:
    config = _settings(settings, server, openai_model="gpt-4.1-mini")
    reader = OpenAIReader(config, redis_client=redis_client)
    stages: list[tuple[str, int]] = []
    server.script(Ok(prompt_tokens=2000, completion_tokens=500))

    result = reader.read(
        {Hand.left: _palm(fixtures_dir)}, progress=lambda s, p: stages.append((s, p))
    )

    assert len(server.requests) == 1
    request = server.requests[0]
    assert request["model"] == "gpt-4.1-mini"
    assert server.request_headers[0]["authorization"] == "Bearer sk-test"
    schema = request["response_format"]
    assert schema["type"] == "json_schema"
    assert schema["json_schema"]["strict"] is True
    assert set(schema["json_schema"]["schema"]["required"]) >= {"summary", "sections", "hands"}
    # The 1600x1200 fixture went out downscaled, with our measurements beside it.
    (sent,) = _images_sent(request)
    assert max(sent.size) <= MAX_IMAGE_SIDE
    intro = request["messages"][1]["content"][0]["text"]
    grounding = json.loads(intro[intro.index("{") :])
    assert grounding["hands"] == ["left"]
    assert "heart" in grounding["measurements"]["left"]["lines"]
    assert "points" not in grounding["measurements"]["left"]["lines"]["heart"]

    assert result.provider == "openai"
    assert result.reading.summary.startswith("Your heart line")
    assert result.reading.hands == [Hand.left]
    assert result.usage.prompt_tokens == 2000
    assert result.usage.completion_tokens == 500
    assert result.usage.cost_usd == pytest.approx(cost_usd("gpt-4.1-mini", 2000, 500))
    assert result.usage.cost_usd == pytest.approx((2000 * 0.40 + 500 * 1.60) / 1e6)
    # Evidence: the made-up value replaced by ours, the non-existent field dropped.
    evidence = result.reading.sections[0].evidence
    assert [e.field for e in evidence] == ["geometry.index_to_ring"]
    assert evidence[0].value == result.measurements[Hand.left].geometry.index_to_ring
    assert result.overlay_png[Hand.left].startswith(b"\x89PNG")
    assert [s for s, _ in stages] == ["finding_hand", "tracing_lines", "interpreting"]


def test_non_palm_is_refused_without_a_paid_call(
    settings: Settings, server: FakeOpenAI, fixtures_dir: Path, redis_client: redis.Redis
) -> None:
    reader = OpenAIReader(_settings(settings, server), redis_client=redis_client)
    with pytest.raises(MeasurementRefused) as refused:
        reader.read({Hand.left: _palm(fixtures_dir, "neg_coffee.jpg")})
    assert refused.value.code == RefusalCode.no_hand
    assert server.requests == []


@pytest.mark.parametrize(
    ("behaviour", "retry_after"),
    [(RateLimited(retry_after="7"), 7), (ServerError(500), None), (Malformed(), None)],
    ids=["429-retry-after", "500", "malformed-json"],
)
def test_transient_failures_raise_provider_unavailable(
    settings: Settings,
    server: FakeOpenAI,
    fixtures_dir: Path,
    redis_client: redis.Redis,
    behaviour: Any,
    retry_after: int | None,
) -> None:
    reader = OpenAIReader(_settings(settings, server), redis_client=redis_client)
    server.script(behaviour)
    with pytest.raises(ProviderUnavailable) as failed:
        reader.read({Hand.left: _palm(fixtures_dir)})
    assert failed.value.retry_after == retry_after
    # No SDK-level retries: the job is retried by Celery, which honours retry_after.
    assert len(server.requests) == 1


def test_timeout_raises_provider_unavailable(
    settings: Settings, server: FakeOpenAI, fixtures_dir: Path, redis_client: redis.Redis
) -> None:
    reader = OpenAIReader(
        _settings(settings, server, openai_timeout_seconds=0.5), redis_client=redis_client
    )
    server.script(Hang(seconds=5))
    with pytest.raises(ProviderUnavailable, match="timed out"):
        reader.read({Hand.left: _palm(fixtures_dir)})


def test_rejected_credentials_are_permanent(
    settings: Settings, server: FakeOpenAI, fixtures_dir: Path, redis_client: redis.Redis
) -> None:
    reader = OpenAIReader(_settings(settings, server), redis_client=redis_client)
    server.script(Unauthorized())
    with pytest.raises(ProviderFailed) as failed:
        reader.read({Hand.left: _palm(fixtures_dir)})
    assert failed.value.code == "provider_not_configured"


def test_rate_limit_is_shared_between_workers(
    settings: Settings, server: FakeOpenAI, redis_client: redis.Redis
) -> None:
    config = _settings(settings, server)
    # Two limiters on one Redis stand for two worker processes.
    first, second = (
        ProviderRateLimiter(
            redis_client,
            config,
            provider="openai",
            requests_per_minute=2,
            tokens_per_minute=10_000,
            max_wait_seconds=0.0,
        )
        for _ in range(2)
    )
    assert first.try_take(100) == 0
    assert second.try_take(100) == 0
    # The third request of the minute does not fit, whichever worker asks: ~30 s to refill.
    assert second.try_take(100) > 20
    with pytest.raises(ProviderUnavailable) as deferred:
        first.acquire(100)
    assert deferred.value.retry_after is not None and deferred.value.retry_after > 20


def test_token_budget_is_settled_against_real_use(
    settings: Settings, server: FakeOpenAI, redis_client: redis.Redis
) -> None:
    limiter = ProviderRateLimiter(
        redis_client,
        _settings(settings, server),
        provider="openai",
        requests_per_minute=1000,
        tokens_per_minute=10_000,
        max_wait_seconds=0.0,
    )
    assert limiter.try_take(4_000) == 0
    # The call really used 9,000: the budget is now overdrawn for the next caller.
    limiter.settle(4_000, 9_000)
    assert limiter.try_take(2_000) > 0
