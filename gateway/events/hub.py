"""In-process fan-out: subscriptions register under topics; each event is queued to every matching one.

Queues are bounded: a subscription whose queue is full when an event arrives is dropped at once (its queue
freed, its ``on_overflow`` called, its reader told ``SlowConsumer``), so a client that stops reading costs a
bounded amount of memory. Events of one stream are delivered at most once and in order: the hub remembers
the last position per stream and ignores anything at or before it (a new Redis reader replaying its
predecessor's last batch, a catch-up overlapping live delivery).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

from gateway.errors import GatewayError
from gateway.events.metrics import EVENTS_DELIVERED, SLOW_CONSUMERS, SUBSCRIPTIONS
from gateway.events.model import LiveEvent


class SlowConsumer(GatewayError):
    """The subscriber fell more than its queue size behind and was disconnected."""

    code = "SLOW_CONSUMER"


class SubscriptionClosed(Exception):
    """The subscription was unsubscribed; nothing more will arrive."""


class Subscription:
    """One subscriber's bounded queue of events."""

    def __init__(self, topics: tuple[str, ...], limit: int, on_overflow: Callable[[], None] | None) -> None:
        self.topics = topics
        self.limit = limit
        self.on_overflow = on_overflow
        self.overflowed = False
        self.closed = False
        self._items: deque[LiveEvent] = deque()
        self._waiter: asyncio.Future[None] | None = None

    def push(self, event: LiveEvent) -> bool:
        """Queue an event; False (and nothing queued) when the queue is full."""
        if len(self._items) >= self.limit:
            return False
        self._items.append(event)
        self._wake()
        return True

    async def next(self) -> LiveEvent:
        """The next event, waiting for one; ``SlowConsumer`` once dropped for falling behind."""
        while not self._items:
            if self.overflowed:
                raise SlowConsumer(
                    f"more than {self.limit} events were waiting for this subscription: "
                    "reconnect and resubscribe with `after` to resume"
                )
            if self.closed:
                raise SubscriptionClosed
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.popleft()

    def pending(self) -> list[LiveEvent]:
        """Every queued event, removed from the queue."""
        items = list(self._items)
        self._items.clear()
        return items

    def _drop(self, overflowed: bool) -> None:
        self.overflowed = overflowed
        self.closed = True
        self._items.clear()
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class EventHub:
    """The subscriptions of one gateway process, by topic."""

    def __init__(self, queue_size: int) -> None:
        self.queue_size = queue_size
        self._topics: dict[str, set[Subscription]] = {}
        self._positions: dict[tuple[str, str], int] = {}  # (domain, stream) -> last position delivered
        self.count = 0
        # Starts the event bus if needed and waits (bounded) until it is positioned on every stream, so that
        # every event committed after a subscription registers reaches it (set by ``bus.Live``).
        self.ready: Callable[[], Awaitable[object]] | None = None  # its answer (positioned or not) is ignored

    async def wait_ready(self) -> None:
        """Wait until the bus feeding this hub is positioned (see ``ready``)."""
        if self.ready is not None:
            await self.ready()

    def subscribe(self, topics: Iterable[str], on_overflow: Callable[[], None] | None = None) -> Subscription:
        """Register a subscription under ``topics`` (after ``wait_ready``); ``unsubscribe`` it when done."""
        subscription = Subscription(tuple(topics), self.queue_size, on_overflow)
        for topic in subscription.topics:
            self._topics.setdefault(topic, set()).add(subscription)
        self.count += 1
        SUBSCRIPTIONS.inc()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Remove a subscription (idempotent)."""
        removed = False
        for topic in subscription.topics:
            members = self._topics.get(topic)
            if members is not None and subscription in members:
                members.discard(subscription)
                removed = True
                if not members:
                    del self._topics[topic]
        if removed:
            self.count -= 1
            SUBSCRIPTIONS.dec()
        if not subscription.closed:
            subscription._drop(overflowed=False)

    def positions(self) -> dict[tuple[str, str], int]:
        """The last position delivered, per (domain, stream)."""
        return dict(self._positions)

    def publish(self, event: LiveEvent) -> int:
        """Queue the event for every subscription of its topics; how many got it (0 for a repeat)."""
        key = (event.domain, event.stream)
        last = self._positions.get(key)
        if last is not None and event.seq <= last:
            return 0
        self._positions[key] = event.seq
        delivered = 0
        for topic in event.topics():
            for subscription in list(self._topics.get(topic, ())):
                if subscription.push(event):
                    delivered += 1
                else:
                    self._overflow(subscription)
        EVENTS_DELIVERED.inc(delivered)
        return delivered

    def _overflow(self, subscription: Subscription) -> None:
        SLOW_CONSUMERS.inc()
        self.unsubscribe(subscription)
        subscription._drop(overflowed=True)
        if subscription.on_overflow is not None:
            subscription.on_overflow()

    def topic_count(self) -> int:
        """Topics with at least one subscription (0 once every subscription is gone)."""
        return len(self._topics)
