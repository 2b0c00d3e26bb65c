"""Deleting an account: every row, file and Redis key of the user, not just the user row.

The foreign keys cascade (ON DELETE CASCADE), but SQLite only honours them with
`PRAGMA foreign_keys=ON`, and a missed cascade here would keep someone's palm photos after
they asked us to forget them, so every table is deleted from explicitly, children first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from pathlib import Path

import redis.asyncio as aioredis
from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from rekha.analyses.models import Analysis, AnalysisImage
from rekha.auth import sessions
from rekha.auth.models import User
from rekha.auth.service import email_digest
from rekha.conversations.models import Conversation, Message
from rekha.core.storage import analysis_dir, owner_dir, remove_tree
from rekha.settings import Settings

log = logging.getLogger(__name__)


async def delete_account(
    db: AsyncSession, redis: aioredis.Redis, settings: Settings, user: User
) -> None:
    """Delete the account and everything of it. Commits: the files go only once the rows are
    gone for good (a failed commit must not leave rows pointing at deleted photos)."""
    user_id, email = user.id, user.email
    analysis_ids = list(
        (await db.execute(select(Analysis.id).where(Analysis.user_id == user_id))).scalars()
    )
    image_paths = [
        p
        for row in (
            await db.execute(
                select(
                    AnalysisImage.path, AnalysisImage.thumbnail_path, AnalysisImage.overlay_path
                ).where(AnalysisImage.analysis_id.in_(analysis_ids))
            )
        ).all()
        for p in row
        if p
    ]
    conversation_ids = list(
        (
            await db.execute(
                select(Conversation.id).where(
                    or_(Conversation.user_id == user_id, Conversation.analysis_id.in_(analysis_ids))
                )
            )
        ).scalars()
    )
    await db.execute(delete(Message).where(Message.conversation_id.in_(conversation_ids)))
    await db.execute(delete(Conversation).where(Conversation.id.in_(conversation_ids)))
    await db.execute(delete(AnalysisImage).where(AnalysisImage.analysis_id.in_(analysis_ids)))
    await db.execute(delete(Analysis).where(Analysis.id.in_(analysis_ids)))
    await db.execute(delete(User).where(User.id == user_id))
    await db.commit()

    await sessions.delete_user_sessions(redis, settings, user_id)
    await _delete_redis_keys(redis, settings, [user_id, email_digest(email), *analysis_ids])
    await asyncio.to_thread(_delete_files, settings, user_id, analysis_ids, image_paths)
    log.info("account deleted", extra={"user_id": user_id, "analyses": len(analysis_ids)})


async def _delete_redis_keys(
    redis: aioredis.Redis, settings: Settings, needles: Iterable[str]
) -> None:
    # Other domains keep per-user and per-analysis keys (progress, quotas, rate limits) whose
    # names contain the id. One pass over our own namespace finds them all; account deletion is
    # rare enough for a SCAN.
    wanted = [n for n in needles if n]
    pattern = _glob_escape(settings.redis_key_prefix) + "*"
    doomed: list[str] = []
    async for name in redis.scan_iter(match=pattern, count=1000):
        if any(n in name for n in wanted):
            doomed.append(name)
    for start in range(0, len(doomed), 500):
        await redis.delete(*doomed[start : start + 500])


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


def _delete_files(
    settings: Settings, user_id: str, analysis_ids: list[str], image_paths: list[str]
) -> None:
    root = settings.file_storage_root.resolve()
    # Files named by the rows, wherever they are (a claimed analysis may still sit under anon/).
    for stored in image_paths:
        path = Path(stored)
        path = (path if path.is_absolute() else root / path).resolve()
        if path.is_relative_to(root) and path.is_file():
            path.unlink(missing_ok=True)
    for analysis_id in analysis_ids:
        remove_tree(analysis_dir(settings, None, analysis_id))
        remove_tree(analysis_dir(settings, user_id, analysis_id))
    remove_tree(owner_dir(settings, user_id))
