"""After a breaker's cool-down, the first wave of pages against a recovered service is served.

Half-open lets one probe through; the requests arriving while it is in flight wait for its outcome
(within their own deadline) instead of failing fast, then proceed on its success or fail as open on
its failure. In-process reference services with faults; the breaker's clock is a fake one, so the
cool-down passes when the test says so (no wall-clock assertions).
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import httpx

from gateway.resilience.breaker import BreakerState, CircuitBreaker
from gateway.resilience.policy import BackendPolicy
from gateway.settings import Settings
from tests.fault_support import BUCKETS_PAGE
from tests.resilience.policy_support import FakeClock
from tests.support import PERSONA_USERS, GatewayHarness, build_harness

COOLDOWN = 5.0
WAVE = 20


def recovery_settings() -> Settings:
    base = Settings.from_env({}, viewer_cache_seconds=3600)
    knobs: dict[str, Any] = {"total_timeout": 5.0, "retries": 0, "breaker_failures": 3, "breaker_cooldown": COOLDOWN}
    return dataclasses.replace(base, backends={d: dataclasses.replace(b, **knobs) for d, b in base.backends.items()})


async def set_fault(harness: GatewayHarness, domain: str, spec: dict[str, Any]) -> None:
    transport = httpx.ASGITransport(app=harness.services[domain])
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{domain}.test") as client:
        response = await client.post("/_faults", json={**spec, "reset_stats": True})
    assert response.status_code == 200, response.text


async def page(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": BUCKETS_PAGE}, headers={"x-dev-viewer": PERSONA_USERS["tenant-admin"]}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> set[str]:
    return {error.get("extensions", {}).get("code") for error in body.get("errors") or []}


async def test_the_first_wave_after_the_cool_down_is_all_served() -> None:
    clock = FakeClock()
    harness = build_harness(settings=recovery_settings())
    storage = harness.app.state.backends.storage
    storage.policy = BackendPolicy("storage", harness.app.state.settings.backends["storage"], clock=clock)
    breaker = storage.policy.breaker
    async with harness.client() as client:
        healthy = await page(client)
        assert not healthy.get("errors") and healthy["data"]["buckets"]["totalCount"] > 0

        await set_fault(harness, "storage", {"down": True})
        for _ in range(10):
            if breaker.state is BreakerState.OPEN:
                break
            assert "BACKEND_UNAVAILABLE" in codes(await page(client))
        assert breaker.state is BreakerState.OPEN
        assert "BACKEND_UNAVAILABLE" in codes(await page(client))  # failing fast while open

        # The service recovers (healthy, a little slow: the probe is still in flight as the wave arrives).
        await set_fault(harness, "storage", {"latency_ms": 50})
        clock.now += COOLDOWN
        assert breaker.state.name == "HALF_OPEN"

        wave = await asyncio.gather(*(page(client) for _ in range(WAVE)))
    served = [body for body in wave if not body.get("errors")]
    assert len(served) == WAVE, [codes(body) for body in wave if body.get("errors")]
    assert all(body["data"]["buckets"] == healthy["data"]["buckets"] for body in served)
    assert breaker.state.name == "CLOSED"


async def test_callers_waiting_on_a_failed_probe_fail_as_open() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("x", failure_threshold=1, cooldown=COOLDOWN, clock=clock)
    assert await breaker.admit()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN and not await breaker.admit()
    clock.now += COOLDOWN
    assert await breaker.admit()  # the probe
    waiting = [asyncio.ensure_future(breaker.admit()) for _ in range(5)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiting)  # waiting for the probe's outcome, not failing fast
    breaker.record_failure()
    assert await asyncio.gather(*waiting) == [False] * 5
    assert breaker.state is BreakerState.OPEN


async def test_callers_waiting_on_a_successful_probe_all_proceed() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("x", failure_threshold=1, cooldown=COOLDOWN, clock=clock)
    assert await breaker.admit()
    breaker.record_failure()
    clock.now += COOLDOWN
    assert await breaker.admit()
    waiting = [asyncio.ensure_future(breaker.admit()) for _ in range(5)]
    await asyncio.sleep(0)
    breaker.record_success()
    assert await asyncio.gather(*waiting) == [True] * 5


async def test_a_probe_without_verdict_hands_the_probe_to_one_waiter() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("x", failure_threshold=1, cooldown=COOLDOWN, clock=clock)
    assert await breaker.admit()
    breaker.record_failure()
    clock.now += COOLDOWN
    assert await breaker.admit()
    waiting = [asyncio.ensure_future(breaker.admit()) for _ in range(3)]
    await asyncio.sleep(0)
    breaker.release()  # e.g. the probe was answered with the caller's own 4xx
    await asyncio.sleep(0)
    assert [w.done() for w in waiting].count(True) == 1 and waiting[0].result() is True  # the next probe
    breaker.record_success()
    assert await asyncio.gather(*waiting) == [True] * 3


async def test_a_waiter_is_bounded_by_its_own_deadline() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("x", failure_threshold=1, cooldown=COOLDOWN, clock=clock)
    assert await breaker.admit()
    breaker.record_failure()
    clock.now += COOLDOWN
    assert await breaker.admit()  # a probe that never comes back
    try:
        async with asyncio.timeout(0.01):
            await breaker.admit()
    except TimeoutError:
        pass
    else:
        raise AssertionError("a waiter outlived its deadline")
    assert breaker._waiters == []  # a waiter that gave up leaves nothing behind
    breaker.record_success()
    assert await breaker.admit()
