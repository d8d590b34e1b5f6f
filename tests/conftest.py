"""Shared fixtures: a gateway harness on the embedded reference services."""

from __future__ import annotations

import os
import subprocess
from typing import Any, NoReturn

import pytest
import uvicorn

from tests.support import GatewayHarness, build_harness


def pytest_configure(config: pytest.Config) -> None:
    """``GATEWAY_EXECUTOR=standard pytest`` (the second pass of ``.ci/run``) runs the suite on graphql-core's
    executor: in-process apps whatever their settings say, and the processes tests start (``tests.processes.clean_env``
    keeps the variable; checked in tests/http/test_sockets.py)."""
    if os.environ.get("GATEWAY_EXECUTOR") == "standard":
        from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

        from gateway.executor import CompiledExecutor

        CompiledExecutor.execute_operation = StrawberryGraphQLCoreExecutionContext.execute_operation  # type: ignore[method-assign]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook, which reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the standard pass, tests/executor/ is skipped: it runs both executors itself, side by side.

    Under ``pytest -n N --dist loadgroup`` (.ci/run), a test that uses a module-, class- or package-scoped fixture
    (a server, a seeded harness) runs on one worker with the rest of its module, so the fixture is built once;
    every other test is scheduled on its own."""
    standard = os.environ.get("GATEWAY_EXECUTOR") == "standard"
    grouping = config.pluginmanager.hasplugin("xdist")  # the xdist_group mark is registered by pytest-xdist
    skip = pytest.mark.skip(reason="GATEWAY_EXECUTOR=standard: tests/executor/ compares both executors itself")
    for item in items:
        if standard and "tests/executor/" in item.nodeid:
            item.add_marker(skip)
        if grouping and _shares_fixtures_with_its_module(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


def _shares_fixtures_with_its_module(item: pytest.Item) -> bool:
    fixture_info = getattr(item, "_fixtureinfo", None)  # pytest's record of the fixtures the test resolved to
    if fixture_info is None:
        return False
    return any(
        definition.scope in ("class", "module", "package")
        for definitions in fixture_info.name2fixturedefs.values()
        for definition in definitions
    )


@pytest.fixture
def harness() -> GatewayHarness:
    """A fresh gateway with freshly seeded in-process reference services."""
    return build_harness()


@pytest.fixture(autouse=True)
def _processes_and_servers_are_marked_socket(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make test-fast` deselects the ``socket`` tests: a test that starts a process or a uvicorn server without
    the mark fails at once, saying so (module-scoped fixtures start before this check; their modules are marked)."""
    if request.node.get_closest_marker("socket") is not None:
        return

    def refuse(*_: Any, **__: Any) -> NoReturn:
        raise AssertionError(f"{request.node.nodeid} starts a process or a server: mark it @pytest.mark.socket")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    monkeypatch.setattr(uvicorn.Server, "__init__", refuse)
