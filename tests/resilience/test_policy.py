"""Per-backend policies against real in-process reference services with injected faults.

Breaker, retry budget, deadline and in-flight dedupe, exercised through ``ServiceClient`` as the
gateway uses it. Time is a fake clock and backoff sleeps are skipped: no wall-clock assertions.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.backends._client import ServiceClient
from gateway.errors import BackendTimeout, BackendUnavailable
from gateway.resilience import BackendPolicy, BreakerState, CircuitBreaker, RetryBudget, backoff_delay
from gateway.resilience.policy import inflight_reads
from gateway.settings import BackendSettings
from reference_services.embedded import create_services
from reference_services.faults import FaultSpec
from tests.resilience.policy_support import FakeClock, no_sleep, sample


@pytest.fixture(scope="module")
def services() -> dict[str, Starlette]:
    return create_services()


@pytest.fixture(autouse=True)
def clear_faults(services: dict[str, Starlette]) -> None:
    for app in services.values():
        app.state.faults.set(FaultSpec(), reset_stats=True)


def client_for(
    services: dict[str, Starlette], domain: str = "workloads", clock: FakeClock | None = None, **knobs: Any
) -> ServiceClient:
    settings = BackendSettings(**{"retries": 2, "retry_backoff": 0.01, **knobs})
    http = httpx.AsyncClient(base_url=f"http://{domain}.test", transport=httpx.ASGITransport(app=services[domain]))
    policy = BackendPolicy(domain, settings, clock=clock or FakeClock(), rng=random.Random(7), sleep=no_sleep)
    return ServiceClient(domain, http, policy)


def fault(services: dict[str, Starlette], domain: str, **spec: Any) -> None:
    services[domain].state.faults.set(FaultSpec(**spec), reset_stats=True)


def seen(services: dict[str, Starlette], domain: str, method: str = "GET") -> int:
    return services[domain].state.faults.requests[method]


# --- the pieces on their own ---


def test_breaker_opens_after_consecutive_failures_and_admits_one_probe_after_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("x", failure_threshold=3, cooldown=10, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    breaker.record_success()  # a success resets the count
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is BreakerState.OPEN and not breaker.allow()
    clock.now += 10
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow() and not breaker.allow()  # one probe only
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN and not breaker.allow()
    clock.now += 10
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED and breaker.allow() and breaker.allow()


def test_a_probe_that_ends_without_a_verdict_frees_the_slot() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("x", failure_threshold=1, cooldown=5, clock=clock)
    breaker.allow()
    breaker.record_failure()
    clock.now += 5
    assert breaker.allow()
    breaker.release()
    assert breaker.allow()


def test_retry_budget_allows_a_share_of_recent_calls() -> None:
    clock = FakeClock()
    budget = RetryBudget(ratio=0.2, window=10, minimum=0, clock=clock)
    for _ in range(50):
        budget.record_call()
    assert sum(budget.try_spend() for _ in range(20)) == 10
    clock.now += 11  # the window moved on: no recent calls, no budget
    assert not budget.try_spend()


def test_backoff_is_jittered_and_capped() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, base=0.1, cap=0.5, rng=rng) for n in (1, 2, 3, 4, 5, 6)]
    assert all(0 <= d <= 0.5 for d in delays)
    assert all(d <= 0.1 * 2 ** (n - 1) for n, d in zip((1, 2, 3), delays, strict=False))
    assert len(set(delays)) == len(delays)


# --- through the client, against a real service ---


async def test_reads_are_retried_until_the_service_recovers(services: dict[str, Starlette]) -> None:
    client = client_for(services)
    fault(services, "workloads", fail_next=2)
    before = sample("gateway_backend_retries_total", domain="workloads")
    body = await client.get_json("/v1/workloads", {"limit": "1"})
    assert len(body["items"]) == 1
    assert seen(services, "workloads") == 3
    assert sample("gateway_backend_retries_total", domain="workloads") == before + 2


async def test_reads_stop_after_the_configured_retries(services: dict[str, Starlette]) -> None:
    client = client_for(services, retries=1)
    fault(services, "workloads", fail_next=5)
    with pytest.raises(BackendUnavailable):
        await client.get_json("/v1/workloads", {"limit": "1"})
    assert seen(services, "workloads") == 2


async def test_commands_are_never_retried(services: dict[str, Starlette]) -> None:
    client = client_for(services, retries=3)
    fault(services, "workloads", fail_next=1, methods=["POST"])
    before = sample("gateway_backend_retries_total", domain="workloads")
    with pytest.raises(BackendUnavailable) as raised:
        await client.send("POST", "/v1/workloads/wl-0001/stop", json_body={})
    assert raised.value.service == "workloads"
    assert seen(services, "workloads", "POST") == 1
    assert sample("gateway_backend_retries_total", domain="workloads") == before


async def test_malformed_answers_are_not_retried(services: dict[str, Starlette]) -> None:
    client = client_for(services)
    fault(services, "workloads", malformed=True)
    with pytest.raises(Exception) as raised:
        await client.get_json("/v1/workloads", {"limit": "1"})
    assert getattr(raised.value, "code", None) == "BACKEND_BAD_RESPONSE"
    assert seen(services, "workloads") == 1


async def test_the_retry_budget_caps_retries_when_a_service_fails_for_everyone(services: dict[str, Starlette]) -> None:
    client = client_for(services, retries=3, retry_budget=0.0, breaker_failures=1000)
    client.policy.budget.minimum = 2
    fault(services, "workloads", down=True)
    before = sample("gateway_backend_retries_denied_total", domain="workloads", reason="budget")
    for _ in range(5):
        with pytest.raises(BackendUnavailable):
            await client.get_json("/v1/workloads", {"limit": "1"})
    assert seen(services, "workloads") == 5 + 2  # five first attempts, two budgeted retries
    # The first call's third retry and every later call's first one were refused.
    assert sample("gateway_backend_retries_denied_total", domain="workloads", reason="budget") == before + 5


async def test_the_total_deadline_bounds_a_slow_call(services: dict[str, Starlette]) -> None:
    client = client_for(services, total_timeout=0.05, retries=0)
    fault(services, "workloads", latency_ms=2000)
    with pytest.raises(BackendTimeout) as raised:
        await client.get_json("/v1/workloads", {"limit": "1"})
    assert raised.value.service == "workloads"


async def test_breaker_fails_fast_while_open_and_recovers_through_a_probe(services: dict[str, Starlette]) -> None:
    clock = FakeClock()
    client = client_for(services, "storage", clock, retries=0, breaker_failures=3, breaker_cooldown=30)
    fault(services, "storage", down=True)
    for _ in range(3):
        with pytest.raises(BackendUnavailable):
            await client.get_json("/v1/buckets", {"limit": "1"})
    assert sample("gateway_breaker_state", domain="storage") == 2
    short = sample("gateway_backend_short_circuited_total", domain="storage")
    with pytest.raises(BackendUnavailable) as raised:
        await client.get_json("/v1/buckets", {"limit": "1"})
    assert "circuit breaker" in raised.value.message
    assert seen(services, "storage") == 3  # the fourth call never reached the service
    assert sample("gateway_backend_short_circuited_total", domain="storage") == short + 1

    fault(services, "storage")  # the service recovers; the breaker still waits out its cool-down
    with pytest.raises(BackendUnavailable):
        await client.get_json("/v1/buckets", {"limit": "1"})
    clock.now += 30
    body = await client.get_json("/v1/buckets", {"limit": "1"})
    assert body["items"] and client.policy.breaker.state is BreakerState.CLOSED
    assert sample("gateway_breaker_state", domain="storage") == 0


async def test_half_open_sends_a_single_probe_while_others_wait_for_it(services: dict[str, Starlette]) -> None:
    # Old rule (changed deliberately, issue 16): the others failed fast, so after a recovery all but one
    # caller of the first wave got BACKEND_UNAVAILABLE. Now they wait for the probe and go on its success.
    clock = FakeClock()
    client = client_for(services, "access", clock, retries=0, breaker_failures=1, breaker_cooldown=5)
    fault(services, "access", down=True)
    with pytest.raises(BackendUnavailable):
        await client.get_json("/v1/users", {"limit": "1"})
    clock.now += 5
    fault(services, "access", latency_ms=50)  # healthy but slow: the probe is still in flight when others arrive
    calls = [asyncio.ensure_future(client.get_json("/v1/users", {"limit": str(n)})) for n in (1, 2, 3)]
    breaker = client.policy.breaker
    for _ in range(1000):  # until both others are waiting (bounded; no wall clock)
        if len(breaker._waiters) == 2:
            break
        await asyncio.sleep(0)
    assert len(breaker._waiters) == 2 and breaker.state is BreakerState.HALF_OPEN  # one probe out, two waiting
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(r, dict) for r in results), results
    assert seen(services, "access") == 3
    assert client.policy.breaker.state is BreakerState.CLOSED


async def test_identical_reads_in_flight_within_a_request_are_sent_once(services: dict[str, Starlette]) -> None:
    client = client_for(services)
    fault(services, "workloads", latency_ms=20)
    before = sample("gateway_backend_deduplicated_total", domain="workloads")

    async def one_request() -> list[Any]:
        inflight_reads.set({})
        return await asyncio.gather(
            client.get_json("/v1/workloads", {"limit": "2"}),
            client.get_json("/v1/workloads", {"limit": "2"}),
            client.get_json("/v1/workloads", {"limit": "3"}),
        )

    first, second, third = await asyncio.create_task(one_request())
    assert first == second and len(third["items"]) == 3
    assert seen(services, "workloads") == 2
    assert sample("gateway_backend_deduplicated_total", domain="workloads") == before + 1
    # Outside a request nothing is shared.
    await asyncio.gather(*(client.get_json("/v1/workloads", {"limit": "2"}) for _ in range(2)))
    assert seen(services, "workloads") == 4


async def test_backend_calls_are_counted_by_endpoint_template_and_outcome(services: dict[str, Starlette]) -> None:
    client = client_for(services, retries=0)
    labels = {"domain": "workloads", "endpoint": "/v1/workloads/{id}", "method": "GET"}
    ok = sample("gateway_backend_requests_total", **labels, outcome="ok")
    missing = sample("gateway_backend_requests_total", **labels, outcome="client_error")
    await client.get_json("/v1/workloads/wl-0001")
    with pytest.raises(Exception, match="rejected"):
        await client.get_json("/v1/workloads/no-such-workload")
    assert sample("gateway_backend_requests_total", **labels, outcome="ok") == ok + 1
    assert sample("gateway_backend_requests_total", **labels, outcome="client_error") == missing + 1
    assert client.policy.breaker.state is BreakerState.CLOSED  # a 404 proves the service is up
