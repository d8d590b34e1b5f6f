"""Every route operation, for every persona (those allowed to open it with every variable set the route tests use,
the others with the first), gives byte-identical responses on the compiled and the standard executor; so do the
shell operation and the mutation documents' pages that the launch routes need drafts for."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import pytest_asyncio

from gateway.settings import Settings
from tests import route_operations as ops
from tests.executor.support import assert_identical, frozen_clock, on_both
from tests.operations.test_route_operations import LAUNCH_ROUTES, start_drafts
from tests.support import GatewayHarness, build_harness

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def frozen() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch, frozen_clock(patch):
        yield


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def harness(frozen: None) -> GatewayHarness:
    """One seeded gateway; every persona has drafts, so the launch pages have something to show."""
    built = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600))
    launching = {
        p for route in LAUNCH_ROUTES for nav in ops.ROUTES[route]["personas"] for p in ops.HARNESS_PERSONAS[nav]
    }
    for persona in sorted(launching):
        await start_drafts(built, persona)
    return built


def cases(route: str) -> list[tuple[str, dict[str, object]]]:
    entry = ops.ROUTES[route]
    allowed = sorted({p for nav in entry["personas"] for p in ops.HARNESS_PERSONAS[nav]})
    found = [(persona, variables) for persona in allowed for variables in ops.variable_sets(route, persona)]
    first = ops.variable_sets(route, allowed[0])[0]
    found.extend((persona, first) for persona in sorted(set(ops.USER_OF) - set(allowed)))
    return found


@pytest.mark.parametrize("route", sorted(ops.ROUTES))
async def test_route_operation_is_identical_on_both_executors(harness: GatewayHarness, route: str) -> None:
    document = ops.document(ops.ROUTES[route])
    for persona, variables in cases(route):
        standard, compiled = await on_both(harness, document, variables, persona)
        assert_identical(standard, compiled, (route, persona, variables))
        assert standard[0] == 200 and b'"data"' in standard[1], (route, persona, standard)


async def test_shell_operation_is_identical_on_both_executors(harness: GatewayHarness) -> None:
    document = ops.document(ops.INDEX["shell"])
    for persona in ops.USER_OF:
        standard, compiled = await on_both(harness, document, None, persona)
        assert_identical(standard, compiled, ("shell", persona))
