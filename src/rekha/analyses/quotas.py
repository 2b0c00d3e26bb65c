"""Upload quotas, kept in Redis so they hold across every API process.

Per day means the last 24 hours (a sliding window: no midnight rush). Each accepted analysis is
a member of a sorted set scored by Redis's clock, with the analysis id as the member, so a
request that fails after reserving its slot can give it back; refusals never count. Deleting an
analysis does not give the slot back (otherwise delete-and-retry would bypass the quota).
"""

from __future__ import annotations

import math

import redis.asyncio as aioredis

from rekha.core.errors import TooManyRequests
from rekha.core.redis import key
from rekha.settings import Settings

DAY_SECONDS = 24 * 3600

# KEYS[1] the log; ARGV[1] limit, ARGV[2] window ms, ARGV[3] member ('' = only check).
# Returns {allowed (0/1), retry_after_ms}.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  if ARGV[3] ~= '' then
    redis.call('ZADD', KEYS[1], now, ARGV[3])
    redis.call('PEXPIRE', KEYS[1], window)
  end
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local retry = window
if oldest[2] then retry = tonumber(oldest[2]) + window - now end
if retry < 1000 then retry = 1000 end
return {0, retry}
"""


class DailyQuota:
    """The daily analysis quota of one account, or of one anonymous client address."""

    def __init__(self, settings: Settings, *, user_id: str | None, client_ip: str) -> None:
        if user_id is not None:
            self.key = key(settings, "quota", "analyses", "user", user_id)
            self.limit = settings.analyses_per_user_per_day
            self.code = "daily_quota_exceeded"
            self.message = (
                f"You have started {self.limit} readings in the last 24 hours, the daily limit. "
                "Please come back later."
            )
        else:
            self.key = key(settings, "quota", "analyses", "ip", client_ip)
            self.limit = settings.analyses_per_ip_per_day
            self.code = "anonymous_quota_exceeded"
            self.message = (
                f"{self.limit} readings have been started from your network in the last 24 "
                "hours without an account, the daily limit. Create a free account for more, "
                "or come back later."
            )

    async def _run(self, redis: aioredis.Redis, member: str) -> None:
        raw = await redis.eval(  # type: ignore[misc]
            _RESERVE, 1, self.key, str(self.limit), str(DAY_SECONDS * 1000), member
        )
        allowed, retry_ms = (int(v) for v in raw)
        if not allowed:
            retry_after = max(1, math.ceil(retry_ms / 1000))
            raise TooManyRequests(self.message, retry_after=retry_after, code=self.code)

    async def ensure_room(self, redis: aioredis.Redis) -> None:
        """429 if no slot is free; takes nothing (checked before the body is read)."""
        await self._run(redis, "")

    async def reserve(self, redis: aioredis.Redis, analysis_id: str) -> None:
        """Take a slot for `analysis_id` atomically, or 429."""
        await self._run(redis, analysis_id)

    async def release(self, redis: aioredis.Redis, analysis_id: str) -> None:
        """Give back the slot of a request that did not complete."""
        await redis.zrem(self.key, analysis_id)


def storage_quota_error(settings: Settings) -> TooManyRequests:
    limit_mb = settings.storage_bytes_per_user / (1024 * 1024)
    return TooManyRequests(
        f"Your photos would use more than your {limit_mb:g} MB of storage. "
        "Delete some older readings to make room, then try again.",
        retry_after=DAY_SECONDS,
        code="storage_quota_exceeded",
    )
