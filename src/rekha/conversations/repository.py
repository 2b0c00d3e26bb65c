"""Every query of the conversations domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from rekha.conversations.models import Conversation, Message


async def get_for_analysis(
    session: AsyncSession, analysis_id: str, user_id: str, conversation_id: str
) -> Conversation | None:
    result = await session.execute(
        select(Conversation).where(
            Conversation.id == conversation_id,
            Conversation.analysis_id == analysis_id,
            Conversation.user_id == user_id,
        )
    )
    return result.scalar_one_or_none()


async def list_for_analysis(
    session: AsyncSession, analysis_id: str, user_id: str, offset: int, limit: int
) -> tuple[Sequence[Conversation], int]:
    where = and_(Conversation.analysis_id == analysis_id, Conversation.user_id == user_id)
    total = await session.scalar(select(func.count()).select_from(Conversation).where(where))
    rows = await session.scalars(
        select(Conversation)
        .where(where)
        .order_by(Conversation.created_at.desc(), Conversation.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return rows.all(), int(total or 0)


async def list_messages(
    session: AsyncSession, conversation_id: str, offset: int, limit: int
) -> tuple[Sequence[Message], int]:
    total = await session.scalar(
        select(func.count()).select_from(Message).where(Message.conversation_id == conversation_id)
    )
    rows = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id)
        .offset(offset)
        .limit(limit)
    )
    return rows.all(), int(total or 0)


async def all_messages(session: AsyncSession, conversation_id: str) -> Sequence[Message]:
    rows = await session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    )
    return rows.all()


async def recent_messages(
    session: AsyncSession, conversation_id: str, limit: int
) -> list[Message]:
    """The last `limit` completed messages, oldest first."""
    rows = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.status == "completed")
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return list(reversed(rows.all()))


async def has_pending(session: AsyncSession, conversation_id: str) -> bool:
    found = await session.scalar(
        select(Message.id)
        .where(Message.conversation_id == conversation_id, Message.status == "pending")
        .limit(1)
    )
    return found is not None


def _like(column: InstrumentedAttribute[str], needle: str) -> ColumnElement[bool]:
    # Case-insensitive substring on SQLite and PostgreSQL alike; the user's % and _ are literal.
    escaped = needle.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


async def search_for_user(
    session: AsyncSession, user_id: str, query: str | None, offset: int, limit: int
) -> tuple[Sequence[Conversation], int]:
    conditions: list[ColumnElement[bool]] = [Conversation.user_id == user_id]
    if query:
        in_messages = exists().where(
            Message.conversation_id == Conversation.id, _like(Message.content, query)
        )
        conditions.append(or_(_like(Conversation.title, query), in_messages))
    where = and_(*conditions)
    total = await session.scalar(select(func.count()).select_from(Conversation).where(where))
    rows = await session.scalars(
        select(Conversation)
        .where(where)
        .order_by(Conversation.created_at.desc(), Conversation.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return rows.all(), int(total or 0)


async def first_matching_message(
    session: AsyncSession, conversation_id: str, query: str
) -> Message | None:
    rows = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, _like(Message.content, query))
        .order_by(Message.id)
        .limit(1)
    )
    return rows.first()
