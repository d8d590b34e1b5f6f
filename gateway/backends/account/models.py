"""Allow-list models of the account service: what the gateway keeps of each document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from gateway.backends._client import AllowListModel
from gateway.backends.access.models import MaskedIp


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
    runs_out_at: datetime | None = None  # the service's: now on its clock + balance / burn
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


class Notification(AllowListModel):
    """A notification for one user; delivery tokens and source event ids are not allowed."""

    id: str
    user_id: str
    tenant_id: str | None = None
    category: str
    severity: str
    title: str
    body: str
    link: str | None = None
    created_at: datetime
    read_at: datetime | None = None
    expires_at: datetime


class NotificationSettings(AllowListModel):
    """Retention of notifications: the platform default (id ``default``) or a tenant's (tenant id)."""

    id: str
    retention_days: int


@dataclass(frozen=True)
class InboxItem:
    """A notification with its position in the service's newest-first listing."""

    cursor: str
    notification: Notification


class ReadMarks(AllowListModel):
    """What marking notifications read did: the ids marked now and the unread count left."""

    marked_ids: list[str] = []
    unread_count: int | None = None
