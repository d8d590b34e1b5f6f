"""The backend connection pool: httpcore's behaviour (reuse, limits, keep-alive, stale sockets), planned in
one pass whose work does not grow with the square of the pool's size."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpcore
import httpx
import pytest

from gateway.backends.pool import LinearConnectionPool, pooled_transport

ORIGIN = httpcore.Origin(b"http", b"workloads.test", 80)
OTHER = httpcore.Origin(b"http", b"storage.test", 80)


@dataclass(eq=False)
class FakeConnection:
    """A pooled connection in a given state; counts the pool's questions to it."""

    origin: httpcore.Origin = field(default_factory=lambda: ORIGIN)
    idle: bool = True
    closed: bool = False
    expired: bool = False
    asked: Counter[str] = field(default_factory=Counter)

    def can_handle_request(self, origin: httpcore.Origin) -> bool:
        self.asked["can_handle_request"] += 1
        return origin == self.origin

    def is_available(self) -> bool:
        self.asked["is_available"] += 1
        return self.idle and not self.closed

    def has_expired(self) -> bool:
        self.asked["has_expired"] += 1
        return self.expired

    def is_idle(self) -> bool:
        self.asked["is_idle"] += 1
        return self.idle

    def is_closed(self) -> bool:
        self.asked["is_closed"] += 1
        return self.closed


class FakePool(LinearConnectionPool):
    """The pool with fake connections: ``create_connection`` makes a busy fake instead of dialling."""

    def create_connection(self, origin: httpcore.Origin) -> httpcore.AsyncConnectionInterface:
        return FakeConnection(origin, idle=False)  # type: ignore[return-value]


def pool_of(connections: list[FakeConnection], *, max_connections: int = 10, keepalive: int | None = None) -> FakePool:
    pool = FakePool(max_connections=max_connections, max_keepalive_connections=keepalive, probe_interval=3600)
    pool._connections = list(connections)  # type: ignore[arg-type]
    return pool


def queue(pool: FakePool, origin: httpcore.Origin = ORIGIN) -> httpcore.AsyncConnectionPool:
    """Queue one request and run the planning pass, as ``handle_async_request`` does; the request's pool entry."""
    url = httpcore.URL(scheme=origin.scheme, host=origin.host, port=origin.port, target=b"/")
    pending = httpcore._async.connection_pool.AsyncPoolRequest(httpcore.Request(b"GET", url))
    pool._requests.append(pending)
    for closing in pool._assign_requests_to_connections():
        closing.closed = True  # type: ignore[attr-defined]  # what _close_connections does
    return pending  # type: ignore[return-value]


async def test_an_idle_connection_is_reused_and_handed_to_one_request_only() -> None:
    idle = FakeConnection()
    pool = pool_of([idle])
    first, second = queue(pool), queue(pool)
    assert first.connection is idle  # type: ignore[attr-defined]
    assert second.connection is not idle and second.connection in pool._connections  # type: ignore[attr-defined]
    assert len(pool._connections) == 2


async def test_a_full_pool_queues_the_request_then_closes_an_idle_connection_to_another_origin() -> None:
    busy = [FakeConnection(idle=False) for _ in range(2)]
    pool = pool_of(busy, max_connections=2)
    assert queue(pool).connection is None  # type: ignore[attr-defined]
    other = FakeConnection(OTHER)
    pool._connections = [busy[0], other]  # type: ignore[list-item]
    waiting = pool._requests[0]
    pool._assign_requests_to_connections()
    assert other not in pool._connections and waiting.connection in pool._connections
    assert len(pool._connections) == 2


async def test_idle_connections_beyond_the_keep_alive_limit_close_oldest_first() -> None:
    idle = [FakeConnection() for _ in range(5)]
    pool = pool_of(idle, keepalive=3)
    pool._assign_requests_to_connections()
    assert pool._connections == idle[2:]


async def test_a_stale_idle_connection_is_closed_when_handed_out_and_the_next_one_is_used() -> None:
    stale, good = FakeConnection(expired=True), FakeConnection()
    pool = pool_of([stale, good])
    pool._assign_requests_to_connections()  # the first pass sweeps: the stale connection goes
    assert pool._connections == [good]
    stale2 = FakeConnection(expired=True)
    pool._connections = [stale2, good]  # type: ignore[list-item]
    assert queue(pool).connection is good  # type: ignore[attr-defined]  # between sweeps: probed when handed out
    assert stale2.closed and pool._connections == [good]


@pytest.mark.parametrize("size", [10, 100])
async def test_a_pass_asks_each_connection_a_constant_number_of_questions(size: int) -> None:
    # httpcore 1.0.9 asks every idle connection is_idle() once per idle connection (size**2) and probes
    # every idle socket on every pass; this pass asks each a few questions and probes the one it hands out.
    connections = [FakeConnection() for _ in range(size)]
    pool = pool_of(connections, max_connections=size + 1)
    pool._assign_requests_to_connections()  # the first pass sweeps every idle socket
    for connection in connections:
        connection.asked.clear()
    queue(pool)
    asked: Counter[str] = Counter()
    for connection in connections:
        asked.update(connection.asked)
    assert asked["has_expired"] == 1
    assert sum(asked.values()) <= 4 * size + 2


class KeepAliveServer:
    """A loopback HTTP/1.1 server answering ``ok``; counts its connections, and can drop them when idle."""

    def __init__(self) -> None:
        self.accepted = 0
        self.drop_after_answer = False
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                await asyncio.sleep(0.01)  # requests overlap, as a backend's latency makes them
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
                if self.drop_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    async def url(self) -> str:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"


@pytest.fixture
async def server() -> AsyncIterator[KeepAliveServer]:
    running = KeepAliveServer()
    yield running
    if running.server is not None:
        running.server.close()


@pytest.mark.socket
async def test_real_sockets_stay_within_the_limit_and_are_reused(server: KeepAliveServer) -> None:
    async with httpx.AsyncClient(base_url=await server.url(), transport=pooled_transport(8)) as client:
        for _ in range(2):
            responses = await asyncio.gather(*(client.get("/") for _ in range(40)))
            assert [r.text for r in responses] == ["ok"] * 40
        assert server.accepted <= 8  # the second wave reused the first wave's connections


@pytest.mark.socket
async def test_a_connection_the_server_closed_while_idle_is_replaced_without_an_error(server: KeepAliveServer) -> None:
    server.drop_after_answer = True
    transport = pooled_transport(4, probe_interval=3600)  # no sweep after the first: the hand-out probe decides
    async with httpx.AsyncClient(base_url=await server.url(), transport=transport) as client:
        for _ in range(3):
            assert (await client.get("/")).text == "ok"
            await asyncio.sleep(0.05)  # the server's close reaches the idle socket
    assert server.accepted == 3


async def test_a_request_ending_with_none_waiting_asks_the_connections_nothing_between_sweeps() -> None:
    connections = [FakeConnection() for _ in range(50)]
    pool = pool_of(connections, max_connections=60)
    pool._assign_requests_to_connections()  # the sweep
    for connection in connections:
        connection.asked.clear()
    assert pool._assign_requests_to_connections() == []
    assert sum(sum(c.asked.values()) for c in connections) == 0
