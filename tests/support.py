"""Test helpers: a gateway on the embedded reference services with counting transports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.settings import DOMAINS, Settings
from reference_services.clock import Clock
from reference_services.embedded import create_services
from reference_services.seed import USERS

SECRET_MARKER = b"SEEDSECRET"

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

    def __init__(
        self,
        domain: str,
        inner: httpx.AsyncBaseTransport,
        counts: Counter[tuple[str, str]],
        identities: list[tuple[str, str | None, str | None]] | None = None,
    ) -> None:
        self.domain = domain
        self.inner = inner
        self.counts = counts
        self.identities = identities

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.counts[(self.domain, request.url.path)] += 1
        if self.identities is not None:  # the identity headers the gateway forwarded
            headers = request.headers
            self.identities.append((self.domain, headers.get("x-viewer-id"), headers.get("x-tenant-id")))
        return await self.inner.handle_async_request(request)


@dataclass
class GatewayHarness:
    """A gateway app, its backend services and the backend call counts."""

    app: Starlette
    services: dict[str, Starlette]
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    identities: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    def client(self) -> httpx.AsyncClient:
        """An HTTP client talking to the gateway app in-process; every response is scanned for seeded secrets."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://gateway.test",
            event_hooks={"response": [assert_no_secret]},
        )

    def token(self, persona: str, **claims: Any) -> str:
        """A bearer token for a persona, signed by the gateway's development key, with the seed's claims."""
        user_id = PERSONA_USERS.get(persona, persona)
        tenant, roles = SEED_CLAIMS.get(user_id, (None, []))
        signer = self.app.state.guard.authenticator.signer
        assert signer is not None, "this gateway signs no development tokens"
        security = self.app.state.settings.security
        return signer.mint(user_id, **{"audience": security.jwt_audience, "tenant": tenant, "roles": roles, **claims})

    async def query(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        persona: str | None = "tenant-admin",
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST a GraphQL query as a persona (None: no credentials); return the decoded body (any HTTP status)."""
        sent = {"authorization": f"Bearer {self.token(persona)}"} if persona is not None else {}
        sent.update(headers or {})
        async with self.client() as client:
            response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=sent)
        return response.json()

    def calls(self) -> dict[str, int]:
        """Counts as 'domain path' -> calls, then reset."""
        found = {f"{d} {p}": n for (d, p), n in sorted(self.counts.items())}
        self.counts.clear()
        return found


# user id -> (tenant, platform roles) as the seeded access service knows them: the claims tokens carry.
SEED_CLAIMS = {user_id: (tenant, list(roles)) for user_id, _, _, tenant, roles, _ in USERS}


async def assert_no_secret(response: httpx.Response) -> None:
    """httpx response hook: no response may carry a seeded secret value."""
    body = await response.aread()
    assert SECRET_MARKER not in body, f"{response.request.method} {response.request.url} leaked a seeded secret"


TransportWrapper = Callable[[str, httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


def build_harness(
    *,
    scale: int = 1,
    settings: Settings | None = None,
    wrap_transport: TransportWrapper | None = None,
    clock: Clock | None = None,
    **service_overrides: Any,
) -> GatewayHarness:
    """Reference services in-process, wrapped in counting transports, behind a fresh gateway app.

    ``wrap_transport(domain, inner)`` replaces or wraps a service's transport (faults, in-flight probes);
    keyword ``<domain>=app`` replaces a service's ASGI app. The services' ``clock`` is fixed (at the current time
    unless given), so derived figures hold still between a test's reads; tests move it with ``advance``.
    """
    services = create_services(scale=scale, clock=clock or Clock(datetime.now(UTC)))
    services.update(service_overrides)
    counts: Counter[tuple[str, str]] = Counter()
    identities: list[tuple[str, str | None, str | None]] = []
    transports: dict[str, httpx.AsyncBaseTransport] = {}
    for domain in DOMAINS:
        inner: httpx.AsyncBaseTransport = httpx.ASGITransport(app=services[domain])
        if wrap_transport is not None:
            inner = wrap_transport(domain, inner)
        transports[domain] = CountingTransport(domain, inner, counts, identities)
    app = create_app(settings or Settings.from_env({}, viewer_cache_seconds=0), transports=transports)
    return GatewayHarness(app=app, services=services, counts=counts, identities=identities)
