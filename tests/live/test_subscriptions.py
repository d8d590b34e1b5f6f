"""Subscriptions over a real websocket: delivery, authentication on connection_init, scoping, resume.

The gateway runs under uvicorn on a loopback port in the test's event loop, over the embedded reference
services (so the tests can also reach the services and the process's event hub directly).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.ids import encode_global_id
from gateway.settings import Settings
from tests.live_support import (
    bearer,
    create_notification,
    live_client,
    serving,
    until,
    workload_action,
    workload_in,
)
from tests.support import GatewayHarness, build_harness

pytestmark = pytest.mark.socket

ADDED = "subscription($after: String) { notificationAdded(after: $after) { eventId notification { id title read } } }"
STATUS = """subscription($project: ID) { workloadStatusChanged(project: $project) {
  eventId workloadId name previousStatus status workload { id status } } }"""
SEND = """mutation($key: String!, $title: String!) {
  sendTestNotification(input: {title: $title, idempotencyKey: $key}) {
    notification { id title } userErrors { code } } }"""


async def registered(harness: GatewayHarness, count: int) -> None:
    """Wait until the gateway has registered ``count`` subscriptions (the subscribe message is asynchronous)."""
    await until(lambda: harness.app.state.live.hub.count == count, f"{count} registered subscription(s)")


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[GatewayHarness, str]]:
    harness = build_harness()
    async with serving(harness.app) as address:
        yield harness, address


async def test_a_notification_sent_by_a_mutation_in_another_request_reaches_the_subscription_once(gateway):
    harness, address = gateway
    async with live_client(address) as client:
        assert (await client.init(bearer(harness.token("member"))))["type"] == "connection_ack"
        added = await client.subscribe(ADDED)
        badge = await client.subscribe("subscription { unreadCount }")
        before = (await client.next_data(badge))["unreadCount"]
        await registered(harness, 2)
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http:
            variables = {"key": "live-test-key-000001", "title": "Hello from another tab"}
            headers = {"authorization": f"Bearer {harness.token('member')}"}
            sent = (await http.post("/graphql", json={"query": SEND, "variables": variables}, headers=headers)).json()
            assert sent["data"]["sendTestNotification"]["userErrors"] == []
            first = await client.receive()
            second = await client.receive()
            by_id = {m["id"]: m["payload"]["data"] for m in (first, second)}
            event = by_id[added]["notificationAdded"]
            assert event["notification"] == {**sent["data"]["sendTestNotification"]["notification"], "read": False}
            assert by_id[badge] == {"unreadCount": before + 1}
            # The same key again replays the stored outcome: nothing new is created, nothing is delivered.
            replay = (await http.post("/graphql", json={"query": SEND, "variables": variables}, headers=headers)).json()
            assert replay["extensions"]["idempotency"]["replayed"] is True
        await create_notification(harness.services, "u-marco", "Next one")
        assert (await client.next_data(added))["notificationAdded"]["notification"]["title"] == "Next one"
        assert (await client.next_data(badge)) == {"unreadCount": before + 2}


async def test_marking_notifications_read_updates_the_badge(gateway):
    harness, address = gateway
    async with live_client(address) as client:
        await client.init(bearer(harness.token("member")))
        badge = await client.subscribe("subscription { unreadCount }")
        assert (await client.next_data(badge))["unreadCount"] > 0
        marked = await harness.query(
            "mutation { markNotificationsRead(input: {all: true, idempotencyKey: "
            '"live-test-key-000002"}) { unreadCount } }',
            persona="member",
        )
        assert marked["data"]["markNotificationsRead"]["unreadCount"] == 0
        assert await client.next_data(badge) == {"unreadCount": 0}  # one update for the whole burst of events


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"Authorization": "Bearer not-a-token"}, "not a JWT"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "Bearer"),
        ({"X-Dev-Viewer": "u-nobody"}, "no known user"),
        ({"headers": {"authorization": "Bearer a.b.c"}}, "Forbidden"),
    ],
)
async def test_bad_credentials_on_connection_init_close_the_socket_with_4403(gateway, payload, reason):
    _, address = gateway
    async with live_client(address) as client:
        await client.send({"type": "connection_init", "payload": payload})
        closed = await client.closed()
    assert closed.rcvd is not None and closed.rcvd.code == 4403
    assert closed.rcvd.reason.startswith("Forbidden") and reason in closed.rcvd.reason


async def test_expired_and_contradicting_tokens_are_refused(gateway):
    harness, address = gateway
    expired = harness.token("member", now=time.time() - 7200, ttl_seconds=60)
    wrong_tenant = harness.token("member", tenant="t-globex")
    for token, reason in ((expired, "expired"), (wrong_tenant, "tenant")):
        async with live_client(address) as client:
            await client.send({"type": "connection_init", "payload": bearer(token)})
            closed = await client.closed()
        assert closed.rcvd is not None and closed.rcvd.code == 4403 and reason in closed.rcvd.reason


async def test_without_the_development_viewer_a_connection_needs_a_token():
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=0, dev_viewer_header=False))
    async with serving(harness.app) as address:
        for payload, reason in (({}, "no credentials"), ({"X-Dev-Viewer": "u-marco"}, "X-Dev-Viewer")):
            async with live_client(address) as client:
                await client.send({"type": "connection_init", "payload": payload})
                closed = await client.closed()
            assert closed.rcvd is not None and closed.rcvd.code == 4403 and reason in closed.rcvd.reason
        async with live_client(address) as client:
            await client.send({"type": "subscribe", "id": "1", "payload": {"query": ADDED}})
            closed = await client.closed()  # before connection_ack: the protocol's 4401
        assert closed.rcvd is not None and closed.rcvd.code == 4401
        async with live_client(address) as client:
            assert (await client.init(bearer(harness.token("member"))))["type"] == "connection_ack"


async def test_the_embedded_default_accepts_the_development_viewer_like_http(gateway):
    harness, address = gateway
    async with live_client(address) as client:
        assert (await client.init({"X-Dev-Viewer": "u-sam"}))["type"] == "connection_ack"
        added = await client.subscribe(ADDED)
        await registered(harness, 1)
        await create_notification(harness.services, "u-sam", "For Sam", tenant_id="t-globex")
        assert (await client.next_data(added))["notificationAdded"]["notification"]["title"] == "For Sam"


async def test_a_viewer_never_receives_another_viewers_or_tenants_events(gateway):
    harness, address = gateway
    async with live_client(address) as marco, live_client(address) as sam, live_client(address) as olivia:
        await marco.init(bearer(harness.token("member")))  # u-marco: t-acme, p-vision and p-llm
        await sam.init(bearer(harness.token("other-tenant-member")))  # u-sam: t-globex, p-genomics
        await olivia.init(bearer(harness.token("operator")))
        marco_added, marco_status = await marco.subscribe(ADDED), await marco.subscribe(STATUS)
        sam_added, sam_status = await sam.subscribe(ADDED), await sam.subscribe(STATUS)
        olivia_status = await olivia.subscribe(STATUS)
        await registered(harness, 5)

        await create_notification(harness.services, "u-tara", "For Tara only")  # same tenant, another user
        await create_notification(harness.services, "u-marco", "For Marco")
        research = await workload_in(harness.services, "p-research")  # t-acme, not Marco's project
        await workload_action(harness.services, research, "stop")
        vision = await workload_in(harness.services, "p-vision")
        await workload_action(harness.services, vision, "stop")
        assert (await marco.next_data(marco_added))["notificationAdded"]["notification"]["title"] == "For Marco"
        change = (await marco.next_data(marco_status))["workloadStatusChanged"]
        assert change["workloadId"] == encode_global_id("Workload", vision)
        assert (change["previousStatus"], change["status"], change["workload"]["status"]) == (
            "RUNNING",
            "STOPPED",
            "STOPPED",
        )
        for expected in (research, vision):  # the operator sees every tenant's workloads, in order
            seen = (await olivia.next_data(olivia_status))["workloadStatusChanged"]["workloadId"]
            assert seen == encode_global_id("Workload", expected)

        # Sam's first deliveries are his own: nothing of t-acme reached him before them.
        await create_notification(harness.services, "u-sam", "For Sam", tenant_id="t-globex")
        genomics = await workload_in(harness.services, "p-genomics")
        await workload_action(harness.services, genomics, "stop")
        assert (await sam.next_data(sam_added))["notificationAdded"]["notification"]["title"] == "For Sam"
        seen = (await sam.next_data(sam_status))["workloadStatusChanged"]["workloadId"]
        assert seen == encode_global_id("Workload", genomics)


async def test_a_project_filter_narrows_and_a_foreign_project_is_not_found(gateway):
    harness, address = gateway
    async with live_client(address) as client:
        await client.init(bearer(harness.token("member")))
        llm = await client.subscribe(STATUS, {"project": encode_global_id("Project", "p-llm")})
        foreign = await client.subscribe(STATUS, {"project": encode_global_id("Project", "p-genomics")})
        refused = await client.receive()
        assert refused["id"] == foreign and refused["type"] in ("next", "error"), refused
        errors = refused["payload"]["errors"] if refused["type"] == "next" else refused["payload"]
        assert [e["extensions"]["code"] for e in errors] == ["NOT_FOUND"]
        if refused["type"] == "next":
            assert await client.receive() == {"id": foreign, "type": "complete"}
        await registered(harness, 1)
        await workload_action(harness.services, await workload_in(harness.services, "p-vision"), "stop")
        target = await workload_in(harness.services, "p-llm")
        await workload_action(harness.services, target, "stop")
        change = (await client.next_data(llm))["workloadStatusChanged"]
        assert change["workloadId"] == encode_global_id("Workload", target)


async def test_a_reconnecting_client_resumes_after_its_last_event_without_gaps_or_repeats(gateway):
    harness, address = gateway
    token = harness.token("member")
    async with live_client(address) as client:
        await client.init(bearer(token))
        added = await client.subscribe(ADDED)
        await registered(harness, 1)
        await create_notification(harness.services, "u-marco", "one")
        last = (await client.next_data(added))["notificationAdded"]["eventId"]
    for title in ("two", "three", "four"):  # while disconnected
        await create_notification(harness.services, "u-marco", title)
    await create_notification(harness.services, "u-priya", "not Marco's")
    async with live_client(address) as client:
        await client.init(bearer(token))
        added = await client.subscribe(ADDED, {"after": last})
        replayed = [(await client.next_data(added))["notificationAdded"] for _ in range(3)]
        await registered(harness, 1)
        assert [e["notification"]["title"] for e in replayed] == ["two", "three", "four"]
        # A lagging stream reader delivering an event the replay already covered changes nothing.
        hub = harness.app.state.live.hub
        hub._positions.clear()
        stream, seq = replayed[1]["eventId"].split(":")[1:]
        from gateway.events.model import LiveEvent

        hub.publish(
            LiveEvent(
                "account", stream, int(seq), "notification.created", "2026-01-01T00:00:00Z", user_id="u-marco", data={}
            )
        )
        await create_notification(harness.services, "u-marco", "five")
        assert (await client.next_data(added))["notificationAdded"]["notification"]["title"] == "five"


async def test_resuming_from_a_malformed_or_foreign_event_id_is_bad_user_input(gateway):
    harness, address = gateway
    async with live_client(address) as client:
        await client.init(bearer(harness.token("member")))
        for after in ("nonsense", "workloads:abc123:4"):
            operation = await client.subscribe(ADDED, {"after": after})
            message = await client.receive()
            assert message["id"] == operation
            errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
            assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
            if message["type"] == "next":
                assert await client.receive() == {"id": operation, "type": "complete"}
        assert harness.app.state.live.hub.count == 0  # refused before anything was registered


async def test_graphiql_subscriptions_carry_the_picked_personas_token(gateway):
    harness, _ = gateway
    async with harness.client() as http:
        page = (await http.get("/graphql", headers={"accept": "text/html"})).text
        bootstrap = (await http.get("/graphiql/gateway-graphiql.js")).text  # the page's script (gateway.graphiql)
    # Queries send defaultHeaders (the picked persona's token); subscriptions must send the same, or a
    # subscription would run as another viewer than the mutation that should reach it (in a real browser:
    # tests/http/test_graphiql_browser.py).
    assert 'data-personas="{&quot;member&quot;' in page and "wsConnectionParams: defaultHeaders" in bootstrap
