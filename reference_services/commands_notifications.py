"""Creating notifications on the account service (``POST /v1/notifications``).

Whoever has something to tell a user (other services, operators, the gateway's test notification) posts it
here; the notification lands in the user's inbox with the retention of the user's tenant (or the platform
default) and appears on the event stream as ``notification.created``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from reference_services._commands import Command, CommandRequest, Document, Rejected
from reference_services.seed import secret

SEVERITIES = ("info", "success", "warning", "critical")
DEFAULT_RETENTION_DAYS = 90


def _retention_days(request: CommandRequest, tenant_id: str | None) -> int:
    keys = [k for k in (tenant_id, "default") if k]
    found = {s["id"]: s for s in request.store.get_many("notification_settings", keys)}
    for key in keys:
        if key in found and isinstance(found[key].get("retention_days"), int):
            return int(found[key]["retention_days"])
    return DEFAULT_RETENTION_DAYS


def create_notification(request: CommandRequest) -> Document:
    """A new unread notification for ``user_id``."""
    user_id = request.text("user_id", max_length=128) or ""
    tenant_id = request.text("tenant_id", required=False, max_length=128)
    category = request.text("category", max_length=32) or ""
    severity = request.text("severity", max_length=16) or ""
    title = request.text("title", max_length=200) or ""
    body = request.text("body", required=False, max_length=2000) or ""
    link = request.text("link", required=False, max_length=512)
    if severity not in SEVERITIES:
        raise Rejected(422, "invalid_severity", f"severity must be one of {', '.join(SEVERITIES)}", "severity")
    if not title.strip():
        raise Rejected(422, "invalid_title", "the title must not be blank", "title")
    if link is not None and not link.startswith("/"):
        raise Rejected(422, "invalid_link", "links are console paths starting with /", "link")
    created = datetime.fromisoformat(request.now.replace("Z", "+00:00"))
    expires = created + timedelta(days=_retention_days(request, tenant_id))
    notification_id = request.new_id("ntf")
    return request.save(
        "notifications",
        {
            "id": notification_id,
            "user_id": user_id,
            "tenant_id": tenant_id,
            "category": category,
            "severity": severity,
            "title": title,
            "body": body,
            "link": link,
            "created_at": request.now,
            "read_at": None,
            "expires_at": expires.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "source_event_id": None,
            "delivery_token": secret("push", notification_id),
        },
    )


COMMANDS = (
    Command(
        "notifications",
        "Create a notification for a user (appears on the event stream)",
        create_notification,
        body={
            "user_id": "string",
            "tenant_id": "string",
            "category": "string",
            "severity": "string",
            "title": "string",
            "body": "string",
            "link": "string",
        },
    ),
)
