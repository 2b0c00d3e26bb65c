"""Builders for the upload tests: photos made on the fly, uploads as a browser sends them, and
counts of what is on disk and in the database (to prove a refusal left nothing behind)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import func, select

from rekha.analyses.models import Analysis, AnalysisImage
from rekha.settings import Settings
from tests.auth.helpers import ensure_csrf

ANALYSES = "/api/v1/analyses"

FileSpec = tuple[str, bytes, str]


def noise_jpeg(width: int = 320, height: int = 240, seed: int = 0, **save: Any) -> bytes:
    """A small JPEG whose bytes differ for every seed (so two of them are never 'the same')."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", **{"quality": 85, **save})
    return out.getvalue()


def jpeg_file(data: bytes, name: str = "palm.jpg") -> FileSpec:
    return (name, data, "image/jpeg")


async def upload(
    client: httpx.AsyncClient,
    *,
    left: FileSpec | bytes | None = None,
    right: FileSpec | bytes | None = None,
    data: dict[str, str] | None = None,
    extra_files: list[tuple[str, FileSpec]] | None = None,
) -> httpx.Response:
    """POST /analyses as a browser would: CSRF header, multipart body."""
    files: list[tuple[str, FileSpec]] = []
    for field, spec in (("left_image", left), ("right_image", right)):
        if spec is not None:
            files.append((field, spec if isinstance(spec, tuple) else jpeg_file(spec)))
    files.extend(extra_files or [])
    return await client.post(
        ANALYSES, files=files, data=data or {}, headers=await ensure_csrf(client)
    )


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    assert body["code"] == code, body
    assert len(body["message"]) >= 10  # words for a person, not just a code
    return body


def stored_files(settings: Settings) -> list[Path]:
    """Every file under FILE_STORAGE_ROOT, temporary ones included."""
    root = settings.file_storage_root
    if not root.exists():
        return []
    return sorted(Path(d) / f for d, _, names in os.walk(root) for f in names)


async def row_counts(app: FastAPI) -> tuple[int, int]:
    async with app.state.db.sessionmaker() as session:
        analyses = (await session.execute(select(func.count()).select_from(Analysis))).scalar_one()
        images = (
            await session.execute(select(func.count()).select_from(AnalysisImage))
        ).scalar_one()
    return int(analyses), int(images)


async def load_analysis(app: FastAPI, analysis_id: str) -> Analysis | None:
    from rekha.analyses import repository

    async with app.state.db.sessionmaker() as session:
        return await repository.get_with_images(session, analysis_id)


def broker_messages(settings: Settings, queue: str) -> list[dict[str, Any]]:
    """The task messages waiting in a Celery queue on the Redis broker."""
    import redis

    with redis.Redis.from_url(settings.celery_broker_url) as client:
        raw = client.lrange(queue, 0, -1)
    return [json.loads(item) for item in raw]  # type: ignore[union-attr]
