"""The access overview: counts of what is in view and the attention items an admin or member can act on.

``access_counts`` and ``access_attention`` read the same per-tenant loaders as the sections, so the
tenant and project overviews can call them beside any section without extra backend calls.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from gateway.context import RequestContext
from resolvers.access import sections
from resolvers.access.scope import AccessScope
from resolvers.shared import links
from resolvers.shared.attention import (
    AttentionAction,
    AttentionItem,
    Severity,
    expiry_severity,
    humanize_delta,
    ordered,
)

KIND_LABELS = {"api_key": "API key", "ssh_key": "SSH key", "service_account_key": "Service account key"}


@dataclass(frozen=True)
class AccessCounts:
    """How much of each access object is in view."""

    projects: int
    members: int
    admins: int
    service_accounts: int
    disabled_service_accounts: int
    credentials: int
    credentials_expiring_soon: int
    pending_invites: int
    sso_integrations: int
    sso_degraded: int


@dataclass(frozen=True)
class AccessOverview:
    """Counts and attention items."""

    counts: AccessCounts
    attention: list[AttentionItem]


async def access_counts(ctx: RequestContext, scope: AccessScope) -> AccessCounts:
    """Counts of members, admins, service accounts, credentials, invites and SSO integrations in view."""
    rows, admins, accounts, creds, invites, idps = await asyncio.gather(
        sections.memberships(ctx, scope),
        sections.admins(ctx, scope),
        sections.service_accounts(ctx, scope),
        sections.credentials(ctx, scope),
        sections.invites(ctx, scope),
        sections.identity_providers(ctx, scope),
    )
    statuses = [sections.credential_status(c) for c in creds]
    return AccessCounts(
        projects=len(scope.project_ids),
        members=len({m.user_id for m in rows}),
        admins=len(admins),
        service_accounts=sum(not sa.disabled for sa in accounts),
        disabled_service_accounts=sum(sa.disabled for sa in accounts),
        credentials=sum(s in {"active", "expiring_soon"} for s in statuses),
        credentials_expiring_soon=statuses.count("expiring_soon"),
        pending_invites=sum(sections.invite_status(i) != "expired" for i in invites),
        sso_integrations=len(idps),
        sso_degraded=sum(i.status == "degraded" for i in idps),
    )


def _project_name(scope: AccessScope, project_id: str | None) -> str:
    if project_id is None:
        return "the tenant"
    return next((p.name for p in scope.viewer.projects if p.id == project_id), "a project")


async def credential_attention(
    ctx: RequestContext, scope: AccessScope, *, own_only: bool = False
) -> list[AttentionItem]:
    """Credentials in view (or the viewer's own) that expire within 14 days or have expired unrevoked."""
    found = await (sections.own_credentials(ctx, scope) if own_only else sections.credentials(ctx, scope))
    items = []
    for credential in found:
        status = sections.credential_status(credential)
        if status not in {"expiring_soon", "expired"} or credential.expires_at is None:
            continue
        where = KIND_LABELS[credential.kind] + (
            f" in {_project_name(scope, credential.project_id)}" if credential.project_id else ""
        )
        route = links.route("/access/credentials", credential=credential.id)
        if status == "expired":
            items.append(
                AttentionItem(
                    "credential_expired",
                    Severity.WARNING,
                    f"{credential.name} expired",
                    f"{where} expired {humanize_delta(credential.expires_at)} and is still listed; revoke it.",
                    AttentionAction("Revoke credential", route),
                    "credential",
                    credential.id,
                    credential.expires_at,
                )
            )
        else:
            items.append(
                AttentionItem(
                    "credential_expiring",
                    expiry_severity(credential.expires_at) or Severity.WARNING,
                    f"{credential.name} expires {humanize_delta(credential.expires_at)}",
                    f"{where}; rotate it before clients using it start failing.",
                    AttentionAction("Rotate credential", route),
                    "credential",
                    credential.id,
                    credential.expires_at,
                )
            )
    return items


async def access_attention(ctx: RequestContext, scope: AccessScope) -> list[AttentionItem]:
    """Expiring credentials, degraded SSO, quotas near their limit, expiring invites and weak policies."""
    creds, idps, ents, invites, policies = await asyncio.gather(
        credential_attention(ctx, scope),
        sections.identity_providers(ctx, scope),
        sections.entitlements(ctx, scope),
        sections.invites(ctx, scope),
        sections.policies(ctx, scope),
    )
    items = list(creds)
    admin_view = scope.viewer.persona in {"tenant_admin", "operator"}
    for idp in idps:
        if idp.status == "degraded" and admin_view:
            items.append(
                AttentionItem(
                    "sso_degraded",
                    Severity.CRITICAL,
                    f"SSO integration {idp.display_name} is degraded",
                    idp.status_reason or "The integration is not syncing.",
                    AttentionAction("Review integration", links.route("/access/identity", integration=idp.id)),
                    "identity_provider",
                    idp.id,
                )
            )
    for pressure in sections.pressures(ents):
        what = "Storage" if pressure.resource == "storage" else f"{pressure.resource} GPU"
        percent = round(100 * pressure.used / pressure.limit) if pressure.limit else 100
        project = pressure.entitlement.project_id
        items.append(
            AttentionItem(
                "quota_" + pressure.state,
                Severity.CRITICAL if pressure.state == "at_limit" else Severity.WARNING,
                f"{what} quota of {_project_name(scope, project)} at {percent}%",
                "New launches that need more will be denied until usage drops or the quota is raised.",
                AttentionAction("Review entitlements", links.route("/access/entitlements", project=project)),
                "entitlement",
                pressure.entitlement.id,
            )
        )
    for invite in invites:
        if sections.invite_status(invite) == "expiring":
            items.append(
                AttentionItem(
                    "invite_expiring",
                    Severity.INFO,
                    f"Invite to {invite.email} expires {humanize_delta(invite.expires_at)}",
                    f"Invited as {invite.role.replace('_', ' ')} of {_project_name(scope, invite.project_id)}.",
                    AttentionAction(
                        "Resend invite", links.route("/access/memberships", tab="invites", invite=invite.id)
                    ),
                    "invite",
                    invite.id,
                    invite.expires_at,
                )
            )
    for policy in policies:
        if not policy.mfa_required and scope.viewer.persona == "tenant_admin":
            items.append(
                AttentionItem(
                    "mfa_not_required",
                    Severity.INFO,
                    "MFA is not required in this tenant",
                    "Members can sign in with a password alone; require multi-factor authentication.",
                    AttentionAction("Require MFA", links.route("/access/identity", tab="policies")),
                    "policy",
                    policy.id,
                )
            )
    return ordered(items)


async def access_overview(ctx: RequestContext, scope: AccessScope) -> AccessOverview:
    """Counts and attention items, fetched concurrently (one call per resource type)."""
    counts, attention = await asyncio.gather(access_counts(ctx, scope), access_attention(ctx, scope))
    return AccessOverview(counts, attention)
