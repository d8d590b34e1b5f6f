"""The native backend transport against a real loopback server: reuse, bodies, closes, limits and errors
surface as httpx's own (the gateway's error mapping and resilience policy depend on those)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.backends import socket_transports
from gateway.backends._client import ServiceClient
from gateway.backends.pool import pooled_transport
from gateway.backends.transport import NativeTransport
from gateway.errors import BackendTimeout, BackendUnavailable
from gateway.resilience.policy import BackendPolicy
from gateway.settings import BackendSettings, Settings, SettingsError

pytestmark = pytest.mark.socket


class LoopbackServer:
    """An HTTP/1.1 server whose answer depends on the path; counts the connections it accepted."""

    def __init__(self) -> None:
        self.accepted = 0
        self.closed_by_client = 0
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []
        self.url = ""

    async def start(self) -> None:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                headers = dict(line.lower().split(": ", 1) for line in header_lines if line)
                if headers.get("transfer-encoding") == "chunked":
                    body = await self.read_chunks(reader)
                else:
                    body = await reader.readexactly(int(headers.get("content-length", "0")))
                if not await self.answer(request_line.split(" ")[1], body, writer):
                    break
        except asyncio.IncompleteReadError as error:
            if not error.partial:
                self.closed_by_client += 1
        except ConnectionError:
            pass
        writer.close()

    async def read_chunks(self, reader: asyncio.StreamReader) -> bytes:
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        await reader.readexactly(2)
        return body

    async def answer(self, path: str, body: bytes, writer: asyncio.StreamWriter) -> bool:
        """Write the answer to ``path``; False when the server then closes the connection."""
        if path == "/chunked":
            writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n")
        elif path == "/echo":
            writer.write(b"HTTP/1.1 201 Created\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
        elif path == "/close":
            writer.write(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 3\r\n\r\nbye")
        elif path == "/until-close":
            writer.write(b"HTTP/1.1 200 OK\r\n\r\nall of it")
        elif path == "/slow":
            await asyncio.sleep(1.0)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nlate")
        elif path == "/garbage":
            writer.write(b"HTTP/1.1 2OO what\r\n\r\n")
        else:
            await asyncio.sleep(0.01)  # requests overlap, as a backend's latency makes them
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello")
        await writer.drain()
        return path not in ("/close", "/until-close", "/drop", "/garbage")


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    running = LoopbackServer()
    await running.start()
    yield running
    assert running.server is not None
    running.server.close()
    for writer in running.writers:  # handlers still sleeping (a slow answer) end with the test
        writer.close()
    await asyncio.sleep(0)


def native(size: int = 10) -> NativeTransport:
    return NativeTransport(size, fallback=lambda: pooled_transport(size))


async def closed_port() -> int:
    """A loopback port nothing listens on any more (connecting is refused)."""
    listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port: int = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    return port


async def test_keep_alive_connections_are_reused_within_the_limit(server: LoopbackServer) -> None:
    transport = native(8)
    async with httpx.AsyncClient(base_url=server.url, transport=transport) as client:
        for _ in range(3):
            assert (await client.get("/")).text == "hello"
        assert server.accepted == 1
        for _ in range(2):
            responses = await asyncio.gather(*(client.get("/") for _ in range(40)))
            assert [r.text for r in responses] == ["hello"] * 40
        assert server.accepted <= 8
    assert transport.opened == server.accepted


async def test_content_length_chunked_and_close_delimited_bodies_are_read_whole(server: LoopbackServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, transport=native()) as client:
        fixed = await client.get("/")
        chunked = await client.get("/chunked")
        delimited = await client.get("/until-close")
        assert (fixed.text, chunked.text, delimited.text) == ("hello", "hello", "all of it")
        assert chunked.headers["transfer-encoding"] == "chunked" and "content-length" not in chunked.headers
        assert (await client.get("/")).text == "hello"  # the close-delimited answer's connection was not reused
    assert server.accepted == 2


async def test_a_json_post_body_reaches_the_server(server: LoopbackServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, transport=native()) as client:
        command = {"name": "train-7", "gpus": 8, "labels": {"team": "ml"}}
        response = await client.post("/echo", json=command)
        assert response.status_code == 201 and response.json() == command
        assert (await client.post("/echo", content=b"raw bytes")).text == "raw bytes"

        async def pieces() -> AsyncIterator[bytes]:
            yield b"streamed, "
            yield b"so chunked"

        assert (await client.post("/echo", content=pieces())).text == "streamed, so chunked"
        assert (await client.get("/")).text == "hello"  # the connection stayed in step after the bodies
    assert server.accepted == 1


async def test_a_connection_the_server_closed_while_idle_is_replaced_without_an_error(
    server: LoopbackServer,
) -> None:
    async with httpx.AsyncClient(base_url=server.url, transport=native()) as client:
        assert (await client.get("/drop")).text == "hello"  # kept alive, then the server closes it
        await asyncio.sleep(0.05)
        assert (await client.get("/")).text == "hello"
        assert (await client.get("/")).text == "hello"
    assert server.accepted == 2


async def test_connection_close_is_honoured_by_the_client(server: LoopbackServer) -> None:
    transport = native()
    async with httpx.AsyncClient(base_url=server.url, transport=transport) as client:
        for _ in range(3):
            assert (await client.get("/close")).text == "bye"
    assert server.accepted == transport.opened == 3


async def test_a_refused_connection_is_a_connect_error() -> None:
    port = await closed_port()
    async with httpx.AsyncClient(transport=native()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")


async def test_a_request_the_server_does_not_read_is_a_write_timeout() -> None:
    # The body outgrows the loopback socket buffers of both ends, so the write waits for room that never comes.
    held: list[asyncio.StreamWriter] = []
    listener = await asyncio.start_server(lambda _reader, writer: held.append(writer), "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(transport=native(), timeout=httpx.Timeout(5, write=0.2)) as client:
            with pytest.raises(httpx.WriteTimeout):
                await client.post(f"http://127.0.0.1:{port}/upload", content=b"x" * (64 * 1024 * 1024))
    finally:
        for writer in held:
            writer.close()
        listener.close()
        await listener.wait_closed()


async def test_a_slow_answer_is_a_read_timeout_and_its_connection_is_not_reused(server: LoopbackServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, transport=native(), timeout=httpx.Timeout(5, read=0.1)) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/slow")
        assert (await client.get("/")).text == "hello"
    assert server.accepted == 2


async def test_a_full_pool_makes_callers_wait_then_fail_with_a_pool_timeout(server: LoopbackServer) -> None:
    transport = native(1)
    timeout = httpx.Timeout(5, pool=0.1)
    async with httpx.AsyncClient(base_url=server.url, transport=transport, timeout=timeout) as client:
        slow = asyncio.ensure_future(client.get("/slow"))
        await asyncio.sleep(0.05)
        with pytest.raises(httpx.PoolTimeout):
            await client.get("/")
        assert (await slow).text == "late"
        waiting = [client.get("/") for _ in range(5)]  # a released connection goes to the waiters in turn
        assert [r.text for r in await asyncio.gather(*waiting)] == ["hello"] * 5
    assert server.accepted == transport.opened == 1


async def test_a_cancelled_call_gives_its_connection_slot_back(server: LoopbackServer) -> None:
    """A call cancelled mid-answer (the policy's total deadline) closes its connection and frees its place."""
    transport = native(1)
    async with httpx.AsyncClient(base_url=server.url, transport=transport, timeout=httpx.Timeout(5, pool=1)) as client:
        slow = asyncio.ensure_future(client.get("/slow"))
        await asyncio.sleep(0.05)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        assert (await client.get("/")).text == "hello"
    assert transport.opened == 2


async def test_a_malformed_answer_is_a_remote_protocol_error(server: LoopbackServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, transport=native()) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/garbage")
        assert (await client.get("/")).text == "hello"


async def test_closing_the_client_closes_its_idle_connections(server: LoopbackServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, transport=native()) as client:
        await asyncio.gather(*(client.get("/") for _ in range(3)))
    for _ in range(20):
        if server.closed_by_client == server.accepted:
            break
        await asyncio.sleep(0.01)
    assert server.closed_by_client == server.accepted == 3


async def test_https_and_other_schemes_go_to_the_fallback_transport() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, text="fallback")

    transport = NativeTransport(4, fallback=lambda: httpx.MockTransport(answer))
    async with httpx.AsyncClient(transport=transport) as client:
        assert (await client.get("https://storage.internal/v1/volumes")).text == "fallback"
    assert seen == ["https://storage.internal/v1/volumes"] and transport.opened == 0


async def test_the_setting_chooses_the_transport_and_refuses_unknown_names() -> None:
    assert Settings().backend_transport == "httpx"  # native is opt-in until the drain hang is understood
    natives = socket_transports(Settings.from_env({"GATEWAY_BACKEND_TRANSPORT": "native"}))
    stock = socket_transports(Settings.from_env({}))
    assert all(isinstance(t, NativeTransport) for t in natives.values())
    assert all(isinstance(t, httpx.AsyncHTTPTransport) for t in stock.values())
    for transport in [*natives.values(), *stock.values()]:
        await transport.aclose()
    with pytest.raises(SettingsError):
        Settings.from_env({"GATEWAY_BACKEND_TRANSPORT": "h2"})


async def test_the_gateway_client_maps_native_failures_as_it_maps_httpx_ones(server: LoopbackServer) -> None:
    """ServiceClient's error mapping sees httpx's exceptions: a timeout is BACKEND_TIMEOUT, a refusal
    BACKEND_UNAVAILABLE."""
    policy = BackendPolicy("workloads", BackendSettings(retries=0), record_metrics=False)
    timeout = httpx.Timeout(5, read=0.1)
    async with httpx.AsyncClient(base_url=server.url, transport=native(), timeout=timeout) as http:
        with pytest.raises(BackendTimeout):
            await ServiceClient("workloads", http, policy).get_json("/slow")
    port = await closed_port()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", transport=native()) as http:
        with pytest.raises(BackendUnavailable):
            await ServiceClient("workloads", http, policy).get_json("/")
