"""The Celery app. Start a worker with `rekha worker`."""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, signals
from kombu import Queue

from rekha.core.logging import configure_logging, request_id_var
from rekha.settings import Settings, get_settings

QUEUES = ("analysis", "images", "default")

TASK_MODULES = [
    "rekha.core.tasks",
    "rekha.analyses.tasks",
    "rekha.analyses.image_tasks",
    "rekha.conversations.tasks",
]


def make_celery(settings: Settings) -> Celery:
    app = Celery("rekha", broker=settings.celery_broker_url, backend=settings.celery_result_backend)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_queues=[Queue(name) for name in QUEUES],
        task_default_queue="default",
        task_routes={
            "rekha.analyses.process_palm_analysis": {"queue": "analysis"},
            "rekha.analyses.make_thumbnails": {"queue": "images"},
        },
        # A reading must survive a worker dying mid-job: ack only after the task returns, and
        # give the message back to the queue when the worker process is killed.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Redis redelivers unacked messages after this long; it must exceed the longest job.
        broker_transport_options={"visibility_timeout": settings.broker_visibility_timeout_seconds},
        result_expires=24 * 3600,
        task_track_started=True,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        enable_utc=True,
        # Beat's own bookkeeping; kept with the other run-time data, never in the source tree.
        beat_schedule_filename=str(settings.beat_schedule_file),
        beat_schedule={
            "fail-stuck-analyses": {
                "task": "rekha.analyses.recover_stuck_analyses",
                "schedule": 60.0,
            }
        },
    )
    app.conf.include = TASK_MODULES
    settings.beat_schedule_file.parent.mkdir(parents=True, exist_ok=True)
    return app


celery_app = make_celery(get_settings())


@signals.setup_logging.connect
def _setup_logging(**_: Any) -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)


@signals.before_task_publish.connect
def _carry_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    # The API's correlation id travels with the task so worker log lines can be joined to it.
    request_id = request_id_var.get()
    if headers is not None and request_id and "request_id" not in headers:
        headers["request_id"] = request_id


@signals.task_prerun.connect
def _restore_request_id(task: Any = None, **_: Any) -> None:
    request_id = getattr(task.request, "request_id", None) if task is not None else None
    request_id_var.set(request_id)
    logging.getLogger("rekha.worker").info(
        "task started", extra={"task": task.name if task else None}
    )


@signals.task_postrun.connect
def _clear_request_id(**_: Any) -> None:
    request_id_var.set(None)
