"""Bursts of mutations wait for a free store connection instead of failing (issue 16, "Pools sized for bursts").

redis-py's default pool refuses a command at once when its 100 connections are busy (``MaxConnectionsError``),
so one gateway answered IDEMPOTENCY_STORE_UNAVAILABLE to every mutation past 100 in flight while Redis was
healthy. The stores now wait (``GATEWAY_IDEMPOTENCY_POOL_TIMEOUT_SECONDS``) for one of
``GATEWAY_IDEMPOTENCY_MAX_CONNECTIONS``; only a pool still exhausted after that wait fails closed.
Counts only: no assertion on how long anything took.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.backends import Backends, socket_transports
from gateway.idempotency.factory import open_store
from gateway.idempotency.redis_store import RedisStore
from gateway.idempotency.settings import IdempotencySettings, IdempotencySettingsError
from gateway.idempotency.sqlite_store import SqliteStore
from gateway.idempotency.store import StoreUnavailable
from gateway.settings import Settings, SettingsError
from tests.idempotency_support import StoreConfig, codes, key, mutate, open_gateway, redis_store

BURST = 400
MARK_ALL_READ = "mutation { markNotificationsRead(input: {all: true}) { unreadCount userErrors { code } } }"
SEND_TEST = (
    "mutation($title: String!) { sendTestNotification(input: {title: $title}) { notification { id } "
    "userErrors { code } } }"
)


@pytest.fixture
def redis_config() -> Iterator[StoreConfig]:
    config = redis_store()
    yield config
    config.cleanup()


def tally(bodies: list[dict[str, Any]]) -> collections.Counter[str]:
    """Answers by outcome: ``ok`` (data, no error) or the error code."""
    return collections.Counter(",".join(codes(body)) or ("ok" if body.get("data") else "no-data") for body in bodies)


@pytest.mark.redis
@pytest.mark.parametrize(
    ("document", "variables", "user", "field"),
    [
        pytest.param(MARK_ALL_READ, None, "u-marco", "markNotificationsRead", id="markNotificationsRead"),
        pytest.param(SEND_TEST, {"title": "burst"}, "u-tara", "sendTestNotification", id="sendTestNotification"),
    ],
)
async def test_a_burst_past_the_redis_pool_waits_for_connections_and_none_is_refused(
    redis_config: StoreConfig, document: str, variables: dict[str, Any] | None, user: str, field: str
) -> None:
    """400 concurrent mutations through the default pool of 100: every one gets a connection in turn.

    The wait is generous here (a 30 s store timeout, which the pool wait follows): this harness runs the
    client, the gateway and the five services on one event loop, so on a small machine a connection's
    hand-over is delayed by the loop's own backlog (up to about 1 s measured on 2 CPUs). That is the test's
    CPU, not the store; the counts are what this test is about, not how long the burst takes.
    """
    env = {**redis_config.env, "GATEWAY_IDEMPOTENCY_STORE_TIMEOUT_SECONDS": "30"}
    async with open_gateway(env) as (harness, _):
        store = harness.app.state.idempotency_store
        assert isinstance(store, RedisStore)
        pool = store.connection_pool
        assert pool.max_connections == 100 < BURST  # the default pool, smaller than the burst
        async with harness.client() as client:
            await mutate(client, document, variables, user=user)  # warm the viewer cache
            bodies = await asyncio.gather(*(mutate(client, document, variables, user=user) for _ in range(BURST)))
        opened = len(pool._available_connections) + len(pool._in_use_connections)
    assert tally(bodies) == {"ok": BURST}
    assert all(body["data"][field]["userErrors"] == [] for body in bodies)
    assert opened == pool.max_connections  # the burst did fill the pool: the rest waited for a connection


@pytest.mark.redis
async def test_a_burst_through_a_tiny_redis_pool_also_waits(redis_config: StoreConfig) -> None:
    """Two connections for 120 concurrent mutations: all wait their turn (the generous wait is not a deadline
    the test measures, only an upper bound before the store would count as unavailable)."""
    env = {
        **redis_config.env,
        "GATEWAY_IDEMPOTENCY_MAX_CONNECTIONS": "2",
        "GATEWAY_IDEMPOTENCY_STORE_TIMEOUT_SECONDS": "30",
    }
    async with open_gateway(env) as (harness, _):
        assert harness.app.state.idempotency_store.connection_pool.max_connections == 2
        async with harness.client() as client:
            await mutate(client, MARK_ALL_READ)
            bodies = await asyncio.gather(*(mutate(client, MARK_ALL_READ) for _ in range(120)))
    assert tally(bodies) == {"ok": 120}


@pytest.mark.redis
async def test_a_pool_exhausted_beyond_the_wait_still_fails_closed(redis_config: StoreConfig) -> None:
    env = {
        **redis_config.env,
        "GATEWAY_IDEMPOTENCY_MAX_CONNECTIONS": "1",
        "GATEWAY_IDEMPOTENCY_POOL_TIMEOUT_SECONDS": "0.2",
    }
    async with open_gateway(env) as (harness, commands):
        pool = harness.app.state.idempotency_store.connection_pool
        async with harness.client() as client:
            await mutate(client, MARK_ALL_READ)  # warm the viewer cache (and the pool's one connection)
            commands.take()
            held = await pool.get_connection()  # the only connection, busy for as long as this test says
            try:
                bodies = await asyncio.gather(*(mutate(client, MARK_ALL_READ) for _ in range(5)))
            finally:
                await pool.release(held)
            assert tally(bodies) == {"IDEMPOTENCY_STORE_UNAVAILABLE": 5}
            assert all(body["data"] is None or body["data"].get("markNotificationsRead") is None for body in bodies)
            assert commands.take() == []  # fail closed: nothing reached the services
            recovered = await mutate(client, MARK_ALL_READ, idempotency_key=key("after"))
    assert tally([recovered]) == {"ok": 1}


async def test_sqlite_calls_beyond_its_workers_wait_and_then_fail_closed(tmp_path: Any) -> None:
    """The SQLite store runs at most GATEWAY_IDEMPOTENCY_MAX_CONNECTIONS calls at once; one waiting longer
    than the pool timeout for a slot makes the store unavailable."""
    settings = IdempotencySettings(
        store=f"sqlite:///{tmp_path}/idempotency.sqlite3", max_connections=1, pool_timeout_seconds=0.1
    ).validate()
    store = open_store(settings, embedded=False)
    assert isinstance(store, SqliteStore)
    try:
        await store.ping()
        gate: threading.Lock = store._lock  # the connection's lock: holding it keeps the one worker busy
        gate.acquire()
        try:
            first = asyncio.create_task(store.ping())
            await asyncio.sleep(0)  # the first call takes the only slot and blocks in its worker
            with pytest.raises(StoreUnavailable):
                await store.ping()
        finally:
            gate.release()
        await first  # it completes once the connection is free
    finally:
        await store.aclose()
    # A burst beyond the one worker queues for it and succeeds. The wait is given room here: how long BURST calls
    # queue behind one worker depends on the machine's load, which is not what this test is about.
    patient_settings = IdempotencySettings(
        store=f"sqlite:///{tmp_path}/idempotency.sqlite3",
        max_connections=1,
        store_timeout_seconds=30.0,
        pool_timeout_seconds=30.0,
    ).validate()
    patient = open_store(patient_settings, embedded=False)
    try:
        answers = await asyncio.gather(*(patient.ping() for _ in range(BURST)), return_exceptions=True)
        assert [a for a in answers if a is not None] == []
    finally:
        await patient.aclose()


def test_pool_settings_come_from_the_environment_with_defaults_by_store_kind() -> None:
    redis_url = {"GATEWAY_IDEMPOTENCY_STORE": "redis://127.0.0.1:6379/9"}
    assert (IdempotencySettings.from_env(redis_url).pool_size, IdempotencySettings.from_env({}).pool_size) == (100, 4)
    assert IdempotencySettings.from_env(redis_url).pool_timeout == 1.0  # the store timeout
    configured = IdempotencySettings.from_env(
        {
            **redis_url,
            "GATEWAY_IDEMPOTENCY_MAX_CONNECTIONS": "500",
            "GATEWAY_IDEMPOTENCY_POOL_TIMEOUT_SECONDS": "0.5",
        }
    )
    assert (configured.pool_size, configured.pool_timeout) == (500, 0.5)
    for bad in (
        {"GATEWAY_IDEMPOTENCY_MAX_CONNECTIONS": "0"},
        {"GATEWAY_IDEMPOTENCY_MAX_CONNECTIONS": "many"},
        {"GATEWAY_IDEMPOTENCY_POOL_TIMEOUT_SECONDS": "-1"},
        {"GATEWAY_IDEMPOTENCY_POOL_TIMEOUT_SECONDS": "2"},  # more than the store timeout (1 s for Redis)
    ):
        with pytest.raises(IdempotencySettingsError):
            IdempotencySettings.from_env({**redis_url, **bad})


async def test_backend_and_event_pools_are_sized_by_settings() -> None:
    """Every other pool the gateway keeps: httpx per backend (size, and the wait for a pooled connection) and
    the Redis event bus's pool."""
    settings = Settings.from_env(
        {
            "GATEWAY_STORAGE_MAX_CONNECTIONS": "7",
            "GATEWAY_STORAGE_POOL_TIMEOUT": "0.5",
            "GATEWAY_EVENTS_MAX_CONNECTIONS": "3",
            "GATEWAY_EVENTS_POOL_TIMEOUT_SECONDS": "0.25",
        }
    )
    storage = settings.backends["storage"]
    assert (storage.max_connections, storage.pool_timeout) == (7, 0.5)
    assert settings.backends["workloads"].pool_timeout == 5.0
    assert (settings.events.max_connections, settings.events.pool_timeout_seconds) == (3, 0.25)
    backends = Backends.create(settings, socket_transports(settings))
    try:
        assert backends.storage.http.timeout.pool == 0.5
        assert backends.workloads.http.timeout.pool == 5.0
    finally:
        await backends.aclose()
    for bad in ({"GATEWAY_STORAGE_POOL_TIMEOUT": "0"}, {"GATEWAY_EVENTS_MAX_CONNECTIONS": "0"}):
        with pytest.raises(SettingsError):
            Settings.from_env(bad)
