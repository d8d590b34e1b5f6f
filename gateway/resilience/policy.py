"""How one domain service is called: total deadline, breaker, read-only retries, metrics, spans, logs.

``BackendPolicy.run`` wraps the attempts of one logical call. Only GETs are retried (a command is
sent once: retrying it is the caller's business, through its idempotency key). Every attempt is
counted in ``gateway_backend_requests_total`` and timed, gets a CLIENT span, and a failed one logs
one JSON line.

What the breaker and the retry budget hear: transport failures, timeouts and 5xx are the service's
failures (counted, and retried within the budget); an answer is a success. A 4xx is the caller's own
(bad input, an unknown id, a refused command): not a failure, not a success, never retried, and the
call does not count toward the retry budget either, so a client sending requests the service refuses
can neither open a breaker for everyone, nor keep one from opening, nor buy retries for others.

A call that finds its breaker half-open with the probe in flight waits for the probe's outcome within
the call's total deadline (``CircuitBreaker.admit``); past the deadline it is a ``BACKEND_TIMEOUT``.
"""

from __future__ import annotations

import asyncio
import contextvars
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

import httpx
from prometheus_client import Counter, Histogram

from gateway.errors import BackendBadResponse, BackendError, BackendTimeout, BackendUnavailable
from gateway.resilience.breaker import BreakerState, CircuitBreaker
from gateway.resilience.retry import RetryBudget, backoff_delay
from gateway.telemetry import metrics, tracing
from gateway.telemetry.logging import log_backend_failure

Result = TypeVar("Result")

# Identical GETs in flight within the request being served: key -> the shared task.
inflight_reads: contextvars.ContextVar[dict[Any, asyncio.Future[Any]] | None] = contextvars.ContextVar(
    "gateway_inflight_reads", default=None
)


class PolicySettings(Protocol):
    """The per-backend knobs (``gateway.settings.BackendSettings``), read-only: a frozen settings model fits."""

    @property
    def total_timeout(self) -> float: ...

    @property
    def retries(self) -> int: ...

    @property
    def retry_backoff(self) -> float: ...

    @property
    def retry_backoff_max(self) -> float: ...

    @property
    def retry_budget(self) -> float: ...

    @property
    def breaker_failures(self) -> int: ...

    @property
    def breaker_cooldown(self) -> float: ...


def _breaker_changed(domain: str, state: BreakerState) -> None:
    metrics.BREAKER_STATE.labels(domain).set(state.value)
    metrics.BREAKER_TRANSITIONS.labels(domain, state.name.lower()).inc()


def is_caller_error(status: int | None) -> bool:
    """A 4xx: the service refused the request itself, which says nothing about the service's health."""
    return status is not None and 400 <= status < 500


def _outcome(error: BackendError) -> str:
    if isinstance(error, BackendTimeout):
        return "timeout"
    if isinstance(error, BackendUnavailable):
        return "unavailable"
    return "client_error" if is_caller_error(error.http_status) else "bad_response"


class BackendPolicy:
    """Deadline, circuit breaker, retry budget and instrumentation of one domain service."""

    def __init__(
        self,
        domain: str,
        settings: PolicySettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        record_metrics: bool = True,
    ) -> None:
        self.domain = domain
        self.record_metrics = record_metrics  # per-attempt counters and histograms (GATEWAY_METRICS)
        self.settings = settings
        self.breaker = CircuitBreaker(
            domain,
            failure_threshold=settings.breaker_failures,
            cooldown=settings.breaker_cooldown,
            clock=clock,
            on_change=_breaker_changed,
        )
        self.budget = RetryBudget(ratio=settings.retry_budget, clock=clock)
        self._rng = rng or random.Random()
        self._sleep = sleep
        # (endpoint, method, outcome) -> the labelled call counter and latency histogram: ``labels()`` costs
        # more than the increment it serves, and a service has a few endpoints.
        self._series: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}
        metrics.BREAKER_STATE.labels(domain).set(BreakerState.CLOSED.value)

    async def run(self, method: str, endpoint: str, attempt: Callable[[], Awaitable[Result]]) -> Result:
        """Call ``attempt`` until it succeeds, may not be retried, or the total deadline passes."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.settings.total_timeout) as deadline:
                return await self._attempts(method, endpoint, attempt, deadline)
        except TimeoutError:
            log_backend_failure(
                domain=self.domain,
                method=method,
                endpoint=endpoint,
                code=BackendTimeout.code,
                status=None,
                attempt=0,
                duration_ms=(time.perf_counter() - started) * 1000,
            )
            raise BackendTimeout(
                f"the {self.domain} service did not answer within {self.settings.total_timeout:g}s",
                service=self.domain,
            ) from None

    async def _attempts(
        self, method: str, endpoint: str, attempt: Callable[[], Awaitable[Result]], deadline: asyncio.Timeout
    ) -> Result:
        retries = self.settings.retries if method == "GET" else 0
        number = 0
        last_error: BackendError | None = None
        while True:
            number += 1
            if not await self.breaker.admit():  # waits (within the deadline) while a half-open probe is out
                metrics.BACKEND_SHORT_CIRCUITED.labels(self.domain).inc()
                if last_error is not None:
                    raise last_error
                raise BackendUnavailable(
                    f"the {self.domain} service is unavailable (failing fast while its circuit breaker is open)",
                    service=self.domain,
                )
            try:
                result = await self._attempt(method, endpoint, attempt, number, deadline)
            except BackendError as error:
                if number == 1:
                    self._count_call(error.http_status)
                if not isinstance(error, BackendUnavailable | BackendTimeout):
                    raise  # an answer (the caller's 4xx, or a malformed body): retrying cannot help
                last_error = error
                if number > retries:
                    raise
                if not self.budget.try_spend():
                    metrics.BACKEND_RETRIES_DENIED.labels(self.domain, "budget").inc()
                    raise
                delay = backoff_delay(
                    number, base=self.settings.retry_backoff, cap=self.settings.retry_backoff_max, rng=self._rng
                )
                when = deadline.when()
                if when is not None and when - asyncio.get_running_loop().time() <= delay:
                    metrics.BACKEND_RETRIES_DENIED.labels(self.domain, "deadline").inc()
                    raise
                metrics.BACKEND_RETRIES.labels(self.domain).inc()
                await self._sleep(delay)
            except BaseException:
                if number == 1:
                    self._count_call(None)  # cut short (the deadline, a cancellation): still a call made
                raise
            else:
                if number == 1:
                    self._count_call(result.status_code if isinstance(result, httpx.Response) else None)
                return result

    def _count_call(self, status: int | None) -> None:
        """A logical call's first attempt ended: it counts toward the retry budget unless the caller's 4xx."""
        if not is_caller_error(status):
            self.budget.record_call()

    async def _attempt(
        self,
        method: str,
        endpoint: str,
        attempt: Callable[[], Awaitable[Result]],
        number: int,
        deadline: asyncio.Timeout,
    ) -> Result:
        started = time.perf_counter()
        outcome = "cancelled"
        try:
            with tracing.span(
                f"{method} {self.domain}{endpoint}",
                {
                    "http.request.method": method,
                    "url.template": endpoint,
                    "server.service": self.domain,
                    "gateway.attempt": number,
                },
                kind="client",
            ):
                result = await attempt()
            if isinstance(result, httpx.Response) and is_caller_error(result.status_code):
                outcome = "client_error"  # a refused command: the caller's, no verdict on the service
                self.breaker.record_caller_error()
            else:
                outcome = "ok"
                self.breaker.record_success()
            return result
        except BackendError as error:
            outcome = _outcome(error)
            if isinstance(error, BackendUnavailable | BackendTimeout):
                self.breaker.record_failure()
            elif is_caller_error(error.http_status):
                self.breaker.record_caller_error()  # the service refused the request itself
            else:
                self.breaker.record_success()  # it answered; the answer was wrong
            log_backend_failure(
                domain=self.domain,
                method=method,
                endpoint=endpoint,
                code=error.code,
                status=error.http_status,
                attempt=number,
                duration_ms=(time.perf_counter() - started) * 1000,
            )
            raise
        except asyncio.CancelledError:
            if deadline.expired():  # the total deadline cut this attempt short: a timeout
                outcome = "timeout"
                self.breaker.record_failure()
            else:
                self.breaker.release()
            raise
        except BaseException:
            self.breaker.release()
            raise
        finally:
            if self.record_metrics:
                self._count(method, endpoint, outcome, time.perf_counter() - started)

    def _count(self, method: str, endpoint: str, outcome: str, elapsed: float) -> None:
        key = (endpoint, method, outcome)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                metrics.BACKEND_CALLS.labels(self.domain, endpoint, method, outcome),
                metrics.BACKEND_LATENCY.labels(self.domain, endpoint, method),
            )
        calls, latency = series
        calls.inc()
        latency.observe(elapsed)


async def shared_read(key: Any, domain: str, read: Callable[[], Awaitable[Result]]) -> Result:
    """Run ``read`` once for all identical concurrent reads of the current request."""
    table = inflight_reads.get()
    if table is None:
        return await read()
    task = table.get(key)
    if task is not None:
        metrics.BACKEND_DEDUPLICATED.labels(domain).inc()
    else:
        task = table[key] = asyncio.ensure_future(read())
        task.add_done_callback(lambda done: _forget(table, key, done))
    return await asyncio.shield(task)


def _forget(table: dict[Any, asyncio.Future[Any]], key: Any, done: asyncio.Future[Any]) -> None:
    if table.get(key) is done:
        del table[key]
    if not done.cancelled():
        done.exception()  # retrieved here so a reader that gave up leaves no "never retrieved" warning


__all__ = ["BackendBadResponse", "BackendPolicy", "inflight_reads", "shared_read"]
