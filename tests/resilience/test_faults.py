"""Every page against every fault in every domain, in-process: the partial-result contract holds.

The reference services run in-process; faults are set through each service's ``POST /_faults``
admin endpoint exactly as on a socket. ``test_faults_sockets.py`` repeats the essentials on real sockets.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest
import pytest_asyncio
from prometheus_client import REGISTRY

from bench.pages import Lookup
from gateway.settings import DOMAINS, Settings
from schema import schema
from tests.fault_support import FAULTS, PAGES, Fault, assert_partial_result, lookup_value, walk_pages
from tests.resilience.policy_support import sample
from tests.support import PERSONA_USERS, GatewayHarness, build_harness

PERSONA = "tenant-admin"
# One event loop for the module: the healthy pages are rendered once and shared by every case.
pytestmark = pytest.mark.asyncio(loop_scope="module")


def fault_settings(**backend: Any) -> Settings:
    """Fast failure (short deadline, no backoff wait) and a breaker that stays closed, unless told otherwise."""
    base = Settings.from_env({}, viewer_cache_seconds=3600)
    knobs = {"total_timeout": 0.2, "retry_backoff": 0.0, "breaker_failures": 10_000, **backend}
    return dataclasses.replace(base, backends={d: dataclasses.replace(b, **knobs) for d, b in base.backends.items()})


async def post(
    harness: GatewayHarness, query: str, variables: dict[str, Any] | None = None, persona: str = PERSONA
) -> tuple[int, Any]:
    async with harness.client() as client:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"x-dev-viewer": PERSONA_USERS[persona]},
        )
    return response.status_code, response.json()


async def set_fault(harness: GatewayHarness, domain: str, spec: dict[str, Any]) -> None:
    """Flip a service's faults through its admin endpoint."""
    transport = httpx.ASGITransport(app=harness.services[domain])
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{domain}.test") as client:
        response = await client.post("/_faults", json={**spec, "reset_stats": True})
    assert response.status_code == 200, response.text


@dataclasses.dataclass
class Baseline:
    """A page as it renders healthy, and the domains it reads from."""

    query: str
    variables: dict[str, Any]
    body: dict[str, Any]
    domains: set[str]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world() -> tuple[GatewayHarness, dict[str, Baseline]]:
    harness = build_harness(settings=fault_settings())
    baselines = {}
    for name, (query, variables) in PAGES.items():
        resolved = {}
        for key, value in variables.items():
            if key == "first":
                value = min(value, 10)  # a shorter list shows the same contract, faster
            if isinstance(value, Lookup):
                _, found = await post(harness, value.query, value.variables)
                value = lookup_value(found, value)
            resolved[key] = value
        harness.calls()
        status, body = await post(harness, query, resolved)
        assert status == 200 and "errors" not in body, (name, body)
        domains = {key.split(" ", 1)[0] for key in harness.calls()}
        baselines[name] = Baseline(query, resolved, body, domains)
    return harness, baselines


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
@pytest.mark.parametrize("domain", DOMAINS)
async def test_every_page_keeps_what_it_can_when_one_service_fails(
    world: tuple[GatewayHarness, dict[str, Baseline]], domain: str, fault: Fault
) -> None:
    harness, baselines = world
    counted = {o: sample("gateway_requests_total", operation="BucketsPage", outcome=o) for o in ("partial", "error")}
    buckets_outcome = None
    failures_before = backend_failures(domain, fault.outcome)
    await set_fault(harness, domain, fault.spec)
    try:
        for name, page in baselines.items():
            status, body = await post(harness, page.query, page.variables)
            assert_partial_result(
                page.body, status, body, domain=domain, codes={fault.code}, reads_domain=domain in page.domains
            )
            if name == "buckets" and body.get("errors"):
                buckets_outcome = "error" if body["data"]["buckets"] is None else "partial"
    finally:
        await set_fault(harness, domain, {})
    if any(domain in page.domains for page in baselines.values()):
        assert backend_failures(domain, fault.outcome) > failures_before, "the failed backend calls were not counted"
    if buckets_outcome is not None:  # the request metric saw the page as the client did
        assert sample("gateway_requests_total", operation="BucketsPage", outcome=buckets_outcome) == (
            counted[buckets_outcome] + 1
        )


def backend_failures(domain: str, outcome: str) -> float:
    """Failed GET attempts of a domain with this outcome, plus its contract violations, over every endpoint."""
    total = 0.0
    for metric in REGISTRY.collect():
        for s in metric.samples:
            if s.labels.get("domain") != domain or not s.name.endswith("_total"):
                continue
            attempt_failed = s.name == "gateway_backend_requests_total" and s.labels["outcome"] == outcome
            contract_broken = s.name == "gateway_backend_contract_violations_total" and outcome == "bad_response"
            if attempt_failed or contract_broken:
                total += s.value
    return total


async def test_every_root_field_keeps_what_it_can_when_a_service_is_down() -> None:
    # Generated from the schema, as an operator (who may read every root field): new domains are covered too.
    harness = build_harness(settings=fault_settings())
    healthy = {}
    for name, query in walk_pages(schema._schema).items():
        harness.calls()
        status, body = await post(harness, query, persona="operator")
        assert status == 200 and "errors" not in body, (name, body.get("errors"))
        healthy[name] = (query, body, {key.split(" ", 1)[0] for key in harness.calls()})
    for domain in DOMAINS:
        await set_fault(harness, domain, {"down": True})
        try:
            for query, body, reads in healthy.values():
                status, faulty = await post(harness, query, persona="operator")
                assert_partial_result(
                    body, status, faulty, domain=domain, codes={"BACKEND_UNAVAILABLE"}, reads_domain=domain in reads
                )
        finally:
            await set_fault(harness, domain, {})


async def test_a_refused_connection_is_backend_unavailable() -> None:
    class Refusing(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

    harness = build_harness(
        settings=fault_settings(),
        wrap_transport=lambda domain, inner: Refusing() if domain == "storage" else inner,
    )
    query, _ = PAGES["workloads"]
    status, body = await post(harness, query, {"first": 20})
    assert status == 200 and body["data"]["workloads"]["edges"]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BACKEND_UNAVAILABLE"}
    assert {e["extensions"]["service"] for e in body["errors"]} == {"storage"}
    assert all(e["path"][0] == "workloads" and len(e["path"]) > 1 for e in body["errors"])


async def test_breaker_opens_under_a_failing_service_and_pages_fail_fast_until_it_recovers() -> None:
    harness = build_harness(settings=fault_settings(breaker_failures=3, breaker_cooldown=3600, retries=0))
    query, variables = PAGES["workloads"]
    status, healthy = await post(harness, query, variables)
    assert status == 200 and "errors" not in healthy
    await set_fault(harness, "platform", {"down": True})
    opened = sample("gateway_breaker_transitions_total", domain="platform", state="open")
    for _ in range(3):
        await post(harness, query, variables)
    assert sample("gateway_breaker_state", domain="platform") == 2
    assert sample("gateway_breaker_transitions_total", domain="platform", state="open") == opened + 1
    harness.calls()
    status, body = await post(harness, query, variables)
    assert status == 200 and body["data"]["workloads"]["edges"]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BACKEND_UNAVAILABLE"}
    assert {e["path"][-1] for e in body["errors"]} == {"node"}
    assert not [c for c in harness.calls() if c.startswith("platform ")], "an open breaker still called platform"

    # Recovery: the service is back; after the cool-down a single probe closes the breaker.
    await set_fault(harness, "platform", {})
    breaker = harness.app.state.backends.platform.policy.breaker
    breaker.cooldown = 0
    status, body = await post(harness, query, variables)
    assert status == 200 and "errors" not in body
    assert sample("gateway_breaker_state", domain="platform") == 0


async def test_reads_are_retried_within_a_page_and_the_page_is_whole() -> None:
    harness = build_harness(settings=fault_settings(retries=2))
    query, variables = PAGES["buckets"]
    _, healthy = await post(harness, query, variables)
    before = sample("gateway_backend_retries_total", domain="storage")
    await set_fault(harness, "storage", {"fail_next": 1})
    status, body = await post(harness, query, variables)
    assert status == 200 and body == healthy  # the buckets page has no clock-derived fields
    assert sample("gateway_backend_retries_total", domain="storage") == before + 1
