"""``gateway token``: a development token for a demo persona, a user or a service account, valid for the local
gateway."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from gateway.auth.local import DEV_PERSONAS, LocalSigner
from gateway.settings import Settings, SettingsError

if TYPE_CHECKING:
    from gateway.backends import Backends

DEFAULT_DATA_DIR = ".data"


def mint_for(
    settings: Settings,
    *,
    persona: str | None,
    user_id: str | None,
    ttl_seconds: int | None,
    service_account: str | None = None,
) -> str:
    """A token signed by the key the gateway on this machine verifies, with the user's tenant and roles
    (or, for ``service_account``, a service account's token carrying its tenant)."""
    return asyncio.run(
        mint(settings, persona=persona, user_id=user_id, ttl_seconds=ttl_seconds, service_account=service_account)
    )


async def mint(
    settings: Settings,
    *,
    persona: str | None,
    user_id: str | None,
    ttl_seconds: int | None,
    service_account: str | None = None,
) -> str:
    """``mint_for`` for callers already inside an event loop (the bench, async tests)."""
    security = settings.security
    if not security.local_tokens_enabled:
        raise SettingsError("development tokens are off here (production mode, or GATEWAY_LOCAL_TOKENS=0)")
    if security.data_dir is None:
        raise SettingsError("set GATEWAY_DATA_DIR: the signing key must live where the gateway finds it")
    principal_type: str | None = None
    tenant: str | None
    if service_account:
        if persona or user_id:
            raise SettingsError("name a --persona, a --user or a --service-account, not several")
        subject, principal_type = service_account, "service_account"
        tenant, roles = await _service_account_claims(settings, service_account)
    else:
        subject = (DEV_PERSONAS[persona] if persona else user_id) or ""
        if not subject:
            raise SettingsError("name a --persona, a --user or a --service-account")
        tenant, roles = await _claims(settings, subject)
    return LocalSigner.load_or_create(security.data_dir).mint(
        subject,
        audience=security.jwt_audience,
        tenant=tenant,
        roles=roles,
        ttl_seconds=ttl_seconds or security.local_token_ttl_seconds,
        tenant_claim=security.jwt_tenant_claim,
        roles_claim=security.jwt_roles_claim,
        principal_type=principal_type,
    )


def _access(settings: Settings) -> Backends:
    """Clients of the services the gateway would ask (embedded or on sockets); the caller closes them."""
    from gateway.backends import Backends, socket_transports
    from gateway.embedded import embedded_transports

    return Backends.create(settings, embedded_transports() if settings.embedded else socket_transports(settings))


async def _claims(settings: Settings, user_id: str) -> tuple[str | None, list[str]]:
    """The user's tenant and platform roles, from the access service the gateway would ask."""
    backends = _access(settings)
    try:
        users = await backends.access.users([user_id])
    finally:
        await backends.aclose()
    if not users:
        raise SettingsError(f"the access service knows no user {user_id!r}")
    return users[0].tenant_id, list(users[0].platform_roles)


async def _service_account_claims(settings: Settings, account_id: str) -> tuple[str, list[str]]:
    """A service account's tenant (and no platform roles), from the access service the gateway would ask."""
    backends = _access(settings)
    try:
        accounts = await backends.access.service_accounts([account_id])
    finally:
        await backends.aclose()
    if not accounts:
        raise SettingsError(f"the access service knows no service account {account_id!r}")
    if accounts[0].disabled:
        raise SettingsError(f"the service account {account_id!r} is disabled")
    return accounts[0].tenant_id, []
