"""Rate limiting per principal: token buckets in memory, or in Redis shared by every replica.

A request takes one token per operation from its principal's bucket (``rate`` tokens per second
refill it, up to ``burst``). An empty bucket answers ``RATE_LIMITED`` with the seconds until a token
is back. In Redis the refill-and-take is one Lua script (atomic across replicas, timed by the
Redis server's clock so replicas' clocks do not matter). If Redis cannot be reached the gateway
limits with its in-memory buckets instead of refusing or waving everything through.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.security_settings import RateLimit, SecuritySettings

log = logging.getLogger("gateway.ratelimit")
MAX_MEMORY_KEYS = 100_000

# KEYS[1] bucket; ARGV rate, burst, cost. Returns {allowed, tokens left, seconds until enough tokens}.
TAKE_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(tokens), tostring(retry)}
"""


@dataclass(frozen=True)
class Throttle:
    """The outcome of taking tokens from a bucket."""

    allowed: bool
    remaining: float
    retry_after: float
    limit: RateLimit

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds to wait (at least 1), for ``Retry-After``."""
        return max(1, math.ceil(self.retry_after))

    def as_extension(self) -> dict[str, float]:
        """Shopify's ``throttleStatus``."""
        return {
            "maximumAvailable": self.limit.burst,
            "currentlyAvailable": math.floor(self.remaining),
            "restoreRate": self.limit.rate,
        }


class MemoryBuckets:
    """Token buckets of one process, least recently used evicted past ``max_keys``."""

    def __init__(
        self, limit: RateLimit, *, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_MEMORY_KEYS
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def take(self, key: str, cost: int = 1) -> Throttle:
        """Take ``cost`` tokens from ``key``'s bucket if it holds them."""
        now = self._clock()
        tokens, at = self._buckets.pop(key, (self.limit.burst, now))
        tokens = min(self.limit.burst, tokens + max(0.0, now - at) * self.limit.rate)
        allowed = tokens >= cost
        retry = 0.0 if allowed else (cost - tokens) / self.limit.rate
        if allowed:
            tokens -= cost
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return Throttle(allowed, tokens, retry, self.limit)

    async def aclose(self) -> None:
        """Nothing to release."""


# Connections to the shared rate-limit store per process, and how long a request waits for a free one.
MAX_CONNECTIONS = 100
POOL_TIMEOUT_SECONDS = 0.5


class RedisBuckets:
    """Token buckets in Redis, shared by every replica using the same ``prefix``."""

    def __init__(
        self,
        url: str,
        limit: RateLimit,
        *,
        prefix: str = "gateway:ratelimit:",
        max_connections: int = MAX_CONNECTIONS,
        pool_timeout: float = POOL_TIMEOUT_SECONDS,
        socket_timeout: float = 0.5,
        connect_timeout: float = 0.5,
    ) -> None:
        from redis.asyncio import BlockingConnectionPool, Redis  # imported only when configured

        self.limit = limit
        self.prefix = prefix
        # A burst waits briefly for a free connection instead of failing at once (redis-py's default pool raises
        # MaxConnectionsError), so a burst is not taken for an unreachable store and limited per process.
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=pool_timeout,
            socket_connect_timeout=connect_timeout,
            socket_timeout=socket_timeout,  # a slow store is limited per replica rather than holding requests
        )
        self._redis: Any = Redis(connection_pool=pool)
        self._script = self._redis.register_script(TAKE_SCRIPT)
        self._fallback = MemoryBuckets(limit)
        self._degraded = False

    async def take(self, key: str, cost: int = 1) -> Throttle:
        """Take ``cost`` tokens in Redis; in memory when Redis is unreachable."""
        from redis.exceptions import RedisError

        try:
            allowed, tokens, retry = await self._script(
                keys=[self.prefix + key], args=[self.limit.rate, self.limit.burst, cost]
            )
        except (RedisError, OSError) as error:
            if not self._degraded:
                log.warning("rate-limit store unreachable (%s): limiting per replica", type(error).__name__)
                self._degraded = True
            return await self._fallback.take(key, cost)
        if self._degraded:
            log.info("rate-limit store reachable again")
            self._degraded = False
        return Throttle(bool(int(allowed)), float(tokens), float(retry), self.limit)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose(close_connection_pool=True)


def create_rate_limiter(security: SecuritySettings) -> MemoryBuckets | RedisBuckets | None:
    """The configured limiter, or None when rate limiting is off."""
    limit = security.bucket
    if limit is None:
        return None
    if security.rate_limit_store:
        return RedisBuckets(security.rate_limit_store, limit)
    return MemoryBuckets(limit)
