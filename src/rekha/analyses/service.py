"""Upload, listing and deletion of analyses.

The upload is all-or-nothing. Order of work, cheapest refusal first:
quota check -> stream and parse the body (size limits while streaming) -> validate and clean the
photos in memory (threads) -> storage quota -> reserve the quota slot -> stage files under
temporary names -> insert rows and COMMIT -> rename files into place -> enqueue the jobs.
Every failure before the end undoes what was done: staged files and the folder removed, rows
rolled back (or deleted, after the commit), the quota slot given back.

This module commits explicitly where the order of side effects demands it (files renamed and
jobs enqueued only after the commit, so a worker never looks for a row or file that is not
there); elsewhere the request's session dependency commits as usual.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from functools import partial

import anyio.to_thread
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from rekha.analyses import repository
from rekha.analyses.claims import claim_token_from, hash_claim_token, new_claim_token
from rekha.analyses.images import CleanImage, clean_image
from rekha.analyses.models import Analysis, AnalysisImage, AnalysisStatus
from rekha.analyses.quotas import DailyQuota, storage_quota_error
from rekha.analyses.schemas import FOCUS_VALUES, HAND_VALUES, PAGE_SIZE
from rekha.analyses.storage import (
    StagedAnalysisFiles,
    call_after_commit,
    new_filename,
    relative_path,
    remove_analysis_folder,
)
from rekha.analyses.upload import parse_upload
from rekha.auth.models import User
from rekha.core.errors import BadRequest, ServiceUnavailable
from rekha.core.net import client_ip
from rekha.core.types import new_public_id
from rekha.settings import Settings

log = logging.getLogger(__name__)

PROCESS_TASK = "rekha.analyses.process_palm_analysis"
THUMBNAIL_TASK = "rekha.analyses.make_thumbnails"


@dataclass(frozen=True)
class UploadResult:
    analysis: Analysis
    # Set when this anonymous browser needs a claim cookie (new, or re-sent to renew it).
    claim_token: str | None


def _choice(fields: dict[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    value = fields.get(name, "").lower()
    if not value:
        return None
    if value not in allowed:
        raise BadRequest(
            f"{name} must be one of: {', '.join(allowed)}.",
            code=f"invalid_{name}",
            details={"field": name, "allowed": list(allowed)},
        )
    return value


async def _clean_all(
    images: dict[str, bytes], max_pixels: int, max_side: int
) -> dict[str, CleanImage]:
    """Clean the photos in parallel threads (Pillow releases the GIL while coding)."""
    hands = [hand for hand in HAND_VALUES if hand in images]
    results = await asyncio.gather(
        *(
            anyio.to_thread.run_sync(
                partial(
                    clean_image, images[hand], hand=hand, max_pixels=max_pixels, max_side=max_side
                )
            )
            for hand in hands
        ),
        return_exceptions=True,
    )
    # Report the first problem in a fixed order (left, then right), not whichever finished first.
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return dict(zip(hands, results, strict=True))  # type: ignore[arg-type]


def _send_jobs(analysis_id: str, job_id: str) -> None:
    from rekha.worker import celery_app

    # Nobody waits on these results (progress lives in Redis and the row). ignore_result also
    # keeps the result backend from opening a pub/sub connection in every calling thread.
    celery_app.send_task(
        PROCESS_TASK, args=[analysis_id], queue="analysis", task_id=job_id, ignore_result=True
    )
    celery_app.send_task(THUMBNAIL_TASK, args=[analysis_id], queue="images", ignore_result=True)


async def create_analysis(
    request: Request,
    session: AsyncSession,
    redis: aioredis.Redis,
    settings: Settings,
    user: User | None,
) -> UploadResult:
    quota = DailyQuota(
        settings, user_id=user.id if user else None, client_ip=client_ip(request, settings)
    )
    await quota.ensure_room(redis)  # before reading a byte of the body

    upload = await parse_upload(request, max_file_bytes=settings.max_upload_bytes)
    if not upload.images:
        raise BadRequest(
            "Please add a photo of at least one palm (field left_image or right_image).",
            code="no_image",
        )
    focus = _choice(upload.fields, "focus", FOCUS_VALUES) or "general"
    dominant_hand = _choice(upload.fields, "dominant_hand", HAND_VALUES)
    if dominant_hand is None and user is not None:
        dominant_hand = user.dominant_hand
    raw = list(upload.images.values())
    if len(raw) == 2 and raw[0] == raw[1]:
        raise _same_image()

    cleaned = await _clean_all(
        upload.images, settings.max_image_pixels, settings.max_stored_image_side
    )
    if len(cleaned) == 2 and cleaned["left"].sha256 == cleaned["right"].sha256:
        raise _same_image()

    new_bytes = sum(len(c.data) for c in cleaned.values())
    if user is not None:
        used = await repository.stored_bytes_for_user(session, user.id)
        if used + new_bytes > settings.storage_bytes_per_user:
            raise storage_quota_error(settings)

    claim_token: str | None = None
    if user is None:
        claim_token = claim_token_from(request) or new_claim_token()

    analysis_id = new_public_id()
    job_id = str(uuid.uuid4())
    owner_id = user.id if user else None
    await quota.reserve(redis, analysis_id)
    files = StagedAnalysisFiles(settings, owner_id, analysis_id)
    committed = False
    try:
        analysis = Analysis(
            id=analysis_id,
            user_id=owner_id,
            claim_token_hash=hash_claim_token(claim_token) if claim_token else None,
            status=AnalysisStatus.queued,
            stage="queued",
            progress=0,
            focus=focus,
            dominant_hand=dominant_hand,
            job_id=job_id,
        )
        for hand, image in cleaned.items():
            filename = new_filename(image.extension)
            await anyio.to_thread.run_sync(files.stage, filename, image.data)
            analysis.images.append(
                AnalysisImage(
                    hand=hand,
                    path=relative_path(owner_id, analysis_id, filename),
                    mime=image.mime,
                    bytes=len(image.data),
                    width=image.width,
                    height=image.height,
                    sha256=image.sha256,
                )
            )
        session.add(analysis)
        await session.flush()
        await session.commit()
        committed = True
        files.publish()
        await anyio.to_thread.run_sync(_send_jobs, analysis_id, job_id)
    except BaseException as exc:
        files.discard()
        await quota.release(redis, analysis_id)
        if committed:
            # The row is already visible: take it back so nothing half-done remains.
            await session.delete(analysis)
            await session.commit()
        if isinstance(exc, Exception) and committed:
            log.exception("upload failed after commit", extra={"analysis_id": analysis_id})
            raise ServiceUnavailable(
                "We could not start your reading just now. Please try again in a minute.",
                code="enqueue_failed",
            ) from exc
        raise
    log.info(
        "analysis queued",
        extra={"analysis_id": analysis_id, "hands": list(cleaned), "bytes": new_bytes},
    )
    return UploadResult(analysis=analysis, claim_token=claim_token)


def _same_image() -> BadRequest:
    return BadRequest(
        "The same photo was sent for both hands. Please send one photo of each palm, "
        "or just one photo.",
        code="same_image",
    )


@dataclass(frozen=True)
class AnalysisListing:
    items: list[Analysis]
    page: int
    page_size: int
    total: int


async def list_analyses(session: AsyncSession, user: User, page: int) -> AnalysisListing:
    total = await repository.count_for_user(session, user.id)
    items = await repository.list_for_user(
        session, user.id, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return AnalysisListing(items=list(items), page=page, page_size=PAGE_SIZE, total=total)


async def delete_analysis(session: AsyncSession, settings: Settings, analysis: Analysis) -> None:
    """Delete the rows (images and conversations cascade) and then the files."""
    owner_id, analysis_id = analysis.user_id, analysis.id
    call_after_commit(session, partial(remove_analysis_folder, settings, owner_id, analysis_id))
    await session.delete(analysis)
    await session.flush()
    # Commit now so the files are gone by the time the client hears 204.
    await session.commit()
