"""The reading job: load the photos, run the configured provider, persist, mark `completed`.

Exactly one result, however often the message is delivered. Redis redelivers an unacked
message when a worker dies (or after the visibility timeout), so the same job can arrive twice
or arrive while a dead attempt's state is still around. Two guards:

1. A lease in Redis (`SET NX` with a TTL, renewed by a heartbeat thread while the attempt is
   alive). A second delivery that finds the lease held defers itself until the lease would
   expire; a dead attempt's lease simply runs out, and the next delivery takes over.
2. An attempt token in the row (`job_id`), set by a compare-and-set when the attempt claims the
   row. Every later write (progress, result, failure) is conditional on that token, so an
   attempt that lost its lease (paused, partitioned) can never write over its successor.

Overlay files have one name per image, written by atomic rename, so a repeated attempt
replaces rather than adds.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import Any

import redis
from celery import Task
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from rekha.analyses.models import Analysis, AnalysisImage, AnalysisStatus
from rekha.analyses.progress import STAGE_PROGRESS, JobError, JobStatus, Stage, SyncProgressStore
from rekha.core.db import SyncDatabase
from rekha.core.redis import key, make_sync_redis
from rekha.core.types import utcnow
from rekha.reading.providers.base import ProviderUnavailable
from rekha.reading.types import Focus, Hand, MeasurementRefused, ReadingResult
from rekha.settings import Settings, get_settings
from rekha.worker import celery_app

log = logging.getLogger(__name__)

TASK_NAME = "rekha.analyses.process_palm_analysis"
RECOVER_TASK_NAME = "rekha.analyses.recover_stuck_analyses"
# The first try plus at most three retries. Counted in the row, so a job that kills its worker
# every time (a poison photo) also stops, instead of being redelivered forever.
MAX_ATTEMPTS = 4
MAX_BACKOFF_SECONDS = 300.0
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ProviderUnavailable,
    TimeoutError,
    ConnectionError,
    redis.ConnectionError,
)

UNAVAILABLE_MESSAGE = (
    "The reading service is not available right now. Please try again in a little while."
)
INTERNAL_MESSAGE = "Something went wrong while reading your palm. Please try again."


class LeaseLost(Exception):
    """This attempt no longer owns the job; another attempt has taken over."""


# ---------------------------------------------------------------- per-process resources

_resources: dict[int, tuple[Settings, SyncDatabase, redis.Redis]] = {}


def _process_resources() -> tuple[Settings, SyncDatabase, redis.Redis]:
    # Prefork children must not share the parent's connections: one set per process id.
    pid = os.getpid()
    if pid not in _resources:
        settings = get_settings()
        _resources[pid] = (settings, SyncDatabase(settings), make_sync_redis(settings))
    return _resources[pid]


def enqueue_analysis(analysis_id: str, countdown: float | None = None) -> str:
    """Send the job to the `analysis` queue; returns the Celery task id."""
    options: dict[str, Any] = {"queue": "analysis"}
    if countdown is not None:
        options["countdown"] = countdown
    result = process_palm_analysis.apply_async(args=(analysis_id,), **options)
    return str(result.id)


def backoff_seconds(attempt: int, base: float, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter (between 1x and 2x of base * 2^(attempt-1)), never
    sooner than the provider's Retry-After."""
    step = base * float(2 ** max(0, attempt - 1))
    delay = min(MAX_BACKOFF_SECONDS, step + random.uniform(0, step))
    return max(delay, retry_after or 0.0)


# ---------------------------------------------------------------- the lease

_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def lease_key(settings: Settings, analysis_id: str) -> str:
    return key(settings, "analysis", analysis_id, "lease")


class Lease:
    """A job's hold on one analysis, kept alive by a heartbeat thread."""

    def __init__(self, client: redis.Redis, settings: Settings, analysis_id: str) -> None:
        self.client = client
        self.key = lease_key(settings, analysis_id)
        self.token = uuid.uuid4().hex
        self.ttl_ms = max(1000, settings.analysis_lease_seconds * 1000)
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> bool:
        return bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def remaining_seconds(self) -> float:
        ttl = int(self.client.pttl(self.key))  # type: ignore[arg-type]
        return max(0.0, ttl / 1000)

    def start_heartbeat(self) -> None:
        self._thread = threading.Thread(target=self._beat, name="lease-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        interval = self.ttl_ms / 3000
        while not self._stop.wait(interval):
            try:
                renewed = self.client.eval(  # type: ignore[no-untyped-call]
                    _EXTEND, 1, self.key, self.token, str(self.ttl_ms)
                )
            except redis.RedisError:
                log.warning("lease heartbeat failed", extra={"lease": self.key})
                continue
            if not renewed:
                self.lost.set()
                return

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            self.client.eval(_RELEASE, 1, self.key, self.token)  # type: ignore[no-untyped-call]
        except redis.RedisError:
            log.warning("could not release lease; it will expire", extra={"lease": self.key})


# ---------------------------------------------------------------- one attempt


class Attempt:
    """One delivery of the job, holding the lease and the row's attempt token."""

    def __init__(
        self, settings: Settings, db: SyncDatabase, client: redis.Redis, analysis_id: str
    ) -> None:
        self.settings = settings
        self.db = db
        self.store = SyncProgressStore(client, settings)
        self.analysis_id = analysis_id
        self.lease = Lease(client, settings, analysis_id)
        self.token = self.lease.token
        self.attempts = 0
        self.stage = Stage.queued.value
        self.progress = 0

    # -- row writes, all conditional on owning the attempt token

    def _owned(self) -> Any:
        return (
            (Analysis.id == self.analysis_id)
            & (Analysis.job_id == self.token)
            & (Analysis.status == AnalysisStatus.processing.value)
        )

    def claim(self, row: Analysis) -> bool:
        with self.db.session() as session:
            result = session.execute(
                update(Analysis)
                .where(
                    (Analysis.id == row.id)
                    & (Analysis.status == row.status)
                    & (Analysis.attempts == row.attempts)
                )
                .values(
                    status=AnalysisStatus.processing.value,
                    job_id=self.token,
                    attempts=Analysis.attempts + 1,
                    stage=Stage.preparing.value,
                    progress=STAGE_PROGRESS[Stage.preparing],
                    error_code=None,
                    error_message=None,
                    processing_started_at=utcnow(),
                    processing_finished_at=None,
                )
                .execution_options(synchronize_session=False)
            )
            claimed = bool(getattr(result, "rowcount", 0))
        if claimed:
            self.attempts = row.attempts + 1
            self.stage, self.progress = Stage.preparing.value, STAGE_PROGRESS[Stage.preparing]
            self._publish(AnalysisStatus.processing)
        return claimed

    def _publish(self, status: AnalysisStatus, error: JobError | None = None) -> None:
        self.store.publish(
            JobStatus(
                id=self.analysis_id,
                status=status,
                stage=self.stage,
                progress=self.progress,
                error=error,
                attempts=self.attempts,
            )
        )

    def on_progress(self, stage: str, percent: int) -> None:
        """The provider's progress callback: written to the row and Redis as it happens."""
        if self.lease.lost.is_set():
            raise LeaseLost()
        # Providers report our stage names and percentages (see progress.STAGE_PROGRESS);
        # progress never goes backwards within an attempt, and only `done` is 100.
        percent = max(self.progress, min(99, int(percent)))
        if stage == self.stage and percent == self.progress:
            return
        self.stage, self.progress = stage, percent
        with self.db.session() as session:
            result = session.execute(
                update(Analysis)
                .where(self._owned())
                .values(stage=stage, progress=percent)
                .execution_options(synchronize_session=False)
            )
            if not getattr(result, "rowcount", 0):
                raise LeaseLost()
        self._publish(AnalysisStatus.processing)
        if self.settings.analysis_stage_delay_seconds > 0:
            time.sleep(self.settings.analysis_stage_delay_seconds)

    def complete(self, result: ReadingResult) -> bool:
        overlay_names = write_overlays(self.settings, self.db, self.analysis_id, result)
        reading = result.reading
        report = {
            "reading": reading.model_dump(mode="json"),
            "measurements": {
                h.value: m.model_dump(mode="json") for h, m in result.measurements.items()
            },
            "overlays": {h.value: o.model_dump(mode="json") for h, o in result.overlays.items()},
            "provider": result.provider,
            "usage": result.usage.model_dump(mode="json"),
        }
        summary = {
            "text": reading.summary,
            "focus": reading.focus.value,
            "hands": [h.value for h in reading.hands],
            "convention": reading.convention,
            "disclaimer": reading.disclaimer,
            "provider": result.provider,
        }
        with self.db.session() as session:
            # The conditional update comes first: it takes the row's write lock, so a
            # concurrent claim (which moves the files to the account's folder) is either
            # committed before the image paths are read below, or waits for this commit.
            written = session.execute(
                update(Analysis)
                .where(self._owned())
                .values(
                    status=AnalysisStatus.completed.value,
                    stage=Stage.done.value,
                    progress=STAGE_PROGRESS[Stage.done],
                    summary=summary,
                    report=report,
                    provider=result.provider,
                    prompt_tokens=result.usage.prompt_tokens,
                    completion_tokens=result.usage.completion_tokens,
                    cost_usd=result.usage.cost_usd,
                    error_code=None,
                    error_message=None,
                    processing_finished_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
            if not getattr(written, "rowcount", 0):
                session.rollback()
                return False
            images = session.scalars(
                select(AnalysisImage).where(AnalysisImage.analysis_id == self.analysis_id)
            )
            for image in images:
                name = overlay_names.get(image.id)
                if name is not None:
                    image.overlay_path = str(PurePosixPath(image.path).with_name(name))
        self.stage, self.progress = Stage.done.value, STAGE_PROGRESS[Stage.done]
        self._publish(AnalysisStatus.completed)
        return True

    def fail(self, code: str, message: str, reason: str | None = None) -> None:
        with self.db.session() as session:
            written = session.execute(
                update(Analysis)
                .where(self._owned())
                .values(
                    status=AnalysisStatus.failed.value,
                    stage=Stage.failed.value,
                    error_code=code,
                    error_message=message,
                    processing_finished_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
            owned = bool(getattr(written, "rowcount", 0))
        if not owned:
            return
        self.stage = Stage.failed.value
        self._publish(AnalysisStatus.failed, JobError(code=code, message=message))
        self.store.dead_letter(self.analysis_id, code, reason or message, self.attempts)
        log.warning(
            "analysis failed",
            extra={"analysis_id": self.analysis_id, "code": code, "attempts": self.attempts},
        )

    def give_back(self, message: str) -> bool:
        """A transient failure: back to `queued` for the retry. False if no longer ours."""
        with self.db.session() as session:
            written = session.execute(
                update(Analysis)
                .where(self._owned())
                .values(
                    status=AnalysisStatus.queued.value,
                    stage=Stage.queued.value,
                    progress=0,
                    error_code="retrying",
                    error_message=message,
                )
                .execution_options(synchronize_session=False)
            )
            owned = bool(getattr(written, "rowcount", 0))
        if owned:
            self.stage, self.progress = Stage.queued.value, 0
            self._publish(AnalysisStatus.queued, JobError(code="retrying", message=message))
        return owned


def fail_row(
    settings: Settings,
    db: SyncDatabase,
    client: redis.Redis,
    row: Analysis,
    code: str,
    message: str,
) -> bool:
    """Fail a job that no live attempt owns (conditional on the row being unchanged)."""
    with db.session() as session:
        written = session.execute(
            update(Analysis)
            .where(
                (Analysis.id == row.id)
                & (Analysis.status == row.status)
                & (Analysis.attempts == row.attempts)
            )
            .values(
                status=AnalysisStatus.failed.value,
                stage=Stage.failed.value,
                error_code=code,
                error_message=message,
                processing_finished_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        owned = bool(getattr(written, "rowcount", 0))
    if owned:
        store = SyncProgressStore(client, settings)
        store.publish(
            JobStatus(
                id=row.id,
                status=AnalysisStatus.failed,
                stage=Stage.failed.value,
                progress=row.progress,
                error=JobError(code=code, message=message),
                attempts=row.attempts,
            )
        )
        store.dead_letter(row.id, code, message, row.attempts)
    return owned


def _image_path(settings: Settings, stored: str) -> Path:
    from rekha.analyses.storage import absolute_path

    return absolute_path(settings, stored)


def _current_images(db: SyncDatabase, analysis_id: str) -> list[AnalysisImage]:
    with db.session() as session:
        return list(
            session.scalars(select(AnalysisImage).where(AnalysisImage.analysis_id == analysis_id))
        )


def _with_fresh_paths(
    settings: Settings, db: SyncDatabase, analysis_id: str, step: Any, tries: int = 5
) -> Any:
    """Run `step(images)` against the images' current paths. Signing in moves an anonymous
    analysis's folder to the account (rows first, files right after the commit), so a path
    read a moment ago can vanish: read the paths again and retry."""
    for attempt in range(tries):
        images = _current_images(db, analysis_id)
        try:
            return step(images)
        except FileNotFoundError:
            if attempt == tries - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    return None


def read_images(settings: Settings, db: SyncDatabase, analysis_id: str) -> dict[Hand, bytes]:
    def step(images: list[AnalysisImage]) -> dict[Hand, bytes]:
        return {Hand(i.hand): _image_path(settings, i.path).read_bytes() for i in images}

    result: dict[Hand, bytes] = _with_fresh_paths(settings, db, analysis_id, step)
    return result


def write_overlays(
    settings: Settings, db: SyncDatabase, analysis_id: str, result: ReadingResult
) -> dict[str, str]:
    """One overlay PNG per image, beside it, named after the image's id and replaced
    atomically, so a repeated attempt overwrites instead of adding a second set. Returns
    image id -> file name."""

    def step(images: list[AnalysisImage]) -> dict[str, str]:
        names: dict[str, str] = {}
        for image in images:
            png = result.overlay_png.get(Hand(image.hand))
            if png is None:
                continue
            target = _image_path(settings, image.path).with_name(f"{image.id}.overlay.png")
            # No mkdir: a missing folder means it moved (or was deleted) under us.
            temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
            try:
                temporary.write_bytes(png)
                os.replace(temporary, target)
            finally:
                temporary.unlink(missing_ok=True)
            names[image.id] = target.name
        return names

    names: dict[str, str] = _with_fresh_paths(settings, db, analysis_id, step)
    return names


def _load(db: SyncDatabase, analysis_id: str) -> Analysis | None:
    with db.session() as session:
        return session.scalar(
            select(Analysis)
            .where(Analysis.id == analysis_id)
            .options(selectinload(Analysis.images))
        )


def _get_reader(settings: Settings) -> Any:
    from rekha.reading.providers import get_reader

    return get_reader(settings=settings)


def run_attempt(
    task: Task[Any, Any],
    analysis_id: str,
    resources: tuple[Settings, SyncDatabase, redis.Redis] | None = None,
) -> dict[str, Any]:
    settings, db, client = resources or _process_resources()
    row = _load(db, analysis_id)
    if row is None:
        log.info("analysis gone; nothing to do", extra={"analysis_id": analysis_id})
        return {"id": analysis_id, "outcome": "gone"}
    if row.status in (AnalysisStatus.completed.value, AnalysisStatus.failed.value):
        return {"id": analysis_id, "outcome": f"already {row.status}"}

    attempt = Attempt(settings, db, client, analysis_id)
    if not attempt.lease.acquire():
        # Another attempt holds the job. It may be alive (we are a duplicate delivery) or dead
        # (its lease has not run out yet): look again once the lease would have expired.
        wait = attempt.lease.remaining_seconds() + random.uniform(0.5, 1.5)
        log.info(
            "analysis held by another attempt; deferring",
            extra={"analysis_id": analysis_id, "wait_seconds": round(wait, 2)},
        )
        raise task.retry(countdown=wait, max_retries=None)
    try:
        return _run_owned(task, attempt, settings, db, client, analysis_id)
    finally:
        attempt.lease.release()


def _run_owned(
    task: Task[Any, Any],
    attempt: Attempt,
    settings: Settings,
    db: SyncDatabase,
    client: redis.Redis,
    analysis_id: str,
) -> dict[str, Any]:
    # Reload under the lease: the first read may predate another attempt's finish.
    row = _load(db, analysis_id)
    if row is None or row.status in (AnalysisStatus.completed.value, AnalysisStatus.failed.value):
        return {"id": analysis_id, "outcome": "gone" if row is None else f"already {row.status}"}
    if row.attempts >= MAX_ATTEMPTS:
        fail_row(settings, db, client, row, "too_many_attempts", UNAVAILABLE_MESSAGE)
        return {"id": analysis_id, "outcome": "failed"}
    if not attempt.claim(row):
        return {"id": analysis_id, "outcome": "claimed elsewhere"}
    attempt.lease.start_heartbeat()
    log.info(
        "analysis started",
        extra={"analysis_id": analysis_id, "attempt": attempt.attempts, "task_id": task.request.id},
    )
    try:
        if settings.analysis_stage_delay_seconds > 0:
            time.sleep(settings.analysis_stage_delay_seconds)
        try:
            images = read_images(settings, db, analysis_id)
        except FileNotFoundError:
            attempt.fail(
                "images_missing",
                "The photos for this analysis are no longer stored. Please upload them again.",
            )
            return {"id": analysis_id, "outcome": "failed"}
        if not images:
            attempt.fail("images_missing", "This analysis has no photos. Please upload again.")
            return {"id": analysis_id, "outcome": "failed"}
        if attempt.lease.lost.is_set():
            raise LeaseLost()
        reader = _get_reader(settings)
        result = reader.read(
            images,
            focus=Focus(row.focus),
            progress=attempt.on_progress,
            dominant=Hand(row.dominant_hand) if row.dominant_hand else None,
        )
        if attempt.lease.lost.is_set() or not attempt.complete(result):
            raise LeaseLost()
    except LeaseLost:
        log.warning(
            "analysis attempt lost its lease; leaving the job to its successor",
            extra={"analysis_id": analysis_id, "attempt": attempt.attempts},
        )
        return {"id": analysis_id, "outcome": "superseded"}
    except MeasurementRefused as exc:
        attempt.fail(exc.code.value, exc.message)
        return {"id": analysis_id, "outcome": "failed", "code": exc.code.value}
    except TRANSIENT_ERRORS as exc:
        retry_after = getattr(exc, "retry_after", None)
        if attempt.attempts >= MAX_ATTEMPTS:
            attempt.fail("provider_unavailable", UNAVAILABLE_MESSAGE, reason=repr(exc))
            return {"id": analysis_id, "outcome": "failed", "code": "provider_unavailable"}
        delay = backoff_seconds(
            attempt.attempts, settings.analysis_retry_backoff_seconds, retry_after
        )
        log.warning(
            "analysis hit a transient failure; retrying",
            extra={
                "analysis_id": analysis_id,
                "attempt": attempt.attempts,
                "delay_seconds": round(delay, 2),
                "error": repr(exc),
            },
        )
        if not attempt.give_back(f"Retrying shortly ({exc})."):
            return {"id": analysis_id, "outcome": "superseded"}
        raise task.retry(countdown=delay, max_retries=None, exc=exc) from exc  # type: ignore[arg-type]
    except Exception as exc:
        code = getattr(exc, "code", None)
        message = getattr(exc, "message", None)
        if isinstance(code, str) and isinstance(message, str):
            # A provider's permanent failure (rekha.reading.providers.openai.ProviderFailed).
            attempt.fail(code, message, reason=repr(exc))
            return {"id": analysis_id, "outcome": "failed", "code": code}
        log.exception("analysis crashed", extra={"analysis_id": analysis_id})
        attempt.fail("reading_failed", INTERNAL_MESSAGE, reason=repr(exc))
        return {"id": analysis_id, "outcome": "failed", "code": "reading_failed"}
    log.info(
        "analysis completed",
        extra={
            "analysis_id": analysis_id,
            "attempt": attempt.attempts,
            "provider": result.provider,
            "cost_usd": result.usage.cost_usd,
        },
    )
    return {"id": analysis_id, "outcome": "completed", "attempt": attempt.attempts}


@celery_app.task(
    name=TASK_NAME,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # Retries are bounded by MAX_ATTEMPTS in the row, not by Celery's per-message counter.
    max_retries=None,
)
def process_palm_analysis(self: Task[Any, Any], analysis_id: str) -> dict[str, Any]:
    """Read one analysis's palms. Safe to deliver any number of times."""
    return run_attempt(self, analysis_id)


@celery_app.task(name=RECOVER_TASK_NAME)
def recover_stuck_analyses() -> dict[str, int]:
    """Periodic (beat, every minute): see `recover_stuck`."""
    return recover_stuck(*_process_resources())


def recover_stuck(settings: Settings, db: SyncDatabase, client: redis.Redis) -> dict[str, int]:
    """Jobs in `processing` past ANALYSIS_STUCK_AFTER_SECONDS whose worker is gone are
    re-queued (or failed after MAX_ATTEMPTS); ones still held by a live but hung attempt are
    failed. `queued` jobs that waited that long are sent again (a lost enqueue)."""
    cutoff = utcnow() - timedelta(seconds=settings.analysis_stuck_after_seconds)
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    with db.session() as session:
        stuck = list(
            session.scalars(
                select(Analysis).where(
                    (Analysis.status == AnalysisStatus.processing.value)
                    & (Analysis.processing_started_at < cutoff)
                )
            )
        )
        waiting = list(
            session.scalars(
                select(Analysis).where(
                    (Analysis.status == AnalysisStatus.queued.value)
                    & (Analysis.updated_at < cutoff)
                )
            )
        )
    for row in stuck:
        if client.exists(lease_key(settings, row.id)):
            # A live attempt that has run far longer than any reading should: hung.
            if fail_row(
                settings,
                db,
                client,
                row,
                "timed_out",
                "Reading your palm took too long. Please try again.",
            ):
                counts["failed"] += 1
        elif row.attempts >= MAX_ATTEMPTS:
            if fail_row(settings, db, client, row, "too_many_attempts", UNAVAILABLE_MESSAGE):
                counts["failed"] += 1
        elif _requeue(db, row):
            SyncProgressStore(client, settings).publish(
                JobStatus(
                    id=row.id,
                    status=AnalysisStatus.queued,
                    stage=Stage.queued.value,
                    progress=0,
                    attempts=row.attempts,
                )
            )
            enqueue_analysis(row.id)
            counts["requeued"] += 1
    for row in waiting:
        with db.session() as session:
            session.execute(
                update(Analysis)
                .where((Analysis.id == row.id) & (Analysis.status == AnalysisStatus.queued.value))
                .values(updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        enqueue_analysis(row.id)
        counts["resent"] += 1
    if any(counts.values()):
        log.warning("recovered stuck analyses", extra=counts)
    return counts


def _requeue(db: SyncDatabase, row: Analysis) -> bool:
    with db.session() as session:
        written = session.execute(
            update(Analysis)
            .where(
                (Analysis.id == row.id)
                & (Analysis.status == AnalysisStatus.processing.value)
                & (Analysis.job_id == row.job_id)
            )
            .values(status=AnalysisStatus.queued.value, stage=Stage.queued.value, progress=0)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(written, "rowcount", 0))
