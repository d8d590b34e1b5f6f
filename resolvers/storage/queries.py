"""Storage: bucket listing and detail tabs, provider capabilities, mounts and audiences."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gateway.backends._loaders import alongside
from gateway.backends.access.models import Project
from gateway.backends.storage.models import Bucket, BucketEvent, BucketObject, Grant, LifecycleRule, StorageProvider
from gateway.backends.workloads.models import Workload
from gateway.context import RequestContext
from gateway.errors import BackendBadResponse
from resolvers.shared.links import route
from resolvers.shared.scope import filter_values, not_found, visible_projects
from resolvers.shared.scoped import ScopedResource
from resolvers.shared.shapes import (
    AVAILABLE,
    Availability,
    PageOf,
    check_first,
    decode_cursor,
    encode_cursor,
    read_model_gap,
    runtime_condition,
)
from resolvers.storage.access import access_of, granted_elsewhere, tenant_grants, viewer_access

NEAR_QUOTA = 0.85
LISTING_READ = 1000  # the storage service's largest page
MAX_LISTING_READS = 20  # a grantee's list reads at most this many pages of the owners' buckets


@dataclass(frozen=True)
class Usage:
    """How full a bucket is."""

    used_bytes: int
    quota_bytes: int
    object_count: int

    @property
    def fraction_used(self) -> float:
        """Used over quota (0 when there is no quota)."""
        return self.used_bytes / self.quota_bytes if self.quota_bytes else 0.0

    @property
    def state(self) -> str:
        """ok, near_quota or over_quota."""
        if self.fraction_used >= 1:
            return "over_quota"
        return "near_quota" if self.fraction_used >= NEAR_QUOTA else "ok"


@dataclass(frozen=True)
class ObjectsTab:
    """The objects tab: a listing when the provider's listing is validated, else why not."""

    availability: Availability
    objects: list[BucketObject]


@dataclass(frozen=True)
class BucketMountView:
    """A workload mounting the bucket (the workload resolved and visible)."""

    workload: Workload
    mount_path: str
    read_only: bool


@dataclass(frozen=True)
class Audience:
    """A project that can reach the bucket: its owner or a grantee."""

    kind: str  # owner | grant
    project: Project | None
    permission: str
    purpose: str | None
    grant: Grant | None


@dataclass(frozen=True)
class LifecycleTab:
    """Lifecycle rules (recorded by the storage service, so always shown) and whether the provider enforces them."""

    availability: Availability
    rules: list[LifecycleRule]
    enforcement: Availability


def console_route(bucket: Bucket, tab: str | None = None) -> str:
    """The console route of a bucket (or one of its tabs)."""
    return route("/storage/{id}", bucket.id, tab=tab)


BUCKETS: ScopedResource[Bucket] = ScopedResource(
    "bucket", lambda ctx: ctx.backends.storage.list_buckets, lambda ctx: ctx.loaders.storage.buckets
)


async def list_buckets(
    ctx: RequestContext,
    *,
    first: int,
    after: str | None,
    project_ids: Sequence[str] | None,
    providers: Sequence[str] | None,
) -> PageOf[Bucket]:
    """A page of the buckets the viewer may see, newest first: their projects' own and those shared with them."""
    filters = {"provider": filter_values(providers, "filter.providers")}
    check_first(first)
    decode_cursor(after)  # a forged cursor is refused before any service is asked
    projects = await visible_projects(ctx, project_ids)
    granted = await granted_elsewhere(ctx, projects, narrowed=project_ids is not None)
    if not granted:
        page = await BUCKETS.page(ctx, first=first, after=after, project_ids=project_ids, filters=filters)
    else:
        page = await _page_with_granted(
            ctx, first=first, after=after, projects=projects, granted=granted, filters=filters
        )
    viewer = await ctx.viewer()
    if granted and viewer.tenant_id is not None:  # grants are read already: the rows' audiences read no more
        await tenant_grants(ctx, viewer.tenant_id, [b.id for b in page.items if b.tenant_id == viewer.tenant_id])
    return page


async def _page_with_granted(
    ctx: RequestContext,
    *,
    first: int,
    after: str | None,
    projects: Sequence[str],
    granted: Sequence[Grant],
    filters: Mapping[str, Sequence[str] | None],
) -> PageOf[Bucket]:
    """The viewer's buckets and the ones shared with them, in the service's newest-first order.

    One listing of the owning projects too (the service filters by project, not by grant), kept to the viewer's
    projects' buckets and the granted ones; paged here by the service's positions, so cursors stay its cursors.
    """
    check_first(first)
    position = int(after_position) if (after_position := decode_cursor(after)) is not None else None
    shared = {g.bucket_id for g in granted}
    query: dict[str, Sequence[str]] = {"project_id": sorted({*projects, *(g.owner_project_id for g in granted)})}
    query.update({key: values for key, values in filters.items() if values})
    kept: list[tuple[Bucket, str]] = []
    backend_after: str | None = None
    for _ in range(MAX_LISTING_READS):
        listed = await ctx.backends.storage.list_buckets(query, limit=LISTING_READ, after=backend_after)
        kept.extend(
            (b, c)
            for b, c in zip(listed.items, listed.cursors, strict=True)
            if b.project_id in projects or b.id in shared
        )
        backend_after = listed.next_cursor
        if backend_after is None:
            break
    else:
        raise BackendBadResponse("the bucket listing did not end within its read budget", service="storage")
    remaining = [(b, c) for b, c in kept if position is None or int(c) < position]
    loader = ctx.loaders.storage.buckets
    for bucket, _cursor in remaining[:first]:
        loader.prime(bucket.id, bucket)
    return PageOf(
        items=[b for b, _ in remaining[:first]],
        cursors=[encode_cursor(c) for _, c in remaining[:first]],
        has_next_page=len(remaining) > first,
        total_count=len(kept),
    )


async def get_buckets(ctx: RequestContext, ids: Sequence[str]) -> list[Bucket | None]:
    """Buckets by id; None for missing ones and ones the viewer reaches neither as owner nor by an active grant."""
    found = await ctx.loaders.storage.buckets.load_many(list(ids))
    reach = await viewer_access(ctx, found)
    return [b if access is not None else None for b, access in zip(found, reach, strict=True)]


async def get_bucket(ctx: RequestContext, bucket_id: str) -> Bucket:
    """One bucket, or ``NotFound`` (also when out of scope)."""
    (found,) = await get_buckets(ctx, [bucket_id])
    if found is None:
        raise not_found("bucket")
    return found


def usage(bucket: Bucket) -> Usage:
    """Usage against quota."""
    return Usage(bucket.used_bytes, bucket.quota_bytes, bucket.object_count)


async def project(ctx: RequestContext, bucket: Bucket) -> Project | None:
    """The project that owns the bucket."""
    return await ctx.loaders.access.projects.load(bucket.project_id)


async def provider(ctx: RequestContext, bucket: Bucket) -> StorageProvider | None:
    """The provider's capability object."""
    return await ctx.loaders.storage.providers.load(bucket.provider)


def _capability(found: StorageProvider | None, name: str) -> tuple[bool, str | None]:
    if found is None:
        return False, "The storage provider did not describe its capabilities."
    for capability in found.capabilities:
        if capability.name == name:
            return capability.supported and capability.validated, capability.note
    return False, f"{found.display_name} does not offer {name.replace('_', ' ')}."


async def objects(ctx: RequestContext, bucket: Bucket) -> ObjectsTab:
    """Objects, when the provider's object listing is validated."""
    validated, note = _capability(await provider(ctx, bucket), "object_listing")
    if not validated:
        return ObjectsTab(
            read_model_gap(
                note or "Object listing is not validated for this provider.",
                f"/docs/storage/providers/{bucket.provider}#object_listing",
            ),
            [],
        )
    listed = await ctx.loaders.storage.objects_by_bucket.load(bucket.id)
    return ObjectsTab(AVAILABLE, sorted(listed, key=lambda o: o.key))


async def mounted_workloads(ctx: RequestContext, bucket: Bucket) -> list[BucketMountView]:
    """Workloads mounting the bucket that the viewer may see."""
    mounts = await ctx.loaders.storage.mounts_by_bucket.load(bucket.id)
    viewer, workloads = await alongside(
        ctx.viewer(), ctx.loaders.workloads.workloads.load_many([m.workload_id for m in mounts])
    )
    return [
        BucketMountView(w, m.mount_path, m.read_only)
        for m, w in zip(mounts, workloads, strict=True)
        if w is not None and viewer.can_see_project(w.project_id)
    ]


async def access_audiences(ctx: RequestContext, bucket: Bucket) -> list[Audience]:
    """The owning project, then the active grants the viewer may see: every one for the owner's side, only the
    grants to the viewer's own projects for a grantee (who does not learn who else the bucket is shared with)."""
    viewer, access, found = await asyncio.gather(
        ctx.viewer(), access_of(ctx, bucket), ctx.loaders.storage.grants_by_bucket.load(bucket.id)
    )
    grants = [
        g
        for g in found
        if g.revoked_at is None
        and ((access is not None and access.is_owner) or viewer.can_see_project(g.grantee_project_id))
    ]
    projects = await ctx.loaders.access.projects.load_many([bucket.project_id, *(g.grantee_project_id for g in grants)])
    audiences = [Audience("owner", projects[0], "read_write", None, None)]
    audiences.extend(
        Audience("grant", project, grant.permission, grant.purpose, grant)
        for grant, project in zip(grants, projects[1:], strict=True)
    )
    return audiences


OWNER_ONLY = "Managed by the bucket's owning project; this project reaches the bucket through a grant."


async def lifecycle(ctx: RequestContext, bucket: Bucket) -> LifecycleTab:
    """Lifecycle rules, with whether the provider's enforcement is validated (the owner's side only)."""
    access = await access_of(ctx, bucket)
    if access is None or not access.is_owner:
        owner_only = runtime_condition(OWNER_ONLY, route("/storage/{id}", bucket.id))
        return LifecycleTab(owner_only, [], owner_only)
    validated, note = _capability(await provider(ctx, bucket), "lifecycle_rules")
    if validated:
        return LifecycleTab(AVAILABLE, bucket.lifecycle_rules, AVAILABLE)
    enforcement = read_model_gap(
        note or "Lifecycle enforcement is not validated.",
        f"/docs/storage/providers/{bucket.provider}#lifecycle_rules",
    )
    return LifecycleTab(AVAILABLE, bucket.lifecycle_rules, enforcement)


async def events(ctx: RequestContext, bucket: Bucket) -> list[BucketEvent]:
    """The bucket's events, newest first; a grantee does not see the owner's sharing with others."""
    access, found = await asyncio.gather(access_of(ctx, bucket), ctx.loaders.storage.events_by_bucket.load(bucket.id))
    if access is None or not access.is_owner:
        found = [e for e in found if not e.type.startswith("grant_")]
    return sorted(found, key=lambda e: (e.at, e.id), reverse=True)
