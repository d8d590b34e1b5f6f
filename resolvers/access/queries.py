"""Tenants, projects and users as seen by the viewer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from gateway.backends.access.models import Project, Tenant, User
from gateway.context import RequestContext
from gateway.viewer import Viewer
from resolvers.shared.now import Now


async def viewer(ctx: RequestContext) -> Viewer:
    """The viewer of the request."""
    return await ctx.viewer()


def viewer_project(ctx: RequestContext, project_id: str | None) -> Now[Project | None]:
    """The viewer's project of that id (None when the viewer does not see it): at once when the viewer is already
    resolved in this request, as it is below any root field, else once it is."""
    found = ctx.resolved_viewer()
    if found is None:
        return _viewer_project_later(ctx, project_id)
    return _project_of(found, project_id)


async def _viewer_project_later(ctx: RequestContext, project_id: str | None) -> Project | None:
    return _project_of(await ctx.viewer(), project_id)


def _project_of(found: Viewer, project_id: str | None) -> Project | None:
    return next((p for p in found.projects if p.id == project_id), None)


async def get_projects(ctx: RequestContext, ids: Sequence[str]) -> list[Project | None]:
    """Projects by id; None for projects the viewer may not see."""
    found_viewer, found = await asyncio.gather(ctx.viewer(), ctx.loaders.access.projects.load_many(list(ids)))
    return [p if p is not None and found_viewer.can_see_project(p.id) else None for p in found]


async def visible_projects(ctx: RequestContext) -> list[Project]:
    """Every project the viewer may see, by name."""
    return sorted((await ctx.viewer()).projects, key=lambda p: p.name)


async def tenant(ctx: RequestContext, tenant_id: str) -> Tenant | None:
    """A tenant by id, for an object already in the viewer's scope that names it."""
    return await ctx.loaders.access.tenants.load(tenant_id)


async def get_tenants(ctx: RequestContext, ids: Sequence[str]) -> list[Tenant | None]:
    """Tenants by id; the viewer sees their own tenant (operators see all)."""
    found_viewer, found = await asyncio.gather(ctx.viewer(), ctx.loaders.access.tenants.load_many(list(ids)))
    return [
        t if t is not None and (found_viewer.is_operator or t.id == found_viewer.tenant_id) else None for t in found
    ]


async def get_users(ctx: RequestContext, ids: Sequence[str]) -> list[User | None]:
    """Users by id; the viewer sees users of their own tenant (operators see all)."""
    found_viewer, found = await asyncio.gather(ctx.viewer(), ctx.loaders.access.users.load_many(list(ids)))
    return [
        u if u is not None and (found_viewer.is_operator or u.tenant_id == found_viewer.tenant_id) else None
        for u in found
    ]
