"""Audit evidence: one table-and-detail model for user, project, tenant and platform scopes.

A scope is a window onto the access service's audit events, turned into backend filters so that
pagination is the service's own keyset pagination:

- USER: the viewer's own actions;
- PROJECT: one project the viewer may see;
- TENANT: the viewer's tenant, for tenant admins (operators name the tenant);
- PLATFORM: everything, for operators only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from gateway.backends.access.models import AuditEvent, ServiceAccount, Tenant, User
from gateway.context import RequestContext
from gateway.errors import BadUserInput, Forbidden
from gateway.loaders import ALL_TENANTS
from gateway.viewer import Viewer
from resolvers.access.scope import AccessScope
from resolvers.shared.links import console_path
from resolvers.shared.now import Now
from resolvers.shared.scope import not_found
from resolvers.shared.shapes import DEFAULT_FIRST, PageOf, check_first, decode_cursor, page_of

ACCESS_TARGET_TYPES = (
    "membership",
    "invite",
    "service_account",
    "credential",
    "identity_provider",
    "policy",
    "entitlement",
    "user",
)
MAX_FILTER_VALUES = 50
TARGET_ROUTES = {
    "workload": "/workloads/{id}",
    "bucket": "/storage/{id}",
    "grant": "/storage",
    "node": "/platform/nodes/{id}",
    "maas_site": "/platform/maas/sites/{id}",
    "maas_hub": "/platform/maas/hubs/{id}",
    "onboarding_task": "/platform/onboarding/{id}",
    "decommission_task": "/platform/decommission/{id}",
    "config": "/platform/config",
    "service_account": "/access/service-accounts?serviceAccount={id}",
    "credential": "/access/credentials?credential={id}",
    "identity_provider": "/access/identity?integration={id}",
    "membership": "/access/memberships",
    "invite": "/access/memberships?tab=invites&invite={id}",
    "policy": "/access/identity?tab=policies",
    "entitlement": "/access/entitlements",
    "billing_account": "/account/billing",
    "project": "/project/overview?project={id}",
    "tenant": "/tenant/overview",
    "user": "/access/memberships",
    "notification": "/notifications",
}
# A launch draft's page is its wizard's.
DRAFT_ROUTES = {"compute": "/launch/compute", "storage": "/launch/storage", "app": "/launch/app/{slug}"}
# Overviews list changes to what others share; personal actions (drafts, the inbox) are on the audit pages only.
SHARED_SCOPES = ["project", "tenant", "platform"]


class EvidenceScope(Enum):
    """Which window of evidence to read."""

    USER = "user"
    PROJECT = "project"
    TENANT = "tenant"
    PLATFORM = "platform"


@dataclass(frozen=True)
class EvidenceFilter:
    """Conditions every returned event meets (values of one condition are OR-ed)."""

    actions: Sequence[str] = ()
    actor_ids: Sequence[str] = ()
    target_types: Sequence[str] = ()
    outcomes: Sequence[str] = ()
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class _Window:
    filters: dict[str, list[str]] = field(default_factory=dict)
    empty: bool = False


def _utc_bound(moment: datetime | None, argument: str) -> datetime | None:
    """A bound in UTC (a time without an offset is UTC)."""
    try:
        return None if moment is None else moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:  # year 1 or 9999 moved out of range by its offset
        raise BadUserInput(f"`{argument}` is out of range", argument=argument) from None


def _iso_bound(moment: datetime, argument: str) -> str:
    """A UTC bound in the service's timestamp format; events are whole seconds, so round up."""
    if moment.microsecond:
        try:
            moment = moment.replace(microsecond=0) + timedelta(seconds=1)
        except OverflowError:  # the last second of year 9999
            raise BadUserInput(f"`{argument}` is out of range", argument=argument) from None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_values(name: str, values: Sequence[str]) -> list[str]:
    if len(values) > MAX_FILTER_VALUES:
        raise BadUserInput(f"`filter.{name}` takes at most {MAX_FILTER_VALUES} values", argument=f"filter.{name}")
    for value in values:
        if not value or len(value) > 128 or "," in value:
            raise BadUserInput(f"`filter.{name}` has an invalid value", argument=f"filter.{name}")
    return list(values)


async def _window(
    ctx: RequestContext, scope: EvidenceScope, project_id: str | None, tenant_id: str | None
) -> dict[str, list[str]]:
    viewer = await ctx.viewer()
    if scope is EvidenceScope.USER:
        return {"actor_id": [viewer.user.id]}
    if scope is EvidenceScope.PROJECT:
        if project_id is None:
            raise BadUserInput("the PROJECT scope needs a `project`", argument="project")
        if not viewer.can_see_project(project_id):
            raise not_found("project")
        return {"project_id": [project_id]}
    if scope is EvidenceScope.TENANT:
        if viewer.is_operator:
            if tenant_id is None:
                raise BadUserInput("operators name the `tenant` of the TENANT scope", argument="tenant")
            if await ctx.loaders.access.tenants.load(tenant_id) is None:
                raise not_found("tenant")
            return {"tenant_id": [tenant_id]}
        if viewer.persona != "tenant_admin":
            raise Forbidden("tenant evidence is for tenant admins")
        if tenant_id is not None and tenant_id != viewer.tenant_id:
            raise not_found("tenant")
        return {"tenant_id": [viewer.tenant_id or ""]}
    if not viewer.is_operator:
        raise Forbidden("platform evidence is for platform operators")
    return {}


def _apply(window: dict[str, list[str]], given: EvidenceFilter) -> _Window:
    filters = {k: list(v) for k, v in window.items()}
    for column, name, values in (
        ("action", "actions", given.actions),
        ("actor_id", "actorIds", given.actor_ids),
        ("target_type", "targetTypes", given.target_types),
        ("outcome", "outcomes", given.outcomes),
    ):
        if not values:
            continue
        wanted = _check_values(name, values)
        if column in filters:  # the window already fixes this column: intersect
            wanted = [v for v in filters[column] if v in wanted]
            if not wanted:
                return _Window(empty=True)
        filters[column] = wanted
    since, until = _utc_bound(given.since, "filter.since"), _utc_bound(given.until, "filter.until")
    if since is not None and until is not None and since >= until:
        raise BadUserInput("`filter.since` must be before `filter.until`", argument="filter.since")
    if since is not None:
        filters["at_gte"] = [_iso_bound(since, "filter.since")]
    if until is not None:
        filters["at_lt"] = [_iso_bound(until, "filter.until")]
    return _Window(filters)


async def _page(ctx: RequestContext, window: _Window, first: int, after: str | None) -> PageOf[AuditEvent]:
    check_first(first)
    backend_after = decode_cursor(after)
    if window.empty:
        return PageOf([], [], False, 0)
    page = await ctx.backends.access.audit_page(window.filters, limit=max(first, 1), after=backend_after)
    for event in page.items:
        ctx.loaders.access.audit_events.prime(event.id, event)
    return page_of(page, first)


async def evidence(
    ctx: RequestContext,
    scope: EvidenceScope,
    *,
    project_id: str | None = None,
    tenant_id: str | None = None,
    given: EvidenceFilter | None = None,
    first: int = DEFAULT_FIRST,
    after: str | None = None,
) -> PageOf[AuditEvent]:
    """A newest-first page of evidence in a scope (FORBIDDEN or NOT_FOUND outside the viewer's reach)."""
    window = await _window(ctx, scope, project_id, tenant_id)
    return await _page(ctx, _apply(window, given or EvidenceFilter()), first, after)


async def access_audit(
    ctx: RequestContext,
    scope: AccessScope,
    *,
    given: EvidenceFilter | None = None,
    first: int = DEFAULT_FIRST,
    after: str | None = None,
) -> PageOf[AuditEvent]:
    """Audit of access changes (memberships, invites, keys, SSO, policies, ...) in an access scope."""
    given = given or EvidenceFilter()
    targets = [t for t in (given.target_types or ACCESS_TARGET_TYPES) if t in ACCESS_TARGET_TYPES]
    if not targets:
        return await _page(ctx, _Window(empty=True), first, after)
    if scope.project_id is not None or scope.viewer.persona not in {"tenant_admin", "operator"}:
        window = {"project_id": sorted(scope.project_ids)}
    else:
        window = {"tenant_id": list(scope.tenant_ids)}
    if not next(iter(window.values())):
        return await _page(ctx, _Window(empty=True), first, after)
    narrowed = EvidenceFilter(given.actions, given.actor_ids, targets, given.outcomes, given.since, given.until)
    return await _page(ctx, _apply(window, narrowed), first, after)


async def recent_changes(ctx: RequestContext, scope: AccessScope, limit: int = 5) -> list[AuditEvent]:
    """The latest events of the scope's projects (or tenants, in a tenant-wide view), for overviews."""
    window = {"tenant_id": list(scope.tenant_ids)} if scope.tenant_wide else {"project_id": sorted(scope.project_ids)}
    if not next(iter(window.values())):
        return []
    # Changes only: a refused or denied attempt stays on the audit page (with its outcome), it changed nothing.
    events = (await _page(ctx, _Window({**window, "outcome": ["success"], "scope": SHARED_SCOPES}), limit, None)).items
    await _actors_asked(ctx, events)
    return events


async def _actors_asked(ctx: RequestContext, events: Sequence[AuditEvent]) -> None:
    """Wait for the actor loads this request already asked for (no new call, no new hop), so each event's actor
    answers at once instead of making a coroutine; their failures are left to the fields that read them."""
    viewer = ctx.resolved_viewer()
    if viewer is None:
        return
    loaders = ctx.loaders.access
    asked: list[asyncio.Future[Any] | None] = [loaders.users_by_tenant.futures.get(_users_key(viewer))]
    tenants = {e.tenant_id for e in events if e.actor_type == "service_account" and e.tenant_id}
    asked.extend(loaders.service_accounts_by_tenant.futures.get(tenant) for tenant in tenants)
    pending = [future for future in asked if future is not None and not future.done()]
    if pending:
        await asyncio.wait(pending)


def can_see_event(viewer: Viewer, event: AuditEvent) -> bool:
    """Operators see everything; tenant admins their tenant; others their own actions and their projects'."""
    if viewer.is_operator:
        return True
    if event.actor_id == viewer.user.id:
        return True
    if event.tenant_id is None or event.tenant_id != viewer.tenant_id:
        return False
    if viewer.persona == "tenant_admin":
        return True
    return event.project_id is not None and viewer.can_see_project(event.project_id)


async def get_audit_events(ctx: RequestContext, ids: Sequence[str]) -> list[AuditEvent | None]:
    """Events by id; None for missing ones and those outside the viewer's evidence."""
    viewer, found = await asyncio.gather(ctx.viewer(), ctx.loaders.access.audit_events.load_many(list(ids)))
    return [e if e is not None and can_see_event(viewer, e) else None for e in found]


async def get_audit_event(ctx: RequestContext, event_id: str) -> AuditEvent:
    """One event for the detail drawer, or ``NotFound``."""
    (found,) = await get_audit_events(ctx, [event_id])
    if found is None:
        raise not_found("audit event")
    return found


async def tenant(ctx: RequestContext, event: AuditEvent) -> Tenant | None:
    """The tenant the event belongs to, when it is the viewer's (operators: any); None for platform events."""
    viewer = await ctx.viewer()
    if event.tenant_id is None or not (viewer.is_operator or event.tenant_id == viewer.tenant_id):
        return None
    return await ctx.loaders.access.tenants.load(event.tenant_id)


@dataclass(frozen=True)
class Actor:
    """Who acted, as much as the viewer may know."""

    kind: str
    display_name: str
    user: User | None
    service_account: ServiceAccount | None


def actor(ctx: RequestContext, event: AuditEvent) -> Now[Actor]:
    """The acting user or service account, from per-tenant loaders (one call each for a whole page); at once when
    the viewer and the loader it needs have settled in this request.

    Events a tenant's member can see are acted on by that tenant's users or by platform operators, so an
    actor outside the viewer's tenant is shown as a GPU Cloud operator, without their name.
    """
    viewer = ctx.resolved_viewer()
    if viewer is None:
        return _actor_later(ctx, event)
    if event.actor_type == "system" or event.actor_id is None:
        return SYSTEM_ACTOR
    if event.actor_type == "service_account":
        if not event.tenant_id:
            return _service_account_actor(viewer, event, [])
        accounts = ctx.loaders.access.service_accounts_by_tenant.settled(event.tenant_id)
        if accounts is None:
            return _actor_later(ctx, event)
        return _service_account_actor(viewer, event, accounts.result())
    users = ctx.loaders.access.users_by_tenant.settled(_users_key(viewer))
    if users is None:
        return _actor_later(ctx, event)
    return _user_actor(viewer, event, users.result())


async def _actor_later(ctx: RequestContext, event: AuditEvent) -> Actor:
    viewer = await ctx.viewer()
    if event.actor_type == "system" or event.actor_id is None:
        return SYSTEM_ACTOR
    if event.actor_type == "service_account":
        accounts = await ctx.loaders.access.service_accounts_by_tenant.load(event.tenant_id) if event.tenant_id else []
        return _service_account_actor(viewer, event, accounts)
    return _user_actor(viewer, event, await ctx.loaders.access.users_by_tenant.load(_users_key(viewer)))


SYSTEM_ACTOR = Actor("system", "GPU Cloud (automated)", None, None)


def _users_key(viewer: Viewer) -> str:
    return ALL_TENANTS if viewer.is_operator or viewer.tenant_id is None else viewer.tenant_id


def _service_account_actor(viewer: Viewer, event: AuditEvent, accounts: Sequence[ServiceAccount]) -> Actor:
    found = next((sa for sa in accounts if sa.id == event.actor_id), None)
    if found is None or not (
        viewer.is_operator or viewer.persona == "tenant_admin" or viewer.can_see_project(found.project_id)
    ):
        return Actor("service_account", "A service account", None, None)
    return Actor("service_account", found.name, None, found)


def _user_actor(viewer: Viewer, event: AuditEvent, users: Sequence[User]) -> Actor:
    user = next((u for u in users if u.id == event.actor_id), None)
    if user is not None:
        return Actor("user", user.name, user, None)
    return Actor("user", "A former user" if viewer.is_operator else "GPU Cloud operator", None, None)


def target_route(event: AuditEvent) -> str | None:
    """Console route of the event's target, when it has one."""
    if event.target_type == "launch_draft":
        wizard = DRAFT_ROUTES.get(event.details.kind or "")
        if wizard is None or ("{slug}" in wizard and not event.details.app):
            return None
        return console_path(wizard.replace("{slug}", event.details.app or ""))
    template = TARGET_ROUTES.get(event.target_type)
    if template is None or ("{id}" in template and not event.target_id):
        return None
    return console_path(template.format(id=event.target_id or ""))  # its ids as the routes' global ids


def details(event: AuditEvent) -> list[tuple[str, str]]:
    """Allow-listed detail keys with their values, by key."""
    return sorted((k, str(v)) for k, v in event.details.model_dump(exclude_none=True).items())


def title(event: AuditEvent) -> str:
    """'credential.created' -> 'Credential created'."""
    return event.action.replace(".", " ").replace("_", " ").capitalize()
