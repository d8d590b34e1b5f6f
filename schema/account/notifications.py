"""The notifications inbox (read side): the viewer's own notifications, unread count and retention."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from gateway.backends.account import models as backend
from gateway.ids import encode_global_id
from resolvers.account import notifications as resolve
from schema.shared.types import Connection, Info, Node


@strawberry.enum(description="What a notification is about.")
class NotificationCategory(Enum):
    WORKLOADS = strawberry.enum_value("workloads", description="Workload status and usage.")
    STORAGE = strawberry.enum_value("storage", description="Buckets, quotas and grants.")
    BILLING = strawberry.enum_value("billing", description="Balance, spend and payment.")
    ACCESS = strawberry.enum_value("access", description="Memberships, invites, credentials and service accounts.")
    SECURITY = strawberry.enum_value("security", description="Sign-ins, keys and account security.")
    PLATFORM = strawberry.enum_value("platform", description="Platform operations (operators).")
    SYSTEM = strawberry.enum_value("system", description="Announcements and maintenance.")
    OTHER = strawberry.enum_value("other", description="A category this console version does not know yet.")


@strawberry.enum(description="How urgent a notification is.")
class NotificationSeverity(Enum):
    INFO = strawberry.enum_value("info", description="For information.")
    SUCCESS = strawberry.enum_value("success", description="Something finished well.")
    WARNING = strawberry.enum_value("warning", description="Needs attention soon.")
    CRITICAL = strawberry.enum_value("critical", description="Needs attention now.")


@strawberry.type(description="A notification in the viewer's inbox.")
class Notification(Node):
    category: NotificationCategory = strawberry.field(description="What it is about.")
    severity: NotificationSeverity = strawberry.field(description="How urgent it is.")
    title: str = strawberry.field(description="One-line title.")
    body: str = strawberry.field(description="Details.")
    link: str | None = strawberry.field(description="Console route it leads to (null when it leads nowhere).")
    created_at: datetime = strawberry.field(description="When it was sent.")
    read_at: datetime | None = strawberry.field(description="When the viewer read it (null while unread).")
    read: bool = strawberry.field(description="True once read.")
    expires_at: datetime = strawberry.field(description="When retention removes it from the inbox.")
    expiring_soon: bool = strawberry.field(description="True when retention removes it within 7 days.")

    @classmethod
    def of(cls, model: backend.Notification) -> Notification:
        """From the account service's notification."""
        return cls(
            id=strawberry.ID(encode_global_id("Notification", model.id)),
            category=NotificationCategory(resolve.category(model)),
            severity=NotificationSeverity(resolve.severity(model)),
            title=model.title,
            body=model.body,
            link=resolve.link(model),
            created_at=model.created_at,
            read_at=model.read_at,
            read=model.read_at is not None,
            expires_at=model.expires_at,
            expiring_soon=resolve.expiring_soon(model),
        )


@strawberry.type(description="How long notifications are kept.")
class NotificationRetention:
    days: int = strawberry.field(description="Days a notification stays in the inbox.")
    oldest_available_at: datetime = strawberry.field(description="Notifications older than this are gone.")


@strawberry.type(description="Notifications of one category in the inbox.")
class NotificationCategoryCount:
    category: NotificationCategory = strawberry.field(description="The category.")
    total: int = strawberry.field(description="Notifications of the category.")
    unread: int = strawberry.field(description="Unread notifications of the category.")


@strawberry.type(description="A page of the viewer's notifications, with inbox-wide counts and the retention window.")
class NotificationConnection(Connection[Notification]):
    @strawberry.field(description="Unread notifications in the whole inbox, whatever the filters (the badge).")
    async def unread_count(self, info: Info) -> int:
        return await resolve.unread_count(info.context)

    @strawberry.field(description="Total and unread per category present in the inbox, whatever the filters.")
    async def categories(self, info: Info) -> list[NotificationCategoryCount]:
        return [
            NotificationCategoryCount(category=NotificationCategory(c.category), total=c.total, unread=c.unread)
            for c in await resolve.category_counts(info.context)
        ]

    @strawberry.field(description="The retention window (null when the account service publishes none).")
    async def retention(self, info: Info) -> NotificationRetention | None:
        found = await resolve.retention(info.context)
        return NotificationRetention(days=found.days, oldest_available_at=found.oldest_available_at) if found else None
