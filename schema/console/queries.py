"""Root query fields of Console shell, persona landings and global ids."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.errors import BadUserInput
from resolvers.console import overviews, shell
from resolvers.shared.scope import local_id
from schema.console.node import MAX_NODES, resolve_nodes
from schema.console.overviews import ProjectOverview, TenantOverview
from schema.console.shell import Shell
from schema.shared.permissions import Authenticated, IsTenantAdmin
from schema.shared.types import Info, Node


@strawberry.type
class NodeQuery:
    """Relay root fields."""

    @strawberry.field(
        permission_classes=[Authenticated],
        description="Any object by global id (null with NOT_FOUND if missing or not visible).",
    )
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Global id of any object.")]
    ) -> Node | None:
        (result,) = await resolve_nodes(info.context, [id], "id")
        if isinstance(result, Exception):
            raise result
        return result

    @strawberry.field(
        permission_classes=[Authenticated],
        description="Objects by global ids, in order; missing or invisible ones are null with NOT_FOUND.",
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Global ids of any objects, at most 100, any types.")
        ],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise BadUserInput(f"`ids` takes at most {MAX_NODES} ids, got {len(ids)}", argument="ids")
        return await resolve_nodes(info.context, ids, "ids")  # type: ignore[return-value]


@strawberry.type
class ShellQuery:
    """Root field of the shell."""

    @strawberry.field(permission_classes=[Authenticated], description="The console shell for the viewer.")
    async def shell(self, info: Info) -> Shell:
        return Shell.of(await shell.shell(info.context))


@strawberry.type
class OverviewsQuery:
    """The persona landing root fields."""

    @strawberry.field(
        permission_classes=[IsTenantAdmin],
        description="The tenant overview. Tenant admins see their own tenant (another tenant's id is NOT_FOUND); "
        "operators see the `tenant` they name (default: the first tenant by name); others get FORBIDDEN.",
    )
    async def tenant_overview(
        self,
        info: Info,
        tenant: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Global id of the tenant (operators; tenant admins may name their own)."),
        ] = None,
    ) -> TenantOverview | None:
        tenant_id = local_id(tenant, "Tenant", "tenant") if tenant else None
        return TenantOverview(subject=await overviews.tenant_overview(info.context, tenant_id))

    @strawberry.field(
        permission_classes=[Authenticated],
        description="The project overview of a project the viewer can see (NOT_FOUND otherwise); without "
        "`project`, the viewer's first project by name.",
    )
    async def project_overview(
        self,
        info: Info,
        project: Annotated[strawberry.ID | None, strawberry.argument(description="Global id of the project.")] = None,
    ) -> ProjectOverview | None:
        project_id = local_id(project, "Project", "project") if project else None
        return ProjectOverview(subject=await overviews.project_overview(info.context, project_id))
