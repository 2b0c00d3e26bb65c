"""Redis clients, one place. Keys are namespaced with `REDIS_KEY_PREFIX`."""

from __future__ import annotations

import redis
import redis.asyncio as aioredis

from rekha.settings import Settings


def make_async_redis(settings: Settings) -> aioredis.Redis:
    return aioredis.Redis.from_url(settings.redis_url, decode_responses=True)


def make_sync_redis(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(settings.redis_url, decode_responses=True)


def key(settings: Settings, *parts: str) -> str:
    return settings.redis_key_prefix + ":".join(parts)
