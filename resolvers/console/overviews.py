"""Persona landings: the tenant overview (tenant admins; operators name a tenant) and the project
overview (anyone who can see the project).

Each answers governance, spend, access, workload and recent-change questions directly, plus an
action band of what needs attention. Every section reads its own domain through the per-request
loaders, so the sections run concurrently and a page makes one backend call per resource type; the
one read that is not a loader (the subject's active workloads) is shared through ``Overview``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from gateway.backends.access.models import (
    AuditEvent,
    Credential,
    Entitlement,
    Invite,
    Membership,
    Project,
    ServiceAccount,
    Tenant,
    TenantPolicy,
)
from gateway.backends.account.models import BillingAccount
from gateway.backends.workloads.models import Workload
from gateway.context import RequestContext
from gateway.errors import BadUserInput, Forbidden, NotFound
from resolvers.access import evidence, sections
from resolvers.access.overview import AccessCounts, access_attention, access_counts
from resolvers.access.scope import AccessScope, access_scope
from resolvers.account.queries import FINANCE_ROUTE, Runway, runway_attention, runway_of
from resolvers.shared import links
from resolvers.shared.attention import AttentionAction, AttentionItem, Severity, ordered
from resolvers.shared.scope import not_found
from resolvers.shared.shapes import AVAILABLE, Availability, Money, empty, runtime_condition
from resolvers.workloads import lifecycle
from resolvers.workloads.queries import console_route

ACTIVE_STATES = ("pending", "provisioning", "running", "stopping", "failed")
# States whose workloads hold GPU quota (waiting for or on GPUs), as the entitlements count them.
QUOTA_STATES = ("pending", "provisioning", "running", "stopping")
MAX_ACTIVE = 500  # one call reads the subject's active workloads; counts say when there are more
RECENT_WORKLOADS = 5
FAILED_ITEMS = 5
MEMBERS_ROUTE = "/access/memberships"


@dataclass
class Overview:
    """The subject of an overview (a tenant, or one project of it), its access scope and shared reads."""

    ctx: RequestContext
    scope: AccessScope
    tenant_id: str
    project: Project | None = None
    _workloads: asyncio.Task[tuple[list[Workload], int]] | None = field(default=None, repr=False)

    async def tenant(self) -> Tenant | None:
        """The tenant (through the tenant loader)."""
        return await self.ctx.loaders.access.tenants.load(self.tenant_id)

    @property
    def projects(self) -> list[Project]:
        """Projects in view, by name."""
        return sorted((p for p in self.scope.viewer.projects if p.id in self.scope.project_ids), key=lambda p: p.name)

    @property
    def route(self) -> str:
        """The console route of this overview."""
        return links.route("/project/overview", project=self.project.id) if self.project else "/tenant/overview"

    async def active_workloads(self) -> tuple[list[Workload], int]:
        """The subject's active workloads, newest first, and how many there are (one call, shared)."""
        if self._workloads is None:
            self._workloads = asyncio.ensure_future(self._fetch_workloads())
        return await self._workloads

    async def _fetch_workloads(self) -> tuple[list[Workload], int]:
        projects = sorted(self.scope.project_ids)
        if not projects:
            return [], 0
        page = await self.ctx.backends.workloads.list_workloads(
            {"project_id": projects, "status": list(ACTIVE_STATES)}, limit=MAX_ACTIVE, after=None
        )
        for workload in page.items:
            self.ctx.loaders.workloads.workloads.prime(workload.id, workload)
        return page.items, page.total


async def tenant_overview(ctx: RequestContext, tenant_id: str | None) -> Overview:
    """The overview of the viewer's tenant (tenant admins) or of the named tenant (operators: default the first
    tenant by name)."""
    viewer = await ctx.viewer()
    if viewer.persona not in {"tenant_admin", "operator"}:
        raise Forbidden("the tenant overview is for tenant admins", requiredPersonas=["operator", "tenant_admin"])
    if viewer.is_operator and tenant_id is None:  # like the project overview: the first by name
        tenants = await ctx.loaders.access.tenants.load_many(sorted({p.tenant_id for p in viewer.projects}))
        found = sorted((t for t in tenants if t is not None), key=lambda t: (t.name, t.id))
        if not found:
            raise NotFound("there is no tenant yet")
        tenant_id = found[0].id
    scope = await access_scope(ctx, tenant_id)  # a tenant admin's own tenant needs no backend call
    return Overview(ctx, scope, scope.tenant_ids[0])


async def project_overview(ctx: RequestContext, project_id: str | None) -> Overview:
    """The overview of a project the viewer can see (default: their first project by name)."""
    viewer = await ctx.viewer()
    if project_id is None:
        if not viewer.projects:
            raise NotFound("the viewer belongs to no project yet")
        project = min(viewer.projects, key=lambda p: (p.name, p.id))
    else:
        found = next((p for p in viewer.projects if p.id == project_id), None)
        if found is None:
            raise not_found("project")
        project = found
    scope = (await access_scope(ctx, project.tenant_id if viewer.is_operator else None)).narrow(project.id)
    return Overview(ctx, scope, project.tenant_id, project)


# --- governance: quotas and entitlements, policies, members, invites (access domain) -------------------


@dataclass(frozen=True)
class Governance:
    """Who belongs, within which limits and rules, and who is on the way in."""

    entitlements: list[Entitlement]
    policies: TenantPolicy | None
    memberships: list[Membership]
    member_count: int
    invites_availability: Availability
    invites: list[Invite]


def _manages(overview: Overview) -> bool:
    scope = overview.scope
    return scope.read_only or scope.manages_project(overview.project.id if overview.project else None)


async def governance(overview: Overview) -> Governance:
    """Entitlements with usage, the tenant's policies, memberships and the invites the viewer manages."""
    ctx, scope = overview.ctx, overview.scope
    entitlements, policies, rows, invites = await asyncio.gather(
        sections.entitlements(ctx, scope),
        sections.policies(ctx, scope),
        sections.memberships(ctx, scope),
        sections.invites(ctx, scope),
    )
    if _manages(overview):
        availability = AVAILABLE
    else:
        availability = runtime_condition("Pending invites are shown to the admins who manage them.", MEMBERS_ROUTE)
    pending = [i for i in invites if sections.invite_status(i) != "expired"]
    return Governance(
        entitlements, policies[0] if policies else None, rows, len({m.user_id for m in rows}), availability, pending
    )


# --- spend: month to date, by project, hourly burn, runway (account domain) ----------------------------


@dataclass(frozen=True)
class ProjectSpend:
    """Month-to-date spend of one project in view."""

    project: Project
    spend: Money


@dataclass(frozen=True)
class Spend:
    """What the subject has spent this month and how long the tenant's balance lasts."""

    availability: Availability
    account: BillingAccount | None
    month_to_date: Money | None
    tenant_month_to_date: Money | None
    by_project: list[ProjectSpend]
    runway: Runway | None


async def spend(overview: Overview) -> Spend:
    """From the tenant's billing account (one call; the same loader the workload rows use)."""
    accounts = await overview.ctx.loaders.account.billing_by_tenant.load(overview.tenant_id)
    if not accounts:
        reason = "No billing account is set up for this tenant yet."
        return Spend(empty(reason, "/docs/account/billing"), None, None, None, [], None)
    account = accounts[0]
    in_view = {p.id: p for p in overview.projects}
    lines = [
        ProjectSpend(in_view[line.project_id], Money.from_cents(line.cents, account.currency))
        for line in sorted(account.spend_by_project, key=lambda line: (-line.cents, line.project_id))
        if line.project_id in in_view
    ]
    tenant_total = Money.from_cents(account.month_to_date_cents, account.currency)
    if overview.project is None:
        subject_total = tenant_total
    else:
        subject_total = lines[0].spend if lines else Money.from_cents(0, account.currency)
    return Spend(AVAILABLE, account, subject_total, tenant_total, lines, runway_of(account))


# --- access: admins, service accounts, credentials expiring soon (access domain) ---------------------


@dataclass(frozen=True)
class AccessSummary:
    """Who can change access, which machines hold access, and which keys need rotating."""

    counts: AccessCounts
    admins: list[sections.Admin]
    service_accounts: list[ServiceAccount]
    expiring_credentials: list[Credential]


async def access_summary(overview: Overview) -> AccessSummary:
    """Counts, admins, service accounts and the credentials expiring within 14 days (or expired)."""
    ctx, scope = overview.ctx, overview.scope
    counts, found_admins, accounts, credentials = await asyncio.gather(
        access_counts(ctx, scope),
        sections.admins(ctx, scope),
        sections.service_accounts(ctx, scope),
        sections.credentials(ctx, scope),
    )
    expiring = [c for c in credentials if sections.credential_status(c) in {"expiring_soon", "expired"}]
    return AccessSummary(counts, found_admins, accounts, expiring)


# --- workloads (workloads domain) -------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkloadSummary:
    """What is running in the subject, what it costs per hour and what failed."""

    active: int
    complete: bool
    by_status: list[tuple[str, int]]
    gpus_in_use: int
    hourly_cost: Money
    recent: list[Workload]
    route: str


async def workload_summary(overview: Overview) -> WorkloadSummary:
    """Counts by status, GPUs held, the hourly cost of billing workloads and the newest active ones."""
    items, total = await overview.active_workloads()
    statuses: Counter[str] = Counter(w.status for w in items)
    billing = [w for w in items if w.status in lifecycle.BILLING_STATES]
    route = links.route("/workloads", project=overview.project.id if overview.project else None)
    return WorkloadSummary(
        active=total,
        complete=len(items) >= total,
        by_status=[(s, statuses[s]) for s in ACTIVE_STATES if statuses[s]],
        gpus_in_use=sum(w.gpu.count for w in items if w.status in QUOTA_STATES),
        hourly_cost=Money.from_cents(sum(w.hourly_rate_cents for w in billing)),
        recent=items[:RECENT_WORKLOADS],
        route=route,
    )


# --- recent changes (audit) and the action band --------------------------------------------------------


async def recent_changes(overview: Overview, first: int) -> list[AuditEvent]:
    """The latest audit events of the subject (one audit call)."""
    if not 1 <= first <= 50:
        raise BadUserInput("`first` must be between 1 and 50", argument="first")
    return await evidence.recent_changes(overview.ctx, overview.scope, first)


async def _workload_attention(overview: Overview) -> list[AttentionItem]:
    items, _ = await overview.active_workloads()
    failed = [w for w in items if w.status == "failed"]
    found = []
    for workload in failed[:FAILED_ITEMS]:
        action = lifecycle.primary_action(
            workload.kind, workload.status, workload.status_reason, console_route(workload)
        )
        found.append(
            AttentionItem(
                "workload_failed",
                Severity.WARNING,
                f"{workload.name} failed",
                workload.status_reason or "The workload stopped with an error; its events say why.",
                AttentionAction(action.label, action.route or console_route(workload, "events")),
                "workload",
                workload.id,
            )
        )
    if len(failed) > FAILED_ITEMS:
        more = len(failed) - FAILED_ITEMS
        project = overview.project.id if overview.project else None
        found.append(
            AttentionItem(
                "workloads_failed",
                Severity.WARNING,
                f"{more} more failed workloads",
                "Restart or terminate them so they stop holding quota.",
                AttentionAction("Review failed workloads", links.route("/workloads", project=project, status="failed")),
            )
        )
    return found


async def _spend_attention(overview: Overview) -> list[AttentionItem]:
    found = await spend(overview)
    if found.runway is None:
        return []
    viewer = overview.scope.viewer
    if viewer.persona == "tenant_admin":
        action = AttentionAction("Add funds", "/account/billing")
    elif viewer.is_operator:
        action = AttentionAction("Review tenant finance", FINANCE_ROUTE)
    else:
        action = AttentionAction("Review running workloads", "/workloads?filter=billing")
    return runway_attention(found.runway, action, found.account.id if found.account else None)


async def attention(overview: Overview) -> list[AttentionItem]:
    """The action band: access, billing and workload items, most urgent first, each with its action."""
    parts = await asyncio.gather(
        access_attention(overview.ctx, overview.scope), _spend_attention(overview), _workload_attention(overview)
    )
    return ordered(item for part in parts for item in part)
