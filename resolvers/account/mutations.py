"""Marking the viewer's notifications read (some by id, or all of them)."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.backends.commands import CommandRejected, command_path, send_command
from gateway.context import RequestContext
from gateway.errors import BadUserInput
from gateway.idempotency.outcome import MutationOutcome
from resolvers.account.notifications import get_notifications
from resolvers.shared.mutations import refused
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
