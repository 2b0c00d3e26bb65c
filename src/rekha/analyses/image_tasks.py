"""Thumbnails, made by a worker on the `images` queue (never in the API process).

Idempotent: an image that already has its thumbnail file is skipped, so a redelivered task
does nothing twice; an analysis deleted in the meantime is simply gone, not an error.
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache

from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from rekha.analyses.models import Analysis
from rekha.analyses.storage import absolute_path, new_filename, relative_path, write_atomically
from rekha.core.db import SyncDatabase
from rekha.core.storage import analysis_dir
from rekha.settings import Settings, get_settings
from rekha.worker import celery_app

log = logging.getLogger(__name__)

THUMBNAIL_LONG_SIDE = 480
THUMBNAIL_QUALITY = 85


@lru_cache(maxsize=1)
def _database() -> SyncDatabase:
    return SyncDatabase(get_settings())


def render_thumbnail(data: bytes, long_side: int = THUMBNAIL_LONG_SIDE) -> bytes:
    """A small JPEG of an already-cleaned stored photo (upright, sRGB, no metadata)."""
    with Image.open(io.BytesIO(data)) as img:
        img.draft("RGB", (long_side, long_side))  # JPEG: decode at a reduced scale, fast
        small = ImageOps.contain(img.convert("RGB"), (long_side, long_side))
    small.info = {}
    out = io.BytesIO()
    small.save(out, "JPEG", quality=THUMBNAIL_QUALITY)
    return out.getvalue()


def make_thumbnails_for(settings: Settings, db: SyncDatabase, analysis_id: str) -> int:
    """Make the missing thumbnails of one analysis; returns how many were made."""
    made = 0
    with db.session() as session:
        analysis = session.execute(
            select(Analysis)
            .where(Analysis.id == analysis_id)
            .options(selectinload(Analysis.images))
        ).scalar_one_or_none()
        if analysis is None:
            log.info("analysis gone before its thumbnails", extra={"analysis_id": analysis_id})
            return 0
        folder = analysis_dir(settings, analysis.user_id, analysis.id)
        for image in analysis.images:
            if image.thumbnail_path and absolute_path(settings, image.thumbnail_path).is_file():
                continue
            source = absolute_path(settings, image.path)
            if not source.is_file():
                source = folder / source.name  # moved by a claim a moment ago
            if not source.is_file():
                log.warning(
                    "original missing, no thumbnail",
                    extra={"analysis_id": analysis_id, "hand": image.hand},
                )
                continue
            thumbnail = render_thumbnail(source.read_bytes())
            filename = new_filename("jpg")
            if not folder.is_dir():
                return made  # deleted while we worked: never recreate its folder
            write_atomically(folder / filename, thumbnail)
            image.thumbnail_path = relative_path(analysis.user_id, analysis.id, filename)
            made += 1
    return made


@celery_app.task(
    name="rekha.analyses.make_thumbnails",
    autoretry_for=(OperationalError, OSError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def make_thumbnails(analysis_id: str) -> dict[str, int]:
    made = make_thumbnails_for(get_settings(), _database(), analysis_id)
    return {"made": made}
