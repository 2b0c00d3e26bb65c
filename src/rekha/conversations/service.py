"""Conversations: create, list, talk, export, search. Services flush; the request commits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from rekha.analyses.models import Analysis, AnalysisStatus
from rekha.conversations import intent, repository
from rekha.conversations.models import Conversation, Message
from rekha.conversations.report import load_report
from rekha.conversations.responder import Answer, ResponderContext, Turn, get_responder
from rekha.conversations.schemas import (
    CONTEXT_META,
    MAX_MESSAGE_CHARS,
    MAX_METADATA_BYTES,
    USER_META,
    ConversationCreate,
    ConversationOut,
    ConversationUpdate,
    MessageOut,
)
from rekha.conversations.templates import BY_ID as TEMPLATES
from rekha.core.errors import Conflict, NotFound, UnprocessableEntity
from rekha.core.types import utcnow
from rekha.reading.types import Hand
from rekha.settings import Settings

DEFAULT_TITLE = "New conversation"
AUTO_TITLE_CHARS = 60
LOCAL_HISTORY_MESSAGES = 10
# A pending answer older than this is taken as lost (a worker died mid-task): it is marked
# failed so the conversation can go on.
STALE_PENDING = timedelta(minutes=10)
PENDING_TEXT = ""
LOST_TEXT = "This answer could not be completed. Please ask again."


def conversation_not_found() -> NotFound:
    return NotFound("We could not find that conversation.", code="conversation_not_found")


def uses_worker(settings: Settings) -> bool:
    """Provider calls that leave the machine run on the worker, never on the API's loop."""
    return settings.reading_provider == "openai"


# ---------------------------------------------------------------- conversations


async def get(
    session: AsyncSession, analysis: Analysis, user_id: str, conversation_id: str
) -> Conversation:
    conversation = await repository.get_for_analysis(
        session, analysis.id, user_id, conversation_id
    )
    if conversation is None:
        raise conversation_not_found()
    return conversation


def _check_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    size = len(json.dumps(metadata, ensure_ascii=False).encode())
    if size > MAX_METADATA_BYTES:
        raise UnprocessableEntity(
            f"Conversation metadata is limited to {MAX_METADATA_BYTES} bytes of JSON.",
            code="metadata_too_large",
            details={"max_bytes": MAX_METADATA_BYTES, "bytes": size},
        )
    return metadata


def _clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise UnprocessableEntity("A conversation title cannot be empty.", code="empty_title")
    return cleaned


async def create(
    session: AsyncSession,
    settings: Settings,
    analysis: Analysis,
    user_id: str,
    data: ConversationCreate,
) -> tuple[Conversation, list[Message]]:
    """A new conversation; with a template, its title and (once the reading is complete) its
    first question, answered."""
    template = None
    if data.template_id is not None:
        template = TEMPLATES.get(data.template_id)
        if template is None:
            raise UnprocessableEntity(
                f"There is no conversation template {data.template_id!r}.",
                code="unknown_template",
                details={"template_ids": sorted(TEMPLATES)},
            )
    if data.title is not None:
        title, auto = _clean_title(data.title), False
    elif template is not None:
        title, auto = template.title, False
    else:
        title, auto = DEFAULT_TITLE, True
    conversation = Conversation(
        analysis_id=analysis.id,
        user_id=user_id,
        title=title,
        template_id=template.id if template else None,
        meta={USER_META: {}, CONTEXT_META: {}, "auto_title": auto},
    )
    session.add(conversation)
    await session.flush()
    messages: list[Message] = []
    if template is not None and analysis.status == AnalysisStatus.completed:
        turn = await talk(session, settings, analysis, conversation, template.question)
        messages = [turn.user_message, turn.assistant_message]
    return conversation, messages


def update_conversation(conversation: Conversation, data: ConversationUpdate) -> None:
    if data.title is not None:
        conversation.title = _clean_title(data.title)
    meta = dict(conversation.meta or {})
    if data.title is not None:
        meta["auto_title"] = False
    if data.metadata is not None:
        meta[USER_META] = _check_metadata(data.metadata)
    conversation.meta = meta
    conversation.updated_at = utcnow()


async def delete(session: AsyncSession, conversation: Conversation) -> None:
    # Messages go with it: ON DELETE CASCADE in the database.
    await session.delete(conversation)
    await session.flush()


# ---------------------------------------------------------------- talking


@dataclass
class TalkResult:
    user_message: Message
    assistant_message: Message
    queued: bool  # the answer is composed on the worker (enqueue after commit)


def validate_message(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise UnprocessableEntity("Please write a question first.", code="empty_message")
    if len(cleaned) > MAX_MESSAGE_CHARS:
        raise UnprocessableEntity(
            f"Questions are limited to {MAX_MESSAGE_CHARS} characters.",
            code="message_too_long",
            details={"max_length": MAX_MESSAGE_CHARS, "length": len(cleaned)},
        )
    return cleaned


async def _release_stale_pending(session: AsyncSession, conversation_id: str) -> None:
    await session.execute(
        update(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.status == "pending",
            Message.created_at < utcnow() - STALE_PENDING,
        )
        .values(status="failed", content=LOST_TEXT)
    )


def _turns(messages: Sequence[Message]) -> list[Turn]:
    return [Turn(role=m.role, content=m.content, meta=dict(m.meta or {})) for m in messages]


def dominant_hand(analysis: Analysis) -> Hand | None:
    return Hand(analysis.dominant_hand) if analysis.dominant_hand in ("left", "right") else None


async def talk(
    session: AsyncSession,
    settings: Settings,
    analysis: Analysis,
    conversation: Conversation,
    text: str,
) -> TalkResult:
    question = validate_message(text)
    if analysis.status != AnalysisStatus.completed:
        raise Conflict(
            "This reading is not complete yet; you can ask about it once it is.",
            code="analysis_not_ready",
            details={"status": analysis.status},
        )
    await _release_stale_pending(session, conversation.id)
    if await repository.has_pending(session, conversation.id):
        raise Conflict(
            "The previous question is still being answered; please wait for it.",
            code="answer_pending",
        )
    meta = dict(conversation.meta or {})
    state = dict(meta.get(CONTEXT_META) or {})
    history = await repository.recent_messages(session, conversation.id, LOCAL_HISTORY_MESSAGES)

    if meta.get("auto_title") and not history:
        # A conversation started without a title is named after its first question.
        conversation.title = question if len(question) <= AUTO_TITLE_CHARS else (
            question[: AUTO_TITLE_CHARS - 1].rstrip() + "…"
        )
        meta["auto_title"] = False

    if uses_worker(settings):
        # The topic is still worked out here (cheap, local), so search and context carry work
        # the same with either provider.
        detected = intent.detect(question, state)
        user_message = Message(
            conversation_id=conversation.id,
            role="user",
            content=question,
            meta={"topics": [detected.topic.value], "state": detected.state()},
        )
        pending = Message(
            conversation_id=conversation.id,
            role="assistant",
            content=PENDING_TEXT,
            status="pending",
            meta={"provider": settings.reading_provider},
        )
        session.add_all([user_message, pending])
        meta[CONTEXT_META] = detected.state()
        conversation.meta = meta
        conversation.updated_at = utcnow()
        await session.flush()
        return TalkResult(user_message, pending, queued=True)

    report = analysis.report
    context_args: dict[str, Any] = {
        "analysis_id": analysis.id,
        "question": question,
        "dominant_hand": dominant_hand(analysis),
        "history": _turns(history),
        "summary": conversation.context_summary,
        "state": state,
    }

    def compose() -> Answer:
        # Parsing the stored report and composing are CPU work: off the event loop.
        context = ResponderContext(report=load_report(report), **context_args)
        return get_responder(settings).answer(context)

    answer = await run_in_threadpool(compose)
    user_message = Message(
        conversation_id=conversation.id,
        role="user",
        content=question,
        meta={"topics": answer.topics, "state": answer.state},
    )
    assistant_message = Message(
        conversation_id=conversation.id,
        role="assistant",
        content=answer.text,
        status="completed",
        meta=answer_meta(answer, "local"),
        prompt_tokens=answer.usage.prompt_tokens,
        completion_tokens=answer.usage.completion_tokens,
        cost_usd=answer.usage.cost_usd,
    )
    session.add_all([user_message, assistant_message])
    meta[CONTEXT_META] = answer.state
    conversation.meta = meta
    conversation.updated_at = utcnow()
    await session.flush()
    return TalkResult(user_message, assistant_message, queued=False)


def answer_meta(answer: Answer, provider: str) -> dict[str, Any]:
    return {
        "topics": answer.topics,
        "cited": answer.cited,
        "refused": answer.refused,
        "state": answer.state,
        "provider": provider,
    }


async def mark_enqueue_failed(session: AsyncSession, message: Message) -> None:
    message.status = "failed"
    message.content = LOST_TEXT
    await session.flush()


# ---------------------------------------------------------------- export


def export_json(conversation: Conversation, messages: Sequence[Message]) -> dict[str, Any]:
    return {
        "conversation": ConversationOut.of(conversation).model_dump(mode="json"),
        "messages": [MessageOut.of(m).model_dump(mode="json") for m in messages],
        "exported_at": utcnow().isoformat(),
        "disclaimer": DISCLAIMER,
    }


DISCLAIMER = (
    "Rekha's readings are for reflection and entertainment; they are not medical, legal or "
    "financial advice."
)


def export_markdown(conversation: Conversation, messages: Sequence[Message]) -> str:
    lines = [
        f"# {conversation.title}",
        "",
        f"A conversation about Rekha reading `{conversation.analysis_id}`, started "
        f"{conversation.created_at:%Y-%m-%d %H:%M} UTC.",
        "",
    ]
    for message in messages:
        who = "You" if message.role == "user" else "Rekha"
        content = message.content if message.status == "completed" else f"_({message.status})_"
        lines.extend([f"**{who}:**", "", content, ""])
        cited = (message.meta or {}).get("cited") or []
        if message.role == "assistant" and cited:
            lines.extend([f"_Draws on: {', '.join(cited)}_", ""])
    lines.extend(["---", "", f"_{DISCLAIMER}_", ""])
    return "\n".join(lines)


def snippet(text: str, needle: str, width: int = 60) -> str:
    at = text.lower().find(needle.lower())
    if at < 0:
        return text[: 2 * width]
    start, end = max(0, at - width), min(len(text), at + len(needle) + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
