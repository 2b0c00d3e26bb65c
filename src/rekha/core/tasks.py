"""Small tasks about the system itself."""

from __future__ import annotations

import logging

from rekha.core.logging import request_id_var
from rekha.worker import celery_app

log = logging.getLogger(__name__)


@celery_app.task(name="rekha.core.echo")
def echo(value: str) -> dict[str, str | None]:
    """Round-trips a value through the queue: used by the health tests and to check a worker."""
    log.info("echo", extra={"value": value})
    return {"value": value, "request_id": request_id_var.get()}
