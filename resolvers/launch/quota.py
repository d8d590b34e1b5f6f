"""The launch wizards' quota checks: the project's entitlement as the access service derives it (use included),
worded as the services word their refusals, so the wizard, the attention items and a refusal show one number."""

from __future__ import annotations

from gateway.backends.access.models import Entitlement, Project
from gateway.context import RequestContext
from resolvers.launch.plan import TIB


async def _entitlement(ctx: RequestContext, project: Project) -> Entitlement | None:
    found = await ctx.loaders.access.entitlements_by_tenant.load(project.tenant_id)
    return next((e for e in found if e.project_id == project.id), None)


async def gpu_quota_problem(ctx: RequestContext, project: Project, model: str, count: int) -> str | None:
    """Why launching ``count`` GPUs of ``model`` would exceed the project's GPU quota, or None when it fits."""
    entitlement = await _entitlement(ctx, project)
    if entitlement is None:
        return None
    quota = next((q for q in entitlement.gpu_quotas if q.gpu_model == model), None)
    limit, used = (quota.limit, quota.used) if quota else (0, 0)
    if used + count <= limit:
        return None
    return f"GPU quota {model} of {project.name}: limit {limit}, in use {used}; this launch needs {count} more."


async def storage_quota_problem(ctx: RequestContext, project: Project, quota_bytes: int) -> str | None:
    """Why a new bucket of ``quota_bytes`` would exceed the project's storage entitlement, or None when it fits."""
    entitlement = await _entitlement(ctx, project)
    if entitlement is None:
        return None
    limit, used = entitlement.storage_quota_bytes, entitlement.storage_used_bytes
    if used + quota_bytes <= limit:
        return None
    percent = round(100 * used / limit) if limit else 100
    return (
        f"Storage quota of {project.name}: limit {_tib(limit)}, in use {_tib(used)} ({percent}%); "
        f"a {_tib(quota_bytes)} bucket needs more than the {_tib(max(0, limit - used))} left."
    )


def _tib(size: int) -> str:
    return f"{size / TIB:.1f} TiB"
