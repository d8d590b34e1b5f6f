"""The console shell: the rail's seven groups, utilities, landings, badges and the default landing."""

from __future__ import annotations

import strawberry

from resolvers.console import shell as resolve
from schema.access.types import Persona

BADGE_NULL = (
    " Null also when the service that counts it is unavailable: an error at this path names the service, "
    "and the rest of the shell is intact."
)


async def _count(badge: resolve.Badge | None) -> int | None:
    return await badge() if badge is not None else None


@strawberry.type(description="A console route and whether the viewer may open it.")
class ShellEntry:
    path: str = strawberry.field(description="Console route (path parameters in braces).")
    label: str = strawberry.field(description="Display label.")
    visible: bool = strawberry.field(description="True when the viewer's persona may open the route.")
    badge_of: strawberry.Private[resolve.Badge | None] = None

    @strawberry.field(description="Count to show on the entry (null for none)." + BADGE_NULL)
    async def badge(self) -> int | None:
        return await _count(self.badge_of)


@strawberry.type(description="A group of the left rail, in rail order.")
class ShellGroup:
    key: str = strawberry.field(description="Stable key: workloads, compute, apps, storage, access, account, platform.")
    label: str = strawberry.field(description="Display label.")
    icon: str = strawberry.field(description="Icon token.")
    visible: bool = strawberry.field(description="True when the viewer may open at least one of its routes.")
    routes: list[ShellEntry] = strawberry.field(description="The group's routes, each with its visibility.")
    badge_of: strawberry.Private[resolve.Badge | None] = None

    @strawberry.field(description="Count to show on the group (null for none)." + BADGE_NULL)
    async def badge(self) -> int | None:
        return await _count(self.badge_of)


@strawberry.type(description="Everything the console shell renders around a page, for the viewer's persona.")
class Shell:
    persona: Persona = strawberry.field(description="The viewer's persona.")
    default_landing: str = strawberry.field(description="Route the viewer lands on after sign-in.")
    groups: list[ShellGroup] = strawberry.field(description="The seven rail groups in order.")
    utilities: list[ShellEntry] = strawberry.field(
        description="Entries outside the rail: notifications inbox (with unread badge), developer downloads, "
        "schedulers."
    )
    landings: list[ShellEntry] = strawberry.field(description="Persona landing pages (tenant and project overview).")

    @classmethod
    def of(cls, view: resolve.ShellView) -> Shell:
        """From the resolver's view; badges are counted as they are resolved."""
        return cls(
            persona=Persona(view.persona),
            default_landing=view.default_landing,
            groups=[
                ShellGroup(
                    key=g.key,
                    label=g.label,
                    icon=g.icon,
                    visible=g.visible,
                    badge_of=g.badge,
                    routes=[_entry(r) for r in g.routes],
                )
                for g in view.groups
            ],
            utilities=[_entry(u) for u in view.utilities],
            landings=[_entry(landing) for landing in view.landings],
        )


def _entry(entry: resolve.Entry) -> ShellEntry:
    return ShellEntry(path=entry.path, label=entry.label, visible=entry.visible, badge_of=entry.badge)
