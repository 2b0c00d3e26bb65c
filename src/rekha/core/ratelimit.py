"""Rate limits kept in Redis, so they hold across every API process and worker.

A sliding-window log: each allowed hit is a member of a sorted set scored by Redis's own clock
(so processes on machines with drifting clocks still agree). The check and the record happen in
one Lua script, so two processes can never both take the last slot.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

import redis.asyncio as aioredis

from rekha.core.errors import TooManyRequests

# KEYS[1] the log; ARGV[1] limit, ARGV[2] window in ms, ARGV[3] a unique member suffix.
# Returns {allowed (0/1), retry_after_ms, remaining}.
_SLIDING_WINDOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, now .. '-' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0, limit - count - 1}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local retry = window
if oldest[2] then
  retry = tonumber(oldest[2]) + window - now
end
if retry < 1 then
  retry = 1
end
return {0, retry, 0}
"""


@dataclass(frozen=True)
class RateResult:
    allowed: bool
    retry_after: int  # whole seconds until the next attempt can succeed; 0 when allowed
    remaining: int


@dataclass(frozen=True)
class RateLimit:
    limit: int
    window_s: int

    @classmethod
    def parse(cls, spec: str) -> RateLimit:
        """Parse the settings format "attempts/seconds", e.g. "10/900"."""
        try:
            attempts, seconds = (int(part) for part in spec.split("/", 1))
        except ValueError as exc:
            raise ValueError(f"rate limit {spec!r} is not 'attempts/seconds'") from exc
        if attempts < 1 or seconds < 1:
            raise ValueError(f"rate limit {spec!r} needs positive attempts and seconds")
        return cls(attempts, seconds)


async def hit(redis: aioredis.Redis, key: str, limit: int, window_s: int) -> RateResult:
    """Record one attempt under `key` (build it with rekha.core.redis.key) if it is allowed."""
    raw = await redis.eval(  # type: ignore[misc]
        _SLIDING_WINDOW, 1, key, str(limit), str(window_s * 1000), secrets.token_hex(8)
    )
    allowed, retry_ms, remaining = (int(v) for v in raw)
    return RateResult(
        allowed=bool(allowed),
        retry_after=0 if allowed else max(1, math.ceil(retry_ms / 1000)),
        remaining=remaining,
    )


async def enforce(
    redis: aioredis.Redis,
    key: str,
    limit: RateLimit | str,
    *,
    code: str = "rate_limited",
    message: str | None = None,
) -> RateResult:
    """`hit`, raising TooManyRequests (429 with Retry-After) when over the limit."""
    rule = RateLimit.parse(limit) if isinstance(limit, str) else limit
    result = await hit(redis, key, rule.limit, rule.window_s)
    if not result.allowed:
        raise TooManyRequests(message, retry_after=result.retry_after, code=code)
    return result


async def reset(redis: aioredis.Redis, key: str) -> None:
    await redis.delete(key)
