"""Quota use derived at read time, and enforced on the commands that take capacity.

A project's GPU quota (per GPU model) is held by its workloads waiting for or holding GPUs (pending,
provisioning, running, stopping); its storage quota by what its buckets store. Launching, starting or
restarting a workload, and creating a bucket, are refused with ``422 quota_exceeded`` when they would take
the project past its entitlement; the message names the quota, its limit and its use.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from reference_services._commands import Command, CommandRequest, Rejected
from reference_services.billing import BILLING_STATES

if TYPE_CHECKING:
    from reference_services.ledger import Ledger

Document = dict[str, Any]
QUOTA_STATES = BILLING_STATES | {"pending"}
GONE_BUCKETS = frozenset({"deleting", "deleted"})
TIB = 1024**4


def gpus_held(ledger: Ledger, project_ids: Sequence[str]) -> dict[str, int]:
    """GPUs per model held by the projects' workloads."""
    held: dict[str, int] = defaultdict(int)
    workloads = ledger.every(
        "workloads", "workloads", {"project_id": list(project_ids), "status": sorted(QUOTA_STATES)}
    )
    for workload in workloads:
        held[workload["gpu"]["model"]] += workload["gpu"]["count"]
    return dict(held)


def storage_held(ledger: Ledger, project_ids: Sequence[str]) -> int:
    """Bytes stored in the projects' buckets."""
    buckets = ledger.every("storage", "buckets", {"project_id": list(project_ids)})
    return sum(b.get("used_bytes") or 0 for b in buckets if b.get("status") not in GONE_BUCKETS)


def _subject_projects(ledger: Ledger, entitlement: Document) -> list[str]:
    if entitlement.get("project_id"):
        return [entitlement["project_id"]]
    return ledger.projects_of(entitlement["tenant_id"])


def with_usage(ledger: Ledger, entitlement: Document) -> Document:
    """An entitlement with the use of each of its quotas, as held right now."""
    projects = _subject_projects(ledger, entitlement)
    held = gpus_held(ledger, projects)
    return {
        **entitlement,
        "gpu_quotas": [{**q, "used": held.get(q["gpu_model"], 0)} for q in entitlement.get("gpu_quotas") or []],
        "storage_used_bytes": storage_held(ledger, projects),
    }


def _entitlement(ledger: Ledger, project_id: str) -> Document | None:
    found = ledger.every("access", "entitlements", {"project_id": [project_id]})
    return found[0] if found else None


def _project_name(ledger: Ledger, project_id: str) -> str:
    found = ledger.stores["access"].get_many("projects", [project_id])
    return found[0]["name"] if found else project_id


def check_gpus(ledger: Ledger, workload: Document, verb: str) -> None:
    """Refuse when the project's workloads (this one included) hold more GPUs of its model than the quota."""
    entitlement = _entitlement(ledger, workload["project_id"])
    if entitlement is None or workload["status"] not in QUOTA_STATES:
        return
    model, count = workload["gpu"]["model"], workload["gpu"]["count"]
    quota = next((q for q in entitlement.get("gpu_quotas") or [] if q["gpu_model"] == model), None)
    limit = quota["limit"] if quota else 0
    held = gpus_held(ledger, [workload["project_id"]]).get(model, 0)
    if held > limit:
        raise Rejected(
            422,
            "quota_exceeded",
            f"GPU quota {model} of {_project_name(ledger, workload['project_id'])}: limit {limit}, "
            f"in use {held - count}; {verb} needs {count} more",
            "gpu.count",
        )


def check_storage(ledger: Ledger, bucket: Document) -> None:
    """Refuse a new bucket whose quota does not fit in what the project's storage entitlement has left."""
    entitlement = _entitlement(ledger, bucket["project_id"])
    if entitlement is None:
        return
    limit = entitlement["storage_quota_bytes"]
    used = storage_held(ledger, [bucket["project_id"]]) - (bucket.get("used_bytes") or 0)
    if used + bucket["quota_bytes"] > limit:
        percent = round(100 * used / limit) if limit else 100
        raise Rejected(
            422,
            "quota_exceeded",
            f"Storage quota of {_project_name(ledger, bucket['project_id'])}: limit {_tib(limit)}, in use "
            f"{_tib(used)} ({percent}%); a {_tib(bucket['quota_bytes'])} bucket needs more than the "
            f"{_tib(max(0, limit - used))} left",
            "quota_bytes",
        )


def _tib(size: int) -> str:
    return f"{size / TIB:.1f} TiB"


def enforced(domain: str, commands: Sequence[Command], ledger: Ledger) -> tuple[Command, ...]:
    """The domain's commands with the quota checks after the ones that take capacity (refusal rolls back)."""
    checks: dict[tuple[str, str | None], Callable[[Document], None]] = {
        ("workloads", None): lambda doc: check_gpus(ledger, doc, "this launch"),
        ("workloads", "start"): lambda doc: check_gpus(ledger, doc, "starting it"),
        ("workloads", "restart"): lambda doc: check_gpus(ledger, doc, "restarting it"),
        ("buckets", None): lambda doc: check_storage(ledger, doc),
    }
    if domain not in {"workloads", "storage"}:
        return tuple(commands)
    found = []
    for command in commands:
        check = checks.get((command.resource, command.action))
        found.append(dataclasses.replace(command, handler=_checked(command.handler, check)) if check else command)
    return tuple(found)


def _checked(handler: Callable[[CommandRequest], Document], check: Callable[[Document], None]):
    def run(request: CommandRequest) -> Document:
        document = handler(request)
        check(document)  # sees the handler's writes (same transaction); raising rolls them back
        return document

    return run
