"""GPU capacity: which node holds a workload's GPUs, what each node has free, and where a launch fits.

A workload holds GPUs on its node (``node_id``) while provisioning, running or stopping: the billing states.
Nodes in service (ready, cordoned, draining) keep what they hold; only ready nodes take new placements.
The seed (``seed_capacity``), the scheduler and platform finance all count with these functions, so a node
is never given more GPUs than it has and every figure of the fleet agrees with every other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from reference_services.billing import BILLING_STATES, Run, Usage, month_bounds, usage
from reference_services.clock import iso

Document = dict[str, Any]
HOLDING_STATES = BILLING_STATES
SCHEDULABLE = frozenset({"ready"})
IN_SERVICE = frozenset({"ready", "cordoned", "draining"})


def holds_gpus(workload: Document) -> bool:
    """Whether the workload holds GPUs on a node right now."""
    return workload.get("status") in HOLDING_STATES and bool(workload.get("node_id"))


def held_by_node(workloads: Iterable[Document]) -> dict[str, int]:
    """GPUs held on each node by the workloads holding GPUs."""
    held: dict[str, int] = defaultdict(int)
    for workload in workloads:
        if holds_gpus(workload):
            held[workload["node_id"]] += workload["gpu"]["count"]
    return dict(held)


def free_by_node(nodes: Iterable[Document], workloads: Iterable[Document]) -> dict[str, int]:
    """GPUs not held on each node in service (never below zero)."""
    held = held_by_node(workloads)
    return {n["id"]: max(0, n["gpu_count"] - held.get(n["id"], 0)) for n in nodes if n["status"] in IN_SERVICE}


def best_fit(nodes: Iterable[Document], free: dict[str, int], gpu: Document) -> Document | None:
    """The ready node of the GPU model with the fewest free GPUs that still fit ``gpu['count']`` (fewest first
    keeps whole nodes free for large launches); None when no ready node has room."""
    fitting = [
        n
        for n in nodes
        if n["status"] in SCHEDULABLE and n["gpu_model"] == gpu["model"] and free.get(n["id"], 0) >= gpu["count"]
    ]
    return min(fitting, key=lambda n: (free[n["id"]], n["id"])) if fitting else None


def waiting_reason(gpu: Document) -> str:
    """Why a pending workload waits: no ready node of its model has its GPUs free."""
    return f"Waiting for capacity: {gpu['count']}x {gpu['model']} not free on any ready node"


def queued_reason(gpu: Document) -> str:
    """The status reason of a launch not yet looked at by the scheduler."""
    return f"Waiting for capacity: queued for {gpu['count']}x {gpu['model']}"


def fleet_by_model(nodes: Iterable[Document], workloads: Iterable[Document]) -> dict[str, tuple[int, int]]:
    """Per GPU model: (GPUs on nodes in service, GPUs held on them)."""
    held = held_by_node(workloads)
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for node in nodes:
        if node["status"] in IN_SERVICE:
            found[node["gpu_model"]][0] += node["gpu_count"]
            found[node["gpu_model"]][1] += held.get(node["id"], 0)
    return {model: (gpus, taken) for model, (gpus, taken) in found.items()}


def economics_figures(
    row: Document, nodes: list[Document], workloads: list[Document], runs: Mapping[str, list[Run]], now: datetime
) -> Document:
    """A GPU model's finance row for its month, derived: the model's GPUs in service and held (now for the
    current month, at the month's end for a closed one), the GPU-hours the fleet could sell, and the GPU-hours
    sold and revenue from the same usage as every tenant's month to date (so the rows add up to it)."""
    start, end = month_bounds(row["period"])
    as_of = min(end, now)
    model = row["gpu_model"]
    found = usage(workloads, runs, start, as_of) if as_of > start else Usage({}, {}, {})
    fleet_gpus, held = fleet_by_model(nodes, workloads).get(model, (0, 0))
    if as_of < now:  # a closed month: what was running at its end, read from the timelines
        held = sum(
            w["gpu"]["count"]
            for w in workloads
            if w["gpu"]["model"] == model and any(s <= as_of < e for s, e in runs.get(w["id"], []))
        )
    hours = max(0.0, (as_of - start).total_seconds() / 3600)
    return {
        **row,
        "gpus_in_fleet": fleet_gpus,
        "gpus_held": held,
        "gpu_hours_available": round(fleet_gpus * hours, 1),
        "gpu_hours_sold": round(found.gpu_seconds_by_model.get(model, 0) / 3600, 1),
        "revenue_cents": found.cents_by_model.get(model, 0),
        "as_of": iso(max(start, as_of)),
    }
