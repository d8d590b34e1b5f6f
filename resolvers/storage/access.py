"""Who reaches a bucket, and how: the one check of bucket scope.

A project reaches a bucket it owns (read-write), or a bucket of its tenant shared with it by an active grant (at
the grant's permission). The bucket list, reads by id (``bucket``, ``node``, ``nodes``, a workload's mounts),
the detail tabs and the launch wizard's mounts all ask here, so a revoke removes every one of them at once.
Grants are read tenant-wide once per request (``grants_by_tenant``) and prime ``grants_by_bucket``, so a page
that also shows a bucket's audiences reads grants once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from gateway.backends.storage.models import Bucket, Grant
from gateway.context import RequestContext

AccessKind = Literal["owner", "grant"]
Permission = Literal["read", "read_write"]


@dataclass(frozen=True)
class BucketAccess:
    """How a project (or a viewer, through their projects) reaches a bucket."""

    kind: AccessKind
    permission: Permission
    grant: Grant | None = None

    @property
    def is_owner(self) -> bool:
        """True for the owning project (and viewers who see it): owner-only parts are shown."""
        return self.kind == "owner"


OWNER_ACCESS = BucketAccess("owner", "read_write")
WHOLE_SCOPE = frozenset({"tenant_admin", "operator"})  # personas that see every project of their scope


def active_grants_to(grants: Iterable[Grant], bucket: Bucket, projects: Collection[str]) -> list[Grant]:
    """Active grants of ``bucket`` to any of ``projects`` (a grant is only ever within the bucket's tenant)."""
    return [
        g
        for g in grants
        if g.bucket_id == bucket.id
        and g.revoked_at is None
        and g.tenant_id == bucket.tenant_id
        and g.grantee_project_id in projects
    ]


def access_through(bucket: Bucket, grants: Iterable[Grant], projects: Collection[str]) -> BucketAccess | None:
    """How ``projects`` reach ``bucket``: owner, else the widest active grant to one of them, else None."""
    if bucket.project_id in projects:
        return OWNER_ACCESS
    active = active_grants_to(grants, bucket, projects)
    if not active:
        return None
    widest = max(active, key=lambda g: (g.permission == "read_write", g.created_at, g.id))
    return BucketAccess("grant", "read_write" if widest.permission == "read_write" else "read", widest)


async def tenant_grants(ctx: RequestContext, tenant_id: str, bucket_ids: Iterable[str] = ()) -> list[Grant]:
    """Every grant of a tenant (one read per request); primes ``grants_by_bucket`` for ``bucket_ids``."""
    grants = await ctx.loaders.storage.grants_by_tenant.load(tenant_id)
    by_bucket = ctx.loaders.storage.grants_by_bucket
    for bucket_id in bucket_ids:
        by_bucket.prime(bucket_id, [g for g in grants if g.bucket_id == bucket_id])
    return grants


async def viewer_access(ctx: RequestContext, buckets: Sequence[Bucket | None]) -> list[BucketAccess | None]:
    """How the viewer reaches each bucket (None: not at all, answered like a missing bucket)."""
    viewer = await ctx.viewer()
    projects = viewer.visible_project_ids
    shared = [b for b in buckets if b is not None and b.project_id not in projects and b.tenant_id == viewer.tenant_id]
    grants = await tenant_grants(ctx, viewer.tenant_id, [b.id for b in shared]) if shared and viewer.tenant_id else []
    return [access_through(b, grants, projects) if b is not None else None for b in buckets]


async def access_of(ctx: RequestContext, bucket: Bucket) -> BucketAccess | None:
    """How the viewer reaches one bucket."""
    (found,) = await viewer_access(ctx, [bucket])
    return found


async def project_access(
    ctx: RequestContext, buckets: Sequence[Bucket | None], project_id: str
) -> list[BucketAccess | None]:
    """How one project (a launch's) reaches each bucket: what it may mount, and how."""
    shared = [b for b in buckets if b is not None and b.project_id != project_id]
    tenants = sorted({b.tenant_id for b in shared})
    grants = [g for t in tenants for g in await tenant_grants(ctx, t, [b.id for b in shared if b.tenant_id == t])]
    return [access_through(b, grants, {project_id}) if b is not None else None for b in buckets]


async def granted_elsewhere(ctx: RequestContext, projects: Collection[str], *, narrowed: bool) -> list[Grant]:
    """Active grants to ``projects`` on buckets owned outside them: what the bucket list adds to their own buckets.

    Tenant admins and operators see every project of their scope, so unless the list is narrowed to some
    projects nothing is shared from outside it and no grant is read.
    """
    viewer = await ctx.viewer()
    if viewer.tenant_id is None or not projects or (viewer.persona in WHOLE_SCOPE and not narrowed):
        return []
    return [
        g
        for g in await tenant_grants(ctx, viewer.tenant_id)
        if g.revoked_at is None and g.grantee_project_id in projects and g.owner_project_id not in projects
    ]
