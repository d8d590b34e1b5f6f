"""A cheap HTTP/1.1 load client on raw asyncio streams (the client shares the cores it measures).

Each worker keeps one keep-alive connection and sends the same pre-encoded POST in a loop until
the phase's deadline; latencies are collected per request. Only the status line, the
Content-Length header and the presence of ``"errors"`` are inspected during timed phases;
``keep_bodies`` keeps decoded bodies when the caller wants them (the concurrency-1 phase).
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

HEADER_END = b"\r\n\r\n"


@dataclass
class PhaseResult:
    """What one load phase measured."""

    concurrency: int
    duration: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    spread: list[int] = field(default_factory=list)  # connections held by each server worker

    @property
    def requests(self) -> int:
        """Requests completed (including those that failed at the HTTP or GraphQL level)."""
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        """Completed requests per second of wall-clock time."""
        return self.requests / self.duration if self.duration > 0 else 0.0

    def note_error(self, message: str) -> None:
        """Count an error; keep the first few messages."""
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(message[:300])


def encode_request(url: str, query: str, variables: dict[str, Any], headers: dict[str, str] | None = None) -> bytes:
    """The bytes of one GraphQL POST over HTTP/1.1 keep-alive."""
    parts = urlsplit(url)
    body = json.dumps({"query": query, "variables": variables}, separators=(",", ":")).encode()
    lines = [
        f"POST {parts.path or '/'} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Content-Type: application/json",
        "Accept: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(HEADER_END)
    status_line, _, header_block = head.partition(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length = None
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value)
        elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
            return status, await _read_chunked(reader)
    if length is None:
        raise ValueError("response has neither Content-Length nor chunked encoding")
    return status, await reader.readexactly(length)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@dataclass(frozen=True)
class Balancer:
    """The server's worker processes, and which of them holds each connection (client port -> pid)."""

    workers: list[int]
    owners: Callable[[], dict[int, int]]


async def _connect(host: str, port: int) -> Connection:
    return await asyncio.open_connection(host, port)


def _client_port(connection: Connection) -> int:
    return int(connection[1].get_extra_info("sockname")[1])


async def open_balanced(
    host: str, port: int, count: int, balancer: Balancer | None, *, attempts: int = 40
) -> list[Connection]:
    """``count`` keep-alive connections, spread evenly over the server's worker processes when possible.

    Workers of one server share its listening socket, and whichever wakes first accepts a whole burst
    of new connections; a load balancer would spread them. So a connection held by the busiest worker
    is reopened (a bounded number of times) until no worker holds more than one above another.
    """
    connections = [await _connect(host, port) for _ in range(count)]
    if balancer is None or len(balancer.workers) < 2:
        return connections
    for _ in range(attempts):
        await asyncio.sleep(0.01)  # let the workers accept before asking who holds what
        owners = balancer.owners()
        held: dict[int, list[int]] = {pid: [] for pid in balancer.workers}
        for index, connection in enumerate(connections):
            owner = owners.get(_client_port(connection))
            if owner in held:
                held[owner].append(index)
        if sum(len(indexes) for indexes in held.values()) < len(connections):
            continue  # some connection is not accepted yet
        counts = sorted(len(indexes) for indexes in held.values())
        if counts[-1] - counts[0] <= 1:
            break
        index = max(held.values(), key=len)[-1]
        connections[index][1].close()
        connections[index] = await _connect(host, port)
    return connections


async def _worker(
    connection: Connection,
    host: str,
    port: int,
    request: bytes,
    deadline: float,
    result: PhaseResult,
    *,
    keep_bodies: bool,
    max_requests: int | None,
) -> None:
    reader, writer = connection
    try:
        while time.perf_counter() < deadline and (max_requests is None or result.requests < max_requests):
            started = time.perf_counter()
            try:
                writer.write(request)
                status, body = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                result.latencies.append(time.perf_counter() - started)
                result.note_error(f"connection: {error!r}")
                writer.close()
                reader, writer = await _connect(host, port)
                continue
            result.latencies.append(time.perf_counter() - started)
            if status != 200:
                result.note_error(f"HTTP {status}: {body[:200]!r}")
            elif b'"errors":' in body:
                result.note_error(f"GraphQL errors: {body[:300]!r}")
            if keep_bodies:
                result.bodies.append(json.loads(body))
    finally:
        writer.close()


async def run_phase(
    url: str,
    request: bytes,
    *,
    concurrency: int,
    duration: float,
    keep_bodies: bool = False,
    max_requests: int | None = None,
    balancer: Balancer | None = None,
) -> PhaseResult:
    """Send ``request`` from ``concurrency`` connections for ``duration`` seconds (or ``max_requests``)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    connections = await open_balanced(host, port, concurrency, balancer)
    result = PhaseResult(concurrency=concurrency)
    if balancer is not None:
        owners = balancer.owners()
        result.spread = [sum(1 for c in connections if owners.get(_client_port(c)) == pid) for pid in balancer.workers]
    started = time.perf_counter()
    deadline = started + duration
    # Bounded: every worker stops at the deadline; the timeout covers a request stuck past it.
    await asyncio.wait_for(
        asyncio.gather(
            *(
                _worker(
                    connection,
                    host,
                    port,
                    request,
                    deadline,
                    result,
                    keep_bodies=keep_bodies,
                    max_requests=max_requests,
                )
                for connection in connections
            )
        ),
        timeout=duration + 30,
    )
    result.duration = time.perf_counter() - started
    return result


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]
