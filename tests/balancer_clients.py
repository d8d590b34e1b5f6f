"""Load clients of the load-balancer fault test: page readers, an idempotent mutator that retries through the
balancer with the same key, and a subscriber that resumes after its last ``eventId`` on a dropped socket. Each
request's outcome is logged with when it started and finished, and which replica answered (HAProxy's
``x-gateway-replica`` header)."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.live_support import live_client

ATTEMPTS = 20  # a mutation's attempts through the balancer, at most

SEND = """mutation Send($title: String!) {
  sendTestNotification(input: {title: $title}) { notification { id title } userErrors { code message } }
}"""
ADDED = """subscription Added($after: String) {
  notificationAdded(after: $after) { eventId notification { title } }
}"""


@dataclass
class Outcome:
    """One request through the balancer."""

    kind: str
    started: float
    ok: bool
    detail: str = ""
    replica: str = ""
    finished: float = field(default_factory=time.monotonic)


@dataclass
class Subscriber:
    """What the resuming subscriber received."""

    titles: list[str] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    reconnects: list[str] = field(default_factory=list)
    replica: str = ""  # the replica its socket is on now (HAProxy's response header on the upgrade)
    ready: asyncio.Event = field(default_factory=asyncio.Event)


def classify(response: httpx.Response, field_name: str | None = None) -> tuple[bool, str]:
    """Whether a GraphQL answer is a success, and what went wrong otherwise."""
    if response.status_code != 200:
        return False, f"HTTP {response.status_code}: {response.text[:200]}"
    body = response.json()
    if body.get("errors"):
        return False, f"errors: {body['errors'][0].get('message', '')[:200]} {body['errors'][0].get('extensions')}"
    if not body.get("data") or (field_name and body["data"].get(field_name) is None):
        return False, "no data"
    return True, ""


def retry_after(response: httpx.Response) -> float | None:
    """The wait an IDEMPOTENCY_REQUEST_IN_PROGRESS answer asks for, or None for any other answer."""
    if response.status_code != 200:
        return None
    for error in response.json().get("errors") or []:
        extensions = error.get("extensions") or {}
        if extensions.get("code") == "IDEMPOTENCY_REQUEST_IN_PROGRESS":
            return float(extensions["retryAfterSeconds"])
    return None


async def read_pages(
    http: httpx.AsyncClient, url: str, requests: list[Any], start: int, stop: asyncio.Event, log: list[Outcome]
) -> None:
    for label, body, headers in itertools.islice(itertools.cycle(requests), start, None):
        if stop.is_set():
            return
        started = time.monotonic()
        try:
            response = await http.post(f"{url}/graphql", json=body, headers=headers)
        except httpx.TransportError as error:
            log.append(Outcome(label, started, False, f"transport: {error!r}"))
            continue
        ok, detail = classify(response)
        log.append(Outcome(label, started, ok, detail, response.headers.get("x-gateway-replica", "")))


async def mutate(
    http: httpx.AsyncClient, url: str, auth: dict[str, str], stop: asyncio.Event, log: list[Outcome], sent: list[str]
) -> None:
    """One notification after another, each under its own Idempotency-Key; a failed attempt is retried with the
    same key until it succeeds (bounded), as a client of the balancer would."""
    for number in itertools.count():
        if stop.is_set():
            return
        title, key = f"lb-{number:04d}", f"lb-test-{uuid.uuid4().hex}"
        for _ in range(ATTEMPTS):
            started = time.monotonic()
            try:
                response = await http.post(
                    f"{url}/graphql",
                    json={"query": SEND, "variables": {"title": title}},
                    headers={**auth, "idempotency-key": key},
                )
            except httpx.TransportError as error:
                log.append(Outcome("sendTestNotification", started, False, f"transport: {error!r}"))
                await asyncio.sleep(0.05)
                continue
            wait = retry_after(response)
            if wait is not None:  # the key's first attempt is still in progress (or died holding it): not a failure
                replica = response.headers.get("x-gateway-replica", "")
                log.append(Outcome("sendTestNotification", started, True, "in progress", replica))
                await asyncio.sleep(wait)
                continue
            ok, detail = classify(response, "sendTestNotification")
            if ok and response.json()["data"]["sendTestNotification"]["userErrors"]:
                ok, detail = False, f"userErrors: {response.json()['data']['sendTestNotification']['userErrors']}"
            replica = response.headers.get("x-gateway-replica", "")
            log.append(Outcome("sendTestNotification", started, ok, detail, replica))
            if ok:
                sent.append(title)
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"{title} never succeeded in {ATTEMPTS} attempts")


async def subscribe(address: str, token: str, subscriber: Subscriber, done: asyncio.Event, want: list[str]) -> None:
    """Stay subscribed through the balancer; on a dropped socket resume after the last eventId received."""
    payload = {"Authorization": f"Bearer {token}"}
    while not (done.is_set() and len(subscriber.titles) >= len(want)):
        after = subscriber.event_ids[-1] if subscriber.event_ids else None
        try:
            async with live_client(address) as client:
                response = client.ws.response
                subscriber.replica = response.headers.get("x-gateway-replica", "") if response else ""
                ack = await client.init(payload)
                assert ack["type"] == "connection_ack", ack
                added = await client.subscribe(ADDED, {"after": after} if after else {})
                if not subscriber.ready.is_set():
                    badge = await client.subscribe("subscription { unreadCount }")
                    first = await client.receive()  # its first answer: the subscriptions are registered
                    assert first["id"] == badge, first
                    subscriber.ready.set()
                while not (done.is_set() and len(subscriber.titles) >= len(want)):
                    try:
                        message = await client.receive(timeout=0.5)
                    except TimeoutError:
                        continue
                    if message.get("id") != added:
                        continue
                    assert message["type"] == "next" and "errors" not in message["payload"], message
                    event = message["payload"]["data"]["notificationAdded"]
                    subscriber.event_ids.append(event["eventId"])
                    subscriber.titles.append(event["notification"]["title"])
        except (ConnectionClosed, InvalidHandshake, OSError, TimeoutError) as error:
            subscriber.reconnects.append(repr(error)[:200])
            await asyncio.sleep(0.1)
