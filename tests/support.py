"""Test helpers: a gateway on the embedded reference services with counting transports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.settings import DOMAINS, Settings
from reference_services.embedded import create_services

PERSONA_USERS = {
    "member": "u-marco",
    "project-admin": "u-priya",
    "tenant-admin": "u-tara",
    "operator": "u-olivia",
    "other-tenant-admin": "u-gina",
    "other-tenant-member": "u-sam",
}


class CountingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and counts requests per (domain, path)."""

    def __init__(self, domain: str, inner: httpx.AsyncBaseTransport, counts: Counter[tuple[str, str]]) -> None:
        self.domain = domain
        self.inner = inner
        self.counts = counts

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.counts[(self.domain, request.url.path)] += 1
        return await self.inner.handle_async_request(request)


@dataclass
class GatewayHarness:
    """A gateway app, its backend services and the backend call counts."""

    app: Starlette
    services: dict[str, Starlette]
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def client(self) -> httpx.AsyncClient:
        """An HTTP client talking to the gateway app in-process."""
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://gateway.test")

    async def query(
        self, query: str, variables: dict[str, Any] | None = None, *, persona: str = "tenant-admin",
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST a GraphQL query as a persona; return the decoded body (any HTTP status)."""
        sent = {"x-dev-viewer": PERSONA_USERS[persona], **(headers or {})}
        async with self.client() as client:
            response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=sent)
        return response.json()

    def calls(self) -> dict[str, int]:
        """Counts as 'domain path' -> calls, then reset."""
        found = {f"{d} {p}": n for (d, p), n in sorted(self.counts.items())}
        self.counts.clear()
        return found


def build_harness(*, scale: int = 1, settings: Settings | None = None, **service_overrides: Any) -> GatewayHarness:
    """Reference services in-process, wrapped in counting transports, behind a fresh gateway app."""
    services = create_services(scale=scale)
    services.update(service_overrides)
    counts: Counter[tuple[str, str]] = Counter()
    transports = {
        domain: CountingTransport(domain, httpx.ASGITransport(app=services[domain]), counts) for domain in DOMAINS
    }
    app = create_app(settings or Settings.from_env({}, viewer_cache_seconds=0), transports=transports)
    return GatewayHarness(app=app, services=services, counts=counts)
