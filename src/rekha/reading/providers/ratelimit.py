"""Provider rate limits shared by every worker: requests and tokens per minute, in Redis.

Two token buckets (requests, tokens) refilled continuously at limit/60 per second and checked
and debited together in one Lua script, using Redis's clock, so any number of workers on any
number of hosts stay under the provider's limits between them. A call that does not fit waits
for the time the script says it will fit; a caller that will not wait that long gets
ProviderUnavailable(retry_after=...) and the job is retried later instead of holding a worker.
Token use is only known after the call: the caller reserves an estimate and then `settle`s the
difference (which may drive the bucket negative, delaying the next callers, as it should).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

import redis

from rekha.core.redis import key
from rekha.reading.providers.base import ProviderUnavailable
from rekha.settings import Settings

log = logging.getLogger(__name__)

# KEYS: request bucket, token bucket. ARGV: rpm, tpm, request cost, token cost.
# Each bucket is a hash {level, ts_ms}. Returns 0 when granted (both debited), else the
# milliseconds until both buckets would hold enough.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local caps = {tonumber(ARGV[1]), tonumber(ARGV[2])}
local costs = {tonumber(ARGV[3]), tonumber(ARGV[4])}
local levels = {}
local wait = 0
for i = 1, 2 do
  local cap = caps[i]
  local rate = cap / 60000.0
  local state = redis.call('HMGET', KEYS[i], 'level', 'ts')
  local level = tonumber(state[1])
  local ts = tonumber(state[2])
  if level == nil or ts == nil then
    level = cap
    ts = now
  end
  level = math.min(cap, level + math.max(0, now - ts) * rate)
  levels[i] = level
  local cost = math.min(costs[i], cap)
  if level < cost then
    wait = math.max(wait, math.ceil((cost - level) / rate))
  end
end
for i = 1, 2 do
  local level = levels[i]
  if wait == 0 then
    level = level - math.min(costs[i], caps[i])
  end
  redis.call('HSET', KEYS[i], 'level', tostring(level), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[i], 120000)
end
return wait
"""

# KEYS: token bucket. ARGV: tpm, delta tokens (positive: used more than reserved).
_SETTLE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[1])
local rate = cap / 60000.0
local state = redis.call('HMGET', KEYS[1], 'level', 'ts')
local level = tonumber(state[1]) or cap
local ts = tonumber(state[2]) or now
level = math.min(cap, level + math.max(0, now - ts) * rate) - tonumber(ARGV[2])
level = math.max(level, -cap)
redis.call('HSET', KEYS[1], 'level', tostring(level), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], 120000)
return 0
"""


class ProviderRateLimiter:
    """Requests-per-minute and tokens-per-minute limits for one provider, across workers."""

    def __init__(
        self,
        client: redis.Redis,
        settings: Settings,
        *,
        provider: str,
        requests_per_minute: int,
        tokens_per_minute: int,
        max_wait_seconds: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.requests_per_minute = max(1, requests_per_minute)
        self.tokens_per_minute = max(1, tokens_per_minute)
        self.max_wait_seconds = max_wait_seconds
        self._sleep = sleep
        self._request_key = key(settings, "ratelimit", provider, "rpm")
        self._token_key = key(settings, "ratelimit", provider, "tpm")

    def try_take(self, tokens: int) -> float:
        """Take one request and `tokens` tokens if both fit now; else seconds until they do."""
        wait_ms = self.client.eval(  # type: ignore[no-untyped-call]
            _TAKE,
            2,
            self._request_key,
            self._token_key,
            str(self.requests_per_minute),
            str(self.tokens_per_minute),
            "1",
            str(max(0, tokens)),
        )
        return int(wait_ms) / 1000.0

    def acquire(self, tokens: int) -> None:
        """Block until the call fits, up to max_wait_seconds; then give the job back."""
        deadline = time.monotonic() + self.max_wait_seconds
        while True:
            wait = self.try_take(tokens)
            if wait <= 0:
                return
            remaining = deadline - time.monotonic()
            if wait > remaining:
                log.info(
                    "provider rate limit: deferring the job",
                    extra={"wait_seconds": round(wait, 2)},
                )
                raise ProviderUnavailable(
                    "The reading service is busy; your reading will continue shortly.",
                    retry_after=math.ceil(wait),
                )
            self._sleep(wait)

    def settle(self, reserved_tokens: int, used_tokens: int) -> None:
        """Correct the token bucket once the provider reported what the call really used."""
        delta = used_tokens - reserved_tokens
        if delta == 0:
            return
        self.client.eval(  # type: ignore[no-untyped-call]
            _SETTLE, 1, self._token_key, str(self.tokens_per_minute), str(delta)
        )
