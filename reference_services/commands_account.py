"""Write side of the account service: marking a user's notifications read."""

from __future__ import annotations

from reference_services._commands import Command, CommandRequest, Document, Rejected

MAX_IDS = 500


def mark_read(request: CommandRequest) -> Document:
    """Mark the given notifications (or all, with ``all``) of one user read; others' ids are ignored."""
    user_id = request.text("user_id", max_length=128)
    ids = request.strings("ids", max_items=MAX_IDS)
    everything = request.body.get("all") is True
    if not ids and not everything:
        raise Rejected(400, "missing_field", "give `ids` or `all: true`", "ids")
    mine = request.find("notifications", {"user_id": [user_id]})
    wanted = set(ids)
    marked = []
    for notification in mine:
        if (everything or notification["id"] in wanted) and notification.get("read_at") is None:
            notification["read_at"] = request.now
            request.save("notifications", notification)
            marked.append(notification["id"])
    unread = sum(1 for n in mine if n.get("read_at") is None and n["expires_at"] >= request.now)
    return {"marked_ids": marked, "unread_count": unread, "read_at": request.now}


COMMANDS = (
    Command(
        "notifications",
        "Mark a user's notifications read (ids, or all)",
        mark_read,
        action="mark-read",
        collection=True,
        body={"user_id": "string", "ids": "array", "all": "boolean"},
        returns_resource=False,
    ),
)
