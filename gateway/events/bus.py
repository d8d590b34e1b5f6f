"""From the domain services' event streams to the hub: one reader per stream, reconnecting and resuming.

``follow`` is the reading loop: long-poll ``GET /v1/events`` from the last position, hand each page to
``deliver``, advance; on failure wait (doubling from ``backoff_seconds`` to ``backoff_max_seconds``, with
jitter) and resume from the same position, so a service restart or a network blip loses nothing. A stream
whose identity changed (its database was re-created) is followed from its current position instead: its
old positions mean nothing any more.

``LocalBus`` (``GATEWAY_EVENTS=memory``) runs ``follow`` for every stream in this process and publishes
straight to the hub; ``RedisBus`` (``gateway.events.redis_bus``) shares one reader between replicas.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from gateway.backends import Backends
from gateway.backends._client import ServiceClient
from gateway.backends.events import EventsExpired, StreamEvent, wait_for_events
from gateway.errors import BackendError
from gateway.events.hub import EventHub
from gateway.events.metrics import EVENTS_RECEIVED, STREAM_ERRORS, STREAM_READER
from gateway.events.model import STREAMS, LiveEvent
from gateway.events.settings import EventSettings

log = logging.getLogger("gateway.events")
# deliver(events, stream, last position) -> False to stop following (the reader lost its lease)
READY_SECONDS = 3.0
Deliver = Callable[[list[LiveEvent], str, str], Awaitable[bool]]


def live_event(domain: str, stream: str, item: StreamEvent) -> LiveEvent:
    """The hub's event for one stream item."""
    return LiveEvent(
        domain=domain,
        stream=stream,
        seq=int(item.id),
        type=item.type,
        at=item.at.isoformat().replace("+00:00", "Z"),
        subject_id=item.subject_id,
        tenant_id=item.tenant_id,
        project_id=item.project_id,
        user_id=item.user_id,
        data=item.data,
    )


async def follow(
    client: ServiceClient,
    settings: EventSettings,
    deliver: Deliver,
    *,
    stream: str | None = None,
    after: str | None = None,
) -> None:
    """Follow ``client``'s event stream from ``after`` (None: from now) until ``deliver`` returns False."""
    domain = client.domain
    backoff = settings.backoff_seconds
    while True:
        try:
            page = await wait_for_events(client, after, wait=settings.poll_seconds, filters={"type": STREAMS[domain]})
        except EventsExpired:
            log.warning("the %s event stream dropped events after %s (retention); following from now", domain, after)
            after = None
            continue
        except BackendError as error:
            STREAM_ERRORS.labels(domain).inc()
            delay = random.uniform(backoff / 2, backoff)
            log.warning("reading the %s event stream failed (%s); retrying in %.2f s", domain, error.code, delay)
            await asyncio.sleep(delay)
            backoff = min(backoff * 2, settings.backoff_max_seconds)
            continue
        backoff = settings.backoff_seconds
        if stream is not None and page.stream != stream:
            log.warning(
                "the %s event stream is a new one (%s, was %s); following it from now", domain, page.stream, stream
            )
            stream, after = page.stream, None
            continue
        stream = page.stream
        events = [live_event(domain, stream, item) for item in page.items]
        if not await deliver(events, stream, page.last_id):
            return
        after = page.last_id


def background(coroutine: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
    """A task in a fresh context: no request's identity or call log leaks into a long-lived reader."""
    return asyncio.get_running_loop().create_task(coroutine, name=name, context=contextvars.Context())


async def cancel_all(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel tasks and wait until they are gone."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    tasks.clear()


class EventBus(Protocol):
    """Carries the services' events to this process's hub."""

    hub: EventHub

    def start(self) -> None:
        """Start reading (idempotent; needs a running event loop)."""

    async def positioned(self) -> None:
        """Return once every event committed from now on will reach the hub."""

    async def stop(self) -> None:
        """Stop reading and release what is held."""


class LocalBus:
    """Every process reads every stream itself (``GATEWAY_EVENTS=memory``)."""

    def __init__(self, hub: EventHub, backends: Backends, settings: EventSettings) -> None:
        self.hub = hub
        self._backends = backends
        self._settings = settings
        self._tasks: list[asyncio.Task[None]] = []
        self._positioned: dict[str, asyncio.Event] = {}

    def start(self) -> None:
        """One reader task per stream."""
        if self._tasks:
            return
        self._positioned = {domain: asyncio.Event() for domain in STREAMS}
        for domain in STREAMS:
            self._tasks.append(background(self._read(domain), f"events:{domain}"))

    async def positioned(self) -> None:
        """Once every reader has read its stream's current position."""
        for event in self._positioned.values():
            await event.wait()

    async def _read(self, domain: str) -> None:
        async def deliver(events: list[LiveEvent], _stream: str, _last: str) -> bool:
            self._positioned[domain].set()
            EVENTS_RECEIVED.labels(domain, "stream").inc(len(events))
            for event in events:
                self.hub.publish(event)
            return True

        STREAM_READER.labels(domain).inc()
        try:
            await follow(getattr(self._backends, domain), self._settings, deliver)
        finally:
            STREAM_READER.labels(domain).dec()

    async def stop(self) -> None:
        """Cancel the readers."""
        await cancel_all(self._tasks)


def create_bus(hub: EventHub, backends: Backends, settings: EventSettings) -> EventBus:
    """The bus ``GATEWAY_EVENTS`` names."""
    if settings.redis_url:
        from gateway.events.redis_bus import RedisBus

        return RedisBus(hub, backends, settings)
    return LocalBus(hub, backends, settings)


@dataclass
class Live:
    """The process's hub and the bus feeding it; the bus starts at startup or with the first subscription."""

    hub: EventHub
    bus: EventBus
    settings: EventSettings

    @classmethod
    def create(cls, backends: Backends, settings: EventSettings) -> Live:
        """A hub with the configured queue size and its bus."""
        hub = EventHub(settings.queue_size)
        live = cls(hub=hub, bus=create_bus(hub, backends, settings), settings=settings)
        hub.ready = live.ready
        return live

    def start(self) -> None:
        """Start the bus (idempotent)."""
        self.bus.start()

    async def ready(self, timeout: float = READY_SECONDS) -> bool:
        """Start the bus and wait (at most ``timeout``) until it is positioned on every stream.

        False when it is not (a service or Redis is down): subscriptions go on, and the reader positions
        itself once it can; events committed meanwhile are delivered to ``after`` resumptions only.
        """
        self.start()
        try:
            await asyncio.wait_for(self.bus.positioned(), timeout)
        except TimeoutError:
            log.warning("the event bus is not positioned on every stream yet")
            return False
        return True

    async def stop(self) -> None:
        """Stop the bus."""
        await self.bus.stop()
