"""Seeded timelines: what happened to each seeded object, in order, and who did it.

The seed writes one timeline per workload and per bucket; the workload and bucket events, the metric
samples and the audit trail (``seed_audit``) are all read off these timelines, so no page can disagree
with another about when something happened:

- a workload's path through its states depends on where it is now; a failed workload failed either while
  provisioning (it never ran) or while running, and its status reason says which;
- pending and provisioning workloads say what they wait for;
- people act (launch, stop, terminate); the platform does the rest (placement, provisioning, failures);
- metric samples run from when the workload started running up to now (the latest is minutes old), with
  serving figures for vLLM and progress and loss for training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

PROVISIONING_FAILURES = (
    "Image pull failed: manifest unknown",
    "Node health check failed: XID 79, GPU has fallen off the bus",
)
RUNTIME_FAILURES = (
    "CUDA error: out of memory on rank 3",
    "Process exited with code 137 (OOM killed)",
)
# Status -> the transitions a person asks for (the rest the platform does on its own).
REQUESTED = {"pending": "workload.launched", "stopping": "workload.stopped", "terminating": "workload.terminated"}
SAMPLE_EVERY = timedelta(minutes=30)
MAX_SAMPLES = 48


@dataclass(frozen=True)
class Step:
    """One transition on a timeline: the status entered, when, by whom (None: the platform) and why."""

    status: str
    at: datetime
    actor_id: str | None
    message: str


def iso(moment: datetime) -> str:
    """A timeline time as the services write it (whole seconds, ``Z``)."""
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def failed_while_running(number: int) -> bool:
    """Which failed workloads ran before failing (the others failed while provisioning)."""
    return (number // 3) % 2 == 0


def failure_reason(number: int) -> str:
    """The failure a failed workload carries, matching the stage it failed in."""
    if failed_while_running(number):
        return f"Failed while running: {RUNTIME_FAILURES[number // 4 % len(RUNTIME_FAILURES)]}"
    return f"Failed during provisioning: {PROVISIONING_FAILURES[number % len(PROVISIONING_FAILURES)]}"


def waiting_reason(status: str, gpu: dict[str, Any], node_id: str | None, image: str) -> str | None:
    """Why a pending or provisioning workload is not running yet (None for other statuses)."""
    if status == "pending":
        return f"Waiting for capacity: {gpu['count']}x {gpu['model']} not free on any ready node"
    if status == "provisioning":
        return f"Provisioning on {node_id or 'a node'}: pulling image {image}"
    return None


def path_of(status: str, number: int) -> list[str]:
    """The states a seeded workload went through to reach ``status``."""
    ran = ["pending", "provisioning", "running"]
    return {
        "pending": ["pending"],
        "provisioning": ["pending", "provisioning"],
        "running": ran,
        "stopping": [*ran, "stopping"],
        "stopped": [*ran, "stopping", "stopped"],
        "failed": [*ran, "failed"] if failed_while_running(number) else ["pending", "provisioning", "failed"],
        "terminating": [*ran, "stopping", "stopped", "terminating"],  # a stopped workload being cleaned up
        "terminated": [*ran, "stopping", "stopped", "terminating", "terminated"],
    }[status]


def workload_timeline(
    number: int, status: str, created: datetime, now: datetime, owner_id: str, launcher_id: str, node_id: str | None
) -> list[Step]:
    """When a seeded workload entered each state of its path, between ``created`` and ``now``."""
    path = path_of(status, number)
    age = now - created
    provisioning_at = created + timedelta(minutes=4)
    running_at = created + timedelta(minutes=10)
    # How far into its life a run ended (stopped, failed): a share of the time since it started running.
    share = 0.35 + (number * 37 % 50) / 100
    run_end = running_at + (now - running_at) * share
    times: dict[str, datetime] = {"pending": created, "provisioning": provisioning_at, "running": running_at}
    if status == "failed" and "running" not in path:
        times["failed"] = provisioning_at + timedelta(minutes=3 + number % 9)
    elif status == "failed":
        times["failed"] = run_end
    elif status == "provisioning":  # placed moments ago: the scheduler has it running once provisioned
        times["provisioning"] = now - timedelta(seconds=20 + number % 60)
    elif status == "stopping":  # in transit right now
        times[status] = now - timedelta(minutes=2 + number % 5)
    elif status in {"stopped", "terminating", "terminated"}:
        times["stopping"] = run_end
        times["stopped"] = run_end + timedelta(minutes=1)
        if status == "terminating":  # in transit right now
            times["terminating"] = now - timedelta(minutes=2 + number % 5)
        if status == "terminated":
            times["terminating"] = run_end + (now - run_end) * 0.5
            times["terminated"] = times["terminating"] + timedelta(minutes=1)
    if age < timedelta(minutes=30):  # too young for the spread above: keep every step in order, before now
        times = {s: created + (age * (i + 1)) / (len(path) + 1) for i, s in enumerate(path)}
    steps = []
    for status_now in path:
        actor = launcher_id if status_now == "pending" else owner_id if status_now in REQUESTED else None
        steps.append(Step(status_now, times[status_now].replace(microsecond=0), actor, _message(status_now, node_id)))
    return steps


def retimed(steps: list[Step], start: datetime, end: datetime, now: datetime, node_id: str | None) -> list[Step]:
    """A timeline whose hold of GPUs was moved to ``[start, end)`` on ``node_id``: it waited pending until
    ``start``, the steps of the hold keep their spacing from it, the step that ended the hold is at ``end`` and
    the steps after it keep their share of the time left until ``now``."""
    billing = {"provisioning", "running", "stopping"}
    first = next(i for i, s in enumerate(steps) if s.status in billing)
    last = next((i for i in range(first, len(steps)) if steps[i].status not in billing), len(steps))
    old_start = steps[first].at
    old_end = steps[last].at if last < len(steps) else now
    moved: list[Step] = list(steps[:first])
    for step in steps[first:last]:
        at = min(step.at + (start - old_start), end - timedelta(seconds=last - first))
        moved.append(Step(step.status, at.replace(microsecond=0), step.actor_id, _message(step.status, node_id)))
    left, was_left = now - end, max(now - old_end, timedelta(seconds=1))
    for step in steps[last:]:
        at = end + left * ((step.at - old_end) / was_left)
        message = _message(step.status, node_id)
        moved.append(Step(step.status, at.replace(microsecond=0), step.actor_id, message))
    return moved


def _message(status: str, node_id: str | None) -> str:
    return {
        "pending": "Launch requested; waiting for GPU capacity",
        "provisioning": f"Placed on {node_id or 'a GPU node'}; provisioning",
        "running": "Running",
        "stopping": "Stop requested",
        "stopped": "Stopped; GPU billing ended",
        "failed": "Failed",
        "terminating": "Terminate requested",
        "terminated": "Terminated; resources released",
    }[status]


def running_span(steps: list[Step], now: datetime) -> tuple[datetime, datetime] | None:
    """When the workload's (latest) run started and ended (``now`` while it still runs); None if it never ran."""
    started = next((s.at for s in steps if s.status == "running"), None)
    if started is None:
        return None
    ended = next((s.at for s in steps if s.at >= started and s.status in {"stopping", "failed", "terminating"}), now)
    return started, ended


def metric_samples(workload: dict[str, Any], span: tuple[datetime, datetime], seed: int) -> list[dict[str, Any]]:
    """Samples every ``SAMPLE_EVERY`` over the run (the last ``MAX_SAMPLES``), the latest at the run's end."""
    started, ended = span
    count = min(MAX_SAMPLES, max(1, int((ended - started) / SAMPLE_EVERY) + 1))
    return [
        sample(workload, ended - SAMPLE_EVERY * (count - 1 - index), started, seed + index) for index in range(count)
    ]


def sample(workload: dict[str, Any], at: datetime, started: datetime, seed: int) -> dict[str, Any]:
    """One metrics sample of a running workload at ``at``: GPU figures, plus serving or training figures."""
    wobble = (math.sin(seed * 1.7) + 1) / 2  # 0..1, deterministic
    gpu = workload["gpu"]
    document: dict[str, Any] = {
        "id": f"met-{workload['id'][3:]}-{int(at.timestamp())}",
        "workload_id": workload["id"],
        "gpu_utilization": round(0.1 + 0.85 * wobble, 3),
        "gpu_memory_used_gib": round(gpu["memory_gib"] * (0.2 + 0.7 * wobble), 1),
        "power_watts": int(120 + 500 * wobble),
        "sampled_at": at.isoformat(timespec="milliseconds" if at.microsecond else "seconds").replace("+00:00", "Z"),
        "sources": [
            {"label": "GPU dashboard", "href": f"/observability/workloads/{workload['id']}/gpu"},
            {"label": "Node exporter", "href": f"/observability/nodes/{workload.get('node_id')}"},
        ],
    }
    if workload["kind"] == "vllm":
        document["serving"] = {
            "tokens_per_second": round(900 + 3300 * wobble, 1),
            "requests_per_second": round(2 + 18 * wobble, 2),
            "latency_p50_ms": round(120 + 200 * (1 - wobble), 1),
            "latency_p95_ms": round(380 + 600 * (1 - wobble), 1),
        }
    elif workload["kind"] == "training" and workload.get("training"):
        document["training"] = training_progress(workload["training"], at - started)
    return document


def training_progress(training: dict[str, Any], ran: timedelta) -> dict[str, Any]:
    """Epoch and loss after running for ``ran``: one epoch per two hours, loss falling with each step."""
    total = int(training["epochs_total"])
    ran = max(ran, timedelta(0))
    epoch = min(total, int(ran.total_seconds() // 7200))
    step = int(ran.total_seconds() // 60)
    return {"epoch": epoch, "epochs_total": total, "step": step, "loss": round(2.5 / (1 + step / 60) + 0.05, 4)}


def bucket_timeline(bucket: dict[str, Any], number: int, now: datetime, admin_id: str) -> list[dict[str, Any]]:
    """The events of one bucket from its own facts: created, its quota, its lifecycle rules, its uploads."""
    created = datetime.fromisoformat(bucket["created_at"].replace("Z", "+00:00"))
    life = now - created
    events = [("created", created, f"Bucket {bucket['name']} created on {bucket['provider'].upper()}", admin_id)]
    if number % 3 != 0:
        gib = bucket["quota_bytes"] // 1024**4
        at = created + life * (0.2 + number % 5 / 20)
        events.append(("quota_changed", at, f"Quota raised to {gib} TiB", admin_id))
    if bucket.get("lifecycle_rules"):
        at = created + life * (0.5 + number % 4 / 20)
        rules = len(bucket["lifecycle_rules"])
        message = f"{rules} lifecycle rules set (expire tmp/, archive after 30 days)"
        events.append(("lifecycle_updated", at, message, admin_id))
    if bucket.get("status") == "provisioning":
        at = now - timedelta(minutes=20 + number)
        events.append(("provisioning", at, "Volume provisioning on the provider", None))
    else:
        at = now - timedelta(hours=1 + number * 5 % 40)
        events.append(("objects_written", at, f"{bucket['object_count']} objects, last upload batch completed", None))
    events.sort(key=lambda e: e[1])
    return [
        {
            "id": f"bev-{number}-{index}",
            "bucket_id": bucket["id"],
            "type": kind,
            "message": message,
            "at": iso(at),
            "actor_id": actor,
        }
        for index, (kind, at, message, actor) in enumerate(events)
    ]
