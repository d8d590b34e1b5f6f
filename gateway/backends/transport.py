"""The native socket transport to the domain services: HTTP/1.1 over asyncio, parsed by httptools.

httpx stays the client API (requests, responses, exceptions); this transport replaces httpcore, anyio and h11
under it for plain ``http://`` backends, whose per-call CPU they dominated. It keeps httpcore's behaviour: a
keep-alive pool of at most ``max_connections`` connections, a wait of at most the ``pool`` timeout for one, an
idle connection checked before reuse (expired, closed by the server, or sent stray bytes: replaced, never a
failed request), and httpcore's timeouts (``connect``, ``write`` per write, ``read`` between bytes) and errors
mapped onto httpx's exceptions. Anything else (``https://``, HEAD, CONNECT) goes to the fallback transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
from collections import deque
from collections.abc import Callable
from typing import cast

import httptools
import httpx

# How long an idle connection is kept: httpx's default (``httpx.Limits.keepalive_expiry``).
KEEPALIVE_EXPIRY = 5.0
_Origin = tuple[str, int]


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: writes a request, collects the response httptools parses from its bytes."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._response: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._read_timeout: float | None = None
        self._writable: asyncio.Future[None] | None = None
        self._complete = False
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.keep_alive = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the socket's transport."""
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is one in all but its class

    def data_received(self, data: bytes) -> None:
        """Feed the parser; bytes nobody asked for make the connection unusable."""
        response = self._response
        if response is None or response.done():
            self.close()
            return
        if self._timer is not None:  # the read timeout runs between received bytes, as httpcore's does
            self._timer.cancel()
            self._timer = self._loop.call_later(self._read_timeout, self._read_timed_out)  # type: ignore[arg-type]
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(httpx.RemoteProtocolError(f"malformed response: {error}"))
            self.close()

    def eof_received(self) -> bool | None:
        """The server closed: a body delimited by the close ends here, anything else was cut short."""
        response = self._response
        if response is not None and not response.done():
            delimited = any(name.lower() in (b"content-length", b"transfer-encoding") for name, _ in self.headers)
            if self.status and not delimited and not self._complete:
                self.keep_alive = False
                self._complete = True
                response.set_result(None)
            else:
                self._fail(httpx.RemoteProtocolError("the server disconnected without sending a complete response"))
        self.closed = True
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        """Fail the request in flight, if any, and a write waiting for room."""
        self.closed = True
        if exc is None:
            self._fail(httpx.RemoteProtocolError("the server disconnected without sending a complete response"))
        else:
            self._fail(httpx.ReadError(str(exc) or type(exc).__name__))
        self.resume_writing()

    def pause_writing(self) -> None:
        """The socket's buffer is full: writes wait for ``resume_writing``."""
        if self._writable is None:
            self._writable = self._loop.create_future()

    def resume_writing(self) -> None:
        """Room again (or the connection is gone): release a waiting write."""
        writable, self._writable = self._writable, None
        if writable is not None and not writable.done():
            writable.set_result(None)

    # httptools callbacks
    def on_message_begin(self) -> None:
        """A response starts; one after the awaited response is complete is a protocol error."""
        if self._complete:
            self.close()

    def on_status(self, status: bytes) -> None:
        """The reason phrase."""
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        """One response header, as sent."""
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        """Status and whether the connection may carry another request."""
        self.status = self._parser.get_status_code()
        self.keep_alive = self._parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        """A piece of the body (chunked framing already removed)."""
        self.body.append(body)

    def on_message_complete(self) -> None:
        """The awaited response is whole."""
        self._complete = True
        if self._response is not None and not self._response.done():
            self._response.set_result(None)

    # the pool's side
    def reusable(self, now: float, expiry: float) -> bool:
        """True when the idle connection can take a request: not expired, and nothing (an EOF, stray bytes)
        is waiting on its socket that the event loop has not read yet."""
        if self.closed or self.transport is None or now - self.idle_since > expiry:
            return False
        sock = self.transport.get_extra_info("socket")
        if sock is None:
            return False
        readable, _, _ = select.select([sock], [], [], 0)
        return not readable

    async def exchange(self, data: bytes, read_timeout: float | None, write_timeout: float | None) -> None:
        """Send one request's bytes and wait until its response is whole (``status``, ``headers``, ``body``)."""
        assert self.transport is not None
        self.status, self.reason, self.headers, self.body = 0, b"", [], []
        self._complete = False
        response = self._response = self._loop.create_future()
        try:
            self.transport.write(data)
            if self._writable is not None:
                await self._drain(write_timeout)
            self._read_timeout = read_timeout
            if read_timeout is not None:
                self._timer = self._loop.call_later(read_timeout, self._read_timed_out)
            await response
        finally:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._response = None

    async def _drain(self, write_timeout: float | None) -> None:
        writable = self._writable
        if writable is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(writable), write_timeout)
        except TimeoutError:
            raise httpx.WriteTimeout("timed out writing the request") from None
        if self.closed:
            raise httpx.WriteError("the connection closed while the request was written")

    def _read_timed_out(self) -> None:
        self._timer = None
        self._fail(httpx.ReadTimeout("timed out reading the response"))

    def _fail(self, error: Exception) -> None:
        response = self._response
        if response is not None and not response.done():
            response.set_exception(error)

    def close(self) -> None:
        """Close the socket (its pool slot is released by the pool)."""
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class NativeTransport(httpx.AsyncBaseTransport):
    """An httpx transport speaking HTTP/1.1 itself to ``http://`` origins; everything else goes to ``fallback``."""

    def __init__(
        self,
        max_connections: int,
        fallback: Callable[[], httpx.AsyncBaseTransport],
        *,
        keepalive_expiry: float = KEEPALIVE_EXPIRY,
    ) -> None:
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._fallback_factory = fallback
        self._fallback: httpx.AsyncBaseTransport | None = None
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._busy: set[_Connection] = set()
        self._count = 0  # open connections, idle and busy
        self._waiters: deque[asyncio.Future[bool]] = deque()
        self._closed = False
        self.opened = 0  # connections dialled so far (tests count reuse by it)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` over a pooled connection and return the whole response."""
        url = request.url
        if url.scheme != "http" or request.method in ("HEAD", "CONNECT"):
            return await self._fallback_transport().handle_async_request(request)
        if self._closed:
            raise httpx.ConnectError("the transport is closed")
        timeouts = request.extensions.get("timeout", {})
        data = _request_bytes(request, await _request_body(request))
        origin = (url.host, url.port or 80)
        connection = await self._acquire(origin, timeouts.get("pool"), timeouts.get("connect"))
        try:
            await connection.exchange(data, timeouts.get("read"), timeouts.get("write"))
        except BaseException:
            self._drop(connection)
            raise
        status, reason, headers, body = connection.status, connection.reason, connection.headers, connection.body
        if connection.keep_alive and not connection.closed:
            self._release(origin, connection)
        else:
            self._drop(connection)
        return httpx.Response(
            status,
            headers=headers,
            stream=httpx.ByteStream(b"".join(body)),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason},
        )

    async def _acquire(self, origin: _Origin, pool_timeout: float | None, connect_timeout: float | None) -> _Connection:
        loop = asyncio.get_running_loop()
        deadline = None if pool_timeout is None else loop.time() + pool_timeout
        while True:
            idle = self._idle.get(origin)
            while idle:
                connection = idle.pop()  # the most recently used: least likely to have expired
                if connection.reusable(loop.time(), self._keepalive_expiry):
                    self._busy.add(connection)
                    return connection
                self._forget(connection)
            if self._count >= self._max_connections:
                self._evict_idle()  # full: an idle connection to another origin makes room
            if self._count < self._max_connections:
                return await self._open(loop, origin, connect_timeout)
            await self._wait(loop, deadline)

    async def _wait(self, loop: asyncio.AbstractEventLoop, deadline: float | None) -> None:
        """Wait until a connection is released or closed; ``httpx.PoolTimeout`` past ``deadline``."""
        waiter: asyncio.Future[bool] = loop.create_future()
        timer = None
        if deadline is not None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise httpx.PoolTimeout("timed out waiting for a pooled connection")
            timer = loop.call_later(remaining, _settle, waiter, False)
        self._waiters.append(waiter)
        try:
            woken = await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.result():
                self._wake()  # cancelled after being woken: the freed connection goes to the next waiter
            raise
        finally:
            if timer is not None:
                timer.cancel()
            with contextlib.suppress(ValueError):  # still queued: timed out or cancelled
                self._waiters.remove(waiter)
        if not woken:
            raise httpx.PoolTimeout("timed out waiting for a pooled connection")

    async def _open(
        self, loop: asyncio.AbstractEventLoop, origin: _Origin, connect_timeout: float | None
    ) -> _Connection:
        self._count += 1
        try:
            dialling = loop.create_connection(lambda: _Connection(loop), origin[0], origin[1])
            _, connection = await asyncio.wait_for(dialling, connect_timeout)
        except TimeoutError:  # before OSError: TimeoutError is one
            self._slot_freed()
            raise httpx.ConnectTimeout(f"timed out connecting to {origin[0]}:{origin[1]}") from None
        except OSError as error:
            self._slot_freed()
            raise httpx.ConnectError(str(error) or type(error).__name__) from None
        except BaseException:
            self._slot_freed()
            raise
        self.opened += 1
        self._busy.add(connection)
        return connection

    def _release(self, origin: _Origin, connection: _Connection) -> None:
        self._busy.discard(connection)
        if self._closed:
            connection.close()
            self._slot_freed()
            return
        connection.idle_since = asyncio.get_running_loop().time()
        self._idle.setdefault(origin, []).append(connection)
        self._wake()

    def _drop(self, connection: _Connection) -> None:
        self._busy.discard(connection)
        connection.close()
        self._slot_freed()

    def _forget(self, connection: _Connection) -> None:
        """Close an idle connection already taken off its idle list."""
        connection.close()
        self._slot_freed()

    def _evict_idle(self) -> None:
        for idle in self._idle.values():
            if idle:
                self._forget(idle.pop(0))
                return

    def _slot_freed(self) -> None:
        self._count -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters:
            if _settle(self._waiters.popleft(), True):
                return

    def _fallback_transport(self) -> httpx.AsyncBaseTransport:
        if self._fallback is None:
            self._fallback = self._fallback_factory()
        return self._fallback

    async def aclose(self) -> None:
        """Close every connection (idle now, busy ones when their response ends) and the fallback transport."""
        self._closed = True
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
                self._count -= 1
        self._idle.clear()
        for waiter in self._waiters:
            _settle(waiter, False)
        self._waiters.clear()
        if self._fallback is not None:
            await self._fallback.aclose()
        await asyncio.sleep(0)  # let the closed sockets' transports finish closing


def _settle(waiter: asyncio.Future[bool], woken: bool) -> bool:
    if waiter.done():
        return False
    waiter.set_result(woken)
    return True


async def _request_body(request: httpx.Request) -> bytes:
    try:
        return request.content
    except httpx.RequestNotRead:
        return await request.aread()


def _request_bytes(request: httpx.Request, body: bytes) -> bytes:
    """The request line, headers as httpx built them, and the body (framed when httpx chose chunked)."""
    head = [request.method.encode("ascii"), b" ", request.url.raw_path, b" HTTP/1.1\r\n"]
    chunked = False
    for name, value in request.headers.raw:
        head += (name, b": ", value, b"\r\n")
        if name.lower() == b"transfer-encoding" and value.lower() == b"chunked":
            chunked = True
    head.append(b"\r\n")
    if chunked:
        head.append(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n")
    else:
        head.append(body)
    return b"".join(head)
