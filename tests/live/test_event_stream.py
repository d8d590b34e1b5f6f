"""The reference services' event streams (``GET /v1/events``) and the gateway's reader of them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from gateway.settings import Settings
from reference_services._service import ServiceSettings
from reference_services.embedded import create_services
from reference_services.faults import FaultSpec
from tests.live_support import TIMEOUT, bearer, create_notification, live_client, serving, until, workload_in
from tests.support import build_harness


@pytest.fixture
async def services() -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    apps = create_services()
    clients = {
        domain: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{domain}")
        for domain, app in apps.items()
    }
    yield clients
    for client in clients.values():
        await client.aclose()


async def events(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/v1/events", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_streams_are_documented_and_start_empty(services):
    for domain in ("workloads", "account", "storage"):  # storage: grants made and revoked
        document = (await services[domain].get("/openapi.json")).json()
        assert "/v1/events" in document["paths"] and "410" in document["paths"]["/v1/events"]["get"]["responses"]
        tail = await events(services[domain])
        assert tail["items"] == [] and tail["last_id"] == "0"  # the seed is history, not events
    assert "/v1/events" not in (await services["access"].get("/openapi.json")).json()["paths"]


async def test_notifications_created_and_read_are_events_in_commit_order(services):
    account = services["account"]
    created = (
        await account.post(
            "/v1/notifications",
            json={
                "user_id": "u-marco",
                "tenant_id": "t-acme",
                "category": "system",
                "severity": "warning",
                "title": "Hi",
            },
        )
    ).json()
    await account.post("/v1/notifications:mark-read", json={"user_id": "u-marco", "ids": [created["id"]]})
    page = await events(account, after="0")
    assert [(e["type"], e["subject_id"], e["user_id"]) for e in page["items"]] == [
        ("notification.created", created["id"], "u-marco"),
        ("notification.read", created["id"], "u-marco"),
    ]
    assert page["items"][0]["data"]["title"] == "Hi" and int(page["items"][1]["id"]) > int(page["items"][0]["id"])
    assert page["last_id"] == page["items"][1]["id"]
    refused = await account.post(
        "/v1/notifications", json={"user_id": "u-marco", "category": "system", "severity": "loud", "title": "x"}
    )
    assert refused.status_code == 422
    assert (await events(account, after=page["last_id"]))["items"] == []  # rolled back: no event


async def test_workload_status_changes_are_events_and_refused_transitions_are_not(services):
    workloads = services["workloads"]
    running = (await workloads.get("/v1/workloads", params={"status": "running", "limit": "1"})).json()["items"][0]
    assert (await workloads.post(f"/v1/workloads/{running['id']}/stop", json={})).status_code == 200
    assert (await workloads.post(f"/v1/workloads/{running['id']}/stop", json={})).status_code == 409
    (event,) = (await events(workloads, after="0"))["items"]
    assert event["type"] == "workload.status_changed" and event["project_id"] == running["project_id"]
    assert (event["data"]["previous_status"], event["data"]["status"]) == ("running", "stopped")
    assert "cluster_credentials" not in event["data"] and "env" not in event["data"]


async def test_filters_advance_the_position_past_events_the_reader_did_not_want(services):
    account = services["account"]
    for user in ("u-tara", "u-tara", "u-marco"):
        await account.post(
            "/v1/notifications",
            json={"user_id": user, "tenant_id": "t-acme", "category": "system", "severity": "info", "title": user},
        )
    mine = await events(account, after="0", user_id="u-marco")
    assert [e["data"]["title"] for e in mine["items"]] == ["u-marco"] and mine["last_id"] == "3"
    nothing = await events(account, after="0", user_id="u-sam")
    assert nothing["items"] == [] and nothing["last_id"] == "3"  # read up to the head all the same
    limited = await events(account, after="0", limit="2")
    assert len(limited["items"]) == 2 and limited["last_id"] == "2"
    assert (await account.get("/v1/events", params={"after": "x"})).status_code == 400
    assert (await account.get("/v1/events", params={"bogus": "1"})).status_code == 400


async def test_a_long_poll_answers_as_soon_as_an_event_commits(services):
    account = services["account"]
    waiting = asyncio.create_task(events(account, after="0", wait="25"))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await account.post(
        "/v1/notifications",
        json={
            "user_id": "u-marco",
            "tenant_id": "t-acme",
            "category": "system",
            "severity": "info",
            "title": "wake up",
        },
    )
    page = await asyncio.wait_for(waiting, TIMEOUT)  # long before its 25 seconds
    assert [e["data"]["title"] for e in page["items"]] == ["wake up"]


async def test_ids_older_than_the_retention_window_answer_410():
    apps = create_services(settings=ServiceSettings(event_retention_days=30))
    log = apps["account"].state.events
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=apps["account"]), base_url="http://a") as account:
        for title in ("old", "older"):
            await create_notification(apps, "u-marco", title)
        assert log.purge() == 0  # still within the window
        log.clock = lambda: datetime.now(UTC) + timedelta(days=31)
        assert log.purge() == 2
        expired = await account.get("/v1/events", params={"after": "1"})
        assert expired.status_code == 410 and expired.json()["error"]["code"] == "events_expired"
        assert (await events(account, after="2"))["items"] == []  # from the purge boundary on, all is there


@pytest.mark.socket
async def test_the_stream_is_also_served_as_server_sent_events():
    apps = create_services()
    async with serving(apps["account"]) as address, httpx.AsyncClient(timeout=TIMEOUT) as http:
        url = f"http://{address}/v1/events"
        async with http.stream("GET", url, params={"after": "0"}, headers={"accept": "text/event-stream"}) as stream:
            lines = stream.aiter_lines()
            assert (await asyncio.wait_for(anext(lines), TIMEOUT)) == "retry: 1000"
            await create_notification(apps, "u-marco", "streamed")
            received = []
            while not any(line.startswith('data: {"id"') for line in received):
                received.append(await asyncio.wait_for(anext(lines), TIMEOUT))
        assert "id: 1" in received and "event: notification.created" in received


@pytest.mark.socket
async def test_the_gateway_reader_resumes_from_its_position_after_the_stream_fails():
    harness = build_harness(settings=Settings.from_env({"GATEWAY_EVENTS_POLL_SECONDS": "0.2"}, viewer_cache_seconds=0))
    faults = harness.services["account"].state.faults

    def failures() -> float:
        return REGISTRY.get_sample_value("gateway_event_stream_errors_total", {"domain": "account"}) or 0.0

    async with serving(harness.app) as address, live_client(address) as client:
        await client.init(bearer(harness.token("member")))
        added = await client.subscribe("subscription { notificationAdded { notification { title } } }")
        await until(lambda: harness.app.state.live.hub.count == 1, "the subscription")
        before = failures()
        faults.set(FaultSpec(down=True, paths=["/v1/events"]))
        await until(lambda: failures() > before, "a failed stream read")
        await create_notification(harness.services, "u-marco", "while the stream was down")
        await until(lambda: failures() > before + 1, "another failed read")
        faults.set(FaultSpec())
        data = await client.next_data(added)
        assert data["notificationAdded"]["notification"]["title"] == "while the stream was down"
    assert await workload_in(harness.services, "p-vision")  # the services kept serving throughout
