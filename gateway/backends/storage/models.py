"""Allow-list models of the storage service: what the gateway keeps of each document."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from gateway.backends._client import AllowListModel


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
    bucket: Bucket | None = None  # the bucket's public fields, when the service carries them (saves a call)


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


class IssuedCredential(AllowListModel):
    """A direct credential's metadata: whatever else the service sends (the secret) is dropped."""

    id: str
    bucket_id: str
    permission: str
    created_at: datetime | None = None
