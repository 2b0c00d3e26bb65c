"""A real worker runs a real task through real Redis, and carries the request id."""

from __future__ import annotations

import subprocess

from rekha.core.logging import request_id_var


def test_task_round_trips_through_real_worker(worker: subprocess.Popen[bytes]) -> None:
    from rekha.core.tasks import echo

    token = request_id_var.set("req-from-api-42")
    try:
        result = echo.delay("hello")
    finally:
        request_id_var.reset(token)
    assert result.get(timeout=30) == {"value": "hello", "request_id": "req-from-api-42"}


def test_celery_is_configured_for_long_reliable_jobs() -> None:
    from rekha.worker import celery_app

    conf = celery_app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert {q.name for q in conf.task_queues} == {"analysis", "images", "default"}
    assert conf.broker_transport_options["visibility_timeout"] >= 3600
