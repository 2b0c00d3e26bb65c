"""Where a job's live status lives: Redis, written by the worker as each stage happens.

One JSON value per analysis (`{prefix}analysis:{id}:status`) that the status endpoint reads
without touching the database, plus a pub/sub channel (`{prefix}analysis:{id}:events`) that
carries every change so the SSE stream can push it the moment it happens. The database row
keeps the same fields, so the status survives a Redis flush: readers fall back to it.
"""

from __future__ import annotations

import json
import logging
from enum import StrEnum
from typing import Any

import redis
import redis.asyncio as aioredis
from pydantic import BaseModel

from rekha.analyses.models import Analysis, AnalysisStatus
from rekha.core.redis import key
from rekha.settings import Settings

log = logging.getLogger(__name__)

# A finished job's status stays readable from Redis this long; after that the row answers.
STATUS_TTL_SECONDS = 24 * 3600
TERMINAL_STATUSES = frozenset({AnalysisStatus.completed.value, AnalysisStatus.failed.value})


class Stage(StrEnum):
    queued = "queued"
    preparing = "preparing"
    finding_hand = "finding_hand"
    tracing_lines = "tracing_lines"
    interpreting = "interpreting"
    done = "done"
    failed = "failed"


# How far along each stage is, in percent. Providers report these names through their
# progress callback; the worker adds `preparing` and `done` around them.
STAGE_PROGRESS: dict[Stage, int] = {
    Stage.queued: 0,
    Stage.preparing: 10,
    Stage.finding_hand: 30,
    Stage.tracing_lines: 60,
    Stage.interpreting: 85,
    Stage.done: 100,
}


class JobError(BaseModel):
    code: str
    message: str


class JobStatus(BaseModel):
    """What `GET /analyses/{id}/status` and each SSE event carry."""

    id: str
    status: AnalysisStatus
    stage: str
    progress: int
    error: JobError | None = None
    attempts: int = 0

    @property
    def finished(self) -> bool:
        return self.status.value in TERMINAL_STATUSES

    @classmethod
    def from_row(cls, analysis: Analysis) -> JobStatus:
        error = None
        if analysis.error_code:
            error = JobError(code=analysis.error_code, message=analysis.error_message or "")
        return cls(
            id=analysis.id,
            status=AnalysisStatus(analysis.status),
            stage=analysis.stage,
            progress=analysis.progress,
            error=error,
            attempts=analysis.attempts,
        )


def status_key(settings: Settings, analysis_id: str) -> str:
    return key(settings, "analysis", analysis_id, "status")


def events_channel(settings: Settings, analysis_id: str) -> str:
    return key(settings, "analysis", analysis_id, "events")


def dead_letter_key(settings: Settings) -> str:
    return key(settings, "analyses", "dead_letter")


def _decode(raw: str | bytes | None) -> JobStatus | None:
    if raw is None:
        return None
    try:
        return JobStatus.model_validate_json(raw)
    except ValueError:
        log.warning("unreadable job status in redis", extra={"value": str(raw)[:200]})
        return None


class SyncProgressStore:
    """The worker's writer (Celery tasks are synchronous)."""

    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    def publish(self, status: JobStatus) -> None:
        # Redis trouble must not fail a reading: the row holds the same fields and is the
        # fallback, so a lost status write only makes the live view lag.
        payload = status.model_dump_json()
        try:
            pipe = self.client.pipeline()
            pipe.set(status_key(self.settings, status.id), payload, ex=STATUS_TTL_SECONDS)
            pipe.publish(events_channel(self.settings, status.id), payload)
            pipe.execute()
        except redis.RedisError:
            log.warning("could not write job status", extra={"analysis_id": status.id})

    def get(self, analysis_id: str) -> JobStatus | None:
        raw: Any = self.client.get(status_key(self.settings, analysis_id))
        return _decode(raw)

    def dead_letter(self, analysis_id: str, code: str, reason: str, attempts: int) -> None:
        """Keep a failed job for inspection: newest first, bounded."""
        from rekha.core.types import utcnow

        entry = json.dumps(
            {
                "analysis_id": analysis_id,
                "code": code,
                "reason": reason,
                "attempts": attempts,
                "failed_at": utcnow().isoformat(),
            }
        )
        try:
            pipe = self.client.pipeline()
            pipe.lpush(dead_letter_key(self.settings), entry)
            pipe.ltrim(dead_letter_key(self.settings), 0, 999)
            pipe.execute()
        except redis.RedisError:
            log.warning("could not write dead letter", extra={"analysis_id": analysis_id})


def read_dead_letters(client: redis.Redis, settings: Settings, limit: int = 100) -> list[Any]:
    raw: Any = client.lrange(dead_letter_key(settings), 0, limit - 1)
    return [json.loads(item) for item in raw]


async def get_status(
    client: aioredis.Redis, settings: Settings, analysis_id: str
) -> JobStatus | None:
    """The live status from Redis, or None when Redis has none (or cannot be reached)."""
    return _decode(await get_status_json(client, settings, analysis_id))


async def get_status_json(
    client: aioredis.Redis, settings: Settings, analysis_id: str
) -> str | None:
    """The live status exactly as stored (the JSON the worker wrote), for serving as is."""
    try:
        raw = await client.get(status_key(settings, analysis_id))
    except aioredis.RedisError:
        log.warning("redis unavailable for job status", extra={"analysis_id": analysis_id})
        return None
    return raw if isinstance(raw, str) else None


async def publish_status(client: aioredis.Redis, settings: Settings, status: JobStatus) -> None:
    """The API's writer (the retry endpoint); same shape as the worker's."""
    payload = status.model_dump_json()
    try:
        async with client.pipeline() as pipe:
            pipe.set(status_key(settings, status.id), payload, ex=STATUS_TTL_SECONDS)
            pipe.publish(events_channel(settings, status.id), payload)
            await pipe.execute()
    except aioredis.RedisError:
        log.warning("could not write job status", extra={"analysis_id": status.id})


async def forget_status(client: aioredis.Redis, settings: Settings, analysis_id: str) -> None:
    """Drop the live status (for callers deleting an analysis)."""
    await client.delete(status_key(settings, analysis_id))


def decode_event(raw: str | bytes | None) -> JobStatus | None:
    return _decode(raw)
