"""Typed calls to the storage service."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from gateway.backends._client import Page, ServiceClient
from gateway.backends.storage.models import (
    Bucket,
    BucketEvent,
    BucketObject,
    Grant,
    Mount,
    StorageProvider,
)


class StorageClient(ServiceClient):
    """Typed calls to the storage service."""

    async def list_buckets(
        self, filters: Mapping[str, Iterable[str]], *, limit: int, after: str | None
    ) -> Page[Bucket]:
        """A newest-first page of buckets matching the filters."""
        return await self.page("buckets", Bucket, filters, limit=limit, after=after)

    async def buckets(self, ids: Sequence[str]) -> list[Bucket]:
        """Buckets by id."""
        return await self.batch("buckets", ids, Bucket)

    async def providers(self, ids: Sequence[str]) -> list[StorageProvider]:
        """Providers by id."""
        return await self.batch("providers", ids, StorageProvider)

    async def all_providers(self) -> list[StorageProvider]:
        """Every storage provider (a handful): what the storage wizard offers."""
        return await self.all("providers", StorageProvider, {})

    async def mounts_of_workloads(self, workload_ids: Sequence[str]) -> list[Mount]:
        """Mounts into the given workloads."""
        return await self.all("mounts", Mount, {"workload_id": workload_ids})

    async def mounts_of_buckets(self, bucket_ids: Sequence[str]) -> list[Mount]:
        """Mounts of the given buckets."""
        return await self.all("mounts", Mount, {"bucket_id": bucket_ids})

    async def grants(self, bucket_ids: Sequence[str]) -> list[Grant]:
        """Grants on the given buckets."""
        return await self.all("grants", Grant, {"bucket_id": bucket_ids})

    async def objects(self, bucket_ids: Sequence[str]) -> list[BucketObject]:
        """Object listings of the given buckets."""
        return await self.all("bucket-objects", BucketObject, {"bucket_id": bucket_ids})

    async def events(self, bucket_ids: Sequence[str]) -> list[BucketEvent]:
        """Events of the given buckets."""
        return await self.all("bucket-events", BucketEvent, {"bucket_id": bucket_ids})
