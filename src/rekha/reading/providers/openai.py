"""The `openai` reading provider: our measurements plus the photos, interpreted by a model.

We always measure first with our own vision engine. A photo it refuses (no hand, back of the
hand, too dark...) raises MeasurementRefused before any request is made, so a non-palm never
costs a paid call. The model then sees the photos (downscaled, long side <= 1024 px, as data
URLs) together with the measurements as grounding, and must answer with structured output
against the same `Reading` schema the local provider returns; the answer is validated, and
its evidence is re-tied to our measured values so the report never cites a number the model
made up.

Any OpenAI-compatible server works: set OPENAI_BASE_URL. The SDK's own retries are off; a
transient failure (429, 5xx, timeout, connection error, unusable output) raises
ProviderUnavailable, carrying the server's Retry-After, and the Celery task retries the job
with backoff instead of holding a worker while it waits.
"""

from __future__ import annotations

import base64
import email.utils
import io
import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import openai
import redis
from PIL import Image, ImageOps
from pydantic import ValidationError

from rekha.core.redis import make_sync_redis
from rekha.reading.interpret.engine import DEEPLY_CREASED_DEPTH
from rekha.reading.providers.base import ProgressCallback, ProviderUnavailable, measure_hands
from rekha.reading.providers.ratelimit import ProviderRateLimiter
from rekha.reading.types import (
    Evidence,
    Focus,
    Hand,
    HandMeasurements,
    Reading,
    ReadingResult,
    Usage,
)
from rekha.settings import Settings

log = logging.getLogger(__name__)

MAX_IMAGE_SIDE = 1024
MAX_COMPLETION_TOKENS = 3000
# Rough prompt cost of one 1024 px image at high detail; reserved before the call and settled
# against the real count afterwards.
ESTIMATED_IMAGE_TOKENS = 1500

# USD per million tokens (input, output), by model name prefix; longest prefix wins.
PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
}

CONVENTION = (
    "The left hand is read as what you were born with, the right hand as what you have made "
    "of it (the common convention of Hast Rekha Shastra)."
)
DISCLAIMER = (
    "Palm reading is a cultural tradition, not a science: read this for reflection and "
    "enjoyment, not as advice about health, money or relationships."
)

SYSTEM_PROMPT = f"""You are Rekha, a palm reader in the Indian tradition (Hast Rekha Shastra).
You receive palm photos and measurements of them made by a computer-vision engine.
Rules:
- Ground every statement in the measurements given. Cite them as evidence: `hand` is "left"
  or "right", `field` is a dotted path into that hand's measurements, for example
  "lines.heart.end_zone" or "geometry.index_to_ring", `value` the measured value.
- A line with clearly_visible=false must be hedged ("may", "perhaps") or left out; never state
  it as fact. A line with found=false is not there: do not read it. quality.sharpness is the
  photo's crease depth: from {DEEPLY_CREASED_DEPTH} on the palm is deeply creased, and its
  unclear lines are not faint but not told apart from the strong creases around them; say
  that, not "faint".
- Give Sanskrit/Hindi names beside the English ones (Hriday rekha for the heart line, Mastishka
  for head, Jeevan for life, Bhagya for fate, Surya for sun, Budh for mercury, Vivah for
  marriage; mounts Guru, Shani, Surya, Budh, Shukra, Chandra, Mangal, Rahu, Ketu).
- Convention: {CONVENTION} When both hands are given, compare them.
- Warm, specific, plain English. No predictions of death, illness, or disaster.
- `summary` is a short paragraph (3-5 sentences). `sections` cover the hand shape, each
  principal line found, the mounts, and the requested focus; `key` is a short snake_case id.
"""


class ProviderFailed(Exception):
    """A permanent provider failure (bad credentials, a request the server refuses)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    matches = [prefix for prefix in PRICES_PER_MILLION if model.startswith(prefix)]
    if not matches:
        return 0.0
    price_in, price_out = PRICES_PER_MILLION[max(matches, key=len)]
    return round((prompt_tokens * price_in + completion_tokens * price_out) / 1_000_000, 6)


def strict_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Pydantic's JSON schema made acceptable to structured outputs' strict mode: every object
    closed and fully required, no defaults, and a concrete type for untyped (Any) fields."""

    def fix(node: Any) -> Any:
        if isinstance(node, list):
            return [fix(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {k: fix(v) for k, v in node.items() if k != "default"}
        if out.get("type") == "object" and "properties" in out:
            out["additionalProperties"] = False
            out["required"] = list(out["properties"])
        if "properties" in out:
            for name, prop in out["properties"].items():
                if isinstance(prop, dict) and not ({"type", "$ref", "anyOf", "enum"} & set(prop)):
                    out["properties"][name] = {
                        **prop,
                        "type": ["string", "number", "boolean", "null"],
                    }
        return out

    fixed = fix(schema)
    assert isinstance(fixed, dict)
    return fixed


READING_SCHEMA = strict_json_schema(Reading.model_json_schema())


def image_data_url(data: bytes, max_side: int = MAX_IMAGE_SIDE) -> str:
    """The photo as a JPEG data URL, long side at most `max_side` pixels."""
    with Image.open(io.BytesIO(data)) as opened:
        img = ImageOps.exif_transpose(opened).convert("RGB")
    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def grounding(measurements: dict[Hand, HandMeasurements]) -> dict[str, Any]:
    """The measurements as the model sees them: everything but raw pixel coordinates, which
    cost tokens and say nothing the model can use."""
    out: dict[str, Any] = {}
    for hand, m in measurements.items():
        data = m.model_dump(mode="json", exclude={"landmarks", "to_canonical"})
        for line in data["lines"].values():
            line.pop("points", None)
        for mount in data["mounts"]:
            mount.pop("center", None)
            mount.pop("radius", None)
        out[hand.value] = data
    return out


def _lookup(data: Any, dotted: str) -> tuple[bool, Any]:
    node = data
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def _confidence_of(m: HandMeasurements, dotted: str) -> float:
    parts = dotted.split(".")
    if len(parts) >= 2 and parts[0] == "lines":
        for name, line in m.lines.items():
            if name.value == parts[1]:
                return line.confidence
    return m.hand_confidence


def ground_reading(
    reading: Reading, measurements: dict[Hand, HandMeasurements], focus: Focus
) -> Reading:
    """Tie the model's answer to what we measured: our hands, focus, convention and
    disclaimer; evidence only where the cited field exists, with our value and confidence."""
    dumped = {hand: m.model_dump(mode="json") for hand, m in measurements.items()}
    sections = []
    for section in reading.sections:
        evidence: list[Evidence] = []
        for item in section.evidence:
            if item.hand not in measurements:
                continue
            found, value = _lookup(dumped[item.hand], item.field)
            if not found or isinstance(value, dict | list):
                continue
            evidence.append(
                Evidence(
                    hand=item.hand,
                    field=item.field,
                    value=value,
                    confidence=_confidence_of(measurements[item.hand], item.field),
                )
            )
        sections.append(section.model_copy(update={"evidence": evidence}))
    return reading.model_copy(
        update={
            "sections": sections,
            "focus": focus,
            "hands": sorted(measurements, key=lambda h: h.value),
            "convention": CONVENTION,
            "disclaimer": DISCLAIMER,
        }
    )


def make_limiter(settings: Settings, client: redis.Redis, provider: str) -> ProviderRateLimiter:
    """The RPM/TPM budget every worker shares for calls to the provider."""
    return ProviderRateLimiter(
        client,
        settings,
        provider=provider,
        requests_per_minute=settings.openai_requests_per_minute,
        tokens_per_minute=settings.openai_tokens_per_minute,
    )


def make_client(settings: Settings, who: str) -> openai.OpenAI:
    """An SDK client for OPENAI_BASE_URL (or OpenAI itself). No SDK retries: the Celery task
    retries, honouring Retry-After, so one failure is never retried twice over."""
    api_key = settings.openai_api_key
    base_url = settings.openai_base_url or None  # an empty value in .env means "not set"
    if not api_key:
        if base_url is None:
            raise ProviderFailed(
                "provider_not_configured",
                f"{who} needs OPENAI_API_KEY (or OPENAI_BASE_URL for a server that needs no key).",
            )
        api_key = "not-needed"  # self-hosted servers often ignore the key
    return openai.OpenAI(
        api_key=api_key,
        base_url=base_url,
        timeout=settings.openai_timeout_seconds,
        max_retries=0,
    )


def classify_status_error(
    exc: openai.APIStatusError, *, model: str, service: str, busy: str
) -> Exception:
    """An HTTP error from the provider, as ours: busy or broken upstream is worth retrying
    (honouring Retry-After); bad credentials or a refused request are not."""
    status = exc.status_code
    retry_after = retry_after_seconds(exc.response.headers)
    log.warning(
        "openai call failed",
        extra={"status": status, "retry_after": retry_after, "model": model, "service": service},
    )
    if status == 429 or status >= 500 or status in (408, 409):
        return ProviderUnavailable(
            busy, retry_after=math.ceil(retry_after) if retry_after is not None else None
        )
    if status in (401, 403):
        return ProviderFailed("provider_not_configured", f"The {service} rejected our credentials.")
    return ProviderFailed(
        "provider_rejected", f"The {service} refused the request (HTTP {status})."
    )


def retry_after_seconds(headers: Any) -> float | None:
    """Retry-After in seconds from a response's headers (ms variant, seconds, or HTTP date)."""
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class OpenAIReader:
    """`Reader` backed by any OpenAI-compatible Chat Completions endpoint."""

    name = "openai"

    def __init__(
        self,
        settings: Settings,
        *,
        redis_client: redis.Redis | None = None,
        measure: Callable[[bytes], HandMeasurements] | None = None,
    ) -> None:
        self.settings = settings
        self.model = settings.openai_model
        self._redis = redis_client
        self._measure = measure

    # ------------------------------------------------------------------ engine steps

    def _measure_image(self, data: bytes) -> HandMeasurements:
        if self._measure is not None:
            return self._measure(data)
        from rekha.reading.vision import measure_image

        return measure_image(data)

    def _limiter(self) -> ProviderRateLimiter:
        if self._redis is None:
            self._redis = make_sync_redis(self.settings)
        return make_limiter(self.settings, self._redis, self.name)

    def _client(self) -> openai.OpenAI:
        return make_client(self.settings, "The OpenAI reading provider")

    def read(
        self,
        images: dict[Hand, bytes],
        focus: Focus = Focus.general,
        progress: ProgressCallback | None = None,
        dominant: Hand | None = None,
    ) -> ReadingResult:
        from rekha.reading.vision import overlay_data, render_overlay

        report = progress or (lambda _stage, _pct: None)
        report("finding_hand", 30)
        # Measure every hand before any paid call: a refusal raises here.
        measurements = measure_hands(images, lambda data, _i, _n: self._measure_image(data))
        report("tracing_lines", 60)
        overlays = {hand: overlay_data(m) for hand, m in measurements.items()}
        overlay_png = {hand: render_overlay(images[hand], m) for hand, m in measurements.items()}
        report("interpreting", 85)
        reading, usage = self._interpret(images, measurements, focus, dominant)
        return ReadingResult(
            reading=reading,
            measurements=measurements,
            overlays=overlays,
            overlay_png=overlay_png,
            provider=self.name,
            usage=usage,
        )

    # ------------------------------------------------------------------ the paid call

    def _messages(
        self,
        images: dict[Hand, bytes],
        measurements: dict[Hand, HandMeasurements],
        focus: Focus,
        dominant: Hand | None,
    ) -> list[dict[str, Any]]:
        hands = sorted(images, key=lambda h: h.value)
        intro = {
            "focus": focus.value,
            "hands": [h.value for h in hands],
            "dominant_hand": dominant.value if dominant else None,
            "measurements": grounding(measurements),
        }
        content: list[dict[str, Any]] = [
            {
                "type": "text",
                "text": "Read these palms. Photos follow in the order of `hands`.\n"
                + json.dumps(intro, separators=(",", ":")),
            }
        ]
        for hand in hands:
            content.append({"type": "text", "text": f"Photo of the {hand.value} hand:"})
            content.append(
                {
                    "type": "image_url",
                    "image_url": {"url": image_data_url(images[hand]), "detail": "high"},
                }
            )
        return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": content}]

    def _interpret(
        self,
        images: dict[Hand, bytes],
        measurements: dict[Hand, HandMeasurements],
        focus: Focus,
        dominant: Hand | None,
    ) -> tuple[Reading, Usage]:
        messages = self._messages(images, measurements, focus, dominant)
        text_chars = len(SYSTEM_PROMPT) + len(json.dumps(messages[1]["content"][0]))
        reserved = text_chars // 4 + ESTIMATED_IMAGE_TOKENS * len(images) + MAX_COMPLETION_TOKENS
        limiter = self._limiter()
        limiter.acquire(reserved)
        started = time.monotonic()
        with self._client() as client:
            try:
                response = client.chat.completions.create(  # type: ignore[call-overload]
                    model=self.model,
                    messages=messages,  # type: ignore[arg-type]
                    response_format={
                        "type": "json_schema",
                        "json_schema": {
                            "name": "reading",
                            "schema": READING_SCHEMA,
                            "strict": True,
                        },
                    },
                    max_completion_tokens=MAX_COMPLETION_TOKENS,
                    temperature=0.4,
                )
            except openai.APIStatusError as exc:
                limiter.settle(reserved, 0)
                raise self._status_error(exc) from exc
            except openai.APIConnectionError as exc:  # includes APITimeoutError
                limiter.settle(reserved, 0)
                kind = "timed out" if isinstance(exc, openai.APITimeoutError) else "unreachable"
                log.warning("openai call failed", extra={"reason": kind, "model": self.model})
                raise ProviderUnavailable(f"The reading service {kind}.") from exc
        elapsed = time.monotonic() - started
        usage = self._usage(response)
        limiter.settle(reserved, usage.prompt_tokens + usage.completion_tokens)
        log.info(
            "openai reading",
            extra={
                "model": self.model,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "cost_usd": usage.cost_usd,
                "seconds": round(elapsed, 3),
            },
        )
        reading = self._parse(response)
        return ground_reading(reading, measurements, focus), usage

    def _usage(self, response: Any) -> Usage:
        used = getattr(response, "usage", None)
        prompt = int(getattr(used, "prompt_tokens", 0) or 0)
        completion = int(getattr(used, "completion_tokens", 0) or 0)
        return Usage(
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=cost_usd(self.model, prompt, completion),
        )

    def _parse(self, response: Any) -> Reading:
        choices = getattr(response, "choices", None) or []
        if not choices:
            raise ProviderUnavailable("The reading service returned no answer.")
        message = choices[0].message
        if getattr(message, "refusal", None):
            raise ProviderFailed(
                "provider_refused", "The reading service declined to read this photo."
            )
        if choices[0].finish_reason == "length":
            raise ProviderUnavailable("The reading service's answer was cut short.")
        try:
            return Reading.model_validate_json(message.content or "")
        except ValidationError as exc:
            log.warning(
                "openai answer did not match the Reading schema",
                extra={"errors": exc.error_count(), "model": self.model},
            )
            raise ProviderUnavailable("The reading service returned an unusable answer.") from exc

    def _status_error(self, exc: openai.APIStatusError) -> Exception:
        return classify_status_error(
            exc,
            model=self.model,
            service="reading service",
            busy="The reading service is busy; your reading will continue shortly.",
        )
