"""The storage providers a bucket can be created on, for the storage wizard's provider step."""

from __future__ import annotations

from gateway.backends.storage.models import StorageProvider
from gateway.context import RequestContext


async def storage_providers(ctx: RequestContext) -> list[StorageProvider]:
    """Every provider with its capabilities, by display name (the request's one catalog read)."""
    found = await ctx.loaders.storage.provider_catalog.get()
    return sorted(found, key=lambda p: (p.display_name, p.id))


async def storage_provider(ctx: RequestContext, provider_id: str) -> StorageProvider | None:
    """One provider from the request's catalog read (None when the catalog has no such provider)."""
    return next((p for p in await ctx.loaders.storage.provider_catalog.get() if p.id == provider_id), None)
