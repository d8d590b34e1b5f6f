"""Where the pass sends its operations: the gateway in-process (embedded default or backend URLs) or a deployed
gateway (``--url``), always over HTTP with the credentials of one persona at a time."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import httpx

from gateway.auth.local import DEV_PERSONAS
from gateway.settings import Settings, SettingsError

# Navigation personas (operations/index.json) -> the demo user `gateway token --persona` signs for.
DEFAULT_USERS = {persona.replace("-", "_"): user for persona, user in DEV_PERSONAS.items()}
REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Answer:
    """One GraphQL response: its HTTP status and decoded body (``{}`` when the body is not JSON)."""

    status: int
    body: dict[str, Any]


@dataclass
class Target:
    """A gateway reached over HTTP, with the headers that make a request act as each persona."""

    label: str
    client: httpx.AsyncClient
    credentials: dict[str, dict[str, str]] = field(default_factory=dict)

    def personas(self) -> set[str]:
        """Personas the pass can act as here."""
        return set(self.credentials)

    async def execute(self, persona: str, document: str, operation: str, variables: dict[str, Any]) -> Answer:
        """POST one named operation as a persona."""
        payload = {"query": document, "operationName": operation, "variables": variables}
        response = await self.client.post("/graphql", json=payload, headers=self.credentials[persona])
        try:
            body = response.json()
        except ValueError:
            body = {}
        return Answer(response.status_code, body if isinstance(body, dict) else {})

    async def aclose(self) -> None:
        """Close the HTTP client (and, in-process, nothing else is held)."""
        await self.client.aclose()


def _users(overrides: dict[str, str]) -> dict[str, str]:
    unknown = set(overrides) - set(DEFAULT_USERS)
    if unknown:
        raise SettingsError(f"unknown persona(s) in --user: {', '.join(sorted(unknown))}")
    return {**DEFAULT_USERS, **overrides}


async def in_process(
    settings: Settings | None = None,
    *,
    users: dict[str, str] | None = None,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> Target:
    """The gateway app in this process: on the embedded default (no backend URL) or on the backend URLs
    configured exactly as for ``gateway serve``. ``transports`` replaces the backends (tests)."""
    from gateway.app import create_app
    from gateway.auth.tokens_cli import DEFAULT_DATA_DIR, mint

    if settings is None:  # as `gateway serve` reads them, with the signing key it shares with `gateway token`
        os.environ.setdefault("GATEWAY_DATA_DIR", DEFAULT_DATA_DIR)
        settings = Settings.from_env()
    app = create_app(settings, transports=transports)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.parity", timeout=REQUEST_TIMEOUT_SECONDS
    )
    chosen = _users(users or {})
    credentials: dict[str, dict[str, str]] = {}
    if settings.dev_viewer_enabled:
        label = "embedded default (in-process)"
        credentials = {persona: {"x-dev-viewer": user} for persona, user in chosen.items()}
    else:
        label = "backend URLs (in-process gateway)"
        for persona, user in chosen.items():
            token = await mint(settings, persona=None, user_id=user, ttl_seconds=3600)
            credentials[persona] = {"authorization": f"Bearer {token}"}
    return Target(label, client, credentials)


def deployed(url: str, tokens: dict[str, str]) -> Target:
    """A deployed gateway (its base URL, or its /graphql URL) with one bearer token per persona."""
    base = url.removesuffix("/").removesuffix("/graphql")
    if not base.startswith(("http://", "https://")):
        raise SettingsError(f"--url must be an http(s) URL, got {url!r}")
    if not tokens:
        raise SettingsError("--url needs at least one --token persona=TOKEN")
    unknown = set(tokens) - set(DEFAULT_USERS)
    if unknown:
        raise SettingsError(f"unknown persona(s) in --token: {', '.join(sorted(unknown))}")
    client = httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT_SECONDS)
    credentials = {persona: {"authorization": f"Bearer {token}"} for persona, token in tokens.items()}
    return Target(f"deployed gateway {base}", client, credentials)
