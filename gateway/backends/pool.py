"""The socket transport to the domain services: httpx over a connection pool whose bookkeeping is linear.

httpcore 1.0's pool re-plans every pooled connection whenever a request starts or ends: its keep-alive
check counts the connections once per idle connection (quadratic), it rebuilds the available and idle lists
per queued request, and it polls every idle socket for a server-side close (httpcore#1035, httpx#3215).
The overview pages send ten calls at once to the access service, so its pool holds about ten connections per
page in flight, and that bookkeeping cost more gateway CPU than executing the page. ``LinearConnectionPool``
plans in one pass over the connections and the requests (none when a request ends and nothing waits), probes
an idle socket when it hands it out, and sweeps the idle ones at most once per ``probe_interval``. It is the
stock pool otherwise: same connections, same limits, same errors.
"""

from __future__ import annotations

import time
from typing import Any

import httpcore
import httpx
from httpcore import AsyncConnectionInterface

# How often the idle connections are all probed for expiry (keep-alive timeout, or closed by the server);
# between sweeps, a connection is probed when it is handed to a request.
PROBE_INTERVAL = 1.0


class LinearConnectionPool(httpcore.AsyncConnectionPool):
    """httpcore's connection pool with a planning pass linear in connections plus requests."""

    def __init__(self, *args: Any, probe_interval: float = PROBE_INTERVAL, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._probe_interval = probe_interval
        self._next_sweep = 0.0

    def _assign_requests_to_connections(self) -> list[AsyncConnectionInterface]:
        """Drop closed connections, close expired and surplus idle ones, then give each queued request
        (oldest first) an available connection, a new one, or a new one in place of an idle one."""
        now = time.monotonic()
        sweep = now >= self._next_sweep
        queued = [r for r in self._requests if r.is_queued()]
        if not queued and not sweep and len(self._connections) <= self._max_keepalive_connections:
            return []  # a request ended and none waits: closed connections are dropped by the next full pass
        if sweep:
            self._next_sweep = now + self._probe_interval
        closing: list[AsyncConnectionInterface] = []
        # An idle connection already handed to a request that has not started on it is spoken for: it is
        # neither closed nor handed out again (httpcore would, then retry the request that loses it).
        reserved = {id(r.connection) for r in self._requests if r.connection is not None}
        kept: list[AsyncConnectionInterface] = []
        spare: list[AsyncConnectionInterface] = []  # idle and not spoken for, oldest first
        for connection in self._connections:
            if connection.is_closed():
                continue
            if id(connection) not in reserved and connection.is_idle():
                if sweep and connection.has_expired():
                    closing.append(connection)
                    continue
                spare.append(connection)
            kept.append(connection)
        surplus = len(spare) - self._max_keepalive_connections
        if surplus > 0:  # keep-alive limit: close the oldest idle connections
            closing.extend(spare[:surplus])
            gone = {id(c) for c in spare[:surplus]}
            kept = [c for c in kept if id(c) not in gone]
            spare = spare[surplus:]

        if queued:
            # HTTP/2 connections take many requests at once; an HTTP/1.1 one is handed to one request per pass.
            available = [c for c in kept if c.is_available() and (self._http2 or id(c) not in reserved)]
            for pool_request in queued:
                origin = pool_request.request.url.origin
                chosen = self._hand_out(available, origin, spare, kept, closing)
                if chosen is None and len(kept) >= self._max_connections and spare:
                    victim = spare.pop(0)  # full: the oldest idle connection (to another origin) makes room
                    _discard(kept, victim)
                    closing.append(victim)
                if chosen is None and len(kept) < self._max_connections:
                    chosen = self.create_connection(origin)
                    kept.append(chosen)
                if chosen is not None:
                    pool_request.assign_to_connection(chosen)
        self._connections = kept
        return closing

    def _hand_out(
        self,
        available: list[AsyncConnectionInterface],
        origin: httpcore.Origin,
        spare: list[AsyncConnectionInterface],
        kept: list[AsyncConnectionInterface],
        closing: list[AsyncConnectionInterface],
    ) -> AsyncConnectionInterface | None:
        """The oldest available connection to ``origin`` whose socket is still good (stale ones are closed)."""
        index = 0
        while index < len(available):
            connection = available[index]
            if not connection.can_handle_request(origin):
                index += 1
                continue
            stale = connection.is_idle() and connection.has_expired()
            if stale or not self._http2:
                del available[index]
                _discard(spare, connection)
            if stale:
                _discard(kept, connection)
                closing.append(connection)
                continue
            return connection
        return None


def _discard(connections: list[AsyncConnectionInterface], connection: AsyncConnectionInterface) -> None:
    for index, candidate in enumerate(connections):
        if candidate is connection:
            del connections[index]
            return


def pooled_transport(max_connections: int, probe_interval: float = PROBE_INTERVAL) -> httpx.AsyncHTTPTransport:
    """An httpx transport of at most ``max_connections`` keep-alive connections over ``LinearConnectionPool``."""
    transport = httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        retries=0,
    )
    stock = transport._pool
    if type(stock) is not httpcore.AsyncConnectionPool:  # a proxy pool: keep httpx's own
        return transport
    transport._pool = LinearConnectionPool(
        ssl_context=stock._ssl_context,
        max_connections=stock._max_connections,
        max_keepalive_connections=stock._max_keepalive_connections,
        keepalive_expiry=stock._keepalive_expiry,
        http1=stock._http1,
        http2=stock._http2,
        retries=stock._retries,
        probe_interval=probe_interval,
    )
    return transport
