"""Conversations about an analysis, owner only (another account gets 404, signed out 401).

Routes, all under /api/v1:
    GET    /conversations/templates                          suggested first questions
    GET    /conversations?q=...&page=N                       search your own conversations
    POST   /analyses/{id}/conversations                      create {title?, template_id?}
    GET    /analyses/{id}/conversations?page=N               newest first, 5 a page
    GET    /analyses/{id}/conversations/{cid}
    PATCH  /analyses/{id}/conversations/{cid}                rename, metadata
    DELETE /analyses/{id}/conversations/{cid}                messages go with it
    GET    /analyses/{id}/conversations/{cid}/messages       chronological, paginated
    POST   /analyses/{id}/conversations/{cid}/talk           {message} -> question and answer
    GET    /analyses/{id}/conversations/{cid}/export?format=md|json
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.responses import JSONResponse, PlainTextResponse

from rekha.analyses.dependencies import OwnedAnalysis
from rekha.auth.dependencies import CurrentUser
from rekha.conversations import repository, service
from rekha.conversations.models import Conversation, Message
from rekha.conversations.schemas import (
    CONVERSATIONS_PAGE_SIZE,
    MAX_MESSAGES_PAGE_SIZE,
    MESSAGES_PAGE_SIZE,
    ConversationCreate,
    ConversationOut,
    ConversationUpdate,
    CreatedConversation,
    MessageOut,
    Page,
    SearchHit,
    TalkIn,
    TalkOut,
    TemplateOut,
)
from rekha.conversations.templates import TEMPLATES
from rekha.core.deps import RedisDep, SessionDep, SettingsDep
from rekha.core.errors import BadRequest, ServiceUnavailable
from rekha.core.ratelimit import RateLimit, enforce
from rekha.core.redis import key
from rekha.settings import Settings

log = logging.getLogger(__name__)

router = APIRouter(tags=["conversations"])

ANSWER_TASK = "rekha.conversations.answer_message"
# Questions per account: generous for a person, a ceiling on what a script can spend.
TALK_RATE_LIMIT = RateLimit(limit=30, window_s=600)
PageParam = Annotated[int, Query(ge=1, le=100_000, description="1-based page number")]


async def get_owned_conversation(
    analysis: OwnedAnalysis,
    session: SessionDep,
    conversation_id: Annotated[str, Path(min_length=1, max_length=32)],
) -> Conversation:
    # OwnedAnalysis has checked the signed-in user owns the analysis; the conversation must
    # belong to that analysis and that user too.
    assert analysis.user_id is not None
    return await service.get(session, analysis, analysis.user_id, conversation_id)


OwnedConversation = Annotated[Conversation, Depends(get_owned_conversation)]


def talk_rate_key(settings: Settings, user_id: str) -> str:
    return key(settings, "ratelimit", "talk", user_id)


def _private(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"


@router.get("/conversations/templates")
async def list_templates() -> list[TemplateOut]:
    """Suggested first questions: life path, love, career, health, money, left versus right."""
    return [
        TemplateOut(id=t.id, title=t.title, question=t.question, topic=t.topic) for t in TEMPLATES
    ]


@router.get("/conversations")
async def search_conversations(
    user: CurrentUser,
    session: SessionDep,
    response: Response,
    q: Annotated[str | None, Query(max_length=200, description="Words in titles or messages")] = None,
    page: PageParam = 1,
) -> Page[SearchHit]:
    """Your own conversations (across all your readings) whose title or messages contain `q`."""
    _private(response)
    needle = (q or "").strip() or None
    size = CONVERSATIONS_PAGE_SIZE
    rows, total = await repository.search_for_user(
        session, user.id, needle, (page - 1) * size, size
    )
    items: list[SearchHit] = []
    for conversation in rows:
        base = ConversationOut.of(conversation).model_dump()
        if needle is None or needle.lower() in conversation.title.lower():
            items.append(SearchHit(**base, matched="title", snippet=None))
            continue
        message = await repository.first_matching_message(session, conversation.id, needle)
        text = service.snippet(message.content, needle) if message else None
        items.append(SearchHit(**base, matched="message", snippet=text))
    return Page(items=items, page=page, page_size=size, total=total)


@router.post("/analyses/{analysis_id}/conversations", status_code=status.HTTP_201_CREATED)
async def create_conversation(
    analysis: OwnedAnalysis,
    data: ConversationCreate,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> CreatedConversation:
    """Start a conversation; a `template_id` seeds its title and asks its first question."""
    assert analysis.user_id is not None
    conversation, messages = await service.create(
        session, settings, analysis, analysis.user_id, data
    )
    pending = [m for m in messages if m.status == "pending"]
    if pending:
        await _commit_and_enqueue(session, pending[0])
    _private(response)
    return CreatedConversation(
        **ConversationOut.of(conversation).model_dump(),
        messages=[MessageOut.of(m) for m in messages],
    )


@router.get("/analyses/{analysis_id}/conversations")
async def list_conversations(
    analysis: OwnedAnalysis, session: SessionDep, response: Response, page: PageParam = 1
) -> Page[ConversationOut]:
    """This reading's conversations, newest first, 5 a page."""
    assert analysis.user_id is not None
    size = CONVERSATIONS_PAGE_SIZE
    rows, total = await repository.list_for_analysis(
        session, analysis.id, analysis.user_id, (page - 1) * size, size
    )
    _private(response)
    return Page(
        items=[ConversationOut.of(c) for c in rows], page=page, page_size=size, total=total
    )


@router.get("/analyses/{analysis_id}/conversations/{conversation_id}")
async def get_conversation(conversation: OwnedConversation, response: Response) -> ConversationOut:
    _private(response)
    return ConversationOut.of(conversation)


@router.patch("/analyses/{analysis_id}/conversations/{conversation_id}")
async def update_conversation(
    conversation: OwnedConversation, data: ConversationUpdate, session: SessionDep
) -> ConversationOut:
    """Rename it, or replace its client metadata."""
    service.update_conversation(conversation, data)
    await session.flush()
    await session.refresh(conversation)
    return ConversationOut.of(conversation)


@router.delete(
    "/analyses/{analysis_id}/conversations/{conversation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_conversation(conversation: OwnedConversation, session: SessionDep) -> Response:
    """Delete it and all its messages."""
    await service.delete(session, conversation)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/analyses/{analysis_id}/conversations/{conversation_id}/messages")
async def list_messages(
    conversation: OwnedConversation,
    session: SessionDep,
    response: Response,
    page: PageParam = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_MESSAGES_PAGE_SIZE)] = MESSAGES_PAGE_SIZE,
) -> Page[MessageOut]:
    """Messages, oldest first. Poll this while an answer's status is `pending`."""
    rows, total = await repository.list_messages(
        session, conversation.id, (page - 1) * page_size, page_size
    )
    _private(response)
    return Page(
        items=[MessageOut.of(m) for m in rows], page=page, page_size=page_size, total=total
    )


@router.post(
    "/analyses/{analysis_id}/conversations/{conversation_id}/talk",
    status_code=status.HTTP_201_CREATED,
    responses={202: {"model": TalkOut, "description": "Answer pending (OpenAI provider)"}},
)
async def talk(
    analysis: OwnedAnalysis,
    conversation: OwnedConversation,
    data: TalkIn,
    session: SessionDep,
    settings: SettingsDep,
    redis: RedisDep,
    response: Response,
) -> TalkOut:
    """Ask a question about this reading. The local responder answers at once (201); the
    OpenAI one answers on the worker (202 with a pending assistant message)."""
    service.validate_message(data.message)
    await enforce(
        redis,
        talk_rate_key(settings, conversation.user_id),
        TALK_RATE_LIMIT,
        code="too_many_questions",
        message="That is a lot of questions in a short time; please wait a few minutes.",
    )
    result = await service.talk(session, settings, analysis, conversation, data.message)
    if result.queued:
        await _commit_and_enqueue(session, result.assistant_message)
        response.status_code = status.HTTP_202_ACCEPTED
    _private(response)
    return TalkOut(
        user_message=MessageOut.of(result.user_message),
        assistant_message=MessageOut.of(result.assistant_message),
    )


async def _commit_and_enqueue(session: SessionDep, pending: Message) -> None:
    # Enqueue after commit, so the worker never looks for a message that is not there yet.
    await session.commit()
    from rekha.worker import celery_app

    try:
        await asyncio.to_thread(
            celery_app.send_task, ANSWER_TASK, args=[pending.id], queue="default"
        )
    except Exception as exc:  # the broker is down: say so, and do not leave it pending
        log.warning("could not enqueue an answer", extra={"error": repr(exc)})
        await service.mark_enqueue_failed(session, pending)
        await session.commit()
        raise ServiceUnavailable(
            "Answers cannot be composed right now. Please try again shortly.",
            code="answers_unavailable",
        ) from exc


@router.get("/analyses/{analysis_id}/conversations/{conversation_id}/export")
async def export_conversation(
    conversation: OwnedConversation,
    session: SessionDep,
    format: Annotated[str, Query(description="md or json")] = "md",
) -> Response:
    """The whole conversation as Markdown or JSON, as a download."""
    if format not in ("md", "json"):
        raise BadRequest(
            "Export format must be md or json.",
            code="unsupported_export_format",
            details={"formats": ["md", "json"]},
        )
    messages = await repository.all_messages(session, conversation.id)
    filename = f"rekha-conversation-{conversation.id}.{format}"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }
    if format == "json":
        return JSONResponse(service.export_json(conversation, messages), headers=headers)
    return PlainTextResponse(
        service.export_markdown(conversation, messages),
        media_type="text/markdown; charset=utf-8",
        headers=headers,
    )
