"""Launch drafts as the wizard pages read them: the viewer's own drafts, each step's validation state."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from gateway.backends.access.models import Project
from gateway.backends.drafts import LaunchDraft, draft_domain
from gateway.backends.storage.models import Bucket
from gateway.backends.workloads.models import App, Workload
from gateway.context import RequestContext
from gateway.idempotency.outcome import MutationOutcome, UserError
from resolvers.launch.inputs import LaunchInputs
from resolvers.launch.validation import validate
from resolvers.shared.scope import not_found
from resolvers.shared.shapes import future_product

MAX_DRAFTS = 50
NETWORK_AVAILABILITY = future_product(
    "Private networks and firewall rules are not available yet; workloads get the default network.",
    "/docs/launch/network",
)


async def get_draft(ctx: RequestContext, draft_id: str) -> LaunchDraft:
    """One of the viewer's drafts, or NOT_FOUND."""
    viewer = await ctx.viewer()
    client = ctx.backends.storage if draft_domain(draft_id) == "storage" else ctx.backends.workloads
    found = await client.drafts([draft_id])
    if not found or found[0].owner_id != viewer.user.id or found[0].tenant_id != (viewer.tenant_id or ""):
        raise not_found("launch draft")
    return found[0]


async def open_drafts(ctx: RequestContext) -> list[LaunchDraft]:
    """The viewer's open drafts in both services, newest first (one call per service, concurrently)."""
    viewer = await ctx.viewer()
    if viewer.tenant_id is None:
        return []
    pages = await asyncio.gather(
        ctx.backends.workloads.open_drafts_of(viewer.user.id, limit=MAX_DRAFTS),
        ctx.backends.storage.open_drafts_of(viewer.user.id, limit=MAX_DRAFTS),
    )
    found = [d for page in pages for d in page.items if d.tenant_id == viewer.tenant_id]
    return sorted(found, key=lambda d: (d.updated_at, d.id), reverse=True)


async def step_problems(ctx: RequestContext, draft: LaunchDraft) -> dict[str, list[UserError]]:
    """What each step still needs (steps without problems are absent)."""
    problems, _ = await validate(ctx, LaunchInputs.from_draft(draft.kind, draft.inputs), ("draft",))
    return problems


def as_outcome(errors: Sequence[UserError]) -> MutationOutcome:
    """Problems in the shape the schema's userErrors conversion takes."""
    return MutationOutcome(user_errors=tuple(errors))


async def project(ctx: RequestContext, draft: LaunchDraft) -> Project | None:
    """The draft's project, when chosen and visible."""
    viewer = await ctx.viewer()
    if draft.project_id is None or not viewer.can_see_project(draft.project_id):
        return None
    return await ctx.loaders.access.projects.load(draft.project_id)


async def app(ctx: RequestContext, draft: LaunchDraft) -> App | None:
    """The app of an app draft, from the catalog."""
    slug = draft.app_slug or (draft.inputs.get("app") or {}).get("app_slug")
    if draft.kind != "app" or not slug:
        return None
    return next((a for a in await ctx.loaders.workloads.apps.get() if a.slug == slug), None)


async def launched_workload(ctx: RequestContext, draft: LaunchDraft) -> Workload | None:
    """The workload a submitted draft launched, if visible."""
    workload_id = (draft.result or {}).get("workload")
    if not isinstance(workload_id, str):
        return None
    viewer, found = await asyncio.gather(ctx.viewer(), ctx.loaders.workloads.workloads.load(workload_id))
    return found if found is not None and viewer.can_see_project(found.project_id) else None


async def created_bucket(ctx: RequestContext, draft: LaunchDraft) -> Bucket | None:
    """The bucket a submitted draft created, if visible."""
    bucket_id = (draft.result or {}).get("bucket")
    if not isinstance(bucket_id, str):
        return None
    viewer, found = await asyncio.gather(ctx.viewer(), ctx.loaders.storage.buckets.load(bucket_id))
    return found if found is not None and viewer.can_see_project(found.project_id) else None


async def get_drafts(ctx: RequestContext, ids: Sequence[str]) -> list[LaunchDraft | None]:
    """Drafts by id (``node``/``nodes``); None for anyone else's drafts and unknown ids."""
    viewer = await ctx.viewer()
    by_domain: dict[str, list[str]] = {}
    for draft_id in ids:
        by_domain.setdefault(draft_domain(draft_id), []).append(draft_id)
    pages = await asyncio.gather(
        *(
            (ctx.backends.storage if domain == "storage" else ctx.backends.workloads).drafts(domain_ids)
            for domain, domain_ids in by_domain.items()
        )
    )
    found = {
        d.id: d
        for page in pages
        for d in page
        if d.owner_id == viewer.user.id and d.tenant_id == (viewer.tenant_id or "")
    }
    return [found.get(i) for i in ids]
