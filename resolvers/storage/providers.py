"""The storage providers a bucket can be created on, for the storage wizard's provider step."""

from __future__ import annotations

from gateway.backends.storage.models import StorageProvider
from gateway.context import RequestContext


async def storage_providers(ctx: RequestContext) -> list[StorageProvider]:
    """Every provider with its capabilities, by display name; primes the by-id loader the buckets use."""
    found = await ctx.backends.storage.all_providers()
    for provider in found:
        ctx.loaders.storage.providers.prime(provider.id, provider)
    return sorted(found, key=lambda p: (p.display_name, p.id))
