"""The console shell for the viewer: groups and routes they may open, badges and their landing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from gateway.context import RequestContext
from resolvers.account import notifications
from resolvers.console import navigation
from resolvers.shared.scope import visible_projects


@dataclass(frozen=True)
class Entry:
    """A route as the viewer sees it."""

    path: str
    label: str
    visible: bool
    badge: int | None = None


@dataclass(frozen=True)
class GroupView:
    """A rail group as the viewer sees it."""

    key: str
    label: str
    icon: str
    visible: bool
    badge: int | None
    routes: list[Entry]


@dataclass(frozen=True)
class ShellView:
    """Everything the shell renders around a page."""

    persona: str
    default_landing: str
    groups: list[GroupView]
    utilities: list[Entry]
    landings: list[Entry]


async def failed_workloads(ctx: RequestContext) -> int:
    """Failed workloads in the viewer's projects (the Workloads badge); one counting call."""
    projects = await visible_projects(ctx)
    if not projects:
        return 0
    page = await ctx.backends.workloads.list_workloads(
        {"project_id": projects, "status": ["failed"]}, limit=1, after=None
    )
    return page.total


async def shell(ctx: RequestContext) -> ShellView:
    """The seven groups in order, utilities outside the rail, landings, badges and default landing."""
    viewer = await ctx.viewer()
    persona = viewer.persona
    workloads_group = next(g for g in navigation.GROUPS if g.key == "workloads")
    counts = await asyncio.gather(
        failed_workloads(ctx) if persona in workloads_group.personas else _zero(),
        notifications.unread_count(ctx),
    )
    failed, unread = counts

    def entry(route: navigation.Route, badge: int | None = None) -> Entry:
        return Entry(route.path, route.label, persona in route.personas, badge)

    groups = [
        GroupView(
            key=group.key,
            label=group.label,
            icon=group.icon,
            visible=persona in group.personas,
            badge=(failed or None) if group.key == "workloads" and persona in group.personas else None,
            routes=[entry(route) for route in group.routes],
        )
        for group in navigation.GROUPS
    ]
    utilities = [entry(r, unread if r.path == "/notifications" else None) for r in navigation.UTILITIES]
    return ShellView(
        persona=persona,
        default_landing=navigation.DEFAULT_LANDING[persona],
        groups=groups,
        utilities=utilities,
        landings=[entry(r) for r in navigation.LANDINGS],
    )


async def _zero() -> int:
    return 0
