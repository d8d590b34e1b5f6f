"""Read retries: jittered exponential backoff, and a budget so retries cannot multiply load.

The budget allows retries up to ``ratio`` of the calls made in the last ``window`` seconds, plus
``minimum`` per window so a quiet gateway can still retry. When a service is failing for everyone,
retries stop at that share instead of tripling traffic to it. ``BackendPolicy`` records only calls that
say something about the service: one it refused for the request's own input (a 4xx) is neither retried
nor recorded, so requests the service refuses buy nobody retries.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable


def backoff_delay(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Full-jitter delay before retry number ``attempt`` (1, 2, ...): uniform in [0, min(cap, base*2^(n-1))]."""
    ceiling = min(cap, base * (2 ** (attempt - 1)))
    return (rng or random).uniform(0.0, ceiling)


class RetryBudget:
    """At most ``ratio`` x calls + ``minimum`` retries in any ``window`` seconds."""

    def __init__(
        self,
        *,
        ratio: float = 0.2,
        window: float = 10.0,
        minimum: int = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ratio = ratio
        self.window = window
        self.minimum = minimum
        self._clock = clock
        self._calls: deque[float] = deque()
        self._retries: deque[float] = deque()

    def record_call(self) -> None:
        """A first attempt went out."""
        self._calls.append(self._clock())

    def try_spend(self) -> bool:
        """Take one retry from the budget; False when it is spent."""
        now = self._clock()
        horizon = now - self.window
        for times in (self._calls, self._retries):
            while times and times[0] < horizon:
                times.popleft()
        if len(self._retries) >= self.minimum + self.ratio * len(self._calls):
            return False
        self._retries.append(now)
        return True
