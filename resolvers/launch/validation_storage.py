"""Launch checks of storage: buckets to mount, buckets to create, and the storage wizard's steps."""

from __future__ import annotations

import re
from typing import Any

from gateway.context import RequestContext
from gateway.viewer import Viewer
from resolvers.launch.inputs import LaunchInputs, NewBucket
from resolvers.launch.plan import (
    BUCKET_NAME,
    GIB,
    MAX_GRANTS,
    MAX_MOUNTS,
    MOUNT_PATH,
    PERMISSIONS,
    PURPOSES,
    TIB,
    LaunchPlan,
    Problems,
    local_or_none,
)
from resolvers.launch.quota import storage_quota_problem
from resolvers.storage.access import project_access, viewer_access
from resolvers.storage.providers import storage_provider

REGION = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")


async def storage_step(
    ctx: RequestContext,
    viewer: Viewer,
    inputs: LaunchInputs,
    needs: set[str],
    problems: Problems,
    plan: LaunchPlan | None,
) -> None:
    step = inputs.storage
    if len(step.mounts) > MAX_MOUNTS:
        problems.add("storage", f"At most {MAX_MOUNTS} buckets per launch.", "INVALID", "mounts")
    locals_ = [local_or_none(m.bucket_id, "Bucket") for m in step.mounts[:MAX_MOUNTS]]
    buckets = await ctx.loaders.storage.buckets.load_many([b or "" for b in locals_])
    seen = await viewer_access(ctx, buckets)
    reach = await project_access(ctx, buckets, plan.project.id) if plan is not None else seen
    paths: set[str] = set()
    mounts: list[tuple[str, str, bool]] = []
    for index, (choice, bucket, visible, access) in enumerate(
        zip(step.mounts[:MAX_MOUNTS], buckets, seen, reach, strict=True)
    ):
        where = ("mounts", str(index))
        if bucket is None or visible is None:
            problems.add("storage", "No bucket with this id.", "NOT_FOUND", *where, "bucketId")
            continue
        if access is None:
            problems.add(
                "storage",
                f"{bucket.name} is not shared with this project; ask its owners for a grant.",
                "INVALID",
                *where,
                "bucketId",
            )
            continue
        read_only = choice.read_only or access.permission == "read"  # a read grant mounts read-only
        if _bad_path(choice.mount_path, paths):
            problems.add("storage", "Mount paths are distinct paths under /mnt/.", "INVALID", *where, "mountPath")
            continue
        mounts.append((bucket.id, choice.mount_path or "", read_only))
    new = step.new_bucket
    if new is not None:
        await check_new_bucket(ctx, new, problems, "storage", ("newBucket",))
        await _storage_quota(ctx, plan, new.quota_bytes, problems, "storage", ("newBucket",))
        if _bad_path(new.mount_path, paths):
            problems.add(
                "storage", "Mount the new bucket at a distinct path under /mnt/.", "INVALID", "newBucket", "mountPath"
            )
    if "bucket" in needs and not step.mounts and new is None:
        problems.add("storage", "This app needs a bucket: mount one or create one.", "REQUIRED", "mounts")
    if plan is not None:
        plan.mounts, plan.new_bucket = mounts, new


async def _storage_quota(
    ctx: RequestContext,
    plan: LaunchPlan | None,
    quota_bytes: int | None,
    problems: Problems,
    step: str,
    prefix: tuple[str, ...],
) -> None:
    """The project's storage entitlement must hold the new bucket's quota (checked once the size is valid)."""
    if plan is None or quota_bytes is None or not GIB <= quota_bytes <= 100 * TIB:
        return
    over = await storage_quota_problem(ctx, plan.project, quota_bytes)
    if over is not None:
        problems.add(step, over, "QUOTA_EXCEEDED", *prefix, "quotaBytes")


def _bad_path(path: str | None, seen: set[str]) -> bool:
    if not path or not MOUNT_PATH.match(path) or ".." in path or path in seen:
        return True
    seen.add(path)
    return False


async def check_new_bucket(
    ctx: RequestContext, new: Any, problems: Problems, step: str, prefix: tuple[str, ...], *, name: str | None = None
) -> None:
    """Checks of a bucket to create (the storage wizard's bucket step, or a workload's inline bucket)."""
    bucket_name = name if name is not None else new.name
    if name is None and (not bucket_name or not BUCKET_NAME.match(bucket_name)):
        problems.add(step, "Bucket names are 3-63 of a-z, 0-9 and '-'.", "INVALID", *prefix, "name")
    if new.purpose not in PURPOSES:
        problems.add(
            step,
            f"The purpose is one of {', '.join(PURPOSES)}.",
            "REQUIRED" if not new.purpose else "INVALID",
            *prefix,
            "purpose",
        )
    if not new.region:
        problems.add(step, "Choose a region.", "REQUIRED", *prefix, "region")
    elif not REGION.fullmatch(new.region):  # the storage service keeps at most 64 characters
        problems.add(step, "Regions are like us-east-1 (a-z, 0-9 and '-', at most 64).", "INVALID", *prefix, "region")
    if new.quota_bytes is None or not GIB <= new.quota_bytes <= 100 * TIB:
        problems.add(
            step,
            "A bucket's quota is between 1 GiB and 100 TiB.",
            "QUOTA_EXCEEDED" if new.quota_bytes else "REQUIRED",
            *prefix,
            "quotaBytes",
        )
    if not new.provider:
        problems.add(step, "Choose a storage provider.", "REQUIRED", *prefix, "provider")
        return
    provider = await storage_provider(ctx, new.provider)
    if provider is None:
        problems.add(step, f"No storage provider {new.provider!r}.", "NOT_FOUND", *prefix, "provider")
        return
    quota = next((c for c in provider.capabilities if c.name == "quota"), None)
    if quota is None or not (quota.supported and quota.validated):
        problems.add(
            step,
            (quota.note if quota and quota.note else f"{provider.display_name} quotas are not validated")
            + " (capability quota).",
            "CAPABILITY_NOT_VALIDATED",
            *prefix,
            "provider",
        )


async def storage_wizard(
    ctx: RequestContext, viewer: Viewer, inputs: LaunchInputs, problems: Problems, plan: LaunchPlan | None
) -> None:
    step = inputs.bucket
    await check_new_bucket(ctx, step, problems, "bucket", (), name=inputs.basics.name or "")
    await _storage_quota(ctx, plan, step.quota_bytes, problems, "bucket", ())
    grants: list[tuple[str, str]] = []
    seen: set[str] = set()
    if inputs.sharing.grants and plan is not None and viewer.project_roles.get(plan.project.id) != "admin":
        problems.add(
            "sharing",
            "Only project admins can share buckets; leave sharing empty or ask one.",
            "NOT_PERMITTED",
            "grants",
        )
    if len(inputs.sharing.grants) > MAX_GRANTS:
        problems.add("sharing", f"At most {MAX_GRANTS} grants.", "INVALID", "grants")
    for index, grant in enumerate(inputs.sharing.grants[:MAX_GRANTS]):
        where = ("grants", str(index))
        project_id = local_or_none(grant.project_id, "Project")
        if project_id is None or not viewer.can_see_project(project_id):
            problems.add("sharing", "No project with this id.", "NOT_FOUND", *where, "projectId")
        elif plan is not None and project_id == plan.project.id:
            problems.add("sharing", "The owning project has full access already.", "INVALID", *where, "projectId")
        elif project_id in seen:
            problems.add("sharing", "Each project is shared with once.", "INVALID", *where, "projectId")
        elif grant.permission not in PERMISSIONS:
            problems.add("sharing", "Permission is read or read_write.", "INVALID", *where, "permission")
        else:
            seen.add(project_id)
            grants.append((project_id, grant.permission))
    if plan is not None:
        plan.grants = grants
        plan.new_bucket = NewBucket(
            name=inputs.basics.name,
            purpose=step.purpose,
            provider=step.provider,
            region=step.region,
            quota_bytes=step.quota_bytes,
        )
