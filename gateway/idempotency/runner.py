"""Run one mutation field under its idempotency key: the one path every side-effecting mutation takes.

1. The key: header or ``input.idempotencyKey`` (``keys``); the viewer (authentication).
2. ``begin`` in the store, scoped by (tenant, principal, field, key), with the arguments' fingerprint.
   Replay, reuse, in-progress and an unreachable store end here, before any backend call.
3. Holding the record, the field's resolver runs while a task renews the lease. Domain services get the
   scoped backend key (``current_key``) as their own ``Idempotency-Key``, so a retry after a crash mid-call
   finds the work done there instead of doing it twice.
4. Outcomes are stored (success and business userErrors); validation userErrors (``MutationRejected``) and
   errors (auth, backend faults) release the record instead, so a corrected retry runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from graphql import FragmentDefinitionNode, OperationDefinitionNode
from pydantic import ValidationError

from gateway.context import RequestContext
from gateway.errors import (
    GatewayError,
    IdempotencyKeyReused,
    IdempotencyRequestInProgress,
    IdempotencyStoreUnavailable,
)
from gateway.idempotency.fingerprint import backend_key, fingerprint, record_key, root_field_count
from gateway.idempotency.keys import HEADER, choose_key
from gateway.idempotency.outcome import MutationOutcome, MutationRejected
from gateway.idempotency.store import Acquired, IdempotencyStore, InProgress, Mismatch, Replay, StoreUnavailable
from gateway.telemetry.metrics import IDEMPOTENCY_OUTCOMES

log = logging.getLogger("gateway.idempotency")
Result = TypeVar("Result")
Outcome = TypeVar("Outcome", bound=MutationOutcome)
CRASH_AFTER_BACKEND_CALL = "crash-after-backend-call"
MAX_RETRY_AFTER_SECONDS = 1.0

_current_key: contextvars.ContextVar[str | None] = contextvars.ContextVar("gateway_idempotency_key", default=None)


def current_key() -> str:
    """The backend idempotency key of the mutation field being resolved (forward it with every command)."""
    key = _current_key.get()
    if key is None:
        raise RuntimeError("a command was sent outside an idempotent mutation field (declare Idempotent on it)")
    return key


@dataclass(frozen=True)
class MutationCall:
    """One mutation field of a document, as the idempotency runtime sees it."""

    field: str
    path: str
    arguments: Mapping[str, Any]
    input_key: str | None
    operation: OperationDefinitionNode
    fragments: Mapping[str, FragmentDefinitionNode]


@dataclass(frozen=True)
class RunReport:
    """How one mutation field was answered, for ``extensions.idempotency``."""

    path: str
    field: str
    replayed: bool
    completed_at: str | None


async def run_mutation(
    ctx: RequestContext, call: MutationCall, outcome_type: type[Outcome], execute: Callable[[], Awaitable[Outcome]]
) -> Outcome:
    """The outcome of the mutation field, run at most once per key (counted by outcome)."""
    try:
        outcome = await _run_mutation(ctx, call, outcome_type, execute)
    except GatewayError as error:
        code = error.code.lower()
        label = code.removeprefix("idempotency_") if code.startswith("idempotency_") else "failed"
        IDEMPOTENCY_OUTCOMES.labels(label).inc()
        raise
    runs = ctx.idempotency_runs
    IDEMPOTENCY_OUTCOMES.labels("replayed" if runs and runs[-1].replayed else "executed").inc()
    return outcome


async def _run_mutation(
    ctx: RequestContext, call: MutationCall, outcome_type: type[Outcome], execute: Callable[[], Awaitable[Outcome]]
) -> Outcome:
    settings = ctx.settings.idempotency
    headers = getattr(ctx.request, "headers", None) or {}
    key = choose_key(headers.get(HEADER), call.input_key, root_field_count(call.operation, call.fragments))
    viewer = await ctx.viewer()
    scope = (viewer.tenant_id or "platform", viewer.user.id, call.field, key)
    record = record_key(*scope)
    store = ctx.idempotency_store
    if store is None:
        raise IdempotencyStoreUnavailable("No idempotency store is configured; the mutation was not sent.")
    begin = await _store(
        store.begin(
            record, fingerprint(call.arguments), lease_seconds=settings.lease_seconds, ttl_seconds=settings.ttl_seconds
        ),
        settings.store_timeout,
    )
    if isinstance(begin, Replay):
        _report(ctx, call, replayed=True, completed_at=begin.completed_at)
        return _stored(outcome_type, begin.outcome, call.field)
    if isinstance(begin, Mismatch):
        raise IdempotencyKeyReused(
            f"This idempotency key was already used for {call.field} with different arguments; "
            "use a new key for a different request."
        )
    if isinstance(begin, InProgress):
        retry_after = round(min(max(begin.remaining_seconds, 0.1), MAX_RETRY_AFTER_SECONDS), 2)
        raise IdempotencyRequestInProgress(
            f"A request with this idempotency key is still running; retry in {retry_after} s for its outcome.",
            retryAfterSeconds=retry_after,
        )
    assert isinstance(begin, Acquired)
    outcome, completed_at = await _run_holding(
        ctx, store, record, begin.token, backend_key(*scope), outcome_type, execute
    )
    _report(ctx, call, replayed=False, completed_at=completed_at)
    return outcome


def _stored(outcome_type: type[Outcome], text: str, field: str) -> Outcome:
    """The outcome a record holds; one written by another version of the gateway cannot be replayed."""
    try:
        return outcome_type.model_validate_json(text)
    except ValidationError:
        log.warning("idempotency record of %s holds an outcome this gateway cannot read", field)
        raise IdempotencyKeyReused(
            f"This idempotency key was used for {field} by another version of the gateway, whose outcome cannot "
            "be replayed; use a new key."
        ) from None


async def _run_holding(
    ctx: RequestContext,
    store: IdempotencyStore,
    record: str,
    token: int,
    key: str,
    outcome_type: type[Outcome],
    execute: Callable[[], Awaitable[Outcome]],
) -> tuple[Outcome, str | None]:
    """Run while holding the record; the outcome and when it completed (None when it was not recorded)."""
    settings = ctx.settings.idempotency
    done = asyncio.Event()
    renewal = asyncio.create_task(
        _keep_lease(store, record, token, settings.lease_seconds, settings.store_timeout, done)
    )
    forwarded = _current_key.set(key)
    try:
        outcome = await execute()
    except MutationRejected as rejected:
        await _release(store, record, token, settings.store_timeout)
        return outcome_type(user_errors=rejected.errors), None
    except BaseException:
        # Auth failures and backend faults are not outcomes: free the key for the retry (the backend dedupes).
        await asyncio.shield(_release(store, record, token, settings.store_timeout))
        raise
    finally:
        _current_key.reset(forwarded)
        done.set()  # the renewal loop ends at its next check, even if a store client swallowed the cancellation
        renewal.cancel()
    if CRASH_AFTER_BACKEND_CALL in settings.test_faults:  # test-only fault hook (GATEWAY_TEST_FAULTS)
        os.kill(os.getpid(), signal.SIGKILL)
    completed_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    try:
        stored = await _store(
            store.complete(record, token, outcome.model_dump_json(), completed_at, ttl_seconds=settings.ttl_seconds),
            settings.store_timeout,
        )
        if not stored:
            log.warning("idempotency outcome not recorded: the record is held by a newer token")
    except IdempotencyStoreUnavailable:
        # The work is done and the backend holds its result under the key: a retry takes over and replays it.
        log.warning("idempotency outcome not recorded: store unavailable")
    return outcome, completed_at


async def _keep_lease(
    store: IdempotencyStore, record: str, token: int, lease: float, timeout: float, done: asyncio.Event
) -> None:
    """Renew the lease every third of it while the mutation runs; stop once another holder fenced us out."""
    while not done.is_set():
        await asyncio.sleep(lease / 3)
        if done.is_set():
            return
        try:
            if not await _store(store.renew(record, token, lease_seconds=lease), timeout):
                log.warning("idempotency lease lost to a newer holder")
                return
        except IdempotencyStoreUnavailable:
            log.warning("idempotency lease not renewed: store unavailable")


async def _release(store: IdempotencyStore, record: str, token: int, timeout: float) -> None:
    with contextlib.suppress(IdempotencyStoreUnavailable):
        await _store(store.release(record, token), timeout)


async def _store(operation: Awaitable[Result], timeout: float) -> Result:
    """A store call with a deadline; any failure is ``IdempotencyStoreUnavailable`` (fail closed)."""
    try:
        async with asyncio.timeout(timeout * 2):  # in this task: no inner task left behind on cancellation
            return await operation
    except (StoreUnavailable, TimeoutError) as error:
        log.warning("idempotency store unavailable: %s", error or type(error).__name__)
        raise IdempotencyStoreUnavailable(
            "The idempotency store is unavailable, so the mutation was not sent; retry later with the same key."
        ) from None


def _report(ctx: RequestContext, call: MutationCall, *, replayed: bool, completed_at: str | None) -> None:
    ctx.idempotency_runs.append(RunReport(call.path, call.field, replayed, completed_at))
