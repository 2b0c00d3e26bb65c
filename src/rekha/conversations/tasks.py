"""Composing an answer on the worker (the OpenAI responder; the local one answers inline).

The API stores the question and a `pending` assistant message, commits, then enqueues
`rekha.conversations.answer_message` with the pending message's id. The task reloads
everything by id and is idempotent: a message that is gone or no longer pending is skipped, and
the final write is conditional on the message still being pending, so a redelivered task can
never answer twice.
"""

from __future__ import annotations

import logging
import os
import random
from dataclasses import dataclass
from typing import Any

from celery import Task
from sqlalchemy import select, update

from rekha.conversations.openai_responder import ContextPlan, OpenAIResponder, plan_context
from rekha.conversations.report import load_report
from rekha.conversations.responder import (
    Answer,
    LocalResponder,
    Responder,
    ResponderContext,
    Turn,
)
from rekha.conversations.service import answer_meta, dominant_hand
from rekha.core.db import SyncDatabase
from rekha.core.types import utcnow
from rekha.models import Analysis, Conversation, Message  # every table, so foreign keys resolve
from rekha.reading.providers.base import ProviderUnavailable
from rekha.reading.providers.openai import ProviderFailed
from rekha.settings import Settings, get_settings
from rekha.worker import celery_app

log = logging.getLogger(__name__)

TASK_NAME = "rekha.conversations.answer_message"
MAX_RETRIES = 4
MAX_BACKOFF_SECONDS = 120.0
UNAVAILABLE_TEXT = (
    "The answering service is not available right now, so this question could not be "
    "answered. Please ask again in a little while."
)
FAILED_TEXT = "This question could not be answered. Please try asking it another way."
SUMMARY_THROUGH = "summary_through"  # Conversation.meta: last message id folded into the summary

_resources: dict[int, tuple[Settings, SyncDatabase]] = {}


def _process_resources() -> tuple[Settings, SyncDatabase]:
    # Prefork children must not share the parent's connections: one set per process id.
    pid = os.getpid()
    if pid not in _resources:
        settings = get_settings()
        _resources[pid] = (settings, SyncDatabase(settings))
    return _resources[pid]


@dataclass
class Job:
    message_id: int
    conversation_id: str
    provider: str
    context: ResponderContext
    plan: ContextPlan
    last_history_id: int | None  # the newest message the summary may now cover


def _turn(message: Message) -> Turn:
    return Turn(role=message.role, content=message.content, meta=dict(message.meta or {}))


def load_job(db: SyncDatabase, message_id: int) -> Job | None:
    with db.session() as session:
        message = session.get(Message, message_id)
        if message is None or message.status != "pending":
            return None
        conversation = session.get(Conversation, message.conversation_id)
        analysis = session.get(Analysis, conversation.analysis_id) if conversation else None
        if conversation is None or analysis is None:
            return None
        through = int((conversation.meta or {}).get(SUMMARY_THROUGH) or 0)
        earlier = session.scalars(
            select(Message)
            .where(
                Message.conversation_id == conversation.id,
                Message.id < message_id,
                Message.id > through,
            )
            .order_by(Message.id)
        ).all()
        questions = [m for m in earlier if m.role == "user"]
        if not questions:
            return None
        question = questions[-1]
        history = [m for m in earlier if m.id < question.id and m.status == "completed"]
        plan = plan_context([_turn(m) for m in history], conversation.context_summary)
        folded = history[: plan.folded]
        context = ResponderContext(
            analysis_id=analysis.id,
            question=question.content,
            report=load_report(analysis.report),
            dominant_hand=dominant_hand(analysis),
            history=plan.kept,
            summary=plan.summary,
            state=dict((question.meta or {}).get("state") or {}),
        )
        return Job(
            message_id=message_id,
            conversation_id=conversation.id,
            provider=str((message.meta or {}).get("provider") or "openai"),
            context=context,
            plan=plan,
            last_history_id=folded[-1].id if folded else None,
        )


def responder_for(provider: str, settings: Settings) -> Responder:
    if provider == "openai":
        return OpenAIResponder(settings)
    return LocalResponder()


def save_answer(db: SyncDatabase, job: Job, answer: Answer, provider: str) -> bool:
    with db.session() as session:
        written = session.execute(
            update(Message)
            .where(Message.id == job.message_id, Message.status == "pending")
            .values(
                content=answer.text,
                status="completed",
                meta=answer_meta(answer, provider),
                prompt_tokens=answer.usage.prompt_tokens,
                completion_tokens=answer.usage.completion_tokens,
                cost_usd=answer.usage.cost_usd,
            )
        )
        if not getattr(written, "rowcount", 0):
            return False
        conversation = session.get(Conversation, job.conversation_id)
        if conversation is not None:
            if job.last_history_id is not None:
                meta = dict(conversation.meta or {})
                meta[SUMMARY_THROUGH] = job.last_history_id
                conversation.meta = meta
                conversation.context_summary = job.plan.summary
            conversation.updated_at = utcnow()
        return True


def mark_failed(db: SyncDatabase, message_id: int, text: str, code: str) -> None:
    with db.session() as session:
        session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == "pending")
            .values(status="failed", content=text, meta={"error": code})
        )


def _backoff(retries: int) -> float:
    return float(min(MAX_BACKOFF_SECONDS, 2.0 * (2**retries))) + random.uniform(0, 1.0)


@celery_app.task(bind=True, name=TASK_NAME, max_retries=MAX_RETRIES, acks_late=True)
def answer_message(self: Task[Any, Any], message_id: int) -> dict[str, Any]:
    """Compose the answer for one pending assistant message."""
    settings, db = _process_resources()
    job = load_job(db, message_id)
    if job is None:
        log.info("answer skipped: not pending", extra={"message_id": message_id})
        return {"message_id": message_id, "status": "skipped"}
    try:
        answer = responder_for(job.provider, settings).answer(job.context)
    except ProviderUnavailable as exc:
        if self.request.retries >= MAX_RETRIES:
            mark_failed(db, message_id, UNAVAILABLE_TEXT, "provider_unavailable")
            return {"message_id": message_id, "status": "failed"}
        countdown = exc.retry_after if exc.retry_after is not None else _backoff(
            self.request.retries
        )
        log.info(
            "answer deferred", extra={"message_id": message_id, "countdown": countdown}
        )
        raise self.retry(exc=exc, countdown=countdown) from exc
    except ProviderFailed as exc:
        log.warning("answer failed", extra={"message_id": message_id, "code": exc.code})
        mark_failed(db, message_id, FAILED_TEXT, exc.code)
        return {"message_id": message_id, "status": "failed"}
    except Exception:
        log.exception("answer crashed", extra={"message_id": message_id})
        mark_failed(db, message_id, FAILED_TEXT, "internal_error")
        return {"message_id": message_id, "status": "failed"}
    saved = save_answer(db, job, answer, job.provider)
    return {"message_id": message_id, "status": "completed" if saved else "skipped"}
