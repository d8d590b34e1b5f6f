"""Live updates across real processes: two ``gateway serve`` replicas sharing Redis (``GATEWAY_EVENTS``) in front
of the reference services on sockets. One replica reads each stream (the lease holder); an event created
through one replica reaches a subscriber on the other exactly once; when the reader dies the other takes over
and nothing is lost.
"""

from __future__ import annotations

import asyncio
import re
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.idempotency.test_processes import healthy
from tests.idempotency_support import REDIS_URL_BASE, own_redis_prefix
from tests.live_support import live_client, until
from tests.processes import BIN, bearer, clean_env, free_port, read_until, start, stop, wait_healthy

pytestmark = [pytest.mark.socket, pytest.mark.redis]
REDIS_DB = 10
SEND = """mutation($key: String!, $title: String!) {
  sendTestNotification(input: {title: $title, idempotencyKey: $key}) { userErrors { code } } }"""
ADDED = "subscription { notificationAdded { eventId notification { title } } }"


@pytest.fixture(scope="module")
def prefix() -> Iterator[str]:
    """A Redis key prefix of this module's own (deleted afterwards)."""
    with own_redis_prefix(REDIS_DB, "test-events") as name:
        yield name


def replica(services: dict[str, str], prefix: str) -> tuple[str, Any]:
    port = free_port()
    env = clean_env(
        **services,
        GATEWAY_EVENTS=f"{REDIS_URL_BASE}/{REDIS_DB}",
        GATEWAY_EVENTS_PREFIX=prefix,
        GATEWAY_EVENTS_LEASE_SECONDS="1",
        GATEWAY_EVENTS_POLL_SECONDS="2",
        GATEWAY_LOG_LEVEL="warning",
    )
    return f"127.0.0.1:{port}", start(str(BIN / "gateway"), "serve", "--port", str(port), env=env)


def reads_stream(address: str, domain: str) -> bool:
    """Whether the replica holds the lease of a domain's stream (its /metrics say so)."""
    text = httpx.get(f"http://{address}/metrics", timeout=5).text
    found = re.search(rf'^gateway_event_stream_reader\{{domain="{domain}"\}} (\S+)$', text, re.M)
    return found is not None and float(found.group(1)) == 1.0


async def send(address: str, key: str, title: str, auth: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        body = (
            await http.post(
                f"http://{address}/graphql",
                json={"query": SEND, "variables": {"key": key, "title": title}},
                headers=auth,
            )
        ).json()
    assert body["data"]["sendTestNotification"]["userErrors"] == [], body


async def test_an_event_created_through_one_replica_reaches_a_subscriber_on_the_other_exactly_once(
    prefix: str, tmp_path: Path
):
    services_process = start(
        str(BIN / "reference-services"), "serve", "--base-port", str(free_port(5)), env=clean_env()
    )
    started: list[tuple[str, Any]] = []
    try:
        urls = dict(line.split("=", 1) for line in read_until(services_process, "ready") if line.startswith("GATEWAY_"))
        for url in urls.values():
            wait_healthy(f"{url}/healthz", services_process)
        gateway_env = {**urls, "GATEWAY_DATA_DIR": str(tmp_path)}  # the replicas' (and the token's) signing key
        marco = await asyncio.to_thread(bearer, gateway_env, "u-marco")  # mint_for runs a loop of its own
        started = [replica(gateway_env, prefix) for _ in range(2)]
        healthy(*[(f"http://{address}", process) for address, process in started])
        await until(lambda: sum(reads_stream(a, "account") for a, _ in started) == 1, "one account stream reader")
        reader, follower = sorted(started, key=lambda r: not reads_stream(r[0], "account"))
        assert reads_stream(reader[0], "account") and not reads_stream(follower[0], "account")

        async with live_client(follower[0]) as client:
            await client.init(marco)
            added = await client.subscribe(ADDED)
            await client.subscribe("subscription { unreadCount }")  # its first answer: the subscriptions are up
            first = await client.receive()
            assert "unreadCount" in first["payload"]["data"]
            await send(reader[0], f"replica-key-{uuid.uuid4().hex}", "through the reader", marco)
            await send(follower[0], f"replica-key-{uuid.uuid4().hex}", "through the follower", marco)
            titles = []
            while len(titles) < 2:
                message = await client.receive()
                if message["id"] == added:
                    titles.append(message["payload"]["data"]["notificationAdded"]["notification"]["title"])
            assert titles == ["through the reader", "through the follower"]  # each once, in order

            # The reader dies without handing its lease back: the follower takes the stream over.
            reader[1].send_signal(signal.SIGKILL)
            reader[1].wait(timeout=10)
            await until(lambda: reads_stream(follower[0], "account"), "the follower to take the stream over")
            await send(follower[0], f"replica-key-{uuid.uuid4().hex}", "after the failover", marco)
            while True:
                message = await client.receive()
                if message["id"] == added:
                    break
            data = message["payload"]["data"]["notificationAdded"]
            assert data["notification"]["title"] == "after the failover"
    finally:
        for _, process in started:
            stop(process)
        stop(services_process)
