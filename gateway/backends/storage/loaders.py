"""Per-request loaders of the storage service: one per resource, batching every read."""

from __future__ import annotations

from gateway.backends._loaders import DomainLoaders, Listing, by_id, by_tenant, grouped
from gateway.backends.storage.client import StorageClient
from gateway.backends.storage.models import StorageProvider


class StorageLoaders(DomainLoaders):
    """Buckets, providers, and what hangs off a bucket or a workload: mounts, grants, objects and events."""

    def __init__(self, client: StorageClient) -> None:
        self.buckets = by_id(client.buckets)
        self.providers = by_id(client.providers)
        # The provider catalog is small: read whole once per request, so any number of drafts or buckets
        # naming different providers cost one call, whenever each asks.
        self.provider_catalog: Listing[StorageProvider] = Listing(client.all_providers, primes=self.providers)
        self.mounts_by_workload = grouped(client.mounts_of_workloads, lambda m: m.workload_id)
        self.mounts_by_bucket = grouped(client.mounts_of_buckets, lambda m: m.bucket_id)
        self.grants = by_id(client.grants_by_id)
        self.grants_by_bucket = grouped(client.grants, lambda g: g.bucket_id)
        self.grants_by_tenant = by_tenant(client.grants_of_tenants)
        self.objects_by_bucket = grouped(client.objects, lambda o: o.bucket_id)
        self.events_by_bucket = grouped(client.events, lambda e: e.bucket_id)
