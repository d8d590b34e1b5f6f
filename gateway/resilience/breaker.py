"""A circuit breaker per domain service: closed, open, half-open.

Closed: calls go through; ``failure_threshold`` consecutive failures open it. Open: calls fail fast
(``BACKEND_UNAVAILABLE``) without touching the service until ``cooldown`` seconds have passed.
Half-open: exactly one call (the probe) goes through; its success closes the breaker, its failure
opens it for another cool-down. The calls that arrive while the probe is in flight wait for its
outcome (``admit``, within their own deadline) rather than failing fast: on its success they all go
through at once, on its failure they fail as open. So the first wave of requests after a service
recovers is served, not refused but for one. Only transport failures, timeouts and 5xx count as failures; a
malformed body proves the service is up (a success).

A 4xx is the caller's, not the service's health (``record_caller_error``): it neither counts as a
failure nor resets the count, and a probe answered with one frees the slot for the next caller. So
no client can open the breaker for everyone with requests the service refuses, nor keep it from
opening by interleaving them with the calls that fail.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from enum import Enum


class BreakerState(Enum):
    """Breaker states, valued as the ``gateway_breaker_state`` gauge reports them."""

    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitBreaker:
    """Consecutive-failure breaker with a cool-down and a single half-open probe."""

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        cooldown: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str, BreakerState], None] | None = None,
    ) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.cooldown = cooldown
        self._clock = clock
        self._on_change = on_change
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False
        self._waiters: list[asyncio.Future[None]] = []  # calls waiting for the probe's outcome

    @property
    def state(self) -> BreakerState:
        """The current state (an open breaker past its cool-down reports half-open)."""
        if self._state is BreakerState.OPEN and self._clock() - self._opened_at >= self.cooldown:
            return BreakerState.HALF_OPEN
        return self._state

    def allow(self) -> bool:
        """May a call go out now? In half-open only the first caller (the probe) may."""
        if self._state is BreakerState.CLOSED:
            return True
        if self._state is BreakerState.OPEN:
            if self._clock() - self._opened_at < self.cooldown:
                return False
            self._move(BreakerState.HALF_OPEN)
        if self._probing:
            return False
        self._probing = True
        return True

    async def admit(self) -> bool:
        """May a call go out? Like ``allow``, but while a probe is in flight wait for its outcome.

        The wait is bounded by the caller's own deadline (cancel it, e.g. with ``asyncio.timeout``).
        After the probe: a success admits every waiter; a failure refuses them (the breaker is open
        again); a probe that ended without a verdict hands the probe to the next waiter.
        """
        while True:
            if self.allow():
                return True
            if not (self._state is BreakerState.HALF_OPEN and self._probing):
                return False
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def record_success(self) -> None:
        """The service answered: reset the failure count; a successful probe closes the breaker."""
        self._failures = 0
        if self._state is not BreakerState.CLOSED:
            self._probing = False
            self._move(BreakerState.CLOSED)
            self._wake()

    def record_failure(self) -> None:
        """The service failed: count it; a failed probe reopens the breaker."""
        if self._state is BreakerState.HALF_OPEN:
            self._probing = False
            self._open()
            self._wake()
            return
        if self._state is BreakerState.OPEN:
            return  # a call admitted before the breaker opened; the cool-down already runs
        self._failures += 1
        if self._failures >= self.failure_threshold:
            self._open()

    def record_caller_error(self) -> None:
        """The service refused the request itself (a 4xx): no verdict on its health; a probe's slot is freed."""
        self.release()

    def release(self) -> None:
        """The call ended without a verdict (cancelled, or refused before sending): free the probe."""
        if self._state is BreakerState.HALF_OPEN:
            self._probing = False
            self._wake()

    def _wake(self) -> None:
        """The probe ended: every waiter asks again (``admit``)."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _open(self) -> None:
        self._opened_at = self._clock()
        self._failures = 0
        self._move(BreakerState.OPEN)

    def _move(self, state: BreakerState) -> None:
        if state is self._state:
            return
        self._state = state
        if self._on_change is not None:
            self._on_change(self.name, state)
