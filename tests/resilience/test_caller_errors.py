"""Breaker and retry-budget accounting: a backend 4xx is the caller's, not the backend's health.

A request the service refuses for its own input (400 bad cursor, 404 unknown id, 409/422 refusals) is neither a
failure nor a success for the circuit breaker: it cannot open the breaker, cannot keep a failing service's
breaker from opening by resetting the count, and a probe answered with one leaves the breaker half-open for the
next caller. It is never retried, and it does not count toward the retry budget (so it buys no retries for
anyone). Fake clock, no backoff sleeps: no wall-clock assertions.
"""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.backends._client import ServiceClient
from gateway.errors import BackendBadResponse, BackendUnavailable
from gateway.resilience import BackendPolicy, BreakerState, CircuitBreaker
from gateway.settings import BackendSettings
from reference_services.embedded import create_services
from reference_services.faults import FaultSpec
from tests.resilience.policy_support import FakeClock, no_sleep, sample

BAD_CURSOR = {"after": "9223372036854775808"}  # past SQLite's integers: the service answers 400 bad_cursor


@pytest.fixture(scope="module")
def services() -> dict[str, Starlette]:
    return create_services()


@pytest.fixture(autouse=True)
def clear_faults(services: dict[str, Starlette]) -> None:
    for app in services.values():
        app.state.faults.set(FaultSpec(), reset_stats=True)


def client_for(services: dict[str, Starlette], clock: FakeClock | None = None, **knobs: Any) -> ServiceClient:
    settings = BackendSettings(**{"retries": 2, "retry_backoff": 0.01, **knobs})
    http = httpx.AsyncClient(base_url="http://workloads.test", transport=httpx.ASGITransport(app=services["workloads"]))
    policy = BackendPolicy("workloads", settings, clock=clock or FakeClock(), rng=random.Random(7), sleep=no_sleep)
    return ServiceClient("workloads", http, policy)


def requests_seen(services: dict[str, Starlette], method: str = "GET") -> int:
    return services["workloads"].state.faults.requests[method]


async def refused_read(client: ServiceClient) -> None:
    with pytest.raises(BackendBadResponse) as raised:
        await client.get_json("/v1/workloads", BAD_CURSOR)
    assert raised.value.http_status == 400


async def failing_read(client: ServiceClient) -> None:
    with pytest.raises(BackendUnavailable):
        await client.get_json("/v1/apps", {"limit": "1"})


# --- the breaker on its own ---


def test_caller_errors_neither_count_nor_reset_the_failure_count() -> None:
    breaker = CircuitBreaker("x", failure_threshold=3, cooldown=10, clock=FakeClock())
    for _ in range(100):
        assert breaker.allow()
        breaker.record_caller_error()
    assert breaker.state is BreakerState.CLOSED
    for _ in range(2):
        breaker.allow()
        breaker.record_failure()
        for _ in range(10):  # a client interleaving refused requests does not keep the breaker closed
            breaker.allow()
            breaker.record_caller_error()
    breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN


def test_a_probe_answered_with_a_caller_error_leaves_the_breaker_half_open_for_the_next_caller() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("x", failure_threshold=1, cooldown=5, clock=clock)
    breaker.allow()
    breaker.record_failure()
    clock.now += 5
    assert breaker.allow() and not breaker.allow()
    breaker.record_caller_error()
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()  # the next caller probes
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED


# --- through the client, against a real service ---


async def test_refused_reads_never_open_the_breaker_and_are_sent_once(services: dict[str, Starlette]) -> None:
    client = client_for(services, breaker_failures=3)
    retries = sample("gateway_backend_retries_total", domain="workloads")
    for _ in range(50):
        await refused_read(client)
    assert requests_seen(services) == 50  # no retries
    assert sample("gateway_backend_retries_total", domain="workloads") == retries
    assert client.policy.breaker.state is BreakerState.CLOSED
    assert (await client.get_json("/v1/workloads", {"limit": "1"}))["items"]


async def test_refused_reads_interleaved_with_failures_do_not_keep_the_breaker_closed(
    services: dict[str, Starlette],
) -> None:
    client = client_for(services, retries=0, breaker_failures=3)
    services["workloads"].state.faults.set(FaultSpec(down=True, paths=["/v1/apps"]), reset_stats=True)
    for _ in range(2):
        await failing_read(client)
        await refused_read(client)
        await refused_read(client)
    assert client.policy.breaker.state is BreakerState.CLOSED
    await failing_read(client)
    assert client.policy.breaker.state is BreakerState.OPEN


async def test_refused_commands_are_the_callers_too(services: dict[str, Starlette]) -> None:
    client = client_for(services, retries=0, breaker_failures=2)
    services["workloads"].state.faults.set(FaultSpec(down=True, paths=["/v1/apps"]), reset_stats=True)
    await failing_read(client)
    for path in ("/v1/workloads/no-such-workload/stop", "/v1/workloads/wl-0001/no-such-action"):
        response = await client.send("POST", path, json_body={})
        assert 400 <= response.status_code < 500
    malformed = await client.send("POST", "/v1/workloads", json_body={"gpu": "H100", "tenant_id": "t-acme"})
    assert malformed.status_code == 400
    assert client.policy.breaker.state is BreakerState.CLOSED
    await failing_read(client)  # the second consecutive failure: the refusals did not reset the count
    assert client.policy.breaker.state is BreakerState.OPEN


async def test_a_probe_the_service_refuses_leaves_the_breaker_half_open(services: dict[str, Starlette]) -> None:
    clock = FakeClock()
    client = client_for(services, clock, retries=0, breaker_failures=1, breaker_cooldown=5)
    services["workloads"].state.faults.set(FaultSpec(down=True, paths=["/v1/apps"]), reset_stats=True)
    await failing_read(client)
    assert client.policy.breaker.state is BreakerState.OPEN
    clock.now += 5
    await refused_read(client)  # the probe: answered, but for its own input
    assert client.policy.breaker.state is BreakerState.HALF_OPEN
    assert (await client.get_json("/v1/workloads", {"limit": "1"}))["items"]  # the next caller's probe
    assert client.policy.breaker.state is BreakerState.CLOSED


async def test_refused_calls_buy_no_retries_from_the_budget(services: dict[str, Starlette]) -> None:
    client = client_for(services, retries=3, retry_budget=0.5, breaker_failures=1000)
    client.policy.budget.minimum = 0
    for _ in range(40):  # counted as calls, these would allow 20 retries
        await refused_read(client)
    services["workloads"].state.faults.set(FaultSpec(down=True, paths=["/v1/apps"]), reset_stats=True)
    denied = sample("gateway_backend_retries_denied_total", domain="workloads", reason="budget")
    await failing_read(client)
    # Its own first attempt is the only call counted: half a retry's worth, so one retry and then no more (the
    # 40 refused calls, had they counted, would have paid for all three).
    assert requests_seen(services) == 2
    assert sample("gateway_backend_retries_denied_total", domain="workloads", reason="budget") == denied + 1
