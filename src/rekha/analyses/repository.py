"""Every query of the analyses domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from rekha.analyses.models import Analysis, AnalysisImage


async def get_with_images(session: AsyncSession, analysis_id: str) -> Analysis | None:
    result = await session.execute(
        select(Analysis).where(Analysis.id == analysis_id).options(selectinload(Analysis.images))
    )
    return result.scalar_one_or_none()


async def list_for_user(
    session: AsyncSession, user_id: str, *, offset: int, limit: int
) -> Sequence[Analysis]:
    result = await session.execute(
        select(Analysis)
        .where(Analysis.user_id == user_id)
        # id breaks ties between analyses created in the same instant: stable pages
        .order_by(Analysis.created_at.desc(), Analysis.id.desc())
        .offset(offset)
        .limit(limit)
        .options(selectinload(Analysis.images))
    )
    return result.scalars().all()


async def count_for_user(session: AsyncSession, user_id: str) -> int:
    result = await session.execute(
        select(func.count()).select_from(Analysis).where(Analysis.user_id == user_id)
    )
    return int(result.scalar_one())


async def stored_bytes_for_user(session: AsyncSession, user_id: str) -> int:
    result = await session.execute(
        select(func.coalesce(func.sum(AnalysisImage.bytes), 0))
        .join(Analysis, Analysis.id == AnalysisImage.analysis_id)
        .where(Analysis.user_id == user_id)
    )
    return int(result.scalar_one())


async def claimable(session: AsyncSession, claim_token_hash: str) -> Sequence[Analysis]:
    """Anonymous analyses uploaded by the browser holding this claim token."""
    result = await session.execute(
        select(Analysis)
        .where(Analysis.user_id.is_(None), Analysis.claim_token_hash == claim_token_hash)
        .options(selectinload(Analysis.images))
    )
    return result.scalars().all()
