"""Stopping the Redis event bus (a replica's shutdown) stops every task it started: the stream reader and the
lease renewer of each stream it leads, not only the lease contenders that spawned them."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis as redis_sync

from gateway.events.hub import EventHub
from gateway.events.model import STREAMS
from gateway.events.redis_bus import RedisBus
from gateway.events.settings import EventSettings
from tests.idempotency_support import REDIS_REQUIRED, REDIS_URL_BASE
from tests.live_support import until
from tests.support import build_harness

pytestmark = pytest.mark.redis
REDIS_URL = f"{REDIS_URL_BASE}/11"


async def test_stopping_the_bus_leaves_no_stream_reader_or_lease_renewer_running() -> None:
    prefix = f"test-bus-stop-{uuid.uuid4().hex}"
    client = redis_sync.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis_sync.RedisError:
        client.close()
        pytest.fail(REDIS_REQUIRED)
    harness = build_harness()
    settings = EventSettings.from_env(
        {"GATEWAY_EVENTS": REDIS_URL, "GATEWAY_EVENTS_PREFIX": prefix, "GATEWAY_EVENTS_POLL_SECONDS": "1"}
    )
    bus = RedisBus(EventHub(settings.queue_size), harness.app.state.backends, settings)
    try:
        bus.start()
        await asyncio.wait_for(bus.positioned(), 10)
        await until(lambda: bus.leading == set(STREAMS), "the bus to lead every stream")
        await bus.stop()
        running = sorted(
            t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith("events:") and not t.done()
        )
        assert running == []
    finally:
        await harness.app.state.backends.aclose()
        for key in client.scan_iter(match=f"*{prefix}*", count=1000):
            client.delete(key)
        client.close()
