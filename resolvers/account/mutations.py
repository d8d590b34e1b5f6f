"""Account writes: marking the viewer's notifications read, and sending the viewer a test notification."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from gateway.backends._commands import command_path, send_command
from gateway.backends.account.models import Notification
from gateway.context import RequestContext
from gateway.errors import BackendBadResponse, BadUserInput, CommandRejected
from gateway.idempotency.outcome import MutationOutcome
from resolvers.account.notifications import get_notifications
from resolvers.shared.mutations import error, refused, reject_if
from resolvers.shared.scope import local_id, not_found

MAX_IDS = 500


async def mark_read(ctx: RequestContext, ids: Sequence[str] | None, everything: bool, key: str) -> MutationOutcome:
    """Mark notifications read; ids outside the viewer's inbox answer NOT_FOUND, as they do when read."""
    if bool(ids) == everything:
        raise BadUserInput("Give either `ids` or `all: true`.", argument="input")
    local = [local_id(i, "Notification", "ids") for i in ids or []]
    if len(local) > MAX_IDS:
        raise BadUserInput(f"`ids` takes at most {MAX_IDS} ids.", argument="ids")
    if local and any(n is None for n in await get_notifications(ctx, local)):
        raise not_found("notification")
    viewer = await ctx.viewer()
    body = {"user_id": viewer.user.id, "ids": local, "all": everything}
    try:
        done = await send_command(
            ctx.backends.account,
            command_path("notifications", action="mark-read"),
            body,
            key=key,
            actor_id=viewer.user.id,
        )
    except CommandRejected as rejection:
        return refused(rejection)
    marked = [str(i) for i in done.get("marked_ids") or [] if isinstance(i, str)]
    unread = done.get("unread_count")
    return MutationOutcome(result={"markedIds": marked, "unreadCount": unread if isinstance(unread, int) else None})


MAX_TITLE = 120
MAX_BODY = 1000


async def send_test_notification(
    ctx: RequestContext, title: str, body: str, severity: str, key: str
) -> MutationOutcome:
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
    request = {
        "user_id": viewer.user.id,
        "tenant_id": viewer.tenant_id,
        "category": "system",
        "severity": severity,
        "title": title.strip(),
        "body": body,
        "link": "/notifications",
    }
    try:
        created = await send_command(
            ctx.backends.account, command_path("notifications"), request, key=key, actor_id=viewer.user.id
        )
    except CommandRejected as rejection:
        return refused(rejection, {"title": ("input", "title"), "severity": ("input", "severity")})
    try:
        notification = Notification.model_validate(created)
    except ValidationError:
        raise BackendBadResponse(
            "the account service answered with a malformed notification", service="account"
        ) from None
    return MutationOutcome(result={"notification": notification.model_dump(mode="json")})
