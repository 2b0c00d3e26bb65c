"""Reading jobs end to end, with real worker processes: status and SSE progress, the login gate
on the full report, refusals, retry, stuck-job recovery, and a worker killed mid-job."""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import select

from rekha.analyses.models import Analysis, AnalysisImage
from rekha.analyses.progress import read_dead_letters
from rekha.analyses.tasks import (
    MAX_ATTEMPTS,
    enqueue_analysis,
    lease_key,
    process_palm_analysis,
    recover_stuck,
    run_attempt,
)
from rekha.core.db import SyncDatabase
from rekha.core.types import new_public_id, utcnow
from rekha.reading.types import RefusalCode
from rekha.settings import Settings
from tests.analyses.helpers import upload
from tests.auth.helpers import csrf_headers, register
from tests.conftest import _RUN_DIR, start_worker, stop_worker

pytestmark = [pytest.mark.fixtures, pytest.mark.slow]

ANALYSES = "/api/v1/analyses"
# A hang guard, not a speed assertion: a job that has not finished by then is broken.
JOB_DEADLINE_S = 120.0


# ---------------------------------------------------------------- helpers


@pytest.fixture
def sync_env(settings: Settings) -> Iterator[tuple[Settings, SyncDatabase, redis.Redis]]:
    db = SyncDatabase(settings)
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    yield settings, db, client
    client.close()
    db.engine.dispose()


def row(db: SyncDatabase, analysis_id: str) -> Analysis | None:
    with db.session() as session:
        return session.get(Analysis, analysis_id)


async def wait_for(
    client: httpx.AsyncClient, analysis_id: str, done: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + JOB_DEADLINE_S
    while True:
        response = await client.get(f"{ANALYSES}/{analysis_id}/status")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if done(body):
            return body
        assert loop.time() < deadline, f"job did not get there in time: {body}"
        await asyncio.sleep(0.1)


def finished(body: dict[str, Any]) -> bool:
    return body["status"] in ("completed", "failed")


async def sse_events(client: httpx.AsyncClient, analysis_id: str) -> list[dict[str, Any]]:
    """Every `status` event of the stream, which ends by itself when the job ends."""
    events: list[dict[str, Any]] = []
    async with client.stream("GET", f"{ANALYSES}/{analysis_id}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        kind = None
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind == "status":
                events.append(json.loads(line.split(":", 1)[1]))
    return events


def completions_logged(worker_name: str, analysis_id: str) -> int:
    """How many times worker(s) matching `worker_name` (a glob) logged completing the job."""
    count = 0
    lines = [
        line
        for log in _RUN_DIR.glob(f"worker-{worker_name}.log")
        for line in log.read_text().splitlines()
    ]
    for line in lines:
        if line.startswith("{"):
            entry = json.loads(line)
            if (
                entry.get("message") == "analysis completed"
                and entry.get("analysis_id") == analysis_id
            ):
                count += 1
    return count


def overlay_files(settings: Settings, analysis_id: str) -> list[Path]:
    return sorted(settings.file_storage_root.glob(f"*/{analysis_id}/*overlay*"))


@contextmanager
def only_these_workers_read() -> Iterator[None]:
    """Stop every running worker (the session's shared one) consuming the analysis queue for
    the duration, so a job goes to the workers this test starts."""
    from rekha.worker import celery_app

    replies = celery_app.control.cancel_consumer("analysis", reply=True, timeout=2.0)
    paused = [name for reply in replies or [] for name in reply]
    try:
        yield
    finally:
        if paused:
            celery_app.control.add_consumer("analysis", destination=paused, reply=True, timeout=2.0)


# ---------------------------------------------------------------- the whole flow


async def test_anonymous_palm_to_summary_then_login_gate_then_full_report(
    worker: subprocess.Popen[bytes],
    make_client: Callable[..., httpx.AsyncClient],
    palm: Callable[[str], bytes],
    settings: Settings,
) -> None:
    browser = make_client()
    accepted = await upload(browser, left=palm("left_01.jpg"))
    assert accepted.status_code == 202, accepted.text
    analysis_id = accepted.json()["id"]

    events = await sse_events(browser, analysis_id)
    assert events[-1]["status"] == "completed"
    assert events[-1]["stage"] == "done" and events[-1]["progress"] == 100
    progress = [e["progress"] for e in events if e["status"] == "processing"]
    assert progress == sorted(progress)

    status = (await browser.get(f"{ANALYSES}/{analysis_id}/status")).json()
    assert status == {
        "id": analysis_id,
        "status": "completed",
        "stage": "done",
        "progress": 100,
        "error": None,
        "attempts": 1,
    }
    summary = await browser.get(f"{ANALYSES}/{analysis_id}/summary")
    assert summary.status_code == 200
    assert summary.json()["summary"]["text"]

    gated = await browser.get(f"{ANALYSES}/{analysis_id}")
    assert gated.status_code == 401
    assert gated.json()["error"]["code"] == "login_required"

    await register(browser)  # the claim cookie attaches the analysis to the new account
    report = await browser.get(f"{ANALYSES}/{analysis_id}")
    assert report.status_code == 200, report.text
    full = report.json()["report"]
    assert full["reading"]["sections"]
    assert full["measurements"]["left"]["lines"]
    assert "left" in full["overlays"]
    # One overlay beside the photo, in the account's folder now that it is claimed.
    (overlay,) = overlay_files(settings, analysis_id)
    assert overlay.read_bytes().startswith(b"\x89PNG")
    assert overlay.parent.parent.name != "anon"

    # Another browser still gets only the public parts.
    stranger = make_client()
    assert (await stranger.get(f"{ANALYSES}/{analysis_id}/status")).status_code == 200
    assert (await stranger.get(f"{ANALYSES}/{analysis_id}/summary")).status_code == 200
    assert (await stranger.get(f"{ANALYSES}/{analysis_id}")).status_code == 401


async def test_non_palm_fails_with_a_clear_message_and_can_be_retried_by_its_uploader(
    worker: subprocess.Popen[bytes],
    make_client: Callable[..., httpx.AsyncClient],
    palm: Callable[[str], bytes],
    sync_env: tuple[Settings, SyncDatabase, redis.Redis],
) -> None:
    settings, _db, client = sync_env
    browser = make_client()
    accepted = await upload(browser, left=palm("neg_coffee.jpg"))
    assert accepted.status_code == 202, accepted.text
    analysis_id = accepted.json()["id"]

    failed = await wait_for(browser, analysis_id, finished)
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == RefusalCode.no_hand.value
    assert "could not find a hand" in failed["error"]["message"]
    # Permanent: failed at once, no retries.
    assert failed["attempts"] == 1
    letters = [d for d in read_dead_letters(client, settings) if d["analysis_id"] == analysis_id]
    assert [d["code"] for d in letters] == ["no_hand"]

    # Retry: not for another browser; for the uploader it runs again (and fails again).
    stranger = make_client()
    await stranger.get("/api/v1/auth/csrf-token")
    refused = await stranger.post(f"{ANALYSES}/{analysis_id}/retry", headers=csrf_headers(stranger))
    assert refused.status_code == 404
    retried = await browser.post(f"{ANALYSES}/{analysis_id}/retry", headers=csrf_headers(browser))
    assert retried.status_code == 202, retried.text
    assert retried.json()["status"] == "queued"
    again = await wait_for(browser, analysis_id, finished)
    assert again["error"]["code"] == "no_hand"
    letters = [d for d in read_dead_letters(client, settings) if d["analysis_id"] == analysis_id]
    assert len(letters) == 2

    # Retrying something that has not failed is a conflict, not a second job.
    ok = await upload(browser, left=palm("left_01.jpg"))
    ok_id = ok.json()["id"]
    assert (await wait_for(browser, ok_id, finished))["status"] == "completed"
    conflict = await browser.post(f"{ANALYSES}/{ok_id}/retry", headers=csrf_headers(browser))
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "analysis_not_failed"


async def test_status_of_an_unknown_analysis_is_404(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    browser = make_client()
    for path in ("status", "events"):
        response = await browser.get(f"{ANALYSES}/{new_public_id()}/{path}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "analysis_not_found"


# ---------------------------------------------------------------- idempotency and recovery


def _insert(db: SyncDatabase, **values: Any) -> str:
    analysis = Analysis(id=new_public_id(), **values)
    with db.session() as session:
        session.add(analysis)
    return analysis.id


def test_a_delivery_for_a_finished_or_missing_job_does_nothing(
    sync_env: tuple[Settings, SyncDatabase, redis.Redis],
) -> None:
    settings, db, client = sync_env
    done_id = _insert(
        db, status="completed", stage="done", progress=100, attempts=1, summary={"text": "kept"}
    )
    before = row(db, done_id)
    outcome = run_attempt(process_palm_analysis, done_id, (settings, db, client))
    assert outcome["outcome"] == "already completed"
    after = row(db, done_id)
    assert before is not None and after is not None
    assert (after.attempts, after.summary, after.updated_at) == (
        1,
        {"text": "kept"},
        before.updated_at,
    )
    missing = run_attempt(process_palm_analysis, new_public_id(), (settings, db, client))
    assert missing["outcome"] == "gone"


def test_stuck_jobs_are_failed_or_requeued(
    worker: subprocess.Popen[bytes],
    sync_env: tuple[Settings, SyncDatabase, redis.Redis],
) -> None:
    settings, db, client = sync_env
    long_ago = utcnow() - timedelta(seconds=settings.analysis_stuck_after_seconds + 60)
    # A dead attempt (no lease left): re-queued, and the worker then runs it (this row has no
    # photos, so it fails with that message: proof the job really ran again).
    dead = _insert(
        db,
        status="processing",
        stage="tracing_lines",
        progress=60,
        attempts=1,
        job_id="dead-attempt",
        processing_started_at=long_ago,
    )
    # A live but hung attempt (its lease is still renewed): failed.
    hung = _insert(
        db,
        status="processing",
        stage="interpreting",
        progress=85,
        attempts=1,
        job_id="hung-attempt",
        processing_started_at=long_ago,
    )
    client.set(lease_key(settings, hung), "hung-attempt", ex=60)
    # Out of attempts: failed.
    spent = _insert(
        db,
        status="processing",
        stage="preparing",
        progress=10,
        attempts=MAX_ATTEMPTS,
        job_id="last-attempt",
        processing_started_at=long_ago,
    )
    # Recent: left alone.
    recent = _insert(
        db,
        status="processing",
        stage="preparing",
        progress=10,
        attempts=1,
        job_id="running",
        processing_started_at=utcnow(),
    )
    client.set(lease_key(settings, recent), "running", ex=60)

    counts = recover_stuck(settings, db, client)
    assert counts["requeued"] >= 1 and counts["failed"] >= 2

    hung_row, spent_row, recent_row = row(db, hung), row(db, spent), row(db, recent)
    assert hung_row is not None and hung_row.status == "failed"
    assert hung_row.error_code == "timed_out"
    assert spent_row is not None and spent_row.error_code == "too_many_attempts"
    assert recent_row is not None and recent_row.status == "processing"

    deadline = time.monotonic() + JOB_DEADLINE_S
    while (found := row(db, dead)) is not None and found.status not in ("failed", "completed"):
        assert time.monotonic() < deadline, found.status
        time.sleep(0.1)
    assert found is not None
    assert (found.status, found.error_code, found.attempts) == ("failed", "images_missing", 2)
    codes = {d["analysis_id"]: d["code"] for d in read_dead_letters(client, settings)}
    assert codes[hung] == "timed_out" and codes[spent] == "too_many_attempts"


# ---------------------------------------------------------------- the worker-kill test


async def test_worker_killed_mid_job_the_job_completes_exactly_once(
    make_client: Callable[..., httpx.AsyncClient],
    palm: Callable[[str], bytes],
    sync_env: tuple[Settings, SyncDatabase, redis.Redis],
) -> None:
    settings, db, client = sync_env
    slow_name, rescue_name = f"slow{secrets.token_hex(3)}", f"rescue{secrets.token_hex(3)}"
    with only_these_workers_read():
        # This worker pauses 60 s in the first stage: long enough to kill it there.
        slow = start_worker(
            slow_name,
            {"ANALYSIS_STAGE_DELAY_SECONDS": "60", "ANALYSIS_LEASE_SECONDS": "3"},
        )
        rescue: subprocess.Popen[bytes] | None = None
        try:
            browser = make_client()
            accepted = await upload(browser, left=palm("left_02.jpg"))
            assert accepted.status_code == 202, accepted.text
            analysis_id = accepted.json()["id"]

            running = await wait_for(browser, analysis_id, lambda b: b["stage"] == "preparing")
            assert (running["status"], running["progress"], running["attempts"]) == (
                "processing",
                10,
                1,
            )
            stop_worker(slow, signal.SIGKILL)  # kill -9 the worker's whole process group
            assert slow.returncode == -signal.SIGKILL

            # The message was never acknowledged. A worker that treats messages unacked for
            # over 1 s as lost (the visibility timeout) puts it back on the queue at start-up.
            events_task = asyncio.create_task(sse_events(browser, analysis_id))
            rescue = await asyncio.to_thread(
                start_worker,
                rescue_name,
                {
                    "BROKER_VISIBILITY_TIMEOUT_SECONDS": "1",
                    "ANALYSIS_LEASE_SECONDS": "3",
                    "ANALYSIS_STAGE_DELAY_SECONDS": "0.2",
                },
            )
            events = await asyncio.wait_for(events_task, JOB_DEADLINE_S)
            # The attempt lets go of its lease last: then it has finished everything.
            deadline = time.monotonic() + JOB_DEADLINE_S
            while client.exists(lease_key(settings, analysis_id)):
                assert time.monotonic() < deadline
                await asyncio.sleep(0.05)
        finally:
            if rescue is not None:
                stop_worker(rescue)
            stop_worker(slow, signal.SIGKILL)

    final = events[-1]
    assert (final["status"], final["stage"], final["progress"]) == ("completed", "done", 100)
    assert final["attempts"] == 2
    # The stream showed the second attempt's stages as they happened, in order.
    stages = [e["stage"] for e in events if e["attempts"] == 2]
    seen = [s for i, s in enumerate(stages) if i == 0 or stages[i - 1] != s]
    assert seen == ["preparing", "finding_hand", "tracing_lines", "interpreting", "done"]

    found = row(db, analysis_id)
    assert found is not None
    assert (found.status, found.attempts) == ("completed", 2)
    assert found.summary and found.report
    # Exactly one reading: written once, by the rescuer, never by the killed worker.
    assert completions_logged(rescue_name, analysis_id) == 1
    assert completions_logged(slow_name, analysis_id) == 0
    assert completions_logged("*", analysis_id) == 1
    # One set of overlays, no temporary files left from the killed attempt.
    files = overlay_files(settings, analysis_id)
    assert [f.name for f in files if not f.name.startswith(".")] == [f.name for f in files]
    with db.session() as session:
        images = list(
            session.scalars(select(AnalysisImage).where(AnalysisImage.analysis_id == analysis_id))
        )
    assert len(files) == len(images) == 1
    assert images[0].overlay_path is not None
    assert images[0].overlay_path.endswith(files[0].name)
    assert analysis_id not in {d["analysis_id"] for d in read_dead_letters(client, settings)}


def test_a_late_duplicate_delivery_changes_nothing(
    worker: subprocess.Popen[bytes],
    sync_env: tuple[Settings, SyncDatabase, redis.Redis],
) -> None:
    _settings, db, _client = sync_env
    done_id = _insert(
        db, status="completed", stage="done", progress=100, attempts=1, summary={"text": "kept"}
    )
    before = row(db, done_id)
    result = process_palm_analysis.AsyncResult(enqueue_analysis(done_id))
    assert result.get(timeout=JOB_DEADLINE_S)["outcome"] == "already completed"
    after = row(db, done_id)
    assert before is not None and after is not None
    assert after.updated_at == before.updated_at and after.attempts == 1
