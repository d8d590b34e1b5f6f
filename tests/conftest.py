"""Shared fixtures: a gateway harness on the embedded reference services."""

from __future__ import annotations

import pytest

from tests.support import GatewayHarness, build_harness


@pytest.fixture
def harness() -> GatewayHarness:
    """A fresh gateway with freshly seeded in-process reference services."""
    return build_harness()
