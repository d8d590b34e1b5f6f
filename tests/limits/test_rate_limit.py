"""Rate limiting per principal: token buckets in memory and in Redis shared by replicas; 429 + Retry-After."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

import pytest

from gateway.limits.ratelimit import MemoryBuckets, RedisBuckets
from gateway.security_settings import RateLimit, SecuritySettings
from gateway.settings import Settings
from tests.support import GatewayHarness, build_harness

QUERY = "{ viewer { persona } }"


def limited(rate_limit: str = "1/min burst 2", **security: Any) -> GatewayHarness:
    settings = dataclasses.replace(SecuritySettings(), rate_limit=rate_limit, **security)
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=0, security=settings))
    limiter = harness.app.state.guard.limiter
    if isinstance(limiter, RedisBuckets):
        limiter.prefix = f"test:{uuid.uuid4().hex}:"  # buckets of this test only
    return harness


async def post(harness: GatewayHarness, persona: str = "member", token: str | None = None) -> Any:
    headers = {"authorization": f"Bearer {token or harness.token(persona)}"}
    async with harness.client() as client:
        return await client.post("/graphql", json={"query": QUERY}, headers=headers)


def test_rate_limit_setting_parses() -> None:
    assert RateLimit.parse("20/s burst 40") == RateLimit(rate=20.0, burst=40.0)
    assert RateLimit.parse("600/min") == RateLimit(rate=10.0, burst=10.0)
    assert SecuritySettings().bucket is None
    assert SecuritySettings(mode="production", jwks_url="https://idp/jwks", jwt_issuer="x").bucket == RateLimit(20, 40)


async def test_a_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    buckets = MemoryBuckets(RateLimit(rate=2.0, burst=2.0), clock=lambda: now[0])
    assert [(await buckets.take("u")).allowed for _ in range(3)] == [True, True, False]
    assert (await buckets.take("u")).retry_after == pytest.approx(0.5)
    assert (await buckets.take("someone-else")).allowed
    now[0] += 0.5
    assert (await buckets.take("u")).allowed
    assert not (await buckets.take("u")).allowed


async def test_an_empty_bucket_is_429_with_retry_after_and_rate_limited() -> None:
    harness = limited()
    first, second, third = [await post(harness) for _ in range(3)]
    assert first.json()["extensions"]["cost"]["throttleStatus"] == {
        "maximumAvailable": 2.0,
        "currentlyAvailable": 1,
        "restoreRate": pytest.approx(1 / 60),
    }
    assert second.status_code == 200
    assert third.status_code == 429
    retry = int(third.headers["retry-after"])
    assert 1 <= retry <= 60
    assert third.json()["errors"][0]["extensions"] == {"code": "RATE_LIMITED", "retryAfterSeconds": retry}
    assert (await post(harness, "operator")).status_code == 200  # per principal: others are not affected


async def test_bad_credentials_are_limited_per_client_address() -> None:
    harness = limited()
    statuses = [(await post(harness, token="not-a-token")).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


@pytest.mark.redis
async def test_replicas_share_buckets_through_redis() -> None:
    first = limited(rate_limit_store="redis://127.0.0.1:6379/0")
    second = limited(rate_limit_store="redis://127.0.0.1:6379/0")
    second.app.state.guard.limiter.prefix = first.app.state.guard.limiter.prefix
    assert (await post(first)).status_code == 200
    assert (await post(second)).status_code == 200
    refused = await post(first)
    assert refused.status_code == 429 and refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(refused.headers["retry-after"]) >= 1
    await first.app.state.guard.aclose()
    await second.app.state.guard.aclose()


async def test_an_unreachable_store_falls_back_to_local_buckets() -> None:
    harness = limited(rate_limit_store="redis://127.0.0.1:1/0")
    statuses = [(await post(harness)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    await harness.app.state.guard.aclose()


@pytest.mark.redis
async def test_a_burst_past_the_connection_pool_waits_instead_of_leaving_the_shared_store(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # 400 concurrent takes through 20 connections: each waits for a free one; none falls back to local buckets.
    limiter = RedisBuckets(
        "redis://127.0.0.1:6379/0",
        RateLimit(rate=1000.0, burst=1000),
        prefix=f"test:{uuid.uuid4().hex}:",
        max_connections=20,
        pool_timeout=30.0,
        socket_timeout=10.0,  # the test is about waiting for the pool; a loaded CI machine may answer slowly
        connect_timeout=10.0,  # and may take longer than the production half second to open twenty connections
    )
    try:
        throttles = await asyncio.gather(*(limiter.take(f"user:{n % 7}") for n in range(400)))
    finally:
        await limiter.aclose()
    assert all(t.allowed for t in throttles)
    assert "rate-limit store unreachable" not in caplog.text
