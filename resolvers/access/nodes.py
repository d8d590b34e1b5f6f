"""Access objects by id for ``node``/``nodes``: the same visibility as their sections."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from gateway.backends.access.models import Credential, IdentityProvider, ServiceAccount
from gateway.context import RequestContext
from resolvers.access.scope import access_scope
from resolvers.access.sections import credential_visible


async def get_service_accounts(ctx: RequestContext, ids: Sequence[str]) -> list[ServiceAccount | None]:
    """Service accounts of projects the viewer may see."""
    viewer, found = await asyncio.gather(ctx.viewer(), ctx.loaders.access.service_accounts.load_many(list(ids)))
    return [sa if sa is not None and viewer.can_see_project(sa.project_id) else None for sa in found]


async def get_credentials(ctx: RequestContext, ids: Sequence[str]) -> list[Credential | None]:
    """Credentials the viewer's credentials section would list."""
    found = await ctx.loaders.access.credentials.load_many(list(ids))
    viewer = await ctx.viewer()
    scope = await access_scope(ctx)
    return [
        c
        if c is not None and (viewer.is_operator or c.tenant_id in scope.tenant_ids) and credential_visible(scope, c)
        else None
        for c in found
    ]


async def get_identity_providers(ctx: RequestContext, ids: Sequence[str]) -> list[IdentityProvider | None]:
    """SSO integrations of the viewer's tenant (operators: every tenant's)."""
    viewer, found = await asyncio.gather(ctx.viewer(), ctx.loaders.access.identity_providers.load_many(list(ids)))
    return [i if i is not None and (viewer.is_operator or i.tenant_id == viewer.tenant_id) else None for i in found]
