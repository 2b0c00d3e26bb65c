"""Request and response shapes of the conversations API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from rekha.conversations.models import Conversation, Message

CONVERSATIONS_PAGE_SIZE = 5
MESSAGES_PAGE_SIZE = 20
MAX_MESSAGES_PAGE_SIZE = 100
MAX_MESSAGE_CHARS = 2000
MAX_TITLE_CHARS = 200
MAX_METADATA_BYTES = 4096

# Conversation.meta holds two things: what the client stored (PATCH metadata) and the
# conversation's running context (the topic and hand a follow-up leans on).
USER_META = "user"
CONTEXT_META = "context"

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    page_size: int
    total: int


class ConversationCreate(BaseModel):
    title: str | None = Field(default=None, max_length=MAX_TITLE_CHARS)
    template_id: str | None = Field(default=None, max_length=50)


class ConversationUpdate(BaseModel):
    title: str | None = Field(default=None, max_length=MAX_TITLE_CHARS)
    metadata: dict[str, Any] | None = Field(
        default=None,
        description="Free-form client data (e.g. pinned, colour); replaces what was stored.",
    )


class ConversationOut(BaseModel):
    id: str
    analysis_id: str
    title: str
    template_id: str | None
    metadata: dict[str, Any]
    topic: str | None = Field(description="What the conversation is about at the last turn.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationOut:
        meta = conversation.meta or {}
        context = meta.get(CONTEXT_META) or {}
        return cls(
            id=conversation.id,
            analysis_id=conversation.analysis_id,
            title=conversation.title,
            template_id=conversation.template_id,
            metadata=dict(meta.get(USER_META) or {}),
            topic=context.get("topic"),
            created_at=conversation.created_at,
            updated_at=conversation.updated_at,
        )


class CreatedConversation(ConversationOut):
    messages: list[MessageOut] = Field(
        default_factory=list,
        description="With a template and a completed analysis: its first question and answer.",
    )


class MessageOut(BaseModel):
    id: int
    role: Literal["user", "assistant"]
    content: str
    status: Literal["pending", "completed", "failed"]
    topics: list[str]
    cited: list[str] = Field(description="Measurements the answer draws on, e.g. lines.heart.")
    refused: str | None = None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    created_at: datetime

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        meta = message.meta or {}
        return cls(
            id=message.id,
            role=message.role,  # type: ignore[arg-type]
            content=message.content,
            status=message.status,  # type: ignore[arg-type]
            topics=list(meta.get("topics") or []),
            cited=list(meta.get("cited") or []),
            refused=meta.get("refused"),
            prompt_tokens=message.prompt_tokens,
            completion_tokens=message.completion_tokens,
            cost_usd=message.cost_usd,
            created_at=message.created_at,
        )


class TalkIn(BaseModel):
    # Length is checked by the service, so the error carries a specific code.
    message: str


class TalkOut(BaseModel):
    user_message: MessageOut
    assistant_message: MessageOut = Field(
        description="Completed with the local responder; `pending` with the OpenAI one: poll "
        "GET .../messages until its status changes."
    )


class TemplateOut(BaseModel):
    id: str
    title: str
    question: str
    topic: str


class SearchHit(ConversationOut):
    matched: Literal["title", "message"]
    snippet: str | None = Field(description="The matching part of a message, when it matched one.")


CreatedConversation.model_rebuild()
