"""Bounded resources of live updates: slow consumers, cleanup on disconnect, the per-connection cap, the
same document rules as HTTP, and GraphQL over SSE.
"""

from __future__ import annotations

import asyncio
import random
import socket
import string

import httpx
import pytest
from websockets.asyncio.client import connect

from gateway.documents import DEFAULT_OPERATIONS_DIR
from gateway.settings import Settings
from tests.live_support import (
    PROTOCOL,
    TIMEOUT,
    LiveClient,
    bearer,
    create_notification,
    live_client,
    serving,
    until,
)
from tests.support import GatewayHarness, build_harness

pytestmark = pytest.mark.socket

ADDED = "subscription { notificationAdded { eventId notification { title } } }"
BADGE = "subscription { unreadCount }"
STATUS = "subscription { workloadStatusChanged { eventId status } }"


def harness_with(**env: str) -> GatewayHarness:
    return build_harness(settings=Settings.from_env(env, viewer_cache_seconds=0))


def live_tasks() -> list[asyncio.Task[object]]:
    """Operation tasks of websocket subscriptions still alive in this loop."""
    return [t for t in asyncio.all_tasks() if "run_operation" in repr(t.get_coro())]


async def test_a_client_that_stops_reading_is_dropped_with_1013_instead_of_growing_memory():
    harness = harness_with(GATEWAY_SUBSCRIPTION_QUEUE_SIZE="4")
    hub = harness.app.state.live.hub
    async with serving(harness.app) as address:
        host, port = address.split(":")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # so that the server's writes block soon
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
        async with connect(
            f"ws://{address}/graphql",
            subprotocols=[PROTOCOL],
            proxy=None,
            compression=None,
            sock=sock,
            max_queue=1,
            max_size=None,
            open_timeout=TIMEOUT,
        ) as ws:
            client = LiveClient(ws)
            await client.init(bearer(harness.token("member")))
            bodies = " ".join(f"b{i}: body" for i in range(20))  # ~40 kB per event
            await client.subscribe(f"subscription {{ notificationAdded {{ notification {{ {bodies} }} }} }}")
            await until(lambda: hub.count == 1, "the subscription")
            body = "".join(random.choices(string.ascii_letters, k=2000))
            for number in range(300):  # the client reads nothing meanwhile
                await create_notification(harness.services, "u-marco", f"n{number}", body=body)
                await asyncio.sleep(0.005)
                if hub.count == 0:
                    break
            # Dropped while the client still has not read: its queue is gone, not growing.
            assert hub.count == 0 and hub.topic_count() == 0
            await until(lambda: not live_tasks(), "its operation to be cancelled")
            closed = await client.closed()  # what was in flight, then the close
        assert closed.rcvd is not None and closed.rcvd.code == 1013
        assert closed.rcvd.reason.startswith("slow consumer")


async def test_disconnecting_cleans_up_every_subscription_of_the_connection():
    harness = harness_with()
    hub = harness.app.state.live.hub
    async with serving(harness.app) as address:
        async with live_client(address) as client:
            await client.init(bearer(harness.token("tenant-admin")))
            for query in (ADDED, BADGE, STATUS):
                await client.subscribe(query)
            await until(lambda: hub.count == 3, "three subscriptions")
            assert len(live_tasks()) == 3
        await until(lambda: hub.count == 0 and hub.topic_count() == 0 and not live_tasks(), "cleanup after close")

        async with live_client(address) as client:  # a connection that just drops (no close handshake)
            await client.init(bearer(harness.token("tenant-admin")))
            await client.subscribe(ADDED)
            await until(lambda: hub.count == 1, "one subscription")
            client.ws.transport.abort()
        await until(lambda: hub.count == 0 and hub.topic_count() == 0 and not live_tasks(), "cleanup after a drop")

        async with live_client(address) as client:  # `complete` ends one subscription, the others go on
            await client.init(bearer(harness.token("tenant-admin")))
            added, badge = await client.subscribe(ADDED), await client.subscribe(BADGE)
            await client.next_data(badge)
            await until(lambda: hub.count == 2, "two subscriptions")
            await client.send({"type": "complete", "id": added})
            await until(lambda: hub.count == 1, "one left")
            await create_notification(harness.services, "u-tara", "still live")
            assert (await client.next_data(badge))["unreadCount"] > 0


async def test_subscriptions_per_connection_are_capped():
    harness = harness_with(GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION="2")
    async with serving(harness.app) as address, live_client(address) as client:
        await client.init(bearer(harness.token("member")))
        first, _ = await client.subscribe(ADDED), await client.subscribe(STATUS)
        await until(lambda: harness.app.state.live.hub.count == 2, "two subscriptions")
        third = await client.subscribe(BADGE)
        refused = await client.receive()
        assert refused["id"] == third and refused["type"] == "error"
        assert refused["payload"][0]["message"] == "Subscription limit reached"
        await client.send({"type": "complete", "id": first})
        await until(lambda: harness.app.state.live.hub.count == 1, "one subscription")
        again = await client.subscribe(BADGE)
        assert "unreadCount" in await client.next_data(again)


async def test_subscribe_documents_pass_the_same_checks_as_http():
    harness = harness_with(GATEWAY_TRUSTED_DOCUMENTS="1")
    async with serving(harness.app) as address, live_client(address) as client:
        await client.init(bearer(harness.token("member")))
        operation = await client.subscribe(ADDED)
        refused = await client.receive()
        assert refused == {
            "id": operation,
            "type": "error",
            "payload": [
                {
                    "message": "this gateway only runs registered operations (trusted documents)",
                    "extensions": {"code": "TRUSTED_DOCUMENT_REQUIRED"},
                }
            ],
        }
    harness = harness_with()
    async with serving(harness.app) as address, live_client(address) as client:
        await client.init(bearer(harness.token("member")))
        aliases = " ".join(f"a{i}: title" for i in range(40))
        operation = await client.subscribe(f"subscription {{ notificationAdded {{ notification {{ {aliases} }} }} }}")
        refused = await client.receive()
        errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
        assert refused["id"] == operation and [e["extensions"]["code"] for e in errors] == ["MAX_ALIASES_EXCEEDED"]
        assert harness.app.state.live.hub.count == 0


async def test_trusted_documents_mode_runs_the_committed_subscriptions():
    committed = (DEFAULT_OPERATIONS_DIR / "live/NotificationAdded.graphql").read_text()
    harness = harness_with(GATEWAY_TRUSTED_DOCUMENTS="1")
    async with serving(harness.app) as address, live_client(address) as client:
        await client.init(bearer(harness.token("member")))
        operation = await client.subscribe(committed)
        await until(lambda: harness.app.state.live.hub.count == 1, "the committed subscription is live")
        await create_notification(harness.services, "u-marco", "trusted and live")
        assert (await client.next_data(operation))["notificationAdded"]["notification"]["title"] == "trusted and live"


async def test_graphql_over_sse_delivers_the_same_events_through_the_http_guard():
    harness = harness_with()
    async with (
        serving(harness.app) as address,
        httpx.AsyncClient(base_url=f"http://{address}", timeout=TIMEOUT) as http,
    ):
        refused = await http.post(
            "/graphql", json={"query": BADGE}, headers={"accept": "text/event-stream", "authorization": "Bearer nope"}
        )
        assert refused.status_code == 401 and refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        headers = {"accept": "text/event-stream", "authorization": f"Bearer {harness.token('member')}"}
        async with http.stream("POST", "/graphql", json={"query": ADDED}, headers=headers) as stream:
            assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
            await until(lambda: harness.app.state.live.hub.count == 1, "the SSE subscription")
            await create_notification(harness.services, "u-marco", "over SSE")
            lines = stream.aiter_lines()
            event = await asyncio.wait_for(anext(lines), TIMEOUT)
            data = await asyncio.wait_for(anext(lines), TIMEOUT)
        assert event == "event: next" and '"title":"over SSE"' in data
        await until(lambda: harness.app.state.live.hub.count == 0, "cleanup after the stream closed")
