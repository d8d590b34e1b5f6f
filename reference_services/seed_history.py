"""Where the seed's past runs held their GPUs: every seeded run is on a node, within the node's GPUs, at every instant.

``seed_capacity`` places the workloads holding GPUs now; their holds run from their start up to now. The
workloads that held GPUs before (stopped, failed, terminating, terminated) are placed here, in the order they
were launched, on a node in service of their GPU model (ready, cordoned or draining: a node taking no work now
took it before). A run goes on the node where it can start first, as long as it wanted (cut short before the
next thing its timeline says); one that finds no node with its GPUs free waited pending until one had, which
its timeline then shows (``timeline.retimed``). So the GPUs held per node never exceed the node's GPUs, and
the GPU-hours sold per model never exceed the GPU-hours its fleet could sell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reference_services.billing import BILLING_STATES
from reference_services.capacity import IN_SERVICE
from reference_services.timeline import Step

Document = dict[str, Any]
SHORTEST_RUN = timedelta(minutes=20)  # a past run is never cut shorter than this (nor than it was)
SETTLE_BEFORE_NOW = timedelta(minutes=10)  # a finished run ended at least this long before the seed's now


@dataclass(frozen=True)
class Hold:
    """GPUs held on a node over ``[start, end)``."""

    start: datetime
    end: datetime
    count: int


@dataclass(frozen=True)
class Past:
    """A seeded workload whose GPUs were released before now: its model, GPUs, timeline and preferred node."""

    workload_id: str
    model: str
    count: int
    steps: list[Step]
    preferred: str | None = None


def hold_span(steps: list[Step], now: datetime) -> tuple[datetime, datetime] | None:
    """When a timeline held GPUs: from entering a billing state to leaving it (``now`` if it still holds)."""
    start = next((s.at for s in steps if s.status in BILLING_STATES), None)
    if start is None:
        return None
    end = next((s.at for s in steps if s.at >= start and s.status not in BILLING_STATES), now)
    return start, end


def held_at(holds: list[Hold], moment: datetime) -> int:
    """GPUs held at an instant."""
    return sum(h.count for h in holds if h.start <= moment < h.end)


def fits_until(holds: list[Hold], gpus: int, start: datetime, end: datetime, count: int) -> datetime:
    """The latest ``e`` in ``[start, end]`` such that ``count`` more GPUs fit on the node over ``[start, e)``."""
    if held_at(holds, start) + count > gpus:
        return start
    for later in sorted(h.start for h in holds if start < h.start < end):  # only a start raises what is held
        if held_at(holds, later) + count > gpus:
            return later
    return end


class NodeHistory:
    """What every node in service held over the seeded past."""

    def __init__(self, nodes: list[Document], now: datetime) -> None:
        self.nodes = [n for n in nodes if n["status"] in IN_SERVICE]
        self.now = now
        self.holds: dict[str, list[Hold]] = {n["id"]: [] for n in self.nodes}

    def hold(self, node_id: str, start: datetime, end: datetime, count: int) -> None:
        """Record a hold on a node."""
        self.holds[node_id].append(Hold(start, end, count))

    def place(self, past: Past, latest_end: datetime) -> tuple[str, datetime, datetime]:
        """The node and ``[start, end)`` of a past run: the earliest start with its GPUs free for as long as it
        wanted (or at least ``SHORTEST_RUN``), ending by ``latest_end``."""
        span = hold_span(past.steps, self.now)
        assert span is not None, past.workload_id
        wanted = span[1] - span[0]
        shortest = min(wanted, SHORTEST_RUN)
        best: tuple[datetime, int, str, datetime] | None = None
        of_model = [n for n in self.nodes if n["gpu_model"] == past.model]
        for order, node in enumerate(sorted(of_model, key=lambda n: (n["id"] != past.preferred, n["id"]))):
            holds = self.holds[node["id"]]
            starts = sorted({span[0], *(h.end for h in holds if span[0] < h.end)})
            for start in starts:
                end = min(start + wanted, latest_end)
                if end - start < shortest:
                    break
                found = fits_until(holds, node["gpu_count"], start, end, past.count)
                if found - start >= shortest:
                    if best is None or (start, order) < best[:2]:
                        best = (start, order, node["id"], found)
                    break
        if best is None:
            raise ValueError(f"no node of {past.model} had {past.count} GPUs free for {past.workload_id}")
        start, _, node_id, end = best
        self.hold(node_id, start, end, past.count)
        return node_id, start, end


def place_history(
    nodes: list[Document], now: datetime, current: list[tuple[str, int, list[Step]]], past: list[Past]
) -> dict[str, tuple[str, datetime, datetime]]:
    """Place the past runs around the current holds (``(node id, GPUs, timeline)``): workload id -> (node id,
    start, end) of its run, in launch order; a run ends ``SETTLE_BEFORE_NOW`` before now at the latest (or
    when its timeline ended it, if later)."""
    history = NodeHistory(nodes, now)
    for node_id, count, steps in current:
        span = hold_span(steps, now)
        if span is not None:
            history.hold(node_id, span[0], now, count)
    placed: dict[str, tuple[str, datetime, datetime]] = {}
    for item in sorted(past, key=lambda p: (p.steps[0].at, p.workload_id)):
        span = hold_span(item.steps, now)
        if span is None:
            continue
        placed[item.workload_id] = history.place(item, max(span[1], now - SETTLE_BEFORE_NOW))
    return placed
