"""Shared by the mutation and idempotency suites: stores, harnesses, documents and counting helpers.

Stores are real: a SQLite file in the test's temporary directory, or the Redis on 127.0.0.1:6379 (database
``REDIS_DB``, a key prefix unique to the test, deleted afterwards). Without Redis the redis tests fail and
say how to start it.
"""

from __future__ import annotations

import base64
import contextlib
import os
import struct
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import redis as redis_sync

from gateway.ids import encode_global_id
from gateway.settings import Settings
from tests.support import GatewayHarness, build_harness

REDIS_URL_BASE = "redis://127.0.0.1:6379"
REDIS_DB = 9
REDIS_REQUIRED = (
    "Redis is required on 127.0.0.1:6379 for the redis-marked tests; .ci/run starts it "
    "(redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no)."
)
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@laptop"
VISION = encode_global_id("Project", "p-vision")
LLM = encode_global_id("Project", "p-llm")
GENOMICS = encode_global_id("Project", "p-genomics")

LAUNCH_COMPUTE = """
mutation Launch($input: LaunchComputeInput!) {
  launchCompute(input: $input) {
    workload { id name status primaryAction { kind enabled } }
    sshKey { id name }
    bucket { id name }
    userErrors { field message code }
  }
}
"""


def fresh_public_key(comment: str = "test") -> str:
    """A new, well-formed ed25519 public key (random key bytes), so each test registers a distinct key."""
    blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + os.urandom(32)
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


def key(label: str = "k") -> str:
    """A fresh, valid idempotency key."""
    return f"{label}-{uuid.uuid4()}"


def compute_input(name: str = "idem-box", **overrides: Any) -> dict[str, Any]:
    """A valid launchCompute input (p-vision, one H100, an existing SSH key of u-marco)."""
    value: dict[str, Any] = {
        "basics": {"projectId": VISION, "name": name},
        "hardware": {"gpuModel": "NVIDIA H100 80GB", "gpuCount": 1, "region": "us-east-1"},
        "image": {"image": "nvcr.io/nvidia/pytorch:24.10-py3"},
        "access": {"sshKeyId": encode_global_id("Credential", "cred-marco-laptop")},
    }
    value.update(overrides)
    return value


@dataclass
class StoreConfig:
    """Environment that points a gateway at one store, and how to clean it up."""

    name: str
    env: dict[str, str]
    cleanup: Callable[[], None]


def sqlite_store(tmp_path: Any) -> StoreConfig:
    """A SQLite store file of the test's own."""
    return StoreConfig(
        "sqlite", {"GATEWAY_IDEMPOTENCY_STORE": f"sqlite:///{tmp_path}/idempotency.sqlite3"}, lambda: None
    )


@contextmanager
def own_redis_prefix(db: int, label: str) -> Iterator[str]:
    """A Redis key prefix of the caller's own in ``db`` (keys containing it are deleted afterwards: event keys
    start with a {hash tag}); fails the test without Redis."""
    client = redis_sync.Redis.from_url(f"{REDIS_URL_BASE}/{db}", socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis_sync.RedisError:
        client.close()
        pytest.fail(REDIS_REQUIRED)
    prefix = f"{label}-{uuid.uuid4().hex}"
    try:
        yield prefix
    finally:
        for key in client.scan_iter(match=f"*{prefix}*", count=1000):
            client.delete(key)
        client.close()


def redis_store() -> StoreConfig:
    """The local Redis, a prefix of the test's own (deleted afterwards); fails the test without Redis."""
    client = redis_sync.Redis.from_url(f"{REDIS_URL_BASE}/{REDIS_DB}", socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis_sync.RedisError:
        client.close()
        pytest.fail(REDIS_REQUIRED)
    prefix = f"test:{uuid.uuid4().hex}:"

    def cleanup() -> None:
        try:
            for name in client.scan_iter(match=f"{prefix}*", count=1000):
                client.delete(name)
        finally:
            client.close()

    return StoreConfig(
        "redis",
        {"GATEWAY_IDEMPOTENCY_STORE": f"{REDIS_URL_BASE}/{REDIS_DB}", "GATEWAY_IDEMPOTENCY_KEY_PREFIX": prefix},
        cleanup,
    )


STORES = [pytest.param("sqlite", id="sqlite"), pytest.param("redis", id="redis", marks=pytest.mark.redis)]


def store_config(name: str, tmp_path: Any) -> StoreConfig:
    """The store named by a ``STORES`` parameter."""
    return sqlite_store(tmp_path) if name == "sqlite" else redis_store()


Fault = Callable[[httpx.Request, httpx.AsyncBaseTransport], Awaitable[httpx.Response]]


@dataclass
class Commands:
    """The POSTs the gateway sent to the services, and faults to inject into them by (domain, path)."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    faults: dict[tuple[str, str], Fault] = field(default_factory=dict)

    def take(self) -> list[tuple[str, str]]:
        """The POSTs since the last call."""
        found, self.sent[:] = list(self.sent), []
        return found


class _CommandProbe(httpx.AsyncBaseTransport):
    def __init__(self, domain: str, inner: httpx.AsyncBaseTransport, commands: Commands) -> None:
        self.domain, self.inner, self.commands = domain, inner, commands

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.commands.sent.append((self.domain, request.url.path))
            fault = self.commands.faults.get((self.domain, request.url.path))
            if fault is not None:
                return await fault(request, self.inner)
        return await self.inner.handle_async_request(request)


def harness_with(env: dict[str, str], *, viewer_cache_seconds: float = 60.0) -> tuple[GatewayHarness, Commands]:
    """A harness whose gateway uses these GATEWAY_* settings, and the probe of the commands it sends.

    The viewer is cached (60 s) so that, once warmed, a request's backend calls are its mutation's own.
    """
    commands = Commands()
    harness = build_harness(
        settings=Settings.from_env(env, viewer_cache_seconds=viewer_cache_seconds),
        wrap_transport=lambda domain, inner: _CommandProbe(domain, inner, commands),
    )
    return harness, commands


def documents(harness: GatewayHarness, domain: str, resource: str) -> list[dict[str, Any]]:
    """Every document of a resource, straight from the service's store (the ground truth)."""
    store = harness.services[domain].state.store
    return store.query(resource.replace("-", "_"), {}, limit=1000).items


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    user: str = "u-marco",
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST a document as a user and decode the answer."""
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"x-dev-viewer": user, **(headers or {})}
    )
    return response.json()


def codes(body: dict[str, Any]) -> list[str]:
    """The extensions.code of every top-level error."""
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


@contextlib.asynccontextmanager
async def open_gateway(env: dict[str, str] | None = None) -> AsyncIterator[tuple[GatewayHarness, Commands]]:
    """A harness (embedded default store unless ``env`` names one), its store closed afterwards."""
    harness, commands = harness_with(env or {})
    try:
        yield harness, commands
    finally:
        await harness.app.state.idempotency_store.aclose()


async def mutate(
    client: httpx.AsyncClient,
    document: str,
    variables: dict[str, Any] | None = None,
    *,
    user: str = "u-marco",
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Send a mutation with an Idempotency-Key header (a fresh key unless given)."""
    return await post(client, document, variables, user=user, headers={"Idempotency-Key": idempotency_key or key()})
