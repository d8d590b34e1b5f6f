"""What the resilience tests share: a clock that moves only when told to, backoff without waiting, metrics."""

from __future__ import annotations

from prometheus_client import REGISTRY


class FakeClock:
    """Monotonic time that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def no_sleep(_: float) -> None:
    """Backoff without waiting."""


def sample(name: str, **labels: str) -> float:
    """A metric sample's value (0 when it was never set)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0
