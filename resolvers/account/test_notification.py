"""Sending the viewer a test notification: the "does live delivery reach me?" button, and the demo of it.

The notification is created by the account service like any other (``POST /v1/notifications``), so it
reaches every open subscription of the viewer, on any replica, through the event stream.
"""

from __future__ import annotations

from pydantic import ValidationError

from gateway.backends.account.models import Notification
from gateway.backends.commands import CommandRejected, command_path, send_command
from gateway.context import RequestContext
from gateway.errors import BackendBadResponse
from gateway.idempotency.outcome import MutationOutcome
from resolvers.shared.mutations import error, refused, reject_if

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
