"""Typed clients of the domain services, one pooled httpx client each.

The public surface is ``Backends`` (the clients of one gateway process) and the allow-list
models re-exported by the per-domain modules; ``_client`` is the shared implementation.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from gateway.backends._client import Page, ServiceClient, call_log
from gateway.backends.access.client import AccessClient
from gateway.backends.account.client import AccountClient
from gateway.backends.identity import forward_identity
from gateway.backends.platform.client import PlatformClient
from gateway.backends.pool import pooled_transport
from gateway.backends.storage.client import StorageClient
from gateway.backends.transport import NativeTransport
from gateway.backends.workloads.client import WorkloadsClient
from gateway.resilience.policy import BackendPolicy
from gateway.settings import Settings

__all__ = ["Backends", "Page", "call_log"]


@dataclass
class Backends:
    """The clients of every domain service."""

    workloads: WorkloadsClient
    storage: StorageClient
    access: AccessClient
    account: AccountClient
    platform: PlatformClient

    @classmethod
    def create(cls, settings: Settings, transports: Mapping[str, httpx.AsyncBaseTransport]) -> Backends:
        """Clients over the given transports (real sockets or in-process ASGI apps)."""
        clients = {}
        for domain, backend in settings.backends.items():
            http = httpx.AsyncClient(
                base_url=backend.url or f"http://{domain}.embedded",
                transport=transports[domain],
                # pool: how long a call waits for a free pooled connection (a burst) before it fails
                timeout=httpx.Timeout(backend.read_timeout, connect=backend.connect_timeout, pool=backend.pool_timeout),
                headers={"user-agent": "controlplane-gateway"},
                event_hooks={"request": [forward_identity]},  # X-Viewer-Id / X-Tenant-Id on every call
            )
            clients[domain] = http
        backends = cls(
            workloads=WorkloadsClient("workloads", clients["workloads"]),
            storage=StorageClient("storage", clients["storage"]),
            access=AccessClient("access", clients["access"]),
            account=AccountClient("account", clients["account"]),
            platform=PlatformClient("platform", clients["platform"]),
        )
        for client in backends.clients():  # deadlines, retries and a breaker per domain, as configured
            client.policy = BackendPolicy(
                client.domain, settings.backends[client.domain], record_metrics=settings.metrics
            )
        return backends

    def clients(self) -> list[ServiceClient]:
        """Every domain client, in declaration order."""
        return [getattr(self, f.name) for f in dataclasses.fields(self)]

    async def aclose(self) -> None:
        """Close every pooled connection."""
        for client in self.clients():
            await client.http.aclose()


def socket_transports(settings: Settings) -> dict[str, httpx.AsyncBaseTransport]:
    """Pooled HTTP transports to the configured backend URLs: the native HTTP/1.1 transport for ``http://``
    (``transport``), or, with ``GATEWAY_BACKEND_TRANSPORT=httpx`` and for ``https://``, httpx's own over
    ``pool`` (bookkeeping linear in the pool's size)."""
    transports: dict[str, httpx.AsyncBaseTransport] = {}
    for domain, backend in settings.backends.items():
        size = backend.max_connections
        if settings.backend_transport == "native":
            transports[domain] = NativeTransport(size, fallback=functools.partial(pooled_transport, size))
        else:
            transports[domain] = pooled_transport(size)
    return transports
