"""Liveness and readiness."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from rekha.core.deps import RedisDep, SessionDep, SettingsDep

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])

State = Literal["up", "down"]


class ComponentHealth(BaseModel):
    state: State
    detail: str | None = None


class Health(BaseModel):
    status: State
    components: dict[str, ComponentHealth]


@router.get("/healthz", include_in_schema=False)
async def liveness() -> dict[str, str]:
    """The process is alive. No I/O, so it stays fast when dependencies are slow."""
    return {"status": "ok"}


async def _check(name: str, probe: Any) -> tuple[str, ComponentHealth]:
    try:
        detail = await asyncio.wait_for(probe(), timeout=3.0)
        return name, ComponentHealth(state="up", detail=detail)
    except Exception as exc:
        log.warning("health check failed", extra={"component": name, "error": repr(exc)})
        return name, ComponentHealth(state="down", detail=f"{type(exc).__name__}: {exc}"[:200])


@router.get(
    "/api/v1/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "A component is down"}},
)
async def readiness(
    request: Request, session: SessionDep, redis: RedisDep, settings: SettingsDep
) -> JSONResponse:
    """Each component Rekha needs, and whether it answers: database, redis, worker, storage."""

    async def database() -> str:
        await session.execute(text("SELECT 1"))
        return session.get_bind().dialect.name

    async def redis_probe() -> str:
        await redis.ping()
        return "ping ok"

    async def worker() -> str:
        from rekha.worker import celery_app

        replies = await asyncio.to_thread(
            celery_app.control.broadcast, "ping", reply=True, timeout=1.0, limit=1
        )
        if not replies:
            raise RuntimeError("no Celery worker answered a ping")
        return f"{len(replies)} worker(s) answered"

    async def storage() -> str:
        def probe() -> str:
            root = settings.file_storage_root
            root.mkdir(parents=True, exist_ok=True)
            marker = root / f".health-{uuid.uuid4().hex}"
            marker.write_bytes(b"ok")
            marker.unlink()
            return str(root)

        return await asyncio.to_thread(probe)

    results = await asyncio.gather(
        _check("database", database),
        _check("redis", redis_probe),
        _check("worker", worker),
        _check("storage", storage),
    )
    components = dict(results)
    overall: State = "up" if all(c.state == "up" for c in components.values()) else "down"
    body = Health(status=overall, components=components)
    return JSONResponse(body.model_dump(), status_code=200 if overall == "up" else 503)
