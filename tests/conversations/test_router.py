"""The conversations API with the local responder: real sign-up, real database, real report."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from rekha.analyses.models import AnalysisStatus
from rekha.conversations.models import Conversation, Message
from rekha.core.types import utcnow
from tests.auth.helpers import csrf_headers, ensure_csrf
from tests.conversations.builders import (
    conversations_url,
    create_conversation,
    make_analysis,
    make_user,
    talk,
)

pytestmark = pytest.mark.fixtures


@pytest.fixture
async def owner(make_client: Any, app: FastAPI, report: dict[str, Any]) -> dict[str, Any]:
    client, user = await make_user(make_client)
    analysis_id = await make_analysis(app, user["id"], report)
    return {"client": client, "user": user, "analysis_id": analysis_id}


async def count_messages(app: FastAPI, conversation_id: str) -> int:
    async with app.state.db.sessionmaker() as session:
        total = await session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.conversation_id == conversation_id)
        )
    return int(total or 0)


async def test_create_talk_and_read_back(owner: dict[str, Any]) -> None:
    client, aid = owner["client"], owner["analysis_id"]
    conversation = await create_conversation(client, aid)
    assert conversation["title"] == "New conversation"
    assert conversation["messages"] == []

    response = await talk(client, aid, conversation["id"], "What about marriage?")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user_message"]["content"] == "What about marriage?"
    assert body["user_message"]["role"] == "user"
    answer = body["assistant_message"]
    assert answer["role"] == "assistant" and answer["status"] == "completed"
    assert "lines.heart" in answer["cited"] and "Vivah rekha" in answer["content"]
    assert answer["topics"] == ["love"]

    got = await client.get(conversations_url(aid, f"/{conversation['id']}"))
    assert got.status_code == 200
    # Named after its first question, and it remembers what it is about.
    assert got.json()["title"] == "What about marriage?"
    assert got.json()["topic"] == "love"


async def test_context_carries_across_turns_through_the_api(owner: dict[str, Any]) -> None:
    client, aid = owner["client"], owner["analysis_id"]
    cid = (await create_conversation(client, aid))["id"]
    await talk(client, aid, cid, "What about marriage?")
    follow = (await talk(client, aid, cid, "and my left hand?")).json()["assistant_message"]
    assert follow["topics"] == ["love"]
    assert "lines.heart" in follow["cited"]
    assert "left palm" in follow["content"] or "left hand" in follow["content"]


async def test_template_seeds_title_and_first_question(owner: dict[str, Any]) -> None:
    client, aid = owner["client"], owner["analysis_id"]
    templates = (await client.get("/api/v1/conversations/templates")).json()
    ids = {t["id"] for t in templates}
    assert {"life_path", "love", "career", "health", "left_right"} <= ids

    created = await create_conversation(client, aid, template_id="love")
    assert created["title"] == "Love and marriage"
    assert created["template_id"] == "love"
    question, answer = created["messages"]
    assert question["role"] == "user" and question["content"].startswith("What does my palm")
    assert answer["status"] == "completed" and "lines.heart" in answer["cited"]

    compared = await create_conversation(client, aid, template_id="left_right")
    assert "born with" in compared["messages"][1]["content"]


async def test_validation_errors_have_specific_codes(owner: dict[str, Any]) -> None:
    client, aid = owner["client"], owner["analysis_id"]
    cid = (await create_conversation(client, aid))["id"]
    for message, code in [
        ("", "empty_message"),
        ("   \n ", "empty_message"),
        ("x" * 2001, "message_too_long"),
    ]:
        response = await talk(client, aid, cid, message)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == code
    assert (await talk(client, aid, cid, "y" * 2000)).status_code == 201

    response = await client.post(
        conversations_url(aid), json={"template_id": "horoscope"}, headers=csrf_headers(client)
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_template"

    response = await client.patch(
        conversations_url(aid, f"/{cid}"), json={"title": "  "}, headers=csrf_headers(client)
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "empty_title"

    response = await client.get(conversations_url(aid, f"/{cid}/export?format=pdf"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_export_format"


async def test_talking_needs_a_completed_analysis(
    make_client: Any, app: FastAPI
) -> None:
    client, user = await make_user(make_client)
    aid = await make_analysis(app, user["id"], None, status=AnalysisStatus.processing)
    created = await create_conversation(client, aid, template_id="career")
    assert created["messages"] == []  # nothing to answer from yet
    response = await talk(client, aid, created["id"], "What about my career?")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "analysis_not_ready"


async def test_one_question_at_a_time(owner: dict[str, Any], app: FastAPI) -> None:
    client, aid = owner["client"], owner["analysis_id"]
    cid = (await create_conversation(client, aid))["id"]
    async with app.state.db.sessionmaker() as session:
        session.add(Message(conversation_id=cid, role="assistant", content="", status="pending"))
        await session.commit()
    response = await talk(client, aid, cid, "What about love?")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "answer_pending"


async def test_a_lost_pending_answer_does_not_block_the_conversation(
    owner: dict[str, Any], app: FastAPI
) -> None:
    client, aid = owner["client"], owner["analysis_id"]
    cid = (await create_conversation(client, aid))["id"]
    long_ago = utcnow() - timedelta(minutes=11)
    async with app.state.db.sessionmaker() as session:
        lost = Message(
            conversation_id=cid, role="assistant", content="", status="pending", created_at=long_ago
        )
        session.add(lost)
        await session.commit()
        lost_id = lost.id
    assert (await talk(client, aid, cid, "What about love?")).status_code == 201
    items = (await client.get(conversations_url(aid, f"/{cid}/messages"))).json()["items"]
    assert next(m for m in items if m["id"] == lost_id)["status"] == "failed"


async def test_questions_are_rate_limited_per_account(
    owner: dict[str, Any], app: FastAPI
) -> None:
    from rekha.conversations.router import TALK_RATE_LIMIT, talk_rate_key
    from rekha.core.ratelimit import hit

    client, aid = owner["client"], owner["analysis_id"]
    cid = (await create_conversation(client, aid))["id"]
    rate_key = talk_rate_key(app.state.settings, owner["user"]["id"])
    # Use up the window as 30 earlier questions would have.
    for _ in range(TALK_RATE_LIMIT.limit):
        assert (await hit(app.state.redis, rate_key, TALK_RATE_LIMIT.limit, 600)).allowed
    response = await talk(client, aid, cid, "What about love?")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_questions"
    assert int(response.headers["Retry-After"]) > 0


async def test_list_is_newest_first_five_a_page(owner: dict[str, Any]) -> None:
    client, aid = owner["client"], owner["analysis_id"]
    made = [(await create_conversation(client, aid, title=f"c{i}"))["id"] for i in range(7)]
    first = (await client.get(conversations_url(aid))).json()
    assert first["page"] == 1 and first["page_size"] == 5 and first["total"] == 7
    assert [c["id"] for c in first["items"]] == made[::-1][:5]
    second = (await client.get(conversations_url(aid, "?page=2"))).json()
    assert [c["id"] for c in second["items"]] == made[::-1][5:]
    third = (await client.get(conversations_url(aid, "?page=3"))).json()
    assert third["items"] == [] and third["total"] == 7
    bad = await client.get(conversations_url(aid, "?page=0"))
    assert bad.status_code == 422


async def test_messages_are_chronological_and_paginated(owner: dict[str, Any]) -> None:
    client, aid = owner["client"], owner["analysis_id"]
    cid = (await create_conversation(client, aid))["id"]
    questions = ["What about love?", "My career?", "Will I be rich?"]
    for q in questions:
        assert (await talk(client, aid, cid, q)).status_code == 201
    url = conversations_url(aid, f"/{cid}/messages")
    page1 = (await client.get(url, params={"page_size": 4})).json()
    page2 = (await client.get(url, params={"page_size": 4, "page": 2})).json()
    assert page1["total"] == 6
    items = page1["items"] + page2["items"]
    assert [m["role"] for m in items] == ["user", "assistant"] * 3
    assert [m["content"] for m in items if m["role"] == "user"] == questions
    assert [m["id"] for m in items] == sorted(m["id"] for m in items)


async def test_rename_and_metadata(owner: dict[str, Any]) -> None:
    client, aid = owner["client"], owner["analysis_id"]
    cid = (await create_conversation(client, aid))["id"]
    response = await client.patch(
        conversations_url(aid, f"/{cid}"),
        json={"title": "About my marriage", "metadata": {"pinned": True}},
        headers=csrf_headers(client),
    )
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "About my marriage"
    assert response.json()["metadata"] == {"pinned": True}
    # A renamed conversation keeps its name when the first question comes.
    await talk(client, aid, cid, "What about love?")
    got = (await client.get(conversations_url(aid, f"/{cid}"))).json()
    assert got["title"] == "About my marriage" and got["metadata"] == {"pinned": True}

    too_big = {"notes": "x" * 5000}
    response = await client.patch(
        conversations_url(aid, f"/{cid}"), json={"metadata": too_big}, headers=csrf_headers(client)
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "metadata_too_large"


async def test_delete_takes_the_messages_with_it(owner: dict[str, Any], app: FastAPI) -> None:
    client, aid = owner["client"], owner["analysis_id"]
    cid = (await create_conversation(client, aid))["id"]
    await talk(client, aid, cid, "What about love?")
    assert await count_messages(app, cid) == 2
    response = await client.delete(conversations_url(aid, f"/{cid}"), headers=csrf_headers(client))
    assert response.status_code == 204
    assert await count_messages(app, cid) == 0
    async with app.state.db.sessionmaker() as session:
        assert await session.get(Conversation, cid) is None
    assert (await client.get(conversations_url(aid, f"/{cid}"))).status_code == 404


async def test_export_markdown_and_json(owner: dict[str, Any]) -> None:
    client, aid = owner["client"], owner["analysis_id"]
    cid = (await create_conversation(client, aid, title="Marriage"))["id"]
    await talk(client, aid, cid, "What about marriage?")

    md = await client.get(conversations_url(aid, f"/{cid}/export"), params={"format": "md"})
    assert md.status_code == 200
    assert md.headers["content-type"].startswith("text/markdown")
    assert "attachment" in md.headers["content-disposition"]
    assert md.text.startswith("# Marriage")
    assert "**You:**" in md.text and "What about marriage?" in md.text
    assert "**Rekha:**" in md.text and "Hriday rekha" in md.text

    js = await client.get(conversations_url(aid, f"/{cid}/export"), params={"format": "json"})
    assert js.status_code == 200
    data = json.loads(js.text)
    assert data["conversation"]["id"] == cid
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]


async def test_search_finds_own_conversations_by_title_and_message_text(
    owner: dict[str, Any], make_client: Any, app: FastAPI, report: dict[str, Any]
) -> None:
    client, aid = owner["client"], owner["analysis_id"]
    by_title = (await create_conversation(client, aid, title="Thinking about Kerala trip"))["id"]
    by_text = (await create_conversation(client, aid, title="Untitled"))["id"]
    await talk(client, aid, by_text, "What does my Bhagya rekha say about 100% effort_x?")
    # Someone else's conversation with the same words must not show up.
    other, other_user = await make_user(make_client)
    other_aid = await make_analysis(app, other_user["id"], report)
    await create_conversation(other, other_aid, title="Kerala trip too")

    hits = (await client.get("/api/v1/conversations", params={"q": "kerala"})).json()
    assert [h["id"] for h in hits["items"]] == [by_title]
    assert hits["items"][0]["matched"] == "title"

    hits = (await client.get("/api/v1/conversations", params={"q": "bhagya"})).json()
    ids = [h["id"] for h in hits["items"]]
    assert by_text in ids and by_title not in ids
    hit = next(h for h in hits["items"] if h["id"] == by_text)
    assert hit["matched"] == "message" and "Bhagya" in hit["snippet"]

    # % and _ are literal, not wildcards.
    hits = (await client.get("/api/v1/conversations", params={"q": "100% effort_x"})).json()
    assert [h["id"] for h in hits["items"]] == [by_text]
    hits = (await client.get("/api/v1/conversations", params={"q": "1_0"})).json()
    assert hits["items"] == []


async def _every_route(
    client: httpx.AsyncClient, aid: str, cid: str
) -> list[httpx.Response]:
    headers = await ensure_csrf(client)
    base = conversations_url(aid)
    one = conversations_url(aid, f"/{cid}")
    return [
        await client.post(base, json={}, headers=headers),
        await client.get(base),
        await client.get(one),
        await client.patch(one, json={"title": "mine now"}, headers=headers),
        await client.get(f"{one}/messages"),
        await client.post(f"{one}/talk", json={"message": "hello"}, headers=headers),
        await client.get(f"{one}/export", params={"format": "md"}),
        await client.delete(one, headers=headers),
    ]


async def test_another_user_gets_404_on_every_route(
    owner: dict[str, Any], make_client: Any, app: FastAPI
) -> None:
    client, aid = owner["client"], owner["analysis_id"]
    cid = (await create_conversation(client, aid, title="private"))["id"]
    await talk(client, aid, cid, "What about love?")

    stranger, stranger_user = await make_user(make_client)
    for response in await _every_route(stranger, aid, cid):
        assert response.status_code == 404, (response.request.method, response.request.url)
    # ...and the stranger's own analysis does not open the owner's conversation either.
    stranger_aid = await make_analysis(app, stranger_user["id"], None, AnalysisStatus.queued)
    for response in (await _every_route(stranger, stranger_aid, cid))[2:]:
        assert response.status_code == 404, (response.request.method, response.request.url)
    search = (await stranger.get("/api/v1/conversations", params={"q": "private"})).json()
    assert search["items"] == []

    # Nothing changed for the owner.
    got = (await client.get(conversations_url(aid, f"/{cid}"))).json()
    assert got["title"] == "private"
    assert await count_messages(app, cid) == 2


async def test_signed_out_gets_401_on_every_route(
    owner: dict[str, Any], make_client: Any
) -> None:
    client, aid = owner["client"], owner["analysis_id"]
    cid = (await create_conversation(client, aid))["id"]
    anonymous = make_client()
    for response in await _every_route(anonymous, aid, cid):
        assert response.status_code == 401, (response.request.method, response.request.url)
    assert (await anonymous.get("/api/v1/conversations")).status_code == 401
