"""Persona landings: `tenantOverview` and `projectOverview`.

Each section is its own nullable field resolved from its own domain, so the sections run
concurrently and one failing backend costs only its section (null, with an error naming its path).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers.console import overviews as resolve
from resolvers.shared import shapes
from schema.access.evidence import AuditEvent
from schema.access.governance import AccessCounts, Entitlement, PendingInvite, TenantPolicies
from schema.access.members import AccessAdmin, Credential, Membership, ServiceAccount
from schema.access.scoping import MEMBER_CREDENTIALS, Persona, own_items_for
from schema.access.types import Project, Tenant
from schema.account.types import ProjectSpend, Runway
from schema.shared.attention import AttentionItem
from schema.shared.types import Availability, Money
from schema.workloads.types import Workload, WorkloadStatus, workload_type

RECENT_DESCRIPTION = "How many of the latest audit events to return, 1 to 50."


@strawberry.type(description="Pending invites, or why the viewer does not see them.")
class OverviewInvites:
    availability: shapes.Availability = strawberry.field(
        description="AVAILABLE for those who manage invites; UNAVAILABLE (with the reason) for everyone else.",
        graphql_type=Availability,
    )
    pending: list[PendingInvite] = strawberry.field(description="Invites not yet accepted nor expired, soonest first.")


@strawberry.type(description="Governance: quotas and entitlements against usage, policies, members and invites.")
class OverviewGovernance:
    entitlements: list[Entitlement] = strawberry.field(
        description="Quotas and features with usage: the tenant-wide entitlement first (tenant overview), then each "
        "project's."
    )
    policies: TenantPolicies | None = strawberry.field(description="The tenant's security and governance policies.")
    member_count: int = strawberry.field(description="Distinct users with a membership in the projects in view.")
    memberships: list[Membership] = strawberry.field(description="Project memberships in view, newest first.")
    invites: OverviewInvites = strawberry.field(description="Pending invites.")


@strawberry.type(description="Spend: month to date (in total and by project), hourly burn, balance and runway.")
class OverviewSpend:
    availability: shapes.Availability = strawberry.field(
        description="UNAVAILABLE when the tenant has no billing account.", graphql_type=Availability
    )
    month_to_date: shapes.Money | None = strawberry.field(
        description="Month-to-date spend of the overview's subject (the tenant, or the project).",
        graphql_type=Money | None,
    )
    tenant_month_to_date: shapes.Money | None = strawberry.field(
        description="Month-to-date spend of the whole tenant.", graphql_type=Money | None
    )
    by_project: list[ProjectSpend] = strawberry.field(
        description="Month-to-date spend of each project in view, highest first."
    )
    hourly_burn: shapes.Money | None = strawberry.field(
        description="What the tenant's billing workloads cost per hour.", graphql_type=Money | None
    )
    balance: shapes.Money | None = strawberry.field(
        description="The tenant's prepaid balance.", graphql_type=Money | None
    )
    runway: Runway | None = strawberry.field(description="How long the balance lasts at the current burn.")
    updated_at: datetime | None = strawberry.field(description="When the billing figures were computed.")


@strawberry.type(description="Access: admins, service accounts and the credentials that need rotating.")
class OverviewAccess:
    counts: AccessCounts = strawberry.field(description="How much of each access object is in view.")
    admins: list[AccessAdmin] = strawberry.field(
        description="Tenant admins first, then project admins of the projects in view, by name."
    )
    service_accounts: list[ServiceAccount] = strawberry.field(
        description="Service accounts of the projects in view: enabled first, then by name."
    )
    expiring_credentials: list[Credential] = strawberry.field(
        description="Credentials in view that expire within 14 days or have expired without being revoked. "
        "Metadata only.",
        directives=[
            own_items_for(
                Persona.MEMBER,
                held_by="owner.user",
                unseen=["owner.serviceAccount"],
                reason=MEMBER_CREDENTIALS,
            )
        ],
    )


@strawberry.type(description="How many workloads are in one status.")
class WorkloadStatusCount:
    status: WorkloadStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="Workloads in it.")


@strawberry.type(description="Workloads: what is active, what it costs per hour, and the newest ones.")
class OverviewWorkloads:
    active: int = strawberry.field(description="Pending, provisioning, running, stopping and failed workloads.")
    complete: bool = strawberry.field(
        description="False when there are more active workloads than the overview reads (counts then cover the newest)."
    )
    by_status: list[WorkloadStatusCount] = strawberry.field(description="Active workloads per status, in order.")
    gpus_in_use: int = strawberry.field(
        description="GPUs held by workloads waiting for or on GPUs: the use the GPU quotas count."
    )
    hourly_cost: shapes.Money = strawberry.field(
        description="What the billing workloads cost per hour, together.", graphql_type=Money
    )
    recent: list[Workload] = strawberry.field(description="The newest active workloads (at most five).")
    route: str = strawberry.field(description="Console route of the full workload list.")


def _governance(found: resolve.Governance, overview: resolve.Overview) -> OverviewGovernance:
    scope = overview.scope
    return OverviewGovernance(
        entitlements=[Entitlement.of(e, scope) for e in found.entitlements],
        policies=TenantPolicies.of(found.policies) if found.policies else None,
        member_count=found.member_count,
        memberships=[Membership.of(m, scope) for m in found.memberships],
        invites=OverviewInvites(
            availability=found.invites_availability,
            pending=[PendingInvite.of(i, scope) for i in found.invites],
        ),
    )


def _spend(found: resolve.Spend) -> OverviewSpend:
    runway = found.runway
    return OverviewSpend(
        availability=found.availability,
        month_to_date=found.month_to_date,
        tenant_month_to_date=found.tenant_month_to_date,
        by_project=[ProjectSpend(project=Project.of(s.project), spend=s.spend) for s in found.by_project],
        hourly_burn=runway.hourly_burn if runway else None,
        balance=runway.balance if runway else None,
        runway=Runway.of(runway) if runway else None,
        updated_at=found.account.updated_at if found.account else None,
    )


def _access(found: resolve.AccessSummary, overview: resolve.Overview) -> OverviewAccess:
    scope = overview.scope
    return OverviewAccess(
        counts=AccessCounts.of(found.counts),
        admins=[AccessAdmin.of(a, scope) for a in found.admins],
        service_accounts=[ServiceAccount.of(sa, scope) for sa in found.service_accounts],
        expiring_credentials=[Credential.of(c, scope) for c in found.expiring_credentials],
    )


def _workloads(found: resolve.WorkloadSummary) -> OverviewWorkloads:
    return OverviewWorkloads(
        active=found.active,
        complete=found.complete,
        by_status=[WorkloadStatusCount(status=WorkloadStatus(s), count=n) for s, n in found.by_status],
        gpus_in_use=found.gpus_in_use,
        hourly_cost=found.hourly_cost,
        recent=[workload_type(w) for w in found.recent],
        route=found.route,
    )


@strawberry.interface(description="The sections every persona landing shares.")
class LandingOverview:
    subject: strawberry.Private[resolve.Overview]

    @strawberry.field(description="The tenant (null with an error when the access service fails).")
    async def tenant(self) -> Tenant | None:
        found = await self.subject.tenant()
        return Tenant.of(found) if found else None

    @strawberry.field(description="The console route of this overview.")
    def route(self) -> str:
        return self.subject.route

    @strawberry.field(description="Governance (access service); null with an error when it fails.")
    async def governance(self) -> OverviewGovernance | None:
        return _governance(await resolve.governance(self.subject), self.subject)

    @strawberry.field(description="Spend (account service); null with an error when it fails.")
    async def spend(self) -> OverviewSpend | None:
        return _spend(await resolve.spend(self.subject))

    @strawberry.field(description="Access (access service); null with an error when it fails.")
    async def access(self) -> OverviewAccess | None:
        return _access(await resolve.access_summary(self.subject), self.subject)

    @strawberry.field(description="Workloads (workloads service); null with an error when it fails.")
    async def workloads(self) -> OverviewWorkloads | None:
        return _workloads(await resolve.workload_summary(self.subject))

    @strawberry.field(description="The latest audit events, newest first; null with an error when audit fails.")
    async def recent_changes(
        self, first: Annotated[int, strawberry.argument(description=RECENT_DESCRIPTION)] = 10
    ) -> list[AuditEvent] | None:
        return [AuditEvent.of(e) for e in await resolve.recent_changes(self.subject, first)]

    @strawberry.field(
        description="The action band: what needs attention (expiring keys, quotas near their limit, degraded SSO, "
        "expiring invites, a low balance, failed workloads), most urgent first, each with its primary action; "
        "null with an error when a service it reads fails."
    )
    async def attention(self) -> list[AttentionItem] | None:
        return [AttentionItem.of(i) for i in await resolve.attention(self.subject)]


@strawberry.type(description="The tenant admin's landing: the whole tenant at a glance.")
class TenantOverview(LandingOverview):
    @strawberry.field(description="The tenant's projects, by name.")
    def projects(self) -> list[Project]:
        return [Project.of(p) for p in self.subject.projects]


@strawberry.type(description="A project member's landing: one project at a glance.")
class ProjectOverview(LandingOverview):
    @strawberry.field(description="The project.")
    def project(self) -> Project:
        assert self.subject.project is not None
        return Project.of(self.subject.project)
