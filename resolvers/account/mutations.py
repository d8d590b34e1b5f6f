"""Account writes: marking the viewer's notifications read, and sending the viewer a test notification.

Each returns its typed outcome, which is what gets replayed.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.backends.account.models import Notification, ReadMarks
from gateway.context import RequestContext
from gateway.errors import BadUserInput, CommandRejected
from gateway.idempotency.outcome import MutationOutcome
from gateway.idempotency.runner import current_key
from resolvers.account.notifications import get_notifications
from resolvers.shared.mutations import error, refused, reject_if
from resolvers.shared.scope import local_id, not_found

MAX_IDS = 500


class ReadMarksOutcome(MutationOutcome):
    """markNotificationsRead: the ids marked read now and the unread count left."""

    marks: ReadMarks | None = None


class NotificationOutcome(MutationOutcome):
    """sendTestNotification: the notification sent."""

    notification: Notification | None = None


async def mark_read(ctx: RequestContext, ids: Sequence[str] | None, everything: bool) -> ReadMarksOutcome:
    """Mark notifications read; ids outside the viewer's inbox answer NOT_FOUND, as they do when read."""
    if bool(ids) == everything:
        raise BadUserInput("Give either `ids` or `all: true`.", argument="input")
    local = [local_id(i, "Notification", "ids") for i in ids or []]
    if len(local) > MAX_IDS:
        raise BadUserInput(f"`ids` takes at most {MAX_IDS} ids.", argument="ids")
    if local and any(n is None for n in await get_notifications(ctx, local)):
        raise not_found("notification")
    viewer = await ctx.viewer()
    try:
        marks = await ctx.backends.account.mark_read(
            user_id=viewer.user.id, ids=local, everything=everything, key=current_key(), actor=viewer.user.id
        )
    except CommandRejected as rejection:
        return refused(ReadMarksOutcome, rejection)
    return ReadMarksOutcome(marks=marks)


MAX_TITLE = 120
MAX_BODY = 1000


async def send_test_notification(ctx: RequestContext, title: str, body: str, severity: str) -> NotificationOutcome:
    """Create a notification for the viewer themself (category ``system``)."""
    reject_if(
        [
            *(
                [error(f"The title must be 1-{MAX_TITLE} characters.", "INVALID", "input", "title")]
                if not title.strip() or len(title) > MAX_TITLE
                else []
            ),
            *(
                [error(f"The body takes at most {MAX_BODY} characters.", "INVALID", "input", "body")]
                if len(body) > MAX_BODY
                else []
            ),
        ]
    )
    viewer = await ctx.viewer()
    try:
        notification = await ctx.backends.account.create_notification(
            user_id=viewer.user.id,
            tenant_id=viewer.tenant_id,
            category="system",
            severity=severity,
            title=title.strip(),
            body=body,
            link="/notifications",
            key=current_key(),
            actor=viewer.user.id,
        )
    except CommandRejected as rejection:
        return refused(NotificationOutcome, rejection, {"title": ("input", "title"), "severity": ("input", "severity")})
    return NotificationOutcome(notification=notification)
