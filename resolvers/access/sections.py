"""Access sections: memberships, service accounts, credentials, entitlements, connectivity, identity,
invites and policies, each filtered to an ``AccessScope``.

Every function reads through per-tenant loaders, so a page (or an overview combining sections) makes
one backend call per resource type however many sections it asks for.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from gateway.backends.access.models import (
    Credential,
    Entitlement,
    IdentityProvider,
    Invite,
    Membership,
    ServiceAccount,
    SshGateway,
    Tenant,
    TenantPolicy,
    User,
)
from gateway.context import RequestContext
from gateway.errors import BadUserInput
from resolvers.access.scope import AccessScope
from resolvers.shared.attention import EXPIRING_SOON
from resolvers.shared.shapes import Availability, PageOf, check_first, future_product, now

Item = TypeVar("Item")
NEAR_LIMIT = 0.85
INVITE_EXPIRING = timedelta(hours=48)
NETWORK_DOCS = "/docs/access/connectivity#network-and-firewall"
_CURSOR_PREFIX = "k1:"


# --- paging of in-memory lists (sections that are read whole for their counts) -----------------------


def _cursor(key: str) -> str:
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + key).encode()).decode()


def page_list(items: Sequence[Item], first: int, after: str | None, key: Callable[[Item], str]) -> PageOf[Item]:
    """A connection page over an ordered list, keyed by item id (stable while items are added or removed)."""
    check_first(first)
    start = 0
    if after is not None:
        try:
            raw = base64.urlsafe_b64decode(after.encode("ascii")).decode()
        except (binascii.Error, UnicodeError, ValueError):
            raw = ""
        keys = [key(i) for i in items]
        if not raw.startswith(_CURSOR_PREFIX) or raw[len(_CURSOR_PREFIX) :] not in keys:
            raise BadUserInput("`after` is not a cursor of this list", argument="after")
        start = keys.index(raw[len(_CURSOR_PREFIX) :]) + 1
    chosen = list(items[start : start + first])
    return PageOf(chosen, [_cursor(key(i)) for i in chosen], start + first < len(items), len(items))


# --- memberships and people ------------------------------------------------------------------------


async def tenants(ctx: RequestContext, scope: AccessScope) -> list[Tenant]:
    """The tenants in view."""
    found = await ctx.loaders.access.tenants.load_many(list(scope.tenant_ids))
    return [t for t in found if t is not None]


async def memberships(ctx: RequestContext, scope: AccessScope) -> list[Membership]:
    """Memberships of the projects in view, newest first."""
    groups = await ctx.loaders.access.memberships_by_tenant.load_many(list(scope.tenant_ids))
    rows = [m for group in groups for m in group if m.project_id in scope.project_ids]
    return sorted(rows, key=lambda m: (m.created_at, m.id), reverse=True)


async def membership_page(
    ctx: RequestContext, scope: AccessScope, *, first: int, after: str | None
) -> PageOf[Membership]:
    """One page of ``memberships``."""
    return page_list(await memberships(ctx, scope), first, after, lambda m: m.id)


async def tenant_users(ctx: RequestContext, scope: AccessScope) -> dict[str, User]:
    """Users of the tenants in view by id (also primes the by-id user loader)."""
    groups = await ctx.loaders.access.users_by_tenant.load_many(scope.tenant_keys)
    found = {u.id: u for group in groups for u in group}
    for user in found.values():
        ctx.loaders.access.users.prime(user.id, user)
    return found


async def member_user(ctx: RequestContext, scope: AccessScope, membership: Membership) -> User | None:
    """The member, from the tenant's users (one call for every row)."""
    return (await tenant_users(ctx, scope)).get(membership.user_id)


@dataclass(frozen=True)
class Admin:
    """Someone who can change access: a tenant admin, or a project admin of the projects in view."""

    user: User
    tenant_admin: bool
    project_ids: tuple[str, ...]  # projects in view they administer (a tenant admin: every one of their tenant)


async def admins(ctx: RequestContext, scope: AccessScope) -> list[Admin]:
    """Tenant admins of the tenants in view (they administer every project) and the project admins of the
    projects in view: who to ask for access, by name."""
    users, rows = await asyncio.gather(tenant_users(ctx, scope), memberships(ctx, scope))
    projects: dict[str, set[str]] = {}
    for row in rows:
        if row.role == "admin":
            projects.setdefault(row.user_id, set()).add(row.project_id)
    found = []
    for user in users.values():
        tenant_admin = "tenant_admin" in user.platform_roles and scope.in_view(user.tenant_id)
        if tenant_admin:
            administers = {p for p in scope.project_ids if _tenant_of(scope, p) == user.tenant_id}
        elif user.id in projects:
            administers = projects[user.id]
        else:
            continue
        found.append(Admin(user, tenant_admin, tuple(sorted(administers))))
    return sorted(found, key=lambda a: (not a.tenant_admin, a.user.name, a.user.id))


def _tenant_of(scope: AccessScope, project_id: str) -> str | None:
    return next((p.tenant_id for p in scope.viewer.projects if p.id == project_id), None)


# --- service accounts and credentials ----------------------------------------------------------------


async def _tenant_service_accounts(ctx: RequestContext, scope: AccessScope) -> list[ServiceAccount]:
    groups = await ctx.loaders.access.service_accounts_by_tenant.load_many(list(scope.tenant_ids))
    return [sa for group in groups for sa in group]


async def service_accounts(ctx: RequestContext, scope: AccessScope) -> list[ServiceAccount]:
    """Service accounts of the projects in view: enabled first, then by name."""
    found = [sa for sa in await _tenant_service_accounts(ctx, scope) if sa.project_id in scope.project_ids]
    return sorted(found, key=lambda sa: (sa.disabled, sa.name))


def credential_status(credential: Credential, at: datetime | None = None) -> str:
    """revoked, expired, expiring_soon (within 14 days) or active."""
    moment = at or now()
    if credential.revoked_at is not None:
        return "revoked"
    if credential.expires_at is not None and credential.expires_at <= moment:
        return "expired"
    if credential.expires_at is not None and credential.expires_at - moment <= EXPIRING_SOON:
        return "expiring_soon"
    return "active"


def credential_visible(scope: AccessScope, credential: Credential) -> bool:
    """The credentials section lists it: own keys; admins: their projects'; tenant admins, operators: all."""
    viewer = scope.viewer
    if scope.project_id is not None and credential.project_id != scope.project_id:
        return False
    if credential.owner_type == "user" and credential.owner_id == viewer.user.id:
        return True
    if viewer.persona in {"tenant_admin", "operator"}:
        return True  # loaded for the scope's tenants (``credentials`` keeps only those in view)
    return credential.project_id is not None and scope.manages_project(credential.project_id)


async def credentials(ctx: RequestContext, scope: AccessScope) -> list[Credential]:
    """Credential metadata in view: the viewer's own, plus those of projects they manage (admins: all).

    Ordered active first, soonest expiry first, then by name.
    """
    groups = await ctx.loaders.access.credentials_by_tenant.load_many(scope.tenant_keys)
    found = [c for group in groups for c in group if scope.in_view(c.tenant_id) and credential_visible(scope, c)]
    order = {"expiring_soon": 0, "active": 1, "expired": 2, "revoked": 3}
    far = datetime.max.replace(tzinfo=now().tzinfo)
    return sorted(found, key=lambda c: (order[credential_status(c)], c.expires_at or far, c.name))


async def own_credentials(ctx: RequestContext, scope: AccessScope) -> list[Credential]:
    """The viewer's own credentials (for personal attention items)."""
    me = scope.viewer.user.id
    return [c for c in await credentials(ctx, scope) if c.owner_type == "user" and c.owner_id == me]


@dataclass(frozen=True)
class CredentialOwner:
    """Who holds a credential: a user or a service account (null when not visible to the viewer)."""

    kind: str
    user: User | None
    service_account: ServiceAccount | None


async def credential_owner(ctx: RequestContext, scope: AccessScope, credential: Credential) -> CredentialOwner:
    """The owner, from the tenant's users or service accounts (one call each for every row)."""
    if credential.owner_type == "service_account":
        accounts = {sa.id: sa for sa in await _tenant_service_accounts(ctx, scope)}
        found = accounts.get(credential.owner_id)
        visible = found if found is not None and found.project_id in scope.project_ids else None
        return CredentialOwner("service_account", None, visible)
    if credential.owner_id == scope.viewer.user.id:
        return CredentialOwner("user", scope.viewer.user, None)
    return CredentialOwner("user", (await tenant_users(ctx, scope)).get(credential.owner_id), None)


async def service_account_keys(ctx: RequestContext, scope: AccessScope, account: ServiceAccount) -> list[Credential]:
    """Keys of one service account that the viewer may see."""
    return [c for c in await credentials(ctx, scope) if c.owner_type == "service_account" and c.owner_id == account.id]


# --- entitlements ---------------------------------------------------------------------------------------


def usage_state(used: int, limit: int) -> str:
    """ok, near_limit (85% or more) or at_limit."""
    if limit <= 0:
        return "at_limit" if used > 0 else "ok"
    if used >= limit:
        return "at_limit"
    return "near_limit" if used / limit >= NEAR_LIMIT else "ok"


async def entitlements(ctx: RequestContext, scope: AccessScope) -> list[Entitlement]:
    """Tenant-wide entitlements (tenant-wide views) first, then each project's in view."""
    groups = await ctx.loaders.access.entitlements_by_tenant.load_many(list(scope.tenant_ids))
    found = [e for group in groups for e in group if scope.sees_project(e.project_id)]
    return sorted(found, key=lambda e: (e.tenant_id, e.project_id is not None, e.project_id or ""))


@dataclass(frozen=True)
class QuotaPressure:
    """A quota at or near its limit."""

    entitlement: Entitlement
    resource: str
    used: int
    limit: int
    state: str


def pressures(found: Sequence[Entitlement]) -> list[QuotaPressure]:
    """Every GPU or storage quota at or near its limit."""
    result = []
    for entitlement in found:
        for quota in entitlement.gpu_quotas:
            state = usage_state(quota.used, quota.limit)
            if state != "ok":
                result.append(QuotaPressure(entitlement, quota.gpu_model, quota.used, quota.limit, state))
        state = usage_state(entitlement.storage_used_bytes, entitlement.storage_quota_bytes)
        if state != "ok":
            result.append(
                QuotaPressure(
                    entitlement, "storage", entitlement.storage_used_bytes, entitlement.storage_quota_bytes, state
                )
            )
    return result


# --- connectivity, identity, invites, policies ------------------------------------------------------------


@dataclass(frozen=True)
class Connectivity:
    """Real connectivity inventory (SSH gateways) and the future network and firewall state."""

    network: Availability
    firewall: Availability
    ssh_gateways: list[SshGateway]


async def connectivity(ctx: RequestContext, scope: AccessScope) -> Connectivity:
    """SSH gateways of the tenants in view; networks and firewalls are not a product yet."""
    groups = await ctx.loaders.access.ssh_gateways_by_tenant.load_many(list(scope.tenant_ids))
    gateways = sorted((g for group in groups for g in group), key=lambda g: (g.tenant_id, g.region))
    future = (
        "Private networks and firewall rules are not available yet; workloads are reached through the SSH "
        "gateways and public endpoints."
    )
    return Connectivity(
        future_product(future, NETWORK_DOCS),
        future_product(future, NETWORK_DOCS.replace("network-and-firewall", "firewall")),
        gateways,
    )


async def identity_providers(ctx: RequestContext, scope: AccessScope) -> list[IdentityProvider]:
    """SSO integrations of the tenants in view: degraded first, then by name."""
    groups = await ctx.loaders.access.identity_providers_by_tenant.load_many(list(scope.tenant_ids))
    order = {"degraded": 0, "active": 1, "disabled": 2}
    return sorted((i for group in groups for i in group), key=lambda i: (order[i.status], i.display_name))


def invite_status(invite: Invite, at: datetime | None = None) -> str:
    """pending, expiring (within 48 hours) or expired."""
    left = invite.expires_at - (at or now())
    if left <= timedelta(0):
        return "expired"
    return "expiring" if left <= INVITE_EXPIRING else "pending"


async def invites(ctx: RequestContext, scope: AccessScope) -> list[Invite]:
    """Invites the viewer manages (operators: all in view), soonest expiry first."""
    groups = await ctx.loaders.access.invites_by_tenant.load_many(list(scope.tenant_ids))
    found = [
        i
        for group in groups
        for i in group
        if scope.sees_project(i.project_id) and (scope.read_only or scope.manages_project(i.project_id))
    ]
    return sorted(found, key=lambda i: (i.expires_at, i.id))


async def policies(ctx: RequestContext, scope: AccessScope) -> list[TenantPolicy]:
    """Policies of the tenants in view."""
    groups = await ctx.loaders.access.policies_by_tenant.load_many(list(scope.tenant_ids))
    return sorted((p for group in groups for p in group), key=lambda p: p.tenant_id)
