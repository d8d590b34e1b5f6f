"""The `storageProviders` root field: what the storage wizard can create buckets on."""

from __future__ import annotations

import strawberry

from gateway.backends.storage.models import StorageProvider
from gateway.context import RequestContext
from resolvers.storage.providers import storage_providers
from schema.shared.permissions import Authenticated
from schema.storage.types import ProviderCapability, StorageProviderCapabilities, StorageProviderKind

Info = strawberry.Info[RequestContext, None]
KNOWN = {kind.value for kind in StorageProviderKind}


def capabilities_of(found: StorageProvider) -> StorageProviderCapabilities:
    """The capability object of a provider."""
    return StorageProviderCapabilities(
        provider=StorageProviderKind(found.id),
        display_name=found.display_name,
        capabilities=[
            ProviderCapability(name=c.name, supported=c.supported, validated=c.validated, note=c.note)
            for c in found.capabilities
        ],
    )


@strawberry.type
class StorageProvidersQuery:
    """The `storageProviders` root field."""

    @strawberry.field(
        permission_classes=[Authenticated],
        description="Storage providers a bucket can be created on, with their capabilities and whether each is "
        "validated (the storage wizard's provider step); null with an error on failure.",
    )
    async def storage_providers(self, info: Info) -> list[StorageProviderCapabilities] | None:
        """Every provider the gateway knows."""
        return [capabilities_of(p) for p in await storage_providers(info.context) if p.id in KNOWN]
