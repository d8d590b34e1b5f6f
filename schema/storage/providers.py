"""The `storageProviders` root field: what the storage wizard can create buckets on."""

from __future__ import annotations

from gateway.backends.storage.models import StorageProvider
from schema.shared.types import wire
from schema.storage.types import ProviderCapability, StorageProviderCapabilities, StorageProviderKind

KNOWN = {wire(kind) for kind in StorageProviderKind}


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
