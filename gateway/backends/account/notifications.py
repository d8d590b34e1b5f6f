"""Notifications (account service): allow-list models and the inbox calls, mixed into AccountClient."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from gateway.backends._client import PAGE_LIMIT, AllowListModel, ServiceClient


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


class NotificationCalls(ServiceClient):
    """Notification calls of the account service."""

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
