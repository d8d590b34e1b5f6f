"""Per-request loaders of the account service: one per resource, batching every read."""

from __future__ import annotations

from gateway.backends._loaders import DomainLoaders, by_id, by_tenant, grouped
from gateway.backends.account.client import AccountClient


class AccountLoaders(DomainLoaders):
    """The viewer's profile, security settings, sessions and inbox; tenants' billing; retention settings."""

    def __init__(self, client: AccountClient) -> None:
        self.inboxes_by_user = grouped(client.inboxes, lambda i: i.notification.user_id)
        self.notification_settings = by_id(client.notification_settings)
        self.profiles_by_user = grouped(client.profiles_of_users, lambda p: p.user_id)
        self.security_by_user = grouped(client.security_of_users, lambda s: s.user_id)
        self.sessions_by_user = grouped(client.sessions_of_users, lambda s: s.user_id)
        self.billing_by_tenant = by_tenant(client.billing_of_tenants)
