"""The storage service: client and allow-list models."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Literal

from gateway.backends._client import AllowListModel, Page, ServiceClient


class LifecycleRule(AllowListModel):
    """An expiry or transition rule on a key prefix."""

    id: str
    action: str
    prefix: str
    after_days: int


class Bucket(AllowListModel):
    """A bucket as the gateway may expose it: no endpoints, no keys."""

    id: str
    tenant_id: str
    project_id: str
    name: str
    purpose: str
    provider: Literal["weka", "vast"]
    region: str
    status: str
    used_bytes: int
    quota_bytes: int
    object_count: int
    created_at: datetime
    lifecycle_rules: list[LifecycleRule] = []


class ProviderCapability(AllowListModel):
    """Whether a provider supports a capability and whether that has been validated."""

    name: str
    supported: bool
    validated: bool
    note: str | None = None


class StorageProvider(AllowListModel):
    """A storage provider described by capabilities, not vendor fields."""

    id: str
    display_name: str
    capabilities: list[ProviderCapability]


class Mount(AllowListModel):
    """A bucket mounted into a workload; the mount secret is not part of the allow-list."""

    id: str
    workload_id: str
    bucket_id: str
    tenant_id: str
    project_id: str
    mount_path: str
    read_only: bool


class Grant(AllowListModel):
    """A bucket shared with another project."""

    id: str
    bucket_id: str
    tenant_id: str
    owner_project_id: str
    grantee_project_id: str
    permission: str
    purpose: str
    created_at: datetime
    created_by: str | None = None
    revoked_at: datetime | None = None


class BucketObject(AllowListModel):
    """One object in a bucket listing."""

    id: str
    bucket_id: str
    key: str
    size_bytes: int
    modified_at: datetime


class BucketEvent(AllowListModel):
    """Something that happened to a bucket."""

    id: str
    bucket_id: str
    type: str
    message: str
    at: datetime
    actor_id: str | None = None


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
