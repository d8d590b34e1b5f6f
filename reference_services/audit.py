"""The audit trail the reference services share: each command's outcome, attributed to whoever acted.

A production platform would have every service publish audit records to a pipeline that feeds the
access service's audit log. The reference services run in one process, so each command appends its
record straight to the access service's ``audit-events`` (what the evidence and access-audit pages
read), after the command's own transaction:

- who: the ``X-Actor-Id`` the gateway sends (the viewer's id: a person's user id or, for an integrator,
  its service account's id). The actor is a ``service_account`` when the access service knows the id
  as one, else a ``user`` (no actor: ``system``);
- what: ``AUDITED`` maps a command (resource, action) to its audit action and target type; a mount is
  audited on the bucket it mounts. ``PERSONAL`` actions (launch drafts, the actor's own inbox) change nothing
  others share: they are recorded with scope ``user`` (in the actor's tenant, and a draft's project), so they
  are on the audit pages but never in an overview's recent changes;
- outcome: ``success`` for a command that succeeded, ``failure`` for a business refusal (409/422, with
  the refusal's code in ``details.error``). Malformed requests and unknown ids (400/404) and replays of a
  recorded outcome add nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from reference_services._commands import Command, CommandRequest, Document
from reference_services._store import DocumentStore

# (resource, action; None for a create) -> (audit action, target type)
AUDITED: Mapping[tuple[str, str | None], tuple[str, str]] = {
    ("workloads", None): ("workload.launched", "workload"),
    ("workloads", "stop"): ("workload.stopped", "workload"),
    ("workloads", "start"): ("workload.started", "workload"),
    ("workloads", "restart"): ("workload.restarted", "workload"),
    ("workloads", "terminate"): ("workload.terminated", "workload"),
    ("buckets", None): ("bucket.created", "bucket"),
    ("buckets", "issue-credential"): ("bucket.credential_issued", "bucket"),
    ("grants", None): ("grant.created", "grant"),
    ("grants", "revoke"): ("grant.revoked", "grant"),
    ("mounts", None): ("bucket.mounted", "bucket"),
    ("credentials", None): ("ssh_key.added", "credential"),
    ("service-accounts", None): ("service_account.created", "service_account"),
    ("nodes", "cordon"): ("node.cordoned", "node"),
    ("nodes", "uncordon"): ("node.uncordoned", "node"),
    ("nodes", "drain"): ("node.drained", "node"),
    ("nodes", "decommission"): ("node.decommission_started", "node"),
    ("launch-drafts", None): ("launch_draft.started", "launch_draft"),
    ("launch-drafts", "save"): ("launch_draft.saved", "launch_draft"),
    ("launch-drafts", "discard"): ("launch_draft.discarded", "launch_draft"),
    ("launch-drafts", "submit"): ("launch_draft.submitted", "launch_draft"),
    ("notifications", None): ("notification.sent", "notification"),
    ("notifications", "mark-read"): ("notifications.marked_read", "notification"),
}
PERSONAL = frozenset({"launch-drafts", "notifications"})
# Detail keys copied from the target (the gateway shows only its own allow-list of them).
DETAIL_KEYS = ("kind", "provider", "region", "permission", "reason")
REFUSALS = frozenset({409, 422})


class AuditTrail:
    """Appends command outcomes to the access service's audit events (``bind`` it to that service's store)."""

    def __init__(self) -> None:
        self.store: DocumentStore | None = None

    def bind(self, store: DocumentStore) -> None:
        """Record into ``store`` (the access service's), from now on."""
        self.store = store

    def __call__(self, command: Command, request: CommandRequest, status: int, document: Document) -> None:
        """Record one command's outcome, when the command is audited and the outcome is worth keeping."""
        audited = AUDITED.get((command.resource, command.action))
        if audited is None or self.store is None:
            return
        if status < 300:
            outcome = "success"
        elif status in REFUSALS:
            outcome = "failure"
        else:
            return
        subject = self._subject(command, request, document if outcome == "success" else None)
        action, target_type = audited
        tenant_id = _text(subject, "tenant_id") or _text(request.body, "tenant_id")
        project_id = (
            _text(subject, "project_id") or _text(subject, "owner_project_id") or _text(request.body, "project_id")
        )
        details: dict[str, Any] = {k: subject[k] for k in DETAIL_KEYS if isinstance(subject.get(k), (str, int))}
        if outcome == "failure":
            error = document.get("error")
            details["error"] = error.get("code") if isinstance(error, dict) else None
        target_label = _text(subject, "name") or _text(subject, "hostname") or _text(subject, "id")
        target_id = _text(subject, "id") or request.target_id
        if command.resource in PERSONAL:
            answer = subject if command.returns_resource or outcome != "success" else document
            target_label = _personal_label(command.resource, answer, request.body) or target_label
            tenant_id = tenant_id or self._tenant_of(request.actor_id)
            if command.resource == "launch-drafts":
                details["app"] = _text(subject, "app_slug")
        if command.resource == "mounts":  # the target is the bucket; the mount says where it went
            bucket = self._bucket(request, _text(subject, "bucket_id") or _text(request.body, "bucket_id"))
            target_id, target_label = _text(bucket, "id"), _text(bucket, "name")
            project_id = project_id or _text(bucket, "project_id")
            tenant_id = tenant_id or _text(bucket, "tenant_id")
            details.update(workload=_text(request.body, "workload_id"), mount_path=_text(request.body, "mount_path"))
        if command.resource == "grants":
            grantee = _text(subject, "grantee_project_id") or _text(request.body, "grantee_project_id")
            details["grantee_project"] = grantee
            bucket = self._bucket(request, _text(subject, "bucket_id") or _text(request.body, "bucket_id"))
            tenant_id = tenant_id or _text(bucket, "tenant_id")
            project_id = project_id or _text(bucket, "project_id")
            if bucket and grantee:
                target_label = grant_label(bucket["name"], self._project_name(grantee), subject.get("permission"))
        self.store.upsert(
            "audit_events",
            {
                "id": f"aud-{secrets.token_hex(6)}",
                "tenant_id": tenant_id,
                "project_id": project_id,
                "scope": "user"
                if command.resource in PERSONAL
                else "project"
                if project_id
                else "user"
                if tenant_id
                else "platform",
                "actor_type": self._actor_type(request.actor_id),
                "actor_id": request.actor_id,
                "action": action,
                "target_type": target_type,
                "target_id": target_id,
                "target_label": target_label,
                "at": request.now[:19] + "Z",  # whole seconds, like every audit event: text order is time order
                "outcome": outcome,
                "source_ip": None,
                "user_agent": None,
                "details": details,
                "request_headers": {},
            },
        )

    def _subject(self, command: Command, request: CommandRequest, succeeded: Document | None) -> Document:
        """The command's target as it is now: the answer of a success, else the stored target (or nothing)."""
        if succeeded is not None and command.returns_resource:
            return succeeded
        if request.target_id is not None:
            found = request.store.get_many(command.resource.replace("-", "_"), [request.target_id])
            if found:
                return found[0]
        return {}

    def _bucket(self, request: CommandRequest, bucket_id: str | None) -> Document:
        found = request.store.get_many("buckets", [bucket_id]) if bucket_id else []
        return found[0] if found else {}

    def _project_name(self, project_id: str) -> str:
        assert self.store is not None
        found = self.store.get_many("projects", [project_id])
        return str(found[0]["name"]) if found else project_id

    def _tenant_of(self, actor_id: str | None) -> str | None:
        assert self.store is not None
        found = self.store.get_many("users", [actor_id]) or self.store.get_many("service_accounts", [actor_id])
        return _text(found[0], "tenant_id") if actor_id and found else None

    def _actor_type(self, actor_id: str | None) -> str:
        if not actor_id:
            return "system"
        assert self.store is not None
        return "service_account" if self.store.get_many("service_accounts", [actor_id]) else "user"


def grant_label(bucket_name: str, grantee_name: str, permission: object) -> str:
    """How a grant is named in the audit trail: what is shared, with whom, how (the permission spelled as the
    API's ``StorageGrantPermission`` and the storage pages show it: READ, READ_WRITE)."""
    suffix = f" ({permission.upper()})" if isinstance(permission, str) else ""
    return f"{bucket_name} shared with {grantee_name}{suffix}"


def _personal_label(resource: str, subject: Document, body: Document) -> str | None:
    """A draft by its name and wizard, a sent notification by its title, a read mark by how many it marked."""
    if resource == "launch-drafts":
        inputs = subject.get("inputs")
        basics = inputs.get("basics") if isinstance(inputs, dict) else None
        name = _text(basics, "name") if isinstance(basics, dict) else None
        kind = _text(subject, "kind")
        return f"{name or 'Untitled'} ({kind} launch draft)" if kind else None
    if resource == "notifications":
        marked = subject.get("marked_ids")
        if isinstance(marked, list):
            return "all notifications" if body.get("all") is True else f"{len(marked)} notification(s)"
        return _text(subject, "title")
    return None


def _text(document: Mapping[str, Any], name: str) -> str | None:
    value = document.get(name)
    return value if isinstance(value, str) and value else None
