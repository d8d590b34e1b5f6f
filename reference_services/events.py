"""Which changes each reference service publishes on its event stream (``GET /v1/events``, see ``_events``).

Any writer of a watched table (command handlers today, anything tomorrow) produces the events: they are
derived from the document before and after each upsert, not emitted by hand.

- workloads: ``workload.status_changed`` whenever a workload's status differs from before (a launch is a
  change from no status to ``pending``);
- account: ``notification.created`` for a new notification (its document as payload) and
  ``notification.read`` when one gets its ``read_at``;
- storage: ``storage_grant.changed`` when a grant is made or revoked (the grant as payload).
"""

from __future__ import annotations

from collections.abc import Mapping

from reference_services._events import ChangeFunction, Document, EventDraft

WORKLOAD_FIELDS = ("id", "tenant_id", "project_id", "owner_id", "name", "kind", "status", "status_reason")


def workload_changes(old: Document | None, new: Document) -> list[EventDraft]:
    """``workload.status_changed`` when the status moved (payload: a projection, never secrets)."""
    previous = old.get("status") if old else None
    if previous == new.get("status"):
        return []
    data = {name: new.get(name) for name in WORKLOAD_FIELDS}
    data["previous_status"] = previous
    return [
        EventDraft(
            "workload.status_changed",
            new["id"],
            data,
            tenant_id=new.get("tenant_id"),
            project_id=new.get("project_id"),
            user_id=new.get("owner_id"),
        )
    ]


def notification_changes(old: Document | None, new: Document) -> list[EventDraft]:
    """``notification.created`` for a new notification, ``notification.read`` when it is marked read."""
    if old is None:
        return [
            EventDraft(
                "notification.created", new["id"], dict(new), tenant_id=new.get("tenant_id"), user_id=new.get("user_id")
            )
        ]
    if old.get("read_at") is None and new.get("read_at") is not None:
        data = {"id": new["id"], "user_id": new.get("user_id"), "read_at": new["read_at"]}
        return [
            EventDraft("notification.read", new["id"], data, tenant_id=new.get("tenant_id"), user_id=new.get("user_id"))
        ]
    return []


GRANT_FIELDS = (
    "id",
    "bucket_id",
    "tenant_id",
    "owner_project_id",
    "grantee_project_id",
    "permission",
    "purpose",
    "created_at",
    "created_by",
    "revoked_at",
)


def grant_changes(old: Document | None, new: Document) -> list[EventDraft]:
    """``storage_grant.changed`` when a grant is made or revoked: who reaches a bucket changed (both projects')."""
    if old is not None and bool(old.get("revoked_at")) == bool(new.get("revoked_at")):
        return []
    data = {name: new.get(name) for name in GRANT_FIELDS}
    return [
        EventDraft(
            "storage_grant.changed",
            new["id"],
            data,
            tenant_id=new.get("tenant_id"),
            project_id=new.get("grantee_project_id"),
        )
    ]


# domain -> table -> change function
EVENT_SOURCES: Mapping[str, Mapping[str, ChangeFunction]] = {
    "workloads": {"workloads": workload_changes},
    "account": {"notifications": notification_changes},
    "storage": {"grants": grant_changes},
}
