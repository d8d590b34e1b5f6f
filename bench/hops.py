"""Backend calls and hops of a page, counted (not timed) on an in-process gateway and reference services.

A hop is one round of backend calls that can run together. ``HopCounter`` wraps every service's transport
and simulates a uniform latency in event-loop turns instead of seconds: requests are held until the loop
has been quiet for a while and nothing released earlier is still in flight, then released together as one
wave. A call that needs another call's answer can only be issued once that answer is back, so it lands in a
later wave; independent calls issued together share one. The number of waves is the page's dependency
depth, the figure that multiplies the backends' latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

QUIET_TURNS = 50  # loop turns with no new request and nothing in flight before a wave is released
MAX_TURNS = 200_000  # bound on how long a wave may be held (a page never needs this many)


class HopCounter:
    """Shared by every domain's transport: groups the backend requests of a request into waves."""

    def __init__(self) -> None:
        self.waves: list[list[str]] = []
        self.answer_bytes: Counter[str] = Counter()  # bytes of the backends' answers, per 'domain path'
        self._held: list[str] = []
        self._released: asyncio.Event | None = None
        self._arrivals = 0
        self._in_flight = 0

    def wrap(self, domain: str, inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        """A transport for ``domain`` that joins this counter's waves before calling ``inner``."""
        return _WaveTransport(self, domain, inner)

    def reset(self) -> None:
        """Forget the waves and answers seen so far (between a warm-up and the measured request)."""
        self.waves.clear()
        self.answer_bytes.clear()

    @property
    def hops(self) -> int:
        """Waves of backend calls since the last reset."""
        return len(self.waves)

    @property
    def calls(self) -> dict[str, int]:
        """Backend calls since the last reset, as 'domain path' -> count."""
        return dict(sorted(Counter(name for wave in self.waves for name in wave).items()))

    async def join(self, name: str) -> None:
        """Wait until the wave this request belongs to is released."""
        self._held.append(name)
        self._arrivals += 1
        if self._released is not None:  # a wave is forming: its first request releases it
            released = self._released
            await released.wait()
            return
        released = self._released = asyncio.Event()
        seen, quiet = self._arrivals, 0
        for _ in range(MAX_TURNS):
            await asyncio.sleep(0)
            if self._arrivals != seen or self._in_flight:
                seen, quiet = self._arrivals, 0
                continue
            quiet += 1
            if quiet >= QUIET_TURNS:
                break
        else:
            raise RuntimeError(f"a wave of backend calls never settled: {self._held}")
        self.waves.append(sorted(self._held))
        self._held = []
        self._released = None
        released.set()

    async def call(self, name: str, inner: httpx.AsyncBaseTransport, request: httpx.Request) -> httpx.Response:
        """One backend request, in its wave."""
        await self.join(name)
        self._in_flight += 1
        try:
            response = await inner.handle_async_request(request)
            # the whole answer is back before anything that depends on it can start
            self.answer_bytes[name] += len(await response.aread())
            return response
        finally:
            self._in_flight -= 1


class _WaveTransport(httpx.AsyncBaseTransport):
    def __init__(self, counter: HopCounter, domain: str, inner: httpx.AsyncBaseTransport) -> None:
        self.counter, self.domain, self.inner = counter, domain, inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.counter.call(f"{self.domain} {request.url.path}", self.inner, request)


def count_fields(value: Any) -> int:
    """Fields in a GraphQL response's ``data``: every key of every object, list items included."""
    if isinstance(value, dict):
        return len(value) + sum(count_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_fields(v) for v in value)
    return 0


@dataclass
class PageShape:
    """What one request of a page costs the backends, and what it returns."""

    fields: int
    hops: int
    calls: dict[str, int]
    tasks: int = 0  # asyncio tasks created while serving the request (gateway and in-process services)
    encode_us: dict[str, float] = field(default_factory=dict)  # the response body's encoding, per encoder
    waves: list[list[str]] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)
    backend_bytes: dict[str, int] = field(default_factory=dict)  # answer bytes per 'domain path' the gateway read

    @property
    def total_calls(self) -> int:
        """Backend calls of the request."""
        return sum(self.calls.values())


class InProcessGateway:
    """A gateway app on the embedded reference services, every transport under one ``HopCounter``."""

    def __init__(self, scale: int = 1, viewer: str = "u-tara", environ: dict[str, str] | None = None) -> None:
        from gateway.app import create_app
        from gateway.settings import DOMAINS, Settings
        from reference_services.embedded import create_services
        from reference_services.seed import USERS

        self.counter = HopCounter()
        services = create_services(scale=scale)
        transports = {
            domain: self.counter.wrap(domain, httpx.ASGITransport(app=services[domain])) for domain in DOMAINS
        }
        # The viewer is cached across requests, as a warm gateway's is: a page's figures are its own calls.
        settings = Settings.from_env(dict(environ or {}), viewer_cache_seconds=3600)
        self.app = create_app(settings, transports=transports)
        claims = {user: (tenant, list(roles)) for user, _, _, tenant, roles, _ in USERS}
        tenant, roles = claims[viewer]
        signer = self.app.state.guard.authenticator.signer
        assert signer is not None, "the embedded gateway signs development tokens"
        audience = self.app.state.settings.security.jwt_audience
        self.headers = {"authorization": f"Bearer {signer.mint(viewer, audience=audience, tenant=tenant, roles=roles)}"}

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """One GraphQL request; the decoded body."""
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.bench") as client:
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers
            )
        body: dict[str, Any] = response.json()
        return body

    async def shape(self, query: str, variables: dict[str, Any] | None = None) -> PageShape:
        """Fields, hops and calls of one warm request of the page (the viewer already known)."""
        await self.post("{ viewer { persona } }")
        self.counter.reset()
        with count_tasks() as tasks:
            body = await self.post(query, variables)
        return PageShape(
            fields=count_fields(body.get("data")),
            hops=self.counter.hops,
            calls=self.counter.calls,
            tasks=tasks[0],
            encode_us=encoding_cost(body),
            waves=[list(wave) for wave in self.counter.waves],
            errors=list(body.get("errors") or []),
            backend_bytes=dict(self.counter.answer_bytes),
        )


@contextlib.contextmanager
def count_tasks() -> Iterator[list[int]]:
    """Count the asyncio tasks the running loop creates inside the block (``[count]``, filled in as they come)."""
    loop = asyncio.get_running_loop()
    previous = loop.get_task_factory()
    created = [0]

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Future[Any]:
        created[0] += 1
        if previous is not None:
            return previous(loop, coro, **kwargs)  # type: ignore[arg-type]
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(factory)  # type: ignore[arg-type]
    try:
        yield created
    finally:
        loop.set_task_factory(previous)


def encoding_cost(body: Any, repeats: int = 30) -> dict[str, float]:
    """CPU microseconds to encode ``body`` with each response encoder (the fastest of ``repeats``)."""
    from gateway import response_json

    encoders = {"json": response_json.standard_json}
    if response_json.orjson is not None:
        encoders["orjson"] = response_json.encode_response
    cost = {}
    for name, encode in encoders.items():
        best = float("inf")
        for _ in range(repeats):
            started = time.process_time_ns()
            encode(body)
            best = min(best, time.process_time_ns() - started)
        cost[name] = round(best / 1000, 1)
    return cost
