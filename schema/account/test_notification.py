"""Sending yourself a test notification (live delivery check; the GraphiQL demo of subscriptions)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.backends.account.models import Notification as NotificationModel
from resolvers.account import test_notification as resolve
from schema.account.notifications import Notification, NotificationSeverity
from schema.shared.mutations import IDEMPOTENCY_KEY_DESCRIPTION, Info, UserError, run, user_errors
from schema.shared.permissions import Authenticated


@strawberry.input(description="The test notification to send yourself.")
class SendTestNotificationInput:
    """sendTestNotification input."""

    title: str = strawberry.field(default="Test notification", description="One-line title (1-120 characters).")
    body: str = strawberry.field(
        default="Live delivery works: this reached every page you have open.",
        description="Details (at most 1000 characters).",
    )
    severity: NotificationSeverity = strawberry.field(default=NotificationSeverity.INFO, description="How urgent.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.type(description="Result of sendTestNotification.")
class SendTestNotificationPayload:
    """sendTestNotification payload."""

    notification: Notification | None = strawberry.field(description="The notification sent (null when refused).")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was sent.")


@strawberry.type
class NotificationsMutation:
    """Notification mutations beyond read marks."""

    @strawberry.mutation(
        permission_classes=[Authenticated],
        description="Send yourself a notification: it lands in your inbox and reaches your open "
        "`notificationAdded` and `unreadCount` subscriptions, on any replica.",
    )
    async def send_test_notification(
        self,
        info: Info,
        input: Annotated[SendTestNotificationInput, strawberry.argument(description="What to send.")],
    ) -> SendTestNotificationPayload | None:
        """Send a test notification."""
        outcome = await run(
            info,
            input.idempotency_key,
            lambda key: resolve.send_test_notification(
                info.context, input.title, input.body, input.severity.value, key
            ),
        )
        found = outcome.result.get("notification")
        return SendTestNotificationPayload(
            notification=Notification.of(NotificationModel.model_validate(found)) if isinstance(found, dict) else None,
            user_errors=user_errors(outcome),
        )
