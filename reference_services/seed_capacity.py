"""Where the seed's workloads hold their GPUs: a fleet consistent with the workloads it runs.

Every seeded workload that holds GPUs (provisioning, running, stopping) is placed on an in-service node of
its GPU model without exceeding the node's GPUs, and every pending one waits because no ready node of its
model has its GPUs free. Per GPU model, largest workloads first:

- each goes to the first ready node with room; one ready node keeps ``SPARE_GPUS`` free (fewer than any
  pending workload of the model asks for), so small launches fit at once and large ones queue;
- a workload that fits no ready node opens a new ready node when what is left to place can fill it,
  otherwise it stays on a cordoned or draining node (placed before the node stopped taking work);
- a ready node left with more free GPUs than a pending workload needs takes workloads back from those nodes.

Deterministic: the same plan gives the same placement. ``place`` returns workload id -> node id and any nodes
it had to add; if a ready node still has room for a pending workload (never with the shipped seed, checked
by ``tests/workloads/test_capacity.py``), that workload's reason says it is queued and the scheduler places it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reference_services.capacity import (
    HOLDING_STATES,
    IN_SERVICE,
    SCHEDULABLE,
    best_fit,
    queued_reason,
    waiting_reason,
)
from reference_services.scheduler import PLACEMENT_DELAY, stamp

Document = dict[str, Any]
SPARE_GPUS = 2  # free GPUs left on one ready node per model, for launches of one or two GPUs
NODE_GPUS = 8


@dataclass
class Bin:
    """A node being filled: its id, its GPUs, how many to keep free, and the workloads (id, GPUs) put on it."""

    node_id: str
    gpus: int
    reserve: int = 0
    items: list[tuple[str, int]] = field(default_factory=list)

    @property
    def free(self) -> int:
        """GPUs not held."""
        return self.gpus - sum(count for _, count in self.items)

    @property
    def room(self) -> int:
        """GPUs the packing may still give out (the free ones less the reserve)."""
        return self.free - self.reserve


@dataclass(frozen=True)
class Demand:
    """A seeded workload that holds GPUs of one model."""

    workload_id: str
    model: str
    count: int


def place(
    nodes: list[Document],
    holders: list[Demand],
    pending_counts: dict[str, int],
    new_node: Callable[[str], Document],
) -> tuple[dict[str, str], list[Document]]:
    """Place ``holders`` on ``nodes`` (adding nodes through ``new_node(model)`` when needed); ``pending_counts``
    is the smallest GPU count a pending workload of each model asks for."""
    placement: dict[str, str] = {}
    added: list[Document] = []
    for model in sorted({d.model for d in holders}):
        items = sorted((d for d in holders if d.model == model), key=lambda d: (-d.count, d.workload_id))
        bins = _pack(nodes, model, items, pending_counts.get(model), new_node, added)
        for found in bins:
            placement.update({workload_id: found.node_id for workload_id, _ in found.items})
    return placement, added


def _pack(
    nodes: list[Document],
    model: str,
    items: list[Demand],
    smallest_pending: int | None,
    new_node: Callable[[str], Document],
    added: list[Document],
) -> list[Bin]:
    of_model = [n for n in nodes if n["gpu_model"] == model and n["status"] in IN_SERVICE]
    ready = [Bin(n["id"], n["gpu_count"]) for n in of_model if n["status"] in SCHEDULABLE]
    parked = [Bin(n["id"], n["gpu_count"]) for n in of_model if n["status"] not in SCHEDULABLE]
    most_free = (smallest_pending - 1) if smallest_pending else NODE_GPUS  # what a ready node may keep free
    if ready:
        ready[0].reserve = min(SPARE_GPUS, most_free)
    left = sum(d.count for d in items)
    for demand in items:
        target = next((b for b in ready if b.room >= demand.count), None)
        if target is None and left < NODE_GPUS:  # too little left to fill a new node: stay on a parked one
            target = next((b for b in parked if b.room >= demand.count), None)
        if target is None:
            node = new_node(model)
            added.append(node)
            target = Bin(node["id"], node["gpu_count"])
            ready.append(target)
        target.items.append((demand.workload_id, demand.count))
        left -= demand.count
    for found in ready:
        _top_up(found, parked, most_free)
    return [*ready, *parked]


def _top_up(found: Bin, parked: list[Bin], most_free: int) -> None:
    """Move workloads from parked nodes onto a ready node until it has no room for a pending workload."""
    for source in parked:
        for item in sorted(source.items, key=lambda i: -i[1]):
            if found.free <= most_free:
                return
            if item[1] <= found.free:
                source.items.remove(item)
                found.items.append(item)


def seed_placement(
    world: Any, fleet: list[Document], shapes: list[tuple[str, str, Document]]
) -> tuple[dict[str, str], set[str], list[Document]]:
    """Place the seeded workloads ``(id, status, gpu)`` on ``fleet``: returns workload id -> node id of those
    holding GPUs, the pending ones that truly wait (no ready node has their GPUs free) and the nodes added."""
    from reference_services.seed_platform import new_fleet_node  # imports the seed: import late

    holders = [Demand(i, gpu["model"], gpu["count"]) for i, status, gpu in shapes if status in HOLDING_STATES]
    pending = [(i, gpu) for i, status, gpu in shapes if status == "pending"]
    smallest: dict[str, int] = {}
    for _, gpu in pending:
        smallest[gpu["model"]] = min(smallest.get(gpu["model"], gpu["count"]), gpu["count"])
    nodes = list(fleet)

    def grow(model: str) -> Document:
        node = new_fleet_node(world, model)
        nodes.append(node)
        return node

    placement, added = place(nodes, holders, smallest, grow)
    held: dict[str, int] = {}
    for workload_id, node_id in placement.items():
        count = next(d.count for d in holders if d.workload_id == workload_id)
        held[node_id] = held.get(node_id, 0) + count
    free = {n["id"]: n["gpu_count"] - held.get(n["id"], 0) for n in nodes if n["status"] in IN_SERVICE}
    waiting = {i for i, gpu in pending if best_fit(nodes, free, gpu) is None}
    return placement, waiting, added


def pending_schedule(workload: Document, created: datetime, waits: bool) -> tuple[Document, str]:
    """A seeded pending workload's schedule and reason: placeable since ``PLACEMENT_DELAY`` after its launch;
    one that found no room since then is placed at the tick that finds room."""
    place_at = created + PLACEMENT_DELAY
    if not waits:
        return {"place_at": stamp(place_at)}, queued_reason(workload["gpu"])
    return {"place_at": stamp(place_at), "waiting_since": stamp(place_at)}, waiting_reason(workload["gpu"])
