"""Notification read marks."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.ids import encode_global_id
from resolvers.account import mutations as resolve
from schema.shared.mutations import IDEMPOTENCY_KEY_DESCRIPTION, Info, UserError, run, user_errors
from schema.shared.permissions import Authenticated


@strawberry.input(description="Notifications to mark read: some by id, or all of yours.")
class MarkNotificationsReadInput:
    """markNotificationsRead input."""

    ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Global ids (at most 500).")
    all: bool = strawberry.field(default=False, description="Mark every notification of yours read instead.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.type(description="Result of markNotificationsRead.")
class MarkNotificationsReadPayload:
    """markNotificationsRead payload."""

    marked_ids: list[strawberry.ID] = strawberry.field(description="Global ids of the notifications marked read now.")
    unread_count: int | None = strawberry.field(description="Unread notifications left (the inbox badge).")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was marked.")


@strawberry.type
class AccountMutation:
    """Account mutations."""

    @strawberry.mutation(
        permission_classes=[Authenticated],
        description="Mark your notifications read (some, or all); the unread badge follows.",
    )
    async def mark_notifications_read(
        self,
        info: Info,
        input: Annotated[MarkNotificationsReadInput, strawberry.argument(description="Which notifications.")],
    ) -> MarkNotificationsReadPayload | None:
        """Mark read."""
        outcome = await run(
            info, input.idempotency_key, lambda key: resolve.mark_read(info.context, input.ids, input.all, key)
        )
        return MarkNotificationsReadPayload(
            marked_ids=[
                strawberry.ID(encode_global_id("Notification", i)) for i in outcome.result.get("markedIds", [])
            ],
            unread_count=outcome.result.get("unreadCount"),
            user_errors=user_errors(outcome),
        )
