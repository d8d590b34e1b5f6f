"""Under every fault the fault suites inject, in every domain, the compiled and the standard executor give
byte-identical responses: every route operation (as its first persona, with its first variable set), the fault
suite's pages, and (service down) a query per root field generated from the schema. Partial data, error paths,
codes, order and null propagation all come out of these. Retries are off (see ``world``), so the order in which
independent backend calls fail is the same on every run and error order is compared too; except under the slow
fault, where which of several 0.2 s deadlines fires first varies from run to run on the standard executor itself:
there data must be identical and errors the same set."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import pytest_asyncio

from bench.pages import Lookup
from gateway.settings import DOMAINS
from schema import schema
from tests import route_operations as ops
from tests.executor.support import assert_identical, assert_same_up_to_error_order, frozen_clock, on_both
from tests.fault_support import FAULTS, PAGES, Fault, lookup_value, walk_pages
from tests.resilience.test_faults import fault_settings, post, set_fault
from tests.support import GatewayHarness, build_harness

pytestmark = pytest.mark.asyncio(loop_scope="module")

Request = tuple[str, str, dict[str, Any], str]  # label, document, variables, persona


@pytest.fixture(scope="module")
def frozen() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch, frozen_clock(patch):
        yield


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(frozen: None) -> tuple[GatewayHarness, list[Request]]:
    # No retries: their full-jitter backoff makes the order of independent failures random on either executor
    # (the standard path against itself gives errors in a different order from run to run with retries on).
    harness = build_harness(settings=fault_settings(retries=0))
    requests: list[Request] = []
    for route, entry in sorted(ops.ROUTES.items()):
        persona = sorted({p for nav in entry["personas"] for p in ops.HARNESS_PERSONAS[nav]})[0]
        requests.append((route, ops.document(entry), ops.variable_sets(route, persona)[0], persona))
    for name, (query, variables) in PAGES.items():
        resolved = {}
        for key, value in variables.items():
            if isinstance(value, Lookup):
                _, found = await post(harness, value.query, value.variables)
                value = lookup_value(found, value)
            resolved[key] = min(value, 10) if key == "first" else value
        requests.append((name, query, resolved, "tenant-admin"))
    return harness, requests


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
@pytest.mark.parametrize("domain", DOMAINS)
async def test_pages_are_identical_on_both_executors_under_a_fault(
    world: tuple[GatewayHarness, list[Request]], domain: str, fault: Fault
) -> None:
    harness, requests = world
    errors_seen = 0
    await set_fault(harness, domain, fault.spec)
    try:
        for label, query, variables, persona in requests:
            standard, compiled = await on_both(harness, query, variables, persona)
            if fault.name == "slow":  # which deadline fires first is a race, on the standard executor too
                assert_same_up_to_error_order(standard, compiled, (domain, fault.name, label, persona))
            else:
                assert_identical(standard, compiled, (domain, fault.name, label, persona))
            errors_seen += b'"errors"' in standard[1]
    finally:
        await set_fault(harness, domain, {})
    assert errors_seen, f"no page failed with {domain} {fault.name}: the fault did not reach the comparison"


async def test_every_root_field_is_identical_on_both_executors_with_a_service_down(
    world: tuple[GatewayHarness, list[Request]],
) -> None:
    harness, _ = world
    pages = walk_pages(schema._schema)
    for domain in DOMAINS:
        await set_fault(harness, domain, {"down": True})
        try:
            for name, query in pages.items():
                standard, compiled = await on_both(harness, query, None, "operator")
                assert_identical(standard, compiled, (domain, "down", name))
        finally:
            await set_fault(harness, domain, {})
