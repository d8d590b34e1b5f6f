"""``gateway token``: a development token for a demo persona or user, valid for the local gateway."""

from __future__ import annotations

import asyncio

from gateway.auth.local import DEV_PERSONAS, LocalSigner
from gateway.settings import Settings, SettingsError

DEFAULT_DATA_DIR = ".data"


def mint_for(settings: Settings, *, persona: str | None, user_id: str | None, ttl_seconds: int | None) -> str:
    """A token signed by the key the gateway on this machine verifies, with the user's tenant and roles."""
    return asyncio.run(mint(settings, persona=persona, user_id=user_id, ttl_seconds=ttl_seconds))


async def mint(settings: Settings, *, persona: str | None, user_id: str | None, ttl_seconds: int | None) -> str:
    """``mint_for`` for callers already inside an event loop (the bench, async tests)."""
    security = settings.security
    if not security.local_tokens_enabled:
        raise SettingsError("development tokens are off here (production mode, or GATEWAY_LOCAL_TOKENS=0)")
    if security.data_dir is None:
        raise SettingsError("set GATEWAY_DATA_DIR: the signing key must live where the gateway finds it")
    subject = DEV_PERSONAS[persona] if persona else user_id
    if not subject:
        raise SettingsError("name a --persona or a --user")
    tenant, roles = await _claims(settings, subject)
    return LocalSigner.load_or_create(security.data_dir).mint(
        subject,
        audience=security.jwt_audience,
        tenant=tenant,
        roles=roles,
        ttl_seconds=ttl_seconds or security.local_token_ttl_seconds,
        tenant_claim=security.jwt_tenant_claim,
        roles_claim=security.jwt_roles_claim,
    )


async def _claims(settings: Settings, user_id: str) -> tuple[str | None, list[str]]:
    """The user's tenant and platform roles, from the access service the gateway would ask."""
    from gateway.backends import Backends, socket_transports
    from gateway.embedded import embedded_transports

    transports = embedded_transports() if settings.embedded else socket_transports(settings)
    backends = Backends.create(settings, transports)
    try:
        users = await backends.access.users([user_id])
    finally:
        await backends.aclose()
    if not users:
        raise SettingsError(f"the access service knows no user {user_id!r}")
    return users[0].tenant_id, list(users[0].platform_roles)
