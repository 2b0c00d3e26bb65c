"""Everything Rekha holds about a user, as one JSON document (GET /me/export)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from rekha.analyses.models import Analysis
from rekha.auth.models import User
from rekha.auth.schemas import ExportAnalysis, ExportConversation, ExportOut, UserOut
from rekha.conversations.models import Conversation
from rekha.core.types import utcnow


async def export_user(db: AsyncSession, user: User) -> ExportOut:
    analyses = (
        (
            await db.execute(
                select(Analysis)
                .where(Analysis.user_id == user.id)
                .options(selectinload(Analysis.images))
                .order_by(Analysis.created_at, Analysis.id)
            )
        )
        .scalars()
        .all()
    )
    analysis_ids = [a.id for a in analyses]
    conversations = (
        (
            await db.execute(
                select(Conversation)
                .where(
                    or_(Conversation.user_id == user.id, Conversation.analysis_id.in_(analysis_ids))
                )
                .options(selectinload(Conversation.messages))
                .order_by(Conversation.created_at, Conversation.id)
            )
        )
        .scalars()
        .all()
    )
    return ExportOut(
        exported_at=utcnow(),
        profile=UserOut.model_validate(user),
        analyses=[ExportAnalysis.model_validate(a) for a in analyses],
        conversations=[ExportConversation.model_validate(c) for c in conversations],
    )
