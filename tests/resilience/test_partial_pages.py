"""Partial means partial: every route operation (and the shell) with each domain service down keeps
everything that does not depend on that domain.

For each page and each domain, the page is rendered healthy and then with the domain's service down (the
in-process fault harness, ``POST /_faults``). The faulty answer must:
- not be a 5xx, and carry only errors with a path, a BACKEND_* code and ``extensions.service`` naming the
  failed domain (none at all when the page does not read from it);
- be exactly the healthy answer outside errored paths: a value may only be missing (null) at an error's
  path — a failure may not spread to a non-null parent and take the page's other parts with it — and every
  error's path must actually be null. Clock-derived values (``ageSeconds``, ``accrued``, timestamps computed
  from "now") are normalised as in ``tests.fault_support``.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio

from gateway.settings import DOMAINS
from tests.fault_support import BACKEND_CODES, differences
from tests.resilience.test_faults import fault_settings, post, set_fault
from tests.route_operations import HARNESS_PERSONAS, INDEX, ROUTES, document, variable_sets
from tests.support import GatewayHarness, build_harness

# The persona each page is checked as: the tenant admin where they may open it (the widest tenant view),
# else the first persona that may.
_PREFERENCE = ("tenant_admin", "project_admin", "member", "operator")


def _persona(personas: list[str]) -> str:
    navigation = next(p for p in _PREFERENCE if p in personas)
    return HARNESS_PERSONAS[navigation][0]


# route -> (query, variables, harness persona)
PAGES: dict[str, tuple[str, dict[str, Any], str]] = {
    "shell": (document(INDEX["shell"]), {}, "tenant-admin"),
    **{
        route: (document(entry), variable_sets(route, _persona(entry["personas"]))[0], _persona(entry["personas"]))
        for route, entry in ROUTES.items()
    },
}


class Page:
    def __init__(self, query: str, variables: dict[str, Any], persona: str, body: dict[str, Any], reads: set[str]):
        self.query, self.variables, self.persona, self.body, self.reads = query, variables, persona, body, reads


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def healthy() -> tuple[GatewayHarness, dict[str, Page]]:
    harness = build_harness(settings=fault_settings())
    pages = {}
    for name, (query, variables, persona) in PAGES.items():
        harness.calls()
        status, body = await post(harness, query, variables, persona=persona)
        assert status == 200 and "errors" not in body, (name, body.get("errors"))
        reads = {key.split(" ", 1)[0] for key in harness.calls()}
        pages[name] = Page(query, variables, persona, body, reads)
    return harness, pages


def assert_only_the_failed_part_is_missing(name: str, domain: str, page: Page, status: int, faulty: Any) -> None:
    where = f"[{name} with {domain} down]"
    assert status < 500, f"{where} HTTP {status}: {faulty}"
    errors = faulty.get("errors", [])
    if domain not in page.reads:
        assert not errors, f"{where} the page does not read from {domain} but has errors: {errors}"
    error_paths = set()
    for error in errors:
        extensions = error.get("extensions", {})
        assert extensions.get("code") in BACKEND_CODES, f"{where} unexpected error: {error}"
        assert extensions.get("service") == domain, f"{where} error does not name {domain}: {error}"
        assert error.get("path"), f"{where} error without a path: {error}"
        error_paths.add(tuple(error["path"]))
    assert faulty.get("data") is not None, f"{where} the whole page is gone: {errors}"
    nulls, other = differences(page.body["data"], faulty["data"])
    assert not other, f"{where} values outside the errored paths changed: {other[:5]}"
    spread = [n for n in nulls if n not in error_paths]
    assert not spread, (
        f"{where} null beyond the failed field (make the field that depends on {domain} nullable): "
        f"{spread[:3]}; errors at {sorted(error_paths)[:3]}"
    )
    for error_path in error_paths:
        assert error_path in nulls or _null_in(faulty["data"], error_path), (
            f"{where} error at {error_path} but the value there is not null"
        )


def _null_in(data: Any, path: tuple[Any, ...]) -> bool:
    for key in path:
        if data is None:
            return True
        data = data[key]
    return data is None


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("domain", DOMAINS)
async def test_a_page_keeps_everything_that_does_not_depend_on_the_failed_domain(
    healthy: tuple[GatewayHarness, dict[str, Page]], domain: str
) -> None:
    harness, pages = healthy
    failures = []
    await set_fault(harness, domain, {"down": True})
    try:
        for name, page in pages.items():
            status, faulty = await post(harness, page.query, page.variables, persona=page.persona)
            try:
                assert_only_the_failed_part_is_missing(name, domain, page, status, faulty)
            except AssertionError as failure:
                failures.append(str(failure).split("\n", 1)[0])
    finally:
        await set_fault(harness, domain, {})
    assert not failures, "\n".join(failures)


def test_every_route_and_the_shell_are_covered() -> None:
    assert set(PAGES) == {"shell", *ROUTES}
