"""Account service resources: profiles, security settings, billing accounts and sessions.

Allow-list models and calls mixed into ``AccountClient``. Recovery codes, TOTP seeds, card numbers,
payment tokens and session tokens are not part of any model; session IP addresses are masked while
parsing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from gateway.backends._client import AllowListModel, ServiceClient
from gateway.backends.access.resources import MaskedIp


class Profile(AllowListModel):
    """A user's personal profile."""

    id: str
    user_id: str
    name: str
    email: str
    timezone: str
    locale: str
    avatar_initials: str
    updated_at: datetime


class TrustedDevice(AllowListModel):
    """A device the user marked as trusted."""

    id: str
    name: str
    added_at: datetime
    last_used_at: datetime | None = None


class SecuritySettings(AllowListModel):
    """A user's sign-in security; no MFA seeds or recovery codes."""

    id: str
    user_id: str
    mfa_enabled: bool
    mfa_method: Literal["totp", "webauthn", "sms"] | None = None
    password_changed_at: datetime | None = None
    trusted_devices: list[TrustedDevice] = []


class ProjectSpend(AllowListModel):
    """Month-to-date spend of one project, in cents."""

    project_id: str
    cents: int


class PaymentMethod(AllowListModel):
    """The card on file, reduced to what may be shown: brand, last four digits and expiry."""

    brand: str
    last4: str
    exp_month: int | None = None
    exp_year: int | None = None


class BillingAccount(AllowListModel):
    """A tenant's prepaid billing account; card numbers and payment tokens are not part of the allow-list."""

    id: str
    tenant_id: str
    currency: str = "USD"
    balance_cents: int
    month_to_date_cents: int
    spend_by_project: list[ProjectSpend] = []
    hourly_burn_cents: int
    low_balance_threshold_cents: int | None = None
    payment_method: PaymentMethod | None = None
    updated_at: datetime


class Session(AllowListModel):
    """A signed-in session of a user; the session token is not part of the allow-list."""

    id: str
    user_id: str
    device: str
    browser: str
    ip_address: MaskedIp = None
    location: str | None = None
    created_at: datetime
    last_seen_at: datetime
    current: bool = False


class AccountResourceCalls(ServiceClient):
    """Calls for the account resources, mixed into ``AccountClient``."""

    async def profiles_of_users(self, user_ids: Sequence[str]) -> list[Profile]:
        """Profiles of the given users."""
        return await self.all("profiles", Profile, {"user_id": user_ids})

    async def security_of_users(self, user_ids: Sequence[str]) -> list[SecuritySettings]:
        """Security settings of the given users."""
        return await self.all("security-settings", SecuritySettings, {"user_id": user_ids})

    async def sessions_of_users(self, user_ids: Sequence[str]) -> list[Session]:
        """Sessions of the given users."""
        return await self.all("sessions", Session, {"user_id": user_ids})

    async def billing_of_tenants(self, tenant_ids: Sequence[str]) -> list[BillingAccount]:
        """Billing accounts of the given tenants."""
        return await self.all("billing-accounts", BillingAccount, {"tenant_id": tenant_ids})
