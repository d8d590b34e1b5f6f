"""Typed calls to the account service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from gateway.backends._client import PAGE_LIMIT, ServiceClient
from gateway.backends._commands import command, command_path
from gateway.backends.account.models import (
    BillingAccount,
    InboxItem,
    Notification,
    NotificationSettings,
    Profile,
    ReadMarks,
    SecuritySettings,
    Session,
)


class AccountClient(ServiceClient):
    """Typed calls to the account service."""

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

    async def inboxes(self, user_ids: Sequence[str], unexpired_at: datetime | None = None) -> list[InboxItem]:
        """The unexpired notifications of the given users, newest first, with cursors (one call per 1000)."""
        moment = (unexpired_at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        filters = {"user_id": user_ids, "expires_at_gte": [moment]}
        items: list[InboxItem] = []
        after = None
        while True:
            page = await self.page("notifications", Notification, filters, limit=PAGE_LIMIT, after=after)
            items.extend(InboxItem(c, n) for c, n in zip(page.cursors, page.items, strict=True))
            if page.next_cursor is None:
                return items
            after = page.next_cursor

    async def notification_settings(self, ids: Sequence[str]) -> list[NotificationSettings]:
        """Retention settings by id (``default`` and tenant ids)."""
        return await self.batch("notification-settings", ids, NotificationSettings)

    async def mark_read(self, *, user_id: str, ids: Sequence[str], everything: bool, key: str, actor: str) -> ReadMarks:
        """Mark a user's notifications read: these ids, or all of them."""
        body = {"user_id": user_id, "ids": list(ids), "all": everything}
        path = command_path("notifications", action="mark-read")
        return await command(self, path, body, ReadMarks, key=key, actor_id=actor)

    async def create_notification(
        self,
        *,
        user_id: str,
        tenant_id: str | None,
        category: str,
        severity: str,
        title: str,
        body: str,
        link: str,
        key: str,
        actor: str,
    ) -> Notification:
        """Send a user a notification (it reaches their open subscriptions through the event stream)."""
        document = {
            "user_id": user_id,
            "tenant_id": tenant_id,
            "category": category,
            "severity": severity,
            "title": title,
            "body": body,
            "link": link,
        }
        return await command(self, command_path("notifications"), document, Notification, key=key, actor_id=actor)
