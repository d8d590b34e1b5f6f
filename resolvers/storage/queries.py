"""Storage: bucket listing and detail tabs, provider capabilities, mounts and audiences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.backends._loaders import alongside
from gateway.backends.access.models import Project
from gateway.backends.storage.models import Bucket, BucketEvent, BucketObject, Grant, LifecycleRule, StorageProvider
from gateway.backends.workloads.models import Workload
from gateway.context import RequestContext
from resolvers.shared.scope import filter_values
from resolvers.shared.scoped import ScopedResource
from resolvers.shared.shapes import AVAILABLE, Availability, PageOf, read_model_gap

NEAR_QUOTA = 0.85


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
    return f"/storage/{bucket.id}" + (f"?tab={tab}" if tab else "")


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
    """A page of the buckets the viewer may see, newest first."""
    filters = {"provider": filter_values(providers, "filter.providers")}
    return await BUCKETS.page(ctx, first=first, after=after, project_ids=project_ids, filters=filters)


async def get_buckets(ctx: RequestContext, ids: Sequence[str]) -> list[Bucket | None]:
    """Buckets by id; None for missing or out-of-scope ids."""
    return await BUCKETS.get_many(ctx, ids)


async def get_bucket(ctx: RequestContext, bucket_id: str) -> Bucket:
    """One bucket, or ``NotFound`` (also when out of scope)."""
    return await BUCKETS.get(ctx, bucket_id)


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
    """The owning project, then every active grant, with projects resolved."""
    grants = [g for g in await ctx.loaders.storage.grants_by_bucket.load(bucket.id) if g.revoked_at is None]
    projects = await ctx.loaders.access.projects.load_many([bucket.project_id, *(g.grantee_project_id for g in grants)])
    audiences = [Audience("owner", projects[0], "read_write", None, None)]
    audiences.extend(
        Audience("grant", project, grant.permission, grant.purpose, grant)
        for grant, project in zip(grants, projects[1:], strict=True)
    )
    return audiences


async def lifecycle(ctx: RequestContext, bucket: Bucket) -> LifecycleTab:
    """Lifecycle rules, with whether the provider's enforcement is validated."""
    validated, note = _capability(await provider(ctx, bucket), "lifecycle_rules")
    if validated:
        return LifecycleTab(AVAILABLE, bucket.lifecycle_rules, AVAILABLE)
    enforcement = read_model_gap(
        note or "Lifecycle enforcement is not validated.",
        f"/docs/storage/providers/{bucket.provider}#lifecycle_rules",
    )
    return LifecycleTab(AVAILABLE, bucket.lifecycle_rules, enforcement)


async def events(ctx: RequestContext, bucket: Bucket) -> list[BucketEvent]:
    """The bucket's events, newest first."""
    found = await ctx.loaders.storage.events_by_bucket.load(bucket.id)
    return sorted(found, key=lambda e: (e.at, e.id), reverse=True)
