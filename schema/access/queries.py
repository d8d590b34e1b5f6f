"""Root query fields of Access and evidence."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.backends.access import models as models
from resolvers.access import evidence
from resolvers.access import queries as access
from resolvers.access.scope import access_scope
from resolvers.shared.scope import local_id
from resolvers.shared.shapes import DEFAULT_FIRST
from schema.access.evidence import AuditEvent, EvidenceFilter, EvidenceScope, evidence_filter
from schema.access.sections import Access
from schema.access.types import Viewer
from schema.shared.permissions import Authenticated
from schema.shared.types import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, Info, connection


@strawberry.type
class AccessQuery:
    """Root fields of the access domain."""

    @strawberry.field(
        permission_classes=[Authenticated], description="The viewer: user, persona, tenant and visible projects."
    )
    async def viewer(self, info: Info) -> Viewer:
        return Viewer(model=await access.viewer(info.context))


@strawberry.type
class AccessConsoleQuery:
    """The `access` root field."""

    @strawberry.field(
        permission_classes=[Authenticated],
        description="The Access pages. Operators see every tenant read-only (or the one `tenant` names); others "
        "see their own tenant (another tenant's id is NOT_FOUND).",
    )
    async def access(
        self,
        info: Info,
        tenant: Annotated[strawberry.ID | None, strawberry.argument(description="Global id of a tenant.")] = None,
    ) -> Access | None:
        return Access(scope=await access_scope(info.context, local_id(tenant, "Tenant", "tenant") if tenant else None))


@strawberry.type
class EvidenceQuery:
    """Root fields of evidence."""

    @strawberry.field(
        permission_classes=[Authenticated],
        description="Audit evidence in a scope, newest first. PROJECT needs `project`; TENANT is for tenant admins "
        "(operators name the `tenant`); PLATFORM is for operators only (others get FORBIDDEN).",
    )
    async def evidence(
        self,
        info: Info,
        scope: Annotated[EvidenceScope, strawberry.argument(description="Which window of evidence to read.")],
        project: Annotated[
            strawberry.ID | None, strawberry.argument(description="The project of the PROJECT scope.")
        ] = None,
        tenant: Annotated[
            strawberry.ID | None, strawberry.argument(description="The tenant of the TENANT scope (operators).")
        ] = None,
        filter: Annotated[
            EvidenceFilter | None, strawberry.argument(description="Only events matching every given condition.")
        ] = None,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = DEFAULT_FIRST,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[AuditEvent] | None:
        page = await evidence.evidence(
            info.context,
            evidence.EvidenceScope(scope.value),
            project_id=local_id(project, "Project", "project") if project else None,
            tenant_id=local_id(tenant, "Tenant", "tenant") if tenant else None,
            given=evidence_filter(filter),
            first=first,
            after=after,
        )
        return connection(page, AuditEvent.of)

    @strawberry.field(
        permission_classes=[Authenticated],
        description="One audit event for the detail drawer (NOT_FOUND if missing or not visible).",
    )
    async def evidence_event(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the event.")]
    ) -> AuditEvent | None:
        return AuditEvent.of(await evidence.get_audit_event(info.context, local_id(id, "AuditEvent")))
