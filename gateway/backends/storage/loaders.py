"""Per-request loaders of the storage service: one per resource, batching every read, each made when first read."""

from __future__ import annotations

from gateway.backends._loaders import CachedLoader, DomainLoaders, Listing, OnCreate, by_id, by_tenant, grouped, loader
from gateway.backends.storage.client import StorageClient
from gateway.backends.storage.models import Bucket, BucketEvent, BucketObject, Grant, Mount, StorageProvider


class StorageLoaders(DomainLoaders):
    """Buckets, providers, and what hangs off a bucket or a workload: mounts, grants, objects and events."""

    def __init__(self, client: StorageClient, on_create: OnCreate | None = None) -> None:
        super().__init__(on_create)
        self.client = client

    @loader
    def buckets(self) -> CachedLoader[Bucket | None]:
        return by_id(self.client.buckets)

    @loader
    def providers(self) -> CachedLoader[StorageProvider | None]:
        return by_id(self.client.providers)

    @loader
    def provider_catalog(self) -> Listing[StorageProvider]:
        # The provider catalog is small: read whole once per request, so any number of drafts or buckets
        # naming different providers cost one call, whenever each asks.
        return Listing(self.client.all_providers, primes=self.providers)

    @loader
    def mounts_by_workload(self) -> CachedLoader[list[Mount]]:
        return grouped(self.client.mounts_of_workloads, lambda m: m.workload_id)

    @loader
    def mounts_by_bucket(self) -> CachedLoader[list[Mount]]:
        return grouped(self.client.mounts_of_buckets, lambda m: m.bucket_id)

    @loader
    def grants(self) -> CachedLoader[Grant | None]:
        return by_id(self.client.grants_by_id)

    @loader
    def grants_by_bucket(self) -> CachedLoader[list[Grant]]:
        return grouped(self.client.grants, lambda g: g.bucket_id)

    @loader
    def grants_by_tenant(self) -> CachedLoader[list[Grant]]:
        return by_tenant(self.client.grants_of_tenants)

    @loader
    def objects_by_bucket(self) -> CachedLoader[list[BucketObject]]:
        return grouped(self.client.objects, lambda o: o.bucket_id)

    @loader
    def events_by_bucket(self) -> CachedLoader[list[BucketEvent]]:
        return grouped(self.client.events, lambda e: e.bucket_id)
