"""Per-request loaders of the account service: one per resource, batching every read, each made when first read."""

from __future__ import annotations

from gateway.backends._loaders import CachedLoader, DomainLoaders, OnCreate, by_id, by_tenant, grouped, loader
from gateway.backends.account.client import AccountClient
from gateway.backends.account.models import (
    BillingAccount,
    InboxItem,
    NotificationSettings,
    Profile,
    SecuritySettings,
    Session,
)


class AccountLoaders(DomainLoaders):
    """The viewer's profile, security settings, sessions and inbox; tenants' billing; retention settings."""

    def __init__(self, client: AccountClient, on_create: OnCreate | None = None) -> None:
        super().__init__(on_create)
        self.client = client

    @loader
    def inboxes_by_user(self) -> CachedLoader[list[InboxItem]]:
        return grouped(self.client.inboxes, lambda i: i.notification.user_id)

    @loader
    def notification_settings(self) -> CachedLoader[NotificationSettings | None]:
        return by_id(self.client.notification_settings)

    @loader
    def profiles_by_user(self) -> CachedLoader[list[Profile]]:
        return grouped(self.client.profiles_of_users, lambda p: p.user_id)

    @loader
    def security_by_user(self) -> CachedLoader[list[SecuritySettings]]:
        return grouped(self.client.security_of_users, lambda s: s.user_id)

    @loader
    def sessions_by_user(self) -> CachedLoader[list[Session]]:
        return grouped(self.client.sessions_of_users, lambda s: s.user_id)

    @loader
    def billing_by_tenant(self) -> CachedLoader[list[BillingAccount]]:
        return by_tenant(self.client.billing_of_tenants)
