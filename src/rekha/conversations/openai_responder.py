"""The OpenAI responder: any OpenAI-compatible Chat Completions endpoint, official SDK.

It runs on the worker (rekha.conversations.tasks), never on the API's event loop. The model
gets the reading and the measurements as system context, a running summary of older turns and
as many recent turns as fit a token budget, then the question. Tokens and cost come back in
`Answer.usage` and are stored on the assistant message.

Topics come from the local intent rules (the same for both providers, so a follow-up keeps its
context either way); `cited` lists the lines and mounts the model's answer names.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openai
import redis

from rekha.conversations import intent as it
from rekha.conversations.responder import Answer, ResponderContext, Turn
from rekha.core.redis import make_sync_redis
from rekha.reading.providers.base import ProviderUnavailable
from rekha.reading.providers.openai import (
    ProviderFailed,
    classify_status_error,
    cost_usd,
    grounding,
    make_client,
    make_limiter,
)
from rekha.reading.providers.ratelimit import ProviderRateLimiter
from rekha.reading.types import Usage
from rekha.settings import Settings

log = logging.getLogger(__name__)

MAX_COMPLETION_TOKENS = 700
# Budgets, in estimated tokens: recent turns sent verbatim, and the summary of older ones.
HISTORY_TOKEN_BUDGET = 2500
SUMMARY_TOKEN_BUDGET = 600
SUMMARY_QUESTION_CHARS = 160
SUMMARY_ANSWER_CHARS = 240

SYSTEM_PROMPT = """You are Rekha, a palm reader in the Indian tradition (Hast Rekha Shastra), \
answering follow-up questions about ONE person's palm reading.
Rules:
- Answer only from the reading and the measurements given below. Name the lines and mounts \
you draw on, with their Sanskrit/Hindi names beside the English (Hriday rekha = heart line, \
Mastishka = head, Jeevan = life, Bhagya = fate, Surya = sun, Budh = Mercury, Vivah = marriage \
lines, Manibandh = bracelets; mounts Guru, Shani, Surya, Budh, Shukra, Chandra, Mangal, Rahu, \
Ketu).
- Never invent a feature. A line with clearly_visible=false is "not clearly visible on your \
photo": say so and read nothing into it. Mount heights cannot be measured from a photo.
- Convention: the left hand is what one is born with, the right what one makes of it.
- Kindly decline what palmistry cannot answer (dates of death, lifespan, diagnoses, pregnancy, \
lottery numbers, legal or financial decisions) and point to what the reading does say.
- Health wording stays at vitality and habits; suggest a doctor for anything medical.
- Warm, specific, plain English, at most about 200 words. No markdown headings."""


def estimate_tokens(text: str) -> int:
    # About four characters a token for English; a budget, not a bill (the bill comes back).
    return max(1, math.ceil(len(text) / 4))


@dataclass(frozen=True)
class ContextPlan:
    kept: list[Turn]  # recent turns sent verbatim, oldest first
    summary: str | None  # the running summary, including turns that no longer fit
    folded: int  # how many of the given turns were folded into the summary


def _clip(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def fold_into_summary(summary: str | None, turns: Sequence[Turn]) -> str | None:
    """Add older turns to the running summary, deterministically (no extra paid call), and keep
    it within its budget by dropping its oldest lines."""
    lines = [line for line in (summary or "").splitlines() if line.strip()]
    for turn in turns:
        if turn.role == "user":
            lines.append(f"- They asked: {_clip(turn.content, SUMMARY_QUESTION_CHARS)}")
        else:
            cited = turn.meta.get("cited") or []
            drew = f" (drew on {', '.join(cited)})" if cited else ""
            lines.append(f"- Rekha answered{drew}: {_clip(turn.content, SUMMARY_ANSWER_CHARS)}")
    while lines and estimate_tokens("\n".join(lines)) > SUMMARY_TOKEN_BUDGET:
        lines.pop(0)
    return "\n".join(lines) or None


def plan_context(
    history: Sequence[Turn], summary: str | None, budget: int = HISTORY_TOKEN_BUDGET
) -> ContextPlan:
    """Keep the most recent turns that fit `budget`; fold the rest into the summary."""
    kept: list[Turn] = []
    used = 0
    for turn in reversed(history):
        cost = estimate_tokens(turn.content) + 4
        if used + cost > budget:
            break
        kept.insert(0, turn)
        used += cost
    older = list(history[: len(history) - len(kept)])
    return ContextPlan(kept=kept, summary=fold_into_summary(summary, older), folded=len(older))


def reading_context(context: ResponderContext) -> str:
    report = context.report
    data: dict[str, Any] = {"hands": [h.value for h in report.hands]}
    if context.dominant_hand:
        data["dominant_hand"] = context.dominant_hand.value
    if report.reading is not None:
        data["reading"] = {
            "summary": report.reading.summary,
            "convention": report.reading.convention,
            "sections": [
                {"key": s.key, "title": s.title, "text": s.text} for s in report.reading.sections
            ],
        }
    data["measurements"] = grounding(report.measurements)
    return "The reading and its measurements (JSON):\n" + json.dumps(data, ensure_ascii=False)


def build_messages(context: ResponderContext) -> list[dict[str, str]]:
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "system", "content": reading_context(context)},
    ]
    if context.summary:
        messages.append(
            {"role": "system", "content": "Earlier in this conversation:\n" + context.summary}
        )
    for turn in context.history:
        if turn.role in ("user", "assistant") and turn.content:
            messages.append({"role": turn.role, "content": turn.content})
    messages.append({"role": "user", "content": context.question})
    return messages


class OpenAIResponder:
    name = "openai"

    def __init__(self, settings: Settings, *, redis_client: redis.Redis | None = None) -> None:
        self.settings = settings
        self.model = settings.openai_model
        self._redis = redis_client

    def _client(self) -> openai.OpenAI:
        return make_client(self.settings, "The OpenAI responder")

    def _limiter(self) -> ProviderRateLimiter:
        if self._redis is None:
            self._redis = make_sync_redis(self.settings)
        return make_limiter(self.settings, self._redis, self.name)

    def answer(self, context: ResponderContext) -> Answer:
        detected = it.detect(context.question, context.state)
        messages = build_messages(context)
        reserved = sum(estimate_tokens(m["content"]) for m in messages) + MAX_COMPLETION_TOKENS
        limiter = self._limiter()
        limiter.acquire(reserved)
        client = self._client()
        try:
            response = client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=MAX_COMPLETION_TOKENS,
                temperature=0.4,
            )
        except openai.APIStatusError as exc:
            limiter.settle(reserved, 0)
            raise self._status_error(exc) from exc
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            limiter.settle(reserved, 0)
            raise ProviderUnavailable("The answering service could not be reached.") from exc
        finally:
            client.close()
        usage = self._usage(response)
        limiter.settle(reserved, usage.prompt_tokens + usage.completion_tokens)
        text = self._text(response)
        log.info(
            "conversation answer",
            extra={
                "model": self.model,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "cost_usd": usage.cost_usd,
            },
        )
        return Answer(
            text=text,
            topics=[detected.topic.value, *(t.value for t in detected.other_topics)],
            cited=list(it.find_subjects(it.normalise(text))),
            usage=usage,
            state=detected.state(),
            refused=detected.refusal.value if detected.refusal else None,
        )

    def _usage(self, response: Any) -> Usage:
        used = getattr(response, "usage", None)
        prompt = int(getattr(used, "prompt_tokens", 0) or 0)
        completion = int(getattr(used, "completion_tokens", 0) or 0)
        return Usage(
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=cost_usd(self.model, prompt, completion),
        )

    @staticmethod
    def _text(response: Any) -> str:
        choices = getattr(response, "choices", None) or []
        if not choices:
            raise ProviderUnavailable("The answering service returned no answer.")
        message = choices[0].message
        if getattr(message, "refusal", None):
            raise ProviderFailed("provider_refused", "The answering service declined to answer.")
        text = (message.content or "").strip()
        if not text:
            raise ProviderUnavailable("The answering service returned an empty answer.")
        return text

    def _status_error(self, exc: openai.APIStatusError) -> Exception:
        return classify_status_error(
            exc,
            model=self.model,
            service="answering service",
            busy="The answering service is busy.",
        )
