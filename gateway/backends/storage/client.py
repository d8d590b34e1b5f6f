"""Typed calls to the storage service."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from gateway.backends._client import Page
from gateway.backends._commands import command, command_path
from gateway.backends.drafts import DraftCalls
from gateway.backends.storage.models import (
    Bucket,
    BucketEvent,
    BucketObject,
    Grant,
    IssuedCredential,
    Mount,
    StorageProvider,
)


class StorageClient(DraftCalls):
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

    async def grants_of_tenants(self, tenant_ids: Sequence[str]) -> list[Grant]:
        """Every grant (revoked ones included) of the given tenants: what decides who reaches which bucket."""
        return await self.all("grants", Grant, {"tenant_id": tenant_ids})

    async def grants_by_id(self, ids: Sequence[str]) -> list[Grant]:
        """Grants by id (revoked ones included)."""
        return await self.batch("grants", ids, Grant)

    async def create_bucket(
        self,
        *,
        tenant_id: str,
        project_id: str,
        name: str,
        purpose: str,
        provider: str,
        region: str,
        quota_bytes: int,
        key: str,
        actor: str,
    ) -> Bucket:
        """Create a bucket (the service checks the name, the provider and the project's quota)."""
        body = {
            "tenant_id": tenant_id,
            "project_id": project_id,
            "name": name,
            "purpose": purpose,
            "provider": provider,
            "region": region,
            "quota_bytes": quota_bytes,
        }
        return await command(self, command_path("buckets"), body, Bucket, key=key, actor_id=actor)

    async def create_grant(
        self, *, bucket_id: str, grantee_project_id: str, permission: str, key: str, actor: str
    ) -> Grant:
        """Share a bucket with another project of its tenant."""
        body = {"bucket_id": bucket_id, "grantee_project_id": grantee_project_id, "permission": permission}
        return await command(self, command_path("grants"), body, Grant, key=key, actor_id=actor)

    async def revoke_grant(self, grant_id: str, *, key: str, actor: str) -> Grant:
        """End a grant (a retry of a revoke the service already made replays it)."""
        return await command(self, command_path("grants", grant_id, "revoke"), {}, Grant, key=key, actor_id=actor)

    async def issue_credential(self, bucket_id: str, *, permission: str, key: str, actor: str) -> IssuedCredential:
        """Issue a direct credential to a bucket: its metadata only, never the secret."""
        path = command_path("buckets", bucket_id, "issue-credential")
        return await command(self, path, {"permission": permission}, IssuedCredential, key=key, actor_id=actor)

    async def create_mount(
        self,
        *,
        workload_id: str,
        bucket_id: str,
        project_id: str,
        mount_path: str,
        read_only: bool,
        key: str,
        actor: str,
    ) -> Mount:
        """Mount a bucket into a workload."""
        body = {
            "workload_id": workload_id,
            "bucket_id": bucket_id,
            "project_id": project_id,
            "mount_path": mount_path,
            "read_only": read_only,
        }
        return await command(self, command_path("mounts"), body, Mount, key=key, actor_id=actor)
