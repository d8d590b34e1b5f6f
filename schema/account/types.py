"""The `account` root field (the viewer's own profile, security, sessions and the tenant's billing) and
the `Runway` every workload row carries."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from gateway.backends.account import models as models
from gateway.ids import encode_global_id
from resolvers.account import queries as resolve
from resolvers.shared import shapes
from schema.access.scoping import OPERATOR_TENANT, null_for
from schema.access.types import Persona, Project, Tenant
from schema.shared.attention import AttentionItem
from schema.shared.types import Availability, Info, Money


@strawberry.enum(description="How long the balance lasts at the current burn.")
class RunwayState(Enum):
    OK = strawberry.enum_value("ok", description="At least 72 hours and above the low-balance threshold.")
    LOW = strawberry.enum_value("low", description="Under 72 hours, or under the low-balance threshold.")
    EXHAUSTED = strawberry.enum_value("exhausted", description="No balance left.")


@strawberry.type(description="The tenant's balance against its hourly burn: how long workloads can keep running.")
class Runway:
    balance: shapes.Money = strawberry.field(description="Prepaid balance of the tenant.", graphql_type=Money)
    hourly_burn: shapes.Money = strawberry.field(
        description="What the tenant's billing workloads cost per hour, together.", graphql_type=Money
    )
    hours_remaining: float | None = strawberry.field(description="Balance over burn (null when nothing bills).")
    runs_out_at: datetime | None = strawberry.field(description="When the balance runs out at this burn.")
    state: RunwayState = strawberry.field(description="OK, low or exhausted.")

    @classmethod
    def of(cls, value: resolve.Runway) -> Runway:
        """From the resolvers' runway."""
        return cls(
            balance=value.balance,
            hourly_burn=value.hourly_burn,
            hours_remaining=value.hours_remaining,
            runs_out_at=value.runs_out_at,
            state=RunwayState(value.state),
        )


@strawberry.type(description="The viewer's personal profile.")
class AccountProfile:
    name: str = strawberry.field(description="Display name.")
    email: str = strawberry.field(description="Email address.")
    timezone: str = strawberry.field(description="IANA time zone.")
    locale: str = strawberry.field(description="BCP 47 locale.")
    avatar_initials: str = strawberry.field(description="Initials for the avatar.")
    updated_at: datetime = strawberry.field(description="When the profile last changed.")

    @classmethod
    def of(cls, model: models.Profile) -> AccountProfile:
        """From the account service's profile."""
        return cls(
            name=model.name,
            email=model.email,
            timezone=model.timezone,
            locale=model.locale,
            avatar_initials=model.avatar_initials,
            updated_at=model.updated_at,
        )

    @strawberry.field(description="The viewer's persona.")
    async def persona(self, info: Info) -> Persona:
        return Persona((await info.context.viewer()).persona)

    @strawberry.field(
        description="The viewer's tenant (null for platform operators).",
        directives=[null_for(Persona.OPERATOR, reason=OPERATOR_TENANT)],
    )
    async def tenant(self, info: Info) -> Tenant | None:
        found = await resolve.tenant(info.context)
        return Tenant.of(found) if found else None


@strawberry.enum(description="Second factor used to sign in.")
class MfaMethod(Enum):
    TOTP = strawberry.enum_value("totp", description="Authenticator app codes.")
    WEBAUTHN = strawberry.enum_value("webauthn", description="Security key or passkey.")
    SMS = strawberry.enum_value("sms", description="Text message codes.")


@strawberry.type(description="A device the viewer trusts for sign-in.")
class TrustedDevice:
    name: str = strawberry.field(description="Device name.")
    added_at: datetime = strawberry.field(description="When it was trusted.")
    last_used_at: datetime | None = strawberry.field(description="Last sign-in from it.")


@strawberry.type(description="The viewer's sign-in security. Never MFA seeds or recovery codes.")
class AccountSecurity:
    mfa_enabled: bool = strawberry.field(description="True when a second factor is set up.")
    mfa_method: MfaMethod | None = strawberry.field(description="The second factor (null when MFA is off).")
    mfa_required_by_policy: bool = strawberry.field(description="True when the tenant's policy requires MFA.")
    password_changed_at: datetime | None = strawberry.field(description="When the password last changed.")
    password_age_days: int | None = strawberry.field(description="Days since the password last changed.")
    trusted_devices: list[TrustedDevice] = strawberry.field(description="Trusted devices.")


@strawberry.type(description="A payment card on file: brand, last four digits and expiry only.")
class PaymentMethod:
    brand: str = strawberry.field(description="Card brand, e.g. visa.")
    last_four: str = strawberry.field(description="Last four digits.")
    exp_month: int | None = strawberry.field(description="Expiry month.")
    exp_year: int | None = strawberry.field(description="Expiry year.")


@strawberry.type(description="Month-to-date spend of one project.")
class ProjectSpend:
    project: Project = strawberry.field(description="The project.")
    spend: shapes.Money = strawberry.field(description="Spend this month so far.", graphql_type=Money)


@strawberry.type(description="Lightweight billing of the viewer's tenant (the full billing epic comes later).")
class AccountBilling:
    availability: shapes.Availability = strawberry.field(
        description="Unavailable for operators (see platform finance).", graphql_type=Availability
    )
    tenant: Tenant | None = strawberry.field(description="The tenant billed.")
    balance: shapes.Money | None = strawberry.field(description="Prepaid balance.", graphql_type=Money | None)
    month_to_date: shapes.Money | None = strawberry.field(
        description="Spend this month so far, all projects.", graphql_type=Money | None
    )
    hourly_burn: shapes.Money | None = strawberry.field(
        description="Current cost per hour of billing workloads.", graphql_type=Money | None
    )
    runway: Runway | None = strawberry.field(description="How long the balance lasts at this burn.")
    spend_by_project: list[ProjectSpend] = strawberry.field(
        description="Month-to-date spend of the projects the viewer may see, highest first."
    )
    payment_method: PaymentMethod | None = strawberry.field(
        description="Card on file (tenant admins only).",
        directives=[
            null_for(
                Persona.MEMBER,
                Persona.PROJECT_ADMIN,
                Persona.OPERATOR,
                reason="The card on file is shown to tenant admins only.",
            )
        ],
    )
    viewer_can_manage: bool = strawberry.field(description="True when the viewer may add funds (tenant admins).")
    updated_at: datetime | None = strawberry.field(description="When the billing figures were computed.")

    @classmethod
    def of(cls, value: resolve.Billing) -> AccountBilling:
        """From the resolvers' billing."""
        account, card = value.account, value.payment_method
        return cls(
            availability=value.availability,
            tenant=Tenant.of(value.tenant) if value.tenant else None,
            balance=value.runway.balance if value.runway else None,
            month_to_date=shapes.Money.from_cents(account.month_to_date_cents, account.currency) if account else None,
            hourly_burn=value.runway.hourly_burn if value.runway else None,
            runway=Runway.of(value.runway) if value.runway else None,
            spend_by_project=[
                ProjectSpend(project=Project.of(s.project), spend=s.spend) for s in value.spend_by_project
            ],
            payment_method=PaymentMethod(
                brand=card.brand, last_four=card.last4, exp_month=card.exp_month, exp_year=card.exp_year
            )
            if card
            else None,
            viewer_can_manage=value.viewer_can_manage,
            updated_at=account.updated_at if account else None,
        )


@strawberry.type(description="A signed-in session of the viewer. Never the session token.")
class AccountSession:
    id: strawberry.ID = strawberry.field(description="Opaque global ID of the session.")
    device: str = strawberry.field(description="Device.")
    browser: str = strawberry.field(description="Browser.")
    ip_address: str | None = strawberry.field(description="Network signed in from, masked to /24 (IPv4) or /48 (IPv6).")
    location: str | None = strawberry.field(description="Approximate location.")
    created_at: datetime = strawberry.field(description="When the session started.")
    last_seen_at: datetime = strawberry.field(description="Last activity.")
    current: bool = strawberry.field(description="True for the session making this request.")

    @classmethod
    def of(cls, model: models.Session) -> AccountSession:
        """From the account service's session."""
        return cls(
            id=strawberry.ID(encode_global_id("AccountSession", model.id)),
            device=model.device,
            browser=model.browser,
            ip_address=model.ip_address,
            location=model.location,
            created_at=model.created_at,
            last_seen_at=model.last_seen_at,
            current=model.current,
        )


@strawberry.type(description="The account landing: who you are and what needs your attention.")
class AccountOverview:
    profile: AccountProfile | None = strawberry.field(description="Profile summary.")
    attention: list[AttentionItem] = strawberry.field(
        description="Personal attention items (MFA off, credentials expiring, balance running low, ...), most "
        "urgent first, each with its primary action."
    )


@strawberry.type(description="The Account pages: the viewer's own profile, security, sessions and tenant billing.")
class Account:
    @strawberry.field(description="Profile summary and personal attention items.")
    async def overview(self, info: Info) -> AccountOverview | None:
        found = await resolve.account_overview(info.context)
        return AccountOverview(
            profile=AccountProfile.of(found.profile) if found.profile else None,
            attention=[AttentionItem.of(i) for i in found.attention],
        )

    @strawberry.field(description="The viewer's profile.")
    async def profile(self, info: Info) -> AccountProfile | None:
        found = await resolve.profile(info.context)
        return AccountProfile.of(found) if found else None

    @strawberry.field(description="The viewer's sign-in security.")
    async def security(self, info: Info) -> AccountSecurity | None:
        found = await resolve.security(info.context)
        settings = found.settings
        return AccountSecurity(
            mfa_enabled=bool(settings and settings.mfa_enabled),
            mfa_method=MfaMethod(settings.mfa_method) if settings and settings.mfa_method else None,
            mfa_required_by_policy=found.mfa_required_by_policy,
            password_changed_at=settings.password_changed_at if settings else None,
            password_age_days=found.password_age_days,
            trusted_devices=[
                TrustedDevice(name=d.name, added_at=d.added_at, last_used_at=d.last_used_at)
                for d in (settings.trusted_devices if settings else [])
            ],
        )

    @strawberry.field(description="Lightweight billing of the viewer's tenant.")
    async def billing(self, info: Info) -> AccountBilling | None:
        return AccountBilling.of(await resolve.billing(info.context))

    @strawberry.field(description="The viewer's sessions: the current one first, then most recently seen.")
    async def sessions(self, info: Info) -> list[AccountSession] | None:
        return [AccountSession.of(s) for s in await resolve.sessions(info.context)]
