"""Shared fixtures: a gateway harness on the embedded reference services."""

from __future__ import annotations

import subprocess
from typing import Any, NoReturn

import pytest
import uvicorn

from tests.support import GatewayHarness, build_harness


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
