"""The Redis idempotency store, for several gateway replicas sharing one record of every mutation.

Two keys per record, in one hash slot: ``{prefix}{<record>}:rec`` holds JSON (fingerprint, state, fencing
token, outcome) and lives for the retention period; ``{prefix}{<record>}:lease`` exists while a holder's
lease is live (``PX`` = lease). ``begin`` creates a record with ``SET NX``; everything that reads and then
writes a record (take-over, renew, complete, release) is a Lua script comparing the fencing token, so it
happens atomically on the server. Lease expiry is Redis's own clock, the same for every replica.

The connection pool is a ``BlockingConnectionPool`` of ``max_connections``: a burst of more concurrent
mutations than connections waits up to ``pool_timeout_seconds`` for a free one (redis-py's default pool
refuses at once with ``MaxConnectionsError``, which would turn a burst into an outage). Only a pool still
exhausted after that wait makes the store unavailable (the mutation fails closed).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

import redis.asyncio as redis
from redis.exceptions import RedisError

from gateway.idempotency.store import Acquired, Begin, InProgress, Mismatch, Replay, StoreUnavailable

Result = TypeVar("Result")

_BEGIN = """
local fresh = cjson.encode({fp = ARGV[1], state = 'in_flight', token = 1})
if redis.call('SET', KEYS[1], fresh, 'NX', 'PX', ARGV[3]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
  return {'acquired', '1'}
end
local raw = redis.call('GET', KEYS[1])
local rec = raw and cjson.decode(raw) or {fp = ARGV[1], state = 'released', token = 0}
local lapsed = rec.state == 'in_flight' and redis.call('EXISTS', KEYS[2]) == 0
if rec.state == 'released' or (rec.fp == ARGV[1] and lapsed) then
  rec.token = rec.token + 1
  rec.fp = ARGV[1]
  rec.state = 'in_flight'
  redis.call('SET', KEYS[1], cjson.encode(rec), 'PX', ARGV[3])
  redis.call('SET', KEYS[2], tostring(rec.token), 'PX', ARGV[2])
  return {'acquired', tostring(rec.token)}
end
if rec.fp ~= ARGV[1] then return {'mismatch'} end
if rec.state == 'completed' then return {'replay', rec.outcome, rec.completed_at} end
return {'in_progress', tostring(redis.call('PTTL', KEYS[2]))}
"""

# Shared prologue: the record, only while it is in flight under the caller's token (ARGV[1]).
_HELD = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local rec = cjson.decode(raw)
if rec.state ~= 'in_flight' or tostring(rec.token) ~= ARGV[1] then return 0 end
"""
_RENEW = (
    _HELD
    + """
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
"""
)
_COMPLETE = (
    _HELD
    + """
rec.state = 'completed'
rec.outcome = ARGV[2]
rec.completed_at = ARGV[3]
redis.call('SET', KEYS[1], cjson.encode(rec), 'PX', ARGV[4])
redis.call('DEL', KEYS[2])
return 1
"""
)
_RELEASE = (
    _HELD
    + """
rec.state = 'released'
redis.call('SET', KEYS[1], cjson.encode(rec), 'KEEPTTL')
redis.call('DEL', KEYS[2])
return 1
"""
)


class RedisStore:
    """Records in Redis (``redis://host:port/db``); connects lazily, so a down Redis only fails mutations."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "gateway:idempotency:",
        timeout_seconds: float = 1.0,
        max_connections: int = 100,
        pool_timeout_seconds: float | None = None,
    ) -> None:
        pool_timeout = timeout_seconds if pool_timeout_seconds is None else pool_timeout_seconds
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=pool_timeout,  # waiting for a free connection; then ConnectionError("No connection available.")
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            decode_responses=True,
            retry_on_timeout=False,
        )
        self._client = redis.Redis.from_pool(pool)  # the client owns the pool: aclose() closes it
        self._prefix = prefix
        self._timeout = timeout_seconds
        self._deadline = pool_timeout + timeout_seconds * 2  # a free connection, then the call itself
        self._begin = self._client.register_script(_BEGIN)
        self._renew = self._client.register_script(_RENEW)
        self._complete = self._client.register_script(_COMPLETE)
        self._release = self._client.register_script(_RELEASE)

    @property
    def connection_pool(self) -> redis.BlockingConnectionPool:
        """The store's connection pool (``max_connections``, waiting ``pool_timeout_seconds`` for a free one)."""
        pool = self._client.connection_pool
        assert isinstance(pool, redis.BlockingConnectionPool)
        return pool

    def _keys(self, record: str) -> list[str]:
        return [f"{self._prefix}{{{record}}}:rec", f"{self._prefix}{{{record}}}:lease"]

    async def begin(self, record: str, fingerprint: str, *, lease_seconds: float, ttl_seconds: float) -> Begin:
        """See ``IdempotencyStore.begin``."""
        answer = await self._call(
            self._begin(keys=self._keys(record), args=[fingerprint, _ms(lease_seconds), _ms(ttl_seconds)])
        )
        kind = answer[0]
        if kind == "acquired":
            return Acquired(int(answer[1]))
        if kind == "replay":
            return Replay(answer[1], answer[2])
        if kind == "in_progress":
            return InProgress(max(0.0, int(answer[1]) / 1000))
        return Mismatch()

    async def renew(self, record: str, token: int, *, lease_seconds: float) -> bool:
        """See ``IdempotencyStore.renew``."""
        return bool(await self._call(self._renew(keys=self._keys(record), args=[str(token), _ms(lease_seconds)])))

    async def complete(self, record: str, token: int, outcome: str, completed_at: str, *, ttl_seconds: float) -> bool:
        """See ``IdempotencyStore.complete``."""
        return bool(
            await self._call(
                self._complete(keys=self._keys(record), args=[str(token), outcome, completed_at, _ms(ttl_seconds)])
            )
        )

    async def release(self, record: str, token: int) -> bool:
        """See ``IdempotencyStore.release``; the record keeps its token (and retention) so tokens keep rising."""
        return bool(await self._call(self._release(keys=self._keys(record), args=[str(token)])))

    async def ping(self) -> None:
        """See ``IdempotencyStore.ping``."""
        await self._call(self._client.ping())

    async def aclose(self) -> None:
        """Close the connection pool."""
        with contextlib.suppress(RedisError):  # closing a pool whose server went away
            await self._client.aclose()

    async def _call(self, operation: Awaitable[Result]) -> Result:
        try:
            async with asyncio.timeout(self._deadline):
                return await operation
        except (RedisError, OSError, TimeoutError) as error:
            raise StoreUnavailable(f"the Redis idempotency store failed: {type(error).__name__}") from error


def _ms(seconds: float) -> str:
    return str(max(1, int(seconds * 1000)))
