"""Storage grants by id, scoped: visible to whoever can see the bucket's project or the grantee project."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.backends._loaders import alongside
from gateway.backends.access.models import Project
from gateway.backends.storage.models import Grant
from gateway.context import RequestContext


async def get_grants(ctx: RequestContext, ids: Sequence[str]) -> list[Grant | None]:
    """Grants by id; None for missing ones and ones the viewer may not see."""
    viewer, found = await alongside(ctx.viewer(), ctx.loaders.storage.grants.load_many(list(ids)))
    return [
        g
        if g is not None
        and (viewer.can_see_project(g.owner_project_id) or viewer.can_see_project(g.grantee_project_id))
        else None
        for g in found
    ]


async def grantee_project(ctx: RequestContext, grant: Grant) -> Project | None:
    """The project the bucket is shared with; None when the viewer may not see it."""
    viewer = await ctx.viewer()
    if not viewer.can_see_project(grant.grantee_project_id):
        return None
    return await ctx.loaders.access.projects.load(grant.grantee_project_id)
