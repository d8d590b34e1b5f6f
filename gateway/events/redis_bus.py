"""Live events across replicas (``GATEWAY_EVENTS=redis://...``): one reader per stream, Redis pub/sub to all.

Why a leader lease rather than every replica reading and deduplicating by event id: a service's stream is
read once whatever the number of replicas, and one publisher per stream keeps its events in order (with
several racing publishers a subscriber could see event 6 before 5). How:

- **Lease.** Per stream, ``SET <prefix>:lease:<domain> <replica> NX PX <lease>``; the holder renews it every
  third of the lease (a Lua compare-and-``PEXPIRE``) and the others retry at the same pace. A crashed
  holder's lease lapses and another replica takes over within one lease.
- **Publish, fenced.** The holder publishes each page with one Lua script that checks it still holds the
  lease, ``PUBLISH``es the events and records the stream position (``<prefix>:cursor:<domain>``), all
  atomically: a holder that lost its lease (paused, partitioned) cannot publish, and a new holder resumes
  exactly after the last published page: no gap, no repeat.
- **Fan-out.** Every replica subscribes to ``<prefix>:channel`` and publishes what arrives into its hub, so an
  event reaches each subscriber once, on whichever replica it is connected to. Pub/sub drops messages while
  a replica is disconnected from Redis, so after re-subscribing a replica first catches up from the
  services' streams from its last delivered position (the hub ignores anything it already delivered).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

from gateway.backends import Backends
from gateway.backends.events import EventsExpired, replay_events
from gateway.errors import BackendError
from gateway.events.bus import background, cancel_all, follow, live_event
from gateway.events.hub import EventHub
from gateway.events.metrics import EVENTS_RECEIVED, STREAM_READER
from gateway.events.model import STREAMS, LiveEvent
from gateway.events.settings import EventSettings

log = logging.getLogger("gateway.events")

_PUBLISH = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
for i = 4, #ARGV do redis.call('PUBLISH', ARGV[3], ARGV[i]) end
redis.call('SET', KEYS[2], ARGV[2])
return #ARGV - 3
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LeaseLost(Exception):
    """Another replica holds the stream's lease now."""


class RedisBus:
    """Leader-leased stream readers publishing to Redis; a listener feeding this replica's hub."""

    def __init__(self, hub: EventHub, backends: Backends, settings: EventSettings) -> None:
        assert settings.redis_url is not None
        self.hub = hub
        self._backends = backends
        self._settings = settings
        self.replica = secrets.token_hex(8)
        tag = "{" + settings.prefix + "}"  # one hash slot for every key (Redis Cluster)
        self._lease = {domain: f"{tag}:lease:{domain}" for domain in STREAMS}
        self._cursor = {domain: f"{tag}:cursor:{domain}" for domain in STREAMS}
        self.channel = f"{settings.prefix}:channel"
        pool = redis.BlockingConnectionPool.from_url(  # a burst waits for a free connection instead of failing
            settings.redis_url,
            max_connections=settings.max_connections,
            timeout=settings.pool_timeout_seconds,
            socket_timeout=2.0,
            socket_connect_timeout=2.0,
        )
        self._redis = redis.Redis.from_pool(pool)
        self._listener = redis.from_url(settings.redis_url, socket_connect_timeout=2.0, health_check_interval=10)
        self._publish = self._redis.register_script(_PUBLISH)
        self._renew = self._redis.register_script(_RENEW)
        self._release = self._redis.register_script(_RELEASE)
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed: asyncio.Event | None = None
        self.leading: set[str] = set()

    def start(self) -> None:
        """The listener, and a lease contender per stream."""
        if self._tasks:
            return
        self._subscribed = asyncio.Event()
        self._tasks.append(background(self._listen(), "events:redis-listener"))
        for domain in STREAMS:
            self._tasks.append(background(self._contend(domain), f"events:lease:{domain}"))

    async def positioned(self) -> None:
        """Once this replica listens on the channel and every stream has a reader position (a cursor)."""
        assert self._subscribed is not None, "start() first"
        await self._subscribed.wait()
        while True:
            try:
                if await self._redis.exists(*self._cursor.values()) == len(self._cursor):
                    return
            except RedisError:
                pass
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        """Stop, hand the leases back (so another replica takes over at once) and close the connections."""
        held = list(self.leading)  # the readers forget their domains as they are cancelled
        await cancel_all(self._tasks)
        for domain in held:
            with contextlib.suppress(RedisError):
                await self._release(keys=[self._lease[domain]], args=[self.replica])
        await self._redis.aclose()
        await self._listener.aclose()

    async def _contend(self, domain: str) -> None:
        lease_ms = int(self._settings.lease_seconds * 1000)
        while True:
            try:
                if await self._redis.set(self._lease[domain], self.replica, nx=True, px=lease_ms):
                    await self._lead(domain)
            except (RedisError, LeaseLost) as error:
                log.info("not reading the %s event stream: %s", domain, error or type(error).__name__)
            await asyncio.sleep(self._settings.lease_seconds / 3 * random.uniform(0.8, 1.0))

    async def _lead(self, domain: str) -> None:
        """Read the stream while holding its lease."""
        self.leading.add(domain)
        STREAM_READER.labels(domain).inc()
        log.info("replica %s reads the %s event stream", self.replica, domain)
        try:
            cursor = await self._redis.get(self._cursor[domain])
            stream, _, after = (cursor.decode() if isinstance(cursor, bytes) else cursor or "").partition(":")
            reader = background(self._read(domain, stream or None, after or None), f"events:read:{domain}")
            renewer = background(self._keep_lease(domain), f"events:renew:{domain}")
            try:
                done, _ = await asyncio.wait({reader, renewer}, return_when=asyncio.FIRST_COMPLETED)
            finally:  # also when this contender is cancelled (stop()): the reader must not outlive the bus
                await cancel_all([reader, renewer])
            for task in done:
                error = None if task.cancelled() else task.exception()
                if error is not None:
                    raise error
        finally:
            self.leading.discard(domain)
            STREAM_READER.labels(domain).dec()

    async def _read(self, domain: str, stream: str | None, after: str | None) -> None:
        async def deliver(events: list[LiveEvent], current: str, last: str) -> bool:
            published = await self._publish(
                keys=[self._lease[domain], self._cursor[domain]],
                args=[self.replica, f"{current}:{last}", self.channel, *(e.to_json() for e in events)],
            )
            if published == -1:
                raise LeaseLost(f"the {domain} lease passed to another replica")
            EVENTS_RECEIVED.labels(domain, "stream").inc(len(events))
            return True

        await follow(getattr(self._backends, domain), self._settings, deliver, stream=stream, after=after)

    async def _keep_lease(self, domain: str) -> None:
        lease = self._settings.lease_seconds
        renewed = asyncio.get_running_loop().time()
        while True:
            await asyncio.sleep(lease / 3)
            try:
                if not await self._renew(keys=[self._lease[domain]], args=[self.replica, int(lease * 1000)]):
                    raise LeaseLost(f"the {domain} lease passed to another replica")
                renewed = asyncio.get_running_loop().time()
            except RedisError:
                if asyncio.get_running_loop().time() - renewed >= lease:
                    raise LeaseLost(f"the {domain} lease could not be renewed in time") from None

    async def _listen(self) -> None:
        backoff = self._settings.backoff_seconds
        while True:
            pubsub: Any = self._listener.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                backoff = self._settings.backoff_seconds
                caught_up = False
                async for message in pubsub.listen():
                    if message.get("type") == "subscribe" and not caught_up:
                        # Subscribed (confirmed): what is published from now on arrives here, and what is
                        # published while catching up waits in the subscription's socket.
                        assert self._subscribed is not None
                        self._subscribed.set()
                        await self._catch_up()
                        caught_up = True
                    elif message.get("type") == "message":
                        event = LiveEvent.from_json(message["data"])
                        EVENTS_RECEIVED.labels(event.domain, "redis").inc()
                        self.hub.publish(event)
            except RedisError as error:
                log.warning("the Redis event channel failed (%s); re-subscribing", type(error).__name__)
                await asyncio.sleep(random.uniform(backoff / 2, backoff))
                backoff = min(backoff * 2, self._settings.backoff_max_seconds)
            finally:
                with contextlib.suppress(RedisError):
                    await pubsub.aclose()

    async def _catch_up(self) -> None:
        """Deliver what the services' streams hold after this hub's last positions (missed while away)."""
        for domain in STREAMS:
            client = getattr(self._backends, domain)
            for (known_domain, stream), position in self.hub.positions().items():
                if known_domain != domain:
                    continue
                try:
                    async for page in replay_events(client, str(position), {"type": STREAMS[domain]}):
                        if page.stream != stream:
                            break
                        for item in page.items:
                            self.hub.publish(live_event(domain, stream, item))
                except (BackendError, EventsExpired) as error:
                    log.warning("catching up on the %s event stream failed: %s", domain, type(error).__name__)
