"""Account mutations: notification read marks, and sending yourself a test notification (live delivery check)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.idempotency.field import Idempotent
from gateway.ids import encode_global_id
from resolvers.account import mutations as resolve
from resolvers.account.mutations import NotificationOutcome, ReadMarksOutcome
from schema.account.notifications import Notification, NotificationSeverity
from schema.shared.mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError, user_errors
from schema.shared.permissions import Authenticated
from schema.shared.types import Info, wire


@strawberry.input(description="Notifications to mark read: some by id, or all of yours.")
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Global ids (at most 500).")
    all: bool = strawberry.field(default=False, description="Mark every notification of yours read instead.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.type(description="Result of markNotificationsRead.")
class MarkNotificationsReadPayload:
    marked_ids: list[strawberry.ID] = strawberry.field(description="Global ids of the notifications marked read now.")
    unread_count: int | None = strawberry.field(description="Unread notifications left (the inbox badge).")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was marked.")

    @classmethod
    def of(cls, outcome: ReadMarksOutcome) -> MarkNotificationsReadPayload:
        """From the mutation's outcome."""
        marks = outcome.marks
        return cls(
            marked_ids=[strawberry.ID(encode_global_id("Notification", i)) for i in marks.marked_ids] if marks else [],
            unread_count=marks.unread_count if marks else None,
            user_errors=user_errors(outcome),
        )


@strawberry.type
class AccountMutation:
    """Account mutations."""

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(ReadMarksOutcome, MarkNotificationsReadPayload.of)],
        graphql_type=MarkNotificationsReadPayload | None,
        description="Mark your notifications read (some, or all); the unread badge follows.",
    )
    async def mark_notifications_read(
        self,
        info: Info,
        input: Annotated[MarkNotificationsReadInput, strawberry.argument(description="Which notifications.")],
    ) -> ReadMarksOutcome:
        return await resolve.mark_read(info.context, input.ids, input.all)


@strawberry.input(description="The test notification to send yourself.")
class SendTestNotificationInput:
    title: str = strawberry.field(default="Test notification", description="One-line title (1-120 characters).")
    body: str = strawberry.field(
        default="Live delivery works: this reached every page you have open.",
        description="Details (at most 1000 characters).",
    )
    severity: NotificationSeverity = strawberry.field(default=NotificationSeverity.INFO, description="How urgent.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.type(description="Result of sendTestNotification.")
class SendTestNotificationPayload:
    notification: Notification | None = strawberry.field(description="The notification sent (null when refused).")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was sent.")

    @classmethod
    def of(cls, outcome: NotificationOutcome) -> SendTestNotificationPayload:
        """From the mutation's outcome."""
        return cls(
            notification=Notification.of(outcome.notification) if outcome.notification else None,
            user_errors=user_errors(outcome),
        )


@strawberry.type
class NotificationsMutation:
    """Notification mutations beyond read marks."""

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(NotificationOutcome, SendTestNotificationPayload.of)],
        graphql_type=SendTestNotificationPayload | None,
        description="Send yourself a notification: it lands in your inbox and reaches your open "
        "`notificationAdded` and `unreadCount` subscriptions, on any replica.",
    )
    async def send_test_notification(
        self,
        info: Info,
        input: Annotated[SendTestNotificationInput, strawberry.argument(description="What to send.")],
    ) -> NotificationOutcome:
        severity = wire(input.severity)
        return await resolve.send_test_notification(info.context, input.title, input.body, severity)
