"""Sign-in sessions, kept only in Redis.

The browser holds a random 256-bit token in the HttpOnly `rekha_session` cookie. Redis stores
the session under the token's sha256, never the token itself, so a copy of Redis (a backup, a
`MONITOR` log) cannot be replayed as a cookie. Each user also has an index of their session
hashes, so "sign out everywhere" and account deletion can find every session.

Sessions slide: each use renews the TTL (SESSION_TTL_SECONDS), but no session lives longer than
ABSOLUTE_LIFETIME_S from sign-in, however often it is used.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import redis.asyncio as aioredis
from starlette.responses import Response

from rekha.core.redis import key
from rekha.settings import Settings

SESSION_COOKIE = "rekha_session"
ABSOLUTE_LIFETIME_S = 30 * 24 * 3600
# Renewing costs a Redis write and a Set-Cookie header, so only renew once the session has
# aged this much since it was last renewed.
RENEW_AFTER_S = 60
TOKEN_BYTES = 32  # 256 bits


@dataclass(frozen=True)
class SessionInfo:
    user_id: str
    token_hash: str
    created_at: int
    ttl: int  # seconds left after this lookup
    renewed: bool


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_key(settings: Settings, token_hash: str) -> str:
    return key(settings, "session", token_hash)


def user_index_key(settings: Settings, user_id: str) -> str:
    return key(settings, "user-sessions", user_id)


def _lifetime(settings: Settings) -> int:
    return max(ABSOLUTE_LIFETIME_S, settings.session_ttl_seconds)


async def create_session(redis: aioredis.Redis, settings: Settings, user_id: str) -> str:
    """Start a session for `user_id`; returns the token for the cookie (never stored)."""
    token = new_token()
    token_hash = hash_token(token)
    index = user_index_key(settings, user_id)
    ttl = settings.session_ttl_seconds
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(
            session_key(settings, token_hash),
            mapping={"user_id": user_id, "created_at": str(int(time.time()))},
        )
        pipe.expire(session_key(settings, token_hash), ttl)
        pipe.sadd(index, token_hash)
        pipe.expire(index, _lifetime(settings))
        await pipe.execute()
    await _prune_index(redis, settings, user_id)
    return token


async def _prune_index(redis: aioredis.Redis, settings: Settings, user_id: str) -> None:
    # Expired sessions leave their hash in the index; drop them so it does not grow forever.
    index = user_index_key(settings, user_id)
    members = [str(m) for m in await redis.smembers(index)]  # type: ignore[misc]
    if not members:
        return
    async with redis.pipeline(transaction=False) as pipe:
        for member in members:
            pipe.exists(session_key(settings, member))
        alive = await pipe.execute()
    stale = [m for m, present in zip(members, alive, strict=True) if not present]
    if stale:
        await redis.srem(index, *stale)  # type: ignore[misc]


async def resolve_session(
    redis: aioredis.Redis, settings: Settings, token: str
) -> SessionInfo | None:
    """The live session for a cookie token, renewed (sliding TTL), or None."""
    if not token or len(token) > 256:
        return None
    token_hash = hash_token(token)
    skey = session_key(settings, token_hash)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hmget(skey, ["user_id", "created_at"])
        pipe.ttl(skey)
        (user_id, created_raw), current_ttl = await pipe.execute()
    if not user_id or not created_raw:
        return None
    created_at = int(created_raw)
    allowed_ttl = min(
        settings.session_ttl_seconds, created_at + _lifetime(settings) - int(time.time())
    )
    if allowed_ttl <= 0:
        await delete_session_hash(redis, settings, token_hash, user_id)
        return None
    renewed = False
    if current_ttl < allowed_ttl - min(RENEW_AFTER_S, allowed_ttl // 2):
        # EXPIRE on a key a concurrent logout just deleted is a no-op: no resurrection.
        async with redis.pipeline(transaction=True) as pipe:
            pipe.expire(skey, allowed_ttl)
            pipe.expire(user_index_key(settings, user_id), _lifetime(settings))
            await pipe.execute()
        renewed = True
        current_ttl = allowed_ttl
    return SessionInfo(
        user_id=user_id,
        token_hash=token_hash,
        created_at=created_at,
        ttl=max(int(current_ttl), 1),
        renewed=renewed,
    )


async def delete_session_hash(
    redis: aioredis.Redis, settings: Settings, token_hash: str, user_id: str | None = None
) -> None:
    skey = session_key(settings, token_hash)
    if user_id is None:
        found = await redis.hget(skey, "user_id")  # type: ignore[misc]
        user_id = str(found) if found else None
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(skey)
        if user_id:
            pipe.srem(user_index_key(settings, user_id), token_hash)
        await pipe.execute()


async def delete_session(redis: aioredis.Redis, settings: Settings, token: str) -> None:
    """End the session a cookie token names (a token that names nothing is fine)."""
    if token and len(token) <= 256:
        await delete_session_hash(redis, settings, hash_token(token))


async def delete_user_sessions(redis: aioredis.Redis, settings: Settings, user_id: str) -> int:
    """End every session of a user; returns how many were live."""
    index = user_index_key(settings, user_id)
    members = [str(m) for m in await redis.smembers(index)]  # type: ignore[misc]
    keys = [session_key(settings, m) for m in members]
    deleted = 0
    if keys:
        deleted = int(await redis.delete(*keys))
    await redis.delete(index)
    return deleted


def set_session_cookie(response: Response, settings: Settings, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="lax",
    )
