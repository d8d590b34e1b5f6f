"""The console shell for the viewer: groups and routes they may open, badges and their landing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from gateway.context import RequestContext
from resolvers.account import notifications
from resolvers.console import navigation
from resolvers.shared.scope import visible_projects

# A badge is counted when the schema resolves it, so a failing count (workloads or account service down)
# nulls that badge alone, with an error at its path naming the service, and the rest of the shell renders.
Badge = Callable[[], Awaitable[int | None]]


@dataclass(frozen=True)
class Entry:
    """A route as the viewer sees it; ``badge`` counts what to show on it (None: no badge)."""

    path: str
    label: str
    visible: bool
    badge: Badge | None = None


@dataclass(frozen=True)
class GroupView:
    """A rail group as the viewer sees it."""

    key: str
    label: str
    icon: str
    visible: bool
    badge: Badge | None
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
    """The seven groups in order, utilities outside the rail, landings, badges and default landing.

    Only the viewer is read here; each badge is counted by its own service when it is resolved.
    """
    viewer = await ctx.viewer()
    persona = viewer.persona

    async def failed() -> int | None:
        return (await failed_workloads(ctx)) or None

    async def unread() -> int | None:
        return await notifications.unread_count(ctx)

    def entry(route: navigation.Route, badge: Badge | None = None) -> Entry:
        return Entry(route.path, route.label, persona in route.personas, badge)

    groups = [
        GroupView(
            key=group.key,
            label=group.label,
            icon=group.icon,
            visible=persona in group.personas,
            badge=failed if group.key == "workloads" and persona in group.personas else None,
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
