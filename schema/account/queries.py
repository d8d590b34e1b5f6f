"""Root query fields of Account and notifications."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.backends.account import models as models
from resolvers.account import notifications
from resolvers.shared.shapes import DEFAULT_FIRST
from schema.account.notifications import Notification, NotificationCategory, NotificationConnection
from schema.account.types import Account
from schema.shared.permissions import Authenticated
from schema.shared.types import (
    AFTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    Edge,
    Info,
    PageInfo,
    wire,
)


@strawberry.type
class AccountQuery:
    """The `account` root field."""

    @strawberry.field(permission_classes=[Authenticated], description="The viewer's Account pages.")
    async def account(self, info: Info) -> Account | None:
        await info.context.viewer()
        return Account()


@strawberry.type
class NotificationsQuery:
    """Root fields of the notifications inbox."""

    @strawberry.field(
        permission_classes=[Authenticated],
        description="The viewer's own notifications, newest first (null with an error on failure).",
    )
    async def notifications(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = DEFAULT_FIRST,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        unread_only: Annotated[bool, strawberry.argument(description="Only unread notifications.")] = False,
        category: Annotated[
            NotificationCategory | None, strawberry.argument(description="Only notifications of this category.")
        ] = None,
    ) -> NotificationConnection | None:
        page = await notifications.list_notifications(
            info.context,
            first=first,
            after=after,
            unread_only=unread_only,
            category_filter=wire(category) if category else None,
        )
        return NotificationConnection(
            edges=[Edge(cursor=c, node=Notification.of(n)) for n, c in zip(page.items, page.cursors, strict=True)],
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=False,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            total_count=page.total_count,
        )
