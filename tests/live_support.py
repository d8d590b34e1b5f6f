"""Live-update test helpers: a gateway app served by uvicorn on a loopback port in the test's event loop, and
a small graphql-transport-ws client over the ``websockets`` package.

Every wait is bounded (``TIMEOUT`` seconds); nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.processes import free_port

TIMEOUT = 10.0
PROTOCOL = "graphql-transport-ws"


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """Serve ``app`` (lifespan included) on a free loopback port; yields ``127.0.0.1:<port>``."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws_ping_interval=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        await until(lambda: server.started, "uvicorn to start")
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, TIMEOUT)


async def until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Wait (bounded) until ``condition()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class LiveClient:
    """One graphql-transport-ws connection."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._ids = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next message (bounded wait)."""
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send ``connection_init``; the answer (``connection_ack``) or raises ``ConnectionClosed``."""
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self.receive()

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        """Start an operation; its id."""
        self._ids += 1
        operation_id = str(self._ids)
        await self.send(
            {"type": "subscribe", "id": operation_id, "payload": {"query": query, "variables": variables or {}}}
        )
        return operation_id

    async def next_data(self, operation_id: str | None = None, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The ``data`` of the next ``next`` message (of ``operation_id`` when given; others fail the test)."""
        message = await self.receive(timeout)
        assert message["type"] == "next", message
        if operation_id is not None:
            assert message["id"] == operation_id, message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]

    async def closed(self, timeout: float = TIMEOUT) -> ConnectionClosed:
        """Read until the server closes; the close (code and reason)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                await asyncio.wait_for(self.ws.recv(), max(deadline - loop.time(), 0.01))
            except ConnectionClosed as closed:
                return closed


@contextlib.asynccontextmanager
async def live_client(address: str, **options: Any) -> AsyncIterator[LiveClient]:
    """A websocket to ``ws://<address>/graphql`` speaking graphql-transport-ws (no proxy, no compression)."""
    async with connect(
        f"ws://{address}/graphql",
        subprotocols=[PROTOCOL],
        proxy=None,
        compression=None,
        open_timeout=TIMEOUT,
        **options,
    ) as ws:
        yield LiveClient(ws)


def bearer(token: str) -> dict[str, str]:
    """A ``connection_init`` payload carrying a bearer token."""
    return {"Authorization": f"Bearer {token}"}


async def create_notification(
    services: dict[str, Starlette], user_id: str, title: str, *, tenant_id: str | None = "t-acme", body: str = ""
) -> dict[str, Any]:
    """A notification created on the account service directly (as another service would)."""
    transport = httpx.ASGITransport(app=services["account"])
    async with httpx.AsyncClient(transport=transport, base_url="http://account") as c:
        response = await c.post(
            "/v1/notifications",
            json={
                "user_id": user_id,
                "tenant_id": tenant_id,
                "category": "system",
                "severity": "info",
                "title": title,
                "body": body,
            },
        )
    assert response.status_code == 201, response.text
    return response.json()


async def workload_action(services: dict[str, Starlette], workload_id: str, action: str) -> dict[str, Any]:
    """A lifecycle command sent to the workloads service directly."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=services["workloads"]), base_url="http://workloads"
    ) as c:
        response = await c.post(f"/v1/workloads/{workload_id}/{action}", json={})
    assert response.status_code == 200, response.text
    return response.json()


async def workload_in(services: dict[str, Starlette], project_id: str, status: str = "running") -> str:
    """A seeded workload of a project in a status."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=services["workloads"]), base_url="http://workloads"
    ) as c:
        found = (await c.get("/v1/workloads", params={"project_id": project_id, "status": status})).json()["items"]
    assert found, (project_id, status)
    return str(found[0]["id"])
