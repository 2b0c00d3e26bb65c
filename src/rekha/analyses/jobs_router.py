"""A reading job seen from outside: its status, a live stream of it, and a retry.

The status is public by id, like the summary: it says how far the job is and why it failed,
nothing about the person or the palm. It is served from Redis (written by the worker as each
stage happens) and falls back to the database row when Redis has nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import redis.asyncio as aioredis
from fastapi import APIRouter, Path, Request, Response, status
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sse_starlette import EventSourceResponse, ServerSentEvent

from rekha.analyses.dependencies import ClaimedOrOwnedAnalysis
from rekha.analyses.models import Analysis, AnalysisStatus
from rekha.analyses.progress import (
    JobStatus,
    Stage,
    decode_event,
    events_channel,
    get_status,
    get_status_json,
    publish_status,
)
from rekha.core.db import Database
from rekha.core.deps import RedisDep, SessionDep, SettingsDep
from rekha.core.errors import Conflict, NotFound
from rekha.settings import Settings

log = logging.getLogger(__name__)

router = APIRouter(tags=["analyses"])

AnalysisId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]

# How often the stream re-reads the status when no event arrives (an event published while
# the stream was between subscribe and first read is never lost this way), and how often it
# sends a keep-alive comment so proxies do not close an idle connection.
RECHECK_SECONDS = 2.0
PING_SECONDS = 15


class RetryAccepted(BaseModel):
    id: str
    status: AnalysisStatus
    status_url: str


async def _row_status(db: Database, analysis_id: str) -> JobStatus | None:
    async with db.sessionmaker() as session:
        row = await session.scalar(select(Analysis).where(Analysis.id == analysis_id))
        return JobStatus.from_row(row) if row is not None else None


async def current_status(
    redis: aioredis.Redis, settings: Settings, db: Database, analysis_id: str
) -> JobStatus | None:
    return await get_status(redis, settings, analysis_id) or await _row_status(db, analysis_id)


@router.get(
    "/analyses/{analysis_id}/status",
    response_model=JobStatus,
    responses={404: {"description": "No analysis with that id"}},
)
async def analysis_status(
    analysis_id: AnalysisId, request: Request, redis: RedisDep, settings: SettingsDep
) -> JobStatus | Response:
    """How far the reading is: status, stage, progress (0-100) and, if it failed, why."""
    # The hot path of every progress screen: Redis holds exactly the JSON we answer with, so
    # it is passed through without decoding and re-encoding it.
    raw = await get_status_json(redis, settings, analysis_id)
    if raw is not None:
        return Response(content=raw, media_type="application/json")
    found = await _row_status(request.app.state.db, analysis_id)
    if found is None:
        raise NotFound("No analysis with that id.", code="analysis_not_found")
    return found


def _event(job: JobStatus) -> ServerSentEvent:
    return ServerSentEvent(data=job.model_dump_json(), event="status", retry=3000)


async def _status_events(
    request: Request,
    redis: aioredis.Redis,
    settings: Settings,
    db: Database,
    analysis_id: str,
    first: JobStatus,
) -> AsyncIterator[ServerSentEvent]:
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    # Never longer than a job may run before the stuck-job check fails it, plus a margin.
    deadline = time.monotonic() + settings.analysis_stuck_after_seconds + 120
    last: str | None = None
    try:
        await pubsub.subscribe(events_channel(settings, analysis_id))
        # Read after subscribing, so a change between the two is not missed.
        job: JobStatus | None = await current_status(redis, settings, db, analysis_id) or first
        while job is not None:
            payload = job.model_dump_json()
            if payload != last:
                last = payload
                yield _event(job)
            # (A client that goes away cancels this generator: sse-starlette watches for it.)
            if job.finished or time.monotonic() > deadline:
                return
            message: dict[str, Any] | None = await pubsub.get_message(timeout=RECHECK_SECONDS)
            if message is not None and message.get("type") == "message":
                job = decode_event(message["data"]) or job
            else:
                job = await current_status(redis, settings, db, analysis_id)
    except (aioredis.RedisError, OSError):
        # Without Redis there is nothing to stream: send the row's state once; the client's
        # EventSource reconnects (the `retry` hint) or falls back to polling /status.
        log.warning("job event stream lost redis", extra={"analysis_id": analysis_id})
        row = await _row_status(db, analysis_id)
        if row is not None and row.model_dump_json() != last:
            yield _event(row)
    finally:
        with contextlib.suppress(aioredis.RedisError, OSError):
            await pubsub.aclose()  # type: ignore[no-untyped-call]


@router.get(
    "/analyses/{analysis_id}/events",
    response_class=EventSourceResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "`status` events carrying the same JSON as /status, until the job "
            "is completed or failed",
        },
        404: {"description": "No analysis with that id"},
    },
)
async def analysis_events(
    analysis_id: AnalysisId, request: Request, redis: RedisDep, settings: SettingsDep
) -> EventSourceResponse:
    """Server-Sent Events: the job's status each time it changes, ending when the job ends."""
    db: Database = request.app.state.db
    first = await current_status(redis, settings, db, analysis_id)
    if first is None:
        raise NotFound("No analysis with that id.", code="analysis_not_found")
    return EventSourceResponse(
        _status_events(request, redis, settings, db, analysis_id, first),
        ping=PING_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def requeue_failed(
    session: AsyncSession, redis: aioredis.Redis, settings: Settings, analysis: Analysis
) -> None:
    """Put a failed analysis back in the queue (the caller has checked who may)."""
    if analysis.status != AnalysisStatus.failed.value:
        raise Conflict(
            f"Only a failed analysis can be retried; this one is {analysis.status}.",
            code="analysis_not_failed",
        )
    analysis.status = AnalysisStatus.queued.value
    analysis.stage = Stage.queued.value
    analysis.progress = 0
    analysis.error_code = None
    analysis.error_message = None
    # A fresh budget of attempts: the earlier ones are kept in the dead-letter list.
    analysis.attempts = 0
    analysis.job_id = None
    analysis.processing_started_at = None
    analysis.processing_finished_at = None
    # Enqueue after commit, so the worker never finds the row still `failed`.
    await session.commit()
    from rekha.analyses.tasks import enqueue_analysis

    await asyncio.to_thread(enqueue_analysis, analysis.id)
    await publish_status(redis, settings, JobStatus.from_row(analysis))


@router.post(
    "/analyses/{analysis_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RetryAccepted,
    responses={
        404: {"description": "No analysis with that id (or not yours)"},
        409: {"description": "The analysis has not failed"},
    },
)
async def retry_analysis(
    analysis: ClaimedOrOwnedAnalysis,
    request: Request,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> RetryAccepted:
    """Re-queue a failed analysis. Its owner, or the browser that uploaded it, only."""
    await requeue_failed(session, redis, settings, analysis)
    return RetryAccepted(
        id=analysis.id,
        status=AnalysisStatus(analysis.status),
        status_url=request.url_for("analysis_status", analysis_id=analysis.id).path,
    )
