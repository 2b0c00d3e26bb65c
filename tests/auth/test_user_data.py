"""The user's own data: export gives all of it; deletion leaves none of it anywhere."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from rekha.analyses.models import Analysis, AnalysisImage
from rekha.auth.models import User
from rekha.conversations.models import Conversation, Message
from rekha.core.redis import key
from rekha.core.storage import ANONYMOUS_OWNER
from rekha.settings import Settings
from tests.auth.helpers import AUTH, csrf_headers, login, register


async def make_palm_history(app: Any, settings: Settings, user_id: str) -> dict[str, Any]:
    """Two analyses (one claimed from an anonymous upload, its file still under anon/), images
    with files on disk, a conversation with messages, and Redis keys of the kinds other domains
    keep, all belonging to `user_id`."""
    root = settings.file_storage_root
    made: dict[str, Any] = {"files": [], "analyses": [], "conversation": None}
    async with app.state.db.sessionmaker() as db:
        for n, owner_folder in enumerate((user_id, ANONYMOUS_OWNER)):
            analysis = Analysis(
                user_id=user_id,
                status="completed",
                stage="done",
                progress=100,
                summary={"text": f"summary {n}"},
                report={"sections": [{"title": f"Heart line {n}"}]},
            )
            db.add(analysis)
            await db.flush()
            stored = f"{owner_folder}/{analysis.id}/original.jpg"
            thumb = f"{owner_folder}/{analysis.id}/thumb.jpg"
            for relative in (stored, thumb):
                (root / relative).parent.mkdir(parents=True, exist_ok=True)
                (root / relative).write_bytes(b"\xff\xd8 palm")
                made["files"].append(root / relative)
            db.add(
                AnalysisImage(
                    analysis_id=analysis.id,
                    hand="left" if n == 0 else "right",
                    path=stored,
                    thumbnail_path=thumb,
                    mime="image/jpeg",
                    bytes=8,
                    width=640,
                    height=480,
                    sha256="0" * 64,
                )
            )
            made["analyses"].append(analysis.id)
        conversation = Conversation(
            analysis_id=made["analyses"][0], user_id=user_id, title="About my heart line"
        )
        db.add(conversation)
        await db.flush()
        db.add_all(
            [
                Message(conversation_id=conversation.id, role="user", content="Will I travel?"),
                Message(conversation_id=conversation.id, role="assistant", content="Your fate…"),
            ]
        )
        made["conversation"] = conversation.id
        await db.commit()
    redis = app.state.redis
    for analysis_id in made["analyses"]:
        await redis.set(key(settings, "analysis", analysis_id, "status"), "{}")
    await redis.set(key(settings, "quota", "analyses", "user", user_id), "1")
    await redis.set(key(settings, "ratelimit", "talk", user_id), "1")
    return made


async def test_export_contains_everything(make_client: Any, app: Any, settings: Settings) -> None:
    browser = make_client()
    user = await register(browser, name="Meera")
    made = await make_palm_history(app, settings, user["id"])
    other = make_client()
    other_user = await register(other)
    await make_palm_history(app, settings, other_user["id"])

    response = await browser.get(f"{AUTH}/me/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["profile"]["email"] == user["email"]
    assert data["profile"]["name"] == "Meera"
    assert "password_hash" not in str(data)
    assert sorted(a["id"] for a in data["analyses"]) == sorted(made["analyses"])
    assert {a["summary"]["text"] for a in data["analyses"]} == {"summary 0", "summary 1"}
    assert all(a["report"]["sections"] for a in data["analyses"])
    assert all(a["status"] == "completed" for a in data["analyses"])
    assert sorted(i["hand"] for a in data["analyses"] for i in a["images"]) == ["left", "right"]
    # Stored paths are an implementation detail, not the user's data.
    assert "original.jpg" not in response.text
    [conversation] = data["conversations"]
    assert conversation["id"] == made["conversation"]
    assert [m["content"] for m in conversation["messages"]] == ["Will I travel?", "Your fate…"]


async def test_delete_needs_the_password(make_client: Any) -> None:
    browser = make_client()
    await register(browser)
    response = await browser.request(
        "DELETE", f"{AUTH}/me", json={"password": "not my password"}, headers=csrf_headers(browser)
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_password"
    assert (await browser.get(f"{AUTH}/me")).status_code == 200


def exists(path: Path) -> bool:
    return path.exists()


async def _count(app: Any, model: Any, *where: Any) -> int:
    async with app.state.db.sessionmaker() as db:
        return int(
            (await db.execute(select(func.count()).select_from(model).where(*where))).scalar_one()
        )


async def _keys_mentioning(app: Any, settings: Settings, needles: list[str]) -> list[str]:
    found = []
    async for name in app.state.redis.scan_iter(match=f"{settings.redis_key_prefix}*"):
        if any(n in name for n in needles):
            found.append(name)
    return found


async def test_delete_leaves_no_row_key_or_file_behind(
    make_client: Any, app: Any, settings: Settings
) -> None:
    laptop, phone = make_client(), make_client()
    user = await register(laptop)
    assert (await login(phone, user["email"])).status_code == 200
    tokens = [laptop.cookies["rekha_session"], phone.cookies["rekha_session"]]
    made = await make_palm_history(app, settings, user["id"])
    bystander = make_client()
    other = await register(bystander)
    kept = await make_palm_history(app, settings, other["id"])

    response = await laptop.request(
        "DELETE", f"{AUTH}/me", json={"password": user["password"]}, headers=csrf_headers(laptop)
    )
    assert response.status_code == 204, response.text
    assert "rekha_session" not in laptop.cookies

    assert await _count(app, User, User.id == user["id"]) == 0
    assert await _count(app, Analysis, Analysis.id.in_(made["analyses"])) == 0
    assert await _count(app, AnalysisImage, AnalysisImage.analysis_id.in_(made["analyses"])) == 0
    assert await _count(app, Conversation, Conversation.user_id == user["id"]) == 0
    assert await _count(app, Message, Message.conversation_id == made["conversation"]) == 0

    needles = [
        user["id"],
        *made["analyses"],
        *(hashlib.sha256(t.encode()).hexdigest() for t in tokens),
    ]
    needles.append(hashlib.sha256(user["email"].encode()).hexdigest())
    assert await _keys_mentioning(app, settings, needles) == []

    assert not any(exists(f) for f in made["files"])
    assert not exists(settings.file_storage_root / user["id"])
    for analysis_id in made["analyses"]:
        assert not exists(settings.file_storage_root / ANONYMOUS_OWNER / analysis_id)

    # Every device is signed out, and the account cannot sign in again.
    assert (await phone.get(f"{AUTH}/me")).status_code == 401
    assert (await login(make_client(), user["email"], user["password"])).status_code == 401

    # Nobody else lost anything.
    assert (await bystander.get(f"{AUTH}/me")).status_code == 200
    assert await _count(app, Analysis, Analysis.id.in_(kept["analyses"])) == 2
    assert await _count(app, Message, Message.conversation_id == kept["conversation"]) == 2
    assert all(exists(f) for f in kept["files"])
    assert await _keys_mentioning(app, settings, [other["id"], *kept["analyses"]])
