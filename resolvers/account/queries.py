"""Account: the viewer's own profile, security, sessions and personal attention items, the tenant's
lightweight billing, and the runway every workload row shows.

Everything personal is the viewer's own (there is no way to name another user). Billing belongs to
the tenant: every tenant persona sees balance, spend and runway; only tenant admins see the payment
method; operators have no tenant account (their finance view is the platform's).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from gateway.backends.access.models import Project, Tenant, TenantPolicy
from gateway.backends.account.models import BillingAccount, PaymentMethod, Profile, SecuritySettings, Session
from gateway.backends.workloads.models import Workload
from gateway.context import RequestContext
from resolvers.access.overview import credential_attention
from resolvers.access.scope import access_scope
from resolvers.access.sections import policies
from resolvers.shared.attention import AttentionAction, AttentionItem, Severity, ordered
from resolvers.shared.shapes import AVAILABLE, Availability, Money, empty, now, runtime_condition

LOW_RUNWAY = timedelta(hours=72)
LOW_RUNWAY_HOURS = LOW_RUNWAY.total_seconds() / 3600
OLD_PASSWORD = timedelta(days=365)
FINANCE_ROUTE = "/platform/finance"


async def tenant(ctx: RequestContext) -> Tenant | None:
    """The viewer's tenant (None for platform operators)."""
    viewer = await ctx.viewer()
    return await ctx.loaders.access.tenants.load(viewer.tenant_id) if viewer.tenant_id else None


@dataclass(frozen=True)
class Runway:
    """How long the tenant's balance lasts at the current hourly burn."""

    balance: Money
    hourly_burn: Money
    hours_remaining: float | None
    runs_out_at: datetime | None
    state: str  # ok | low | exhausted


def runway_of(account: BillingAccount) -> Runway:
    """Runway from balance and burn: exhausted at or below zero, low under 72 hours or the threshold. When it
    runs out is the billing service's figure (its clock), not the gateway's."""
    return _runway(
        account.balance_cents,
        account.hourly_burn_cents,
        account.low_balance_threshold_cents,
        account.runs_out_at,
        account.currency,
    )


@lru_cache(maxsize=1024)  # every row of a page shows its tenant's runway: computed once per distinct figure
def _runway(
    balance_cents: int, burn_cents: int, threshold_cents: int | None, runs_out_at: datetime | None, currency: str
) -> Runway:
    hours = balance_cents / burn_cents if burn_cents > 0 else None
    if balance_cents <= 0:
        state = "exhausted"
    elif (hours is not None and hours < LOW_RUNWAY_HOURS) or (
        threshold_cents is not None and balance_cents < threshold_cents
    ):
        state = "low"
    else:
        state = "ok"
    rounded = None if hours is None else round(max(hours, 0.0), 1)
    balance = Money.from_cents(balance_cents, currency)
    return Runway(balance, Money.from_cents(burn_cents, currency), rounded, runs_out_at, state)


async def runway_for_tenant(ctx: RequestContext, tenant_id: str | None) -> Runway | None:
    """The tenant's runway (batched: one call for every tenant on a page)."""
    if tenant_id is None:
        return None
    accounts = await ctx.loaders.account.billing_by_tenant.load(tenant_id)
    return runway_of(accounts[0]) if accounts else None


async def workload_runway(ctx: RequestContext, workload: Workload) -> Runway | None:
    """The runway of the workload's tenant, as its row shows it."""
    return await runway_for_tenant(ctx, workload.tenant_id)


async def profile(ctx: RequestContext) -> Profile | None:
    """The viewer's profile."""
    viewer = await ctx.viewer()
    found = await ctx.loaders.account.profiles_by_user.load(viewer.user.id)
    return found[0] if found else None


@dataclass(frozen=True)
class SecurityView:
    """Sign-in security with what the tenant's policy asks for."""

    settings: SecuritySettings | None
    mfa_required_by_policy: bool
    password_age_days: int | None


async def _tenant_policies(ctx: RequestContext) -> list[TenantPolicy]:
    viewer = await ctx.viewer()
    return await policies(ctx, await access_scope(ctx)) if viewer.tenant_id is not None else []


async def security(ctx: RequestContext) -> SecurityView:
    """The viewer's security settings and whether their tenant requires MFA."""
    viewer = await ctx.viewer()
    tenant_policies, found = await asyncio.gather(
        _tenant_policies(ctx), ctx.loaders.account.security_by_user.load(viewer.user.id)
    )
    settings = found[0] if found else None
    changed = settings.password_changed_at if settings else None
    age = (now() - changed).days if changed else None
    return SecurityView(settings, any(p.mfa_required for p in tenant_policies), age)


async def sessions(ctx: RequestContext) -> list[Session]:
    """The viewer's sessions: the current one first, then most recently seen."""
    viewer = await ctx.viewer()
    found = await ctx.loaders.account.sessions_by_user.load(viewer.user.id)
    return sorted(found, key=lambda s: (not s.current, -s.last_seen_at.timestamp(), s.id))


@dataclass(frozen=True)
class ProjectSpendView:
    """Month-to-date spend of a project the viewer may see."""

    project: Project
    spend: Money


@dataclass(frozen=True)
class Billing:
    """Lightweight billing of the viewer's tenant."""

    availability: Availability
    tenant: Tenant | None
    account: BillingAccount | None
    runway: Runway | None
    spend_by_project: list[ProjectSpendView]
    payment_method: PaymentMethod | None
    viewer_can_manage: bool


async def billing(ctx: RequestContext) -> Billing:
    """Balance, month-to-date spend (by visible project), hourly burn, runway and, for admins, the card."""
    viewer = await ctx.viewer()
    if viewer.tenant_id is None:
        reason = "Platform operators have no tenant billing account; tenant balances are in platform finance."
        return Billing(runtime_condition(reason, FINANCE_ROUTE), None, None, None, [], None, False)
    accounts, tenant = await asyncio.gather(
        ctx.loaders.account.billing_by_tenant.load(viewer.tenant_id), ctx.loaders.access.tenants.load(viewer.tenant_id)
    )
    if not accounts:
        reason = "No billing account is set up for this tenant yet."
        return Billing(
            empty(reason, "/docs/account/billing"),
            tenant,
            None,
            None,
            [],
            None,
            False,
        )
    account = accounts[0]
    by_id = {p.id: p for p in viewer.projects}
    spend = [
        ProjectSpendView(by_id[s.project_id], Money.from_cents(s.cents, account.currency))
        for s in sorted(account.spend_by_project, key=lambda s: -s.cents)
        if s.project_id in by_id
    ]
    admin = viewer.persona == "tenant_admin"
    return Billing(
        AVAILABLE, tenant, account, runway_of(account), spend, account.payment_method if admin else None, admin
    )


@dataclass(frozen=True)
class AccountOverview:
    """Profile summary and personal attention items."""

    profile: Profile | None
    attention: list[AttentionItem]


async def account_attention(ctx: RequestContext) -> list[AttentionItem]:
    """MFA off, an old password, the viewer's credentials expiring, and a tenant balance running low."""
    viewer = await ctx.viewer()
    scope = await access_scope(ctx)
    found_security, creds, found_billing = await asyncio.gather(
        security(ctx), credential_attention(ctx, scope, own_only=True), billing(ctx)
    )
    items = list(creds)
    settings = found_security.settings
    if settings is not None and not settings.mfa_enabled:
        required = found_security.mfa_required_by_policy
        items.append(
            AttentionItem(
                "mfa_disabled",
                Severity.CRITICAL if required else Severity.WARNING,
                "Turn on multi-factor authentication",
                "Your tenant requires MFA; sign-ins without it will be blocked."
                if required
                else "Your account signs in with a password alone.",
                AttentionAction("Set up MFA", "/account/security#mfa"),
                "user",
                viewer.user.id,
            )
        )
    if found_security.password_age_days is not None and found_security.password_age_days > OLD_PASSWORD.days:
        items.append(
            AttentionItem(
                "password_old",
                Severity.INFO,
                "Your password is over a year old",
                f"Last changed {found_security.password_age_days} days ago.",
                AttentionAction("Change password", "/account/security#password"),
                "user",
                viewer.user.id,
            )
        )
    runway = found_billing.runway
    if runway is not None:
        action = (
            AttentionAction("Add funds", "/account/billing")
            if found_billing.viewer_can_manage
            else AttentionAction("Review running workloads", "/workloads?filter=billing")
        )
        items.extend(runway_attention(runway, action, found_billing.account.id if found_billing.account else None))
    return ordered(items)


def runway_attention(runway: Runway, action: AttentionAction, account_id: str | None) -> list[AttentionItem]:
    """One item when the tenant's balance runs low or out (the account and overview pages share it)."""
    if runway.state == "ok":
        return []
    hours = runway.hours_remaining
    detail = (
        "The balance is exhausted; running workloads will be stopped."
        if runway.state == "exhausted"
        else (
            f"The balance of {runway.balance.amount} {runway.balance.currency} lasts about "
            f"{Decimal(str(hours)).quantize(Decimal('1'))} hours at {runway.hourly_burn.amount}/h."
        )
    )
    return [
        AttentionItem(
            "runway_" + runway.state,
            Severity.CRITICAL if runway.state == "exhausted" or (hours or 0) < 24 else Severity.WARNING,
            "Tenant balance is running low",
            detail,
            action,
            "billing_account",
            account_id,
            runway.runs_out_at,
        )
    ]


async def account_overview(ctx: RequestContext) -> AccountOverview:
    """The account landing: profile and attention items, fetched concurrently."""
    found_profile, attention = await asyncio.gather(profile(ctx), account_attention(ctx))
    return AccountOverview(found_profile, attention)
