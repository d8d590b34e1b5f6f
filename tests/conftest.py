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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the standard pass, tests/executor/ is skipped: it runs both executors itself, side by side."""
    if os.environ.get("GATEWAY_EXECUTOR") != "standard":
        return
    skip = pytest.mark.skip(reason="GATEWAY_EXECUTOR=standard: tests/executor/ compares both executors itself")
    for item in items:
        if "tests/executor/" in item.nodeid:
            item.add_marker(skip)


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
