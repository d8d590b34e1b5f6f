"""The `access` root field: the Access pages' sections, scoped to the viewer's persona.

Members see their projects' items and their own credentials; project admins manage their projects;
tenant admins see and manage the tenant; operators see every tenant, read-only. Sections that take a
`project` narrow to it (NOT_FOUND when the project is not in view). Each section is nullable, so a
failing backend costs only that section.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.access import evidence as evidence_resolvers
from resolvers.access import overview as overview_resolvers
from resolvers.access import sections
from resolvers.access.scope import AccessScope
from resolvers.shared.scope import local_id
from resolvers.shared.shapes import DEFAULT_FIRST
from schema.access.evidence import AuditEvent, EvidenceFilter, evidence_filter
from schema.access.governance import (
    AccessCounts,
    Connectivity,
    Entitlement,
    PendingInvite,
    SshGateway,
    SsoIntegration,
    TenantPolicies,
)
from schema.access.members import AccessAdmin, Credential, Membership, ServiceAccount
from schema.access.scoping import MEMBER_CREDENTIALS, Persona, no_items_for, own_items_for
from schema.access.types import Tenant
from schema.shared.attention import AttentionItem
from schema.shared.types import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, Info, connection

ProjectArgument = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="Only this project (NOT_FOUND when it is not in view)."),
]


def _scope(base: AccessScope, project: strawberry.ID | None) -> AccessScope:
    return base.narrow(local_id(project, "Project", "project") if project else None)


@strawberry.type(description="Counts and the attention items of the access pages.")
class AccessOverview:
    counts: AccessCounts = strawberry.field(description="How much of each access object is in view.")
    attention: list[AttentionItem] = strawberry.field(
        description="What needs attention, most urgent first, each with its primary action."
    )


@strawberry.type(description="The Access pages: who can do what, with which credentials, within which limits.")
class Access:
    scope: strawberry.Private[AccessScope]

    @strawberry.field(
        description="Tenants in view (operators: every tenant unless `access(tenant:)` names one); "
        "null with an error when the access service fails, so the other sections still render."
    )
    async def tenants(self, info: Info) -> list[Tenant] | None:
        return [Tenant.of(t) for t in await sections.tenants(info.context, self.scope)]

    @strawberry.field(description="True when the viewer may change access somewhere in view (operators: never).")
    def viewer_can_manage(self) -> bool:
        return any(self.scope.manages_project(p) for p in self.scope.project_ids) or self.scope.manages_project(None)

    @strawberry.field(description="Counts and attention items.")
    async def overview(self, info: Info, project: ProjectArgument = None) -> AccessOverview | None:
        found = await overview_resolvers.access_overview(info.context, _scope(self.scope, project))
        return AccessOverview(
            counts=AccessCounts.of(found.counts), attention=[AttentionItem.of(i) for i in found.attention]
        )

    @strawberry.field(description="Project memberships in view, newest first.")
    async def memberships(
        self,
        info: Info,
        project: ProjectArgument = None,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = DEFAULT_FIRST,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Membership] | None:
        scope = _scope(self.scope, project)
        page = await sections.membership_page(info.context, scope, first=first, after=after)
        return connection(page, lambda m: Membership.of(m, scope))

    @strawberry.field(
        description="Tenant admins (they administer every project) and the admins of the projects in view."
    )
    async def admins(self, info: Info, project: ProjectArgument = None) -> list[AccessAdmin] | None:
        scope = _scope(self.scope, project)
        return [AccessAdmin.of(a, scope) for a in await sections.admins(info.context, scope)]

    @strawberry.field(
        description="Pending invites the viewer manages (operators: all in view), soonest expiry first.",
        directives=[
            no_items_for(Persona.MEMBER, reason="Invites are listed to those who manage them; a member manages none.")
        ],
    )
    async def invites(self, info: Info, project: ProjectArgument = None) -> list[PendingInvite] | None:
        scope = _scope(self.scope, project)
        return [PendingInvite.of(i, scope) for i in await sections.invites(info.context, scope)]

    @strawberry.field(description="Service accounts of the projects in view: enabled first, then by name.")
    async def service_accounts(self, info: Info, project: ProjectArgument = None) -> list[ServiceAccount] | None:
        scope = _scope(self.scope, project)
        return [ServiceAccount.of(sa, scope) for sa in await sections.service_accounts(info.context, scope)]

    @strawberry.field(
        description="Credential metadata in view: the viewer's own, plus every credential of the projects they "
        "manage (tenant admins and operators: all). Expiring soonest first. Never key material.",
        directives=[
            own_items_for(
                Persona.MEMBER,
                held_by="owner.user",
                unseen=["owner.serviceAccount"],
                reason=MEMBER_CREDENTIALS,
            )
        ],
    )
    async def credentials(self, info: Info, project: ProjectArgument = None) -> list[Credential] | None:
        scope = _scope(self.scope, project)
        return [Credential.of(c, scope) for c in await sections.credentials(info.context, scope)]

    @strawberry.field(
        description="Quotas and features with usage: the tenant-wide entitlement (tenant admins, operators) and "
        "each project's in view."
    )
    async def entitlements(self, info: Info, project: ProjectArgument = None) -> list[Entitlement] | None:
        scope = _scope(self.scope, project)
        return [Entitlement.of(e, scope) for e in await sections.entitlements(info.context, scope)]

    @strawberry.field(description="SSH gateways, and the future network and firewall state.")
    async def connectivity(self, info: Info) -> Connectivity | None:
        found = await sections.connectivity(info.context, self.scope)
        return Connectivity(
            network=found.network,
            firewall=found.firewall,
            ssh_gateways=[
                SshGateway(
                    region=g.region,
                    hostname=g.hostname,
                    port_range=g.port_range,
                    status=g.status,
                    host_key_fingerprint=g.host_key_fingerprint,
                    created_at=g.created_at,
                )
                for g in found.ssh_gateways
            ],
        )

    @strawberry.field(description="SSO integrations of the tenants in view: degraded first.")
    async def identity(self, info: Info) -> list[SsoIntegration] | None:
        return [SsoIntegration.of(i) for i in await sections.identity_providers(info.context, self.scope)]

    @strawberry.field(description="Security and governance policies of the tenants in view.")
    async def policies(self, info: Info) -> list[TenantPolicies] | None:
        return [TenantPolicies.of(p) for p in await sections.policies(info.context, self.scope)]

    @strawberry.field(
        description="Audit of access changes (memberships, invites, keys, service accounts, SSO, policies) in view, "
        "newest first; members and project admins see their projects', tenant admins and operators the tenant's."
    )
    async def audit(
        self,
        info: Info,
        project: ProjectArgument = None,
        filter: Annotated[
            EvidenceFilter | None, strawberry.argument(description="Only events matching every given condition.")
        ] = None,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = DEFAULT_FIRST,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[AuditEvent] | None:
        page = await evidence_resolvers.access_audit(
            info.context, _scope(self.scope, project), given=evidence_filter(filter), first=first, after=after
        )
        return connection(page, AuditEvent.of)
