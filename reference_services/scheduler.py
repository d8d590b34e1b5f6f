"""The workloads service's scheduler: pending workloads are placed on a GPU node with room, then provision and run.

A launch (and a start) leaves the workload ``pending`` with a ``schedule``: from when it may be placed
(``place_at``). ``tick(now)`` places due pending workloads in the order they became due, each on the ready
node of its GPU model with the fewest free GPUs that fit (``capacity.best_fit``; the free GPUs are the
platform's nodes less what provisioning, running and stopping workloads hold). A placed workload holds the
node's GPUs (``node_id``) and runs ``PROVISIONING_TIME`` later. One that finds no room stays pending with the
numbers in its reason ("Waiting for capacity: 4x NVIDIA A100 80GB not free on any ready node") and is placed
at the first tick that finds room: a stop or terminate frees its node's GPUs at once. A restart keeps its node.

Each transition is written at its own time with its ``status_changed`` event (the event stream publishes
it, as any write): a workload no tick has seen waiting is placed at ``place_at``, so a late tick catches up;
one that waited is placed at the tick that found room. ``tick`` also records metric samples of running
workloads (GPU figures, serving figures for vLLM, progress and loss for training). The loop calls ``tick``
with the service clock every ``interval`` seconds; tests call ``tick`` with the times they choose, so nothing
depends on wall-clock sleeps. Seeded pending workloads carry a schedule too; seeded provisioning ones were
placed moments before the seed's clock and carry ``ready_at`` (they run once provisioned, as a launch does), and
seeded running ones carry ``running_since`` and ``sampled_at``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from reference_services import capacity, timeline
from reference_services._events import _now as service_clock  # the one clock of the services (settable later)
from reference_services._store import DocumentStore

PLACEMENT_DELAY = timedelta(seconds=30)  # pending until placed
PROVISIONING_TIME = timedelta(seconds=90)  # image pull and start-up
MAX_SAMPLES_PER_TICK = 48  # a long pause catches up on at most this many samples per workload
PAGE = 1000
Document = dict[str, Any]
Fleet = Callable[[], list[Document]]  # the platform's GPU nodes as they are now


def parse(text: str) -> datetime:
    """A service timestamp as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def stamp(moment: datetime) -> str:
    """A datetime as the services write it (milliseconds, ``Z``)."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def launch_schedule(now: datetime) -> Document:
    """The schedule of a new launch: placeable after ``PLACEMENT_DELAY``."""
    return {"place_at": stamp(now + PLACEMENT_DELAY)}


def start_schedule(now: datetime) -> Document:
    """The schedule of a start: placeable at once (it waits like a launch when no node has room)."""
    return {"place_at": stamp(now)}


def restart_schedule(now: datetime) -> Document:
    """The schedule of a restart on the node the workload holds: provisioning now, running later."""
    return {"place_at": stamp(now), "ready_at": stamp(now + PROVISIONING_TIME)}


def queued_reason(gpu: Document) -> str:
    """The status reason of a launch waiting to be placed."""
    return capacity.queued_reason(gpu)


class WorkloadScheduler:
    """Moves scheduled workloads along; ``tick`` does one pass, ``start``/``stop`` run it as a loop."""

    def __init__(
        self,
        store: DocumentStore,
        fleet: Fleet,
        clock: Callable[[], datetime] = service_clock,
        interval: float = 1.0,
    ) -> None:
        self.store = store
        self.fleet = fleet
        self.clock = clock
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def tick(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """Apply every transition due by ``now`` (default: the clock); returns the (workload id, new status)."""
        now = now or self.clock()
        moved: list[tuple[str, str]] = []
        with self.store.write_transaction():
            active, nodes = self._active(), self.fleet()
            free = capacity.free_by_node(nodes, active)
            due = [w for w in active if w["status"] == "pending" and self._due(w) <= now]
            for workload in sorted(due, key=lambda w: (self._due(w), w["id"])):  # first come, first placed
                moved.extend(self._place(workload, nodes, free, now))
            for workload in active:
                if workload["status"] in {"provisioning", "running"} and workload.get("schedule"):
                    moved.extend(self._advance(workload, now))
        return moved

    def _active(self) -> list[Document]:
        """Every workload waiting for or holding GPUs."""
        found: list[Document] = []
        after = None
        while True:
            page = self.store.query(
                "workloads", {"status": ["pending", *sorted(capacity.HOLDING_STATES)]}, limit=PAGE, after=after
            )
            found.extend(page.items)
            if page.next_cursor is None:
                return found
            after = page.next_cursor

    @staticmethod
    def _due(workload: Document) -> datetime:
        schedule = workload.get("schedule") or {}
        return parse(schedule.get("place_at") or workload["created_at"])

    def _place(
        self, workload: Document, nodes: list[Document], free: dict[str, int], now: datetime
    ) -> list[tuple[str, str]]:
        schedule = workload["schedule"] = workload.get("schedule") or {}
        node = capacity.best_fit(nodes, free, workload["gpu"])
        if node is None:
            reason = capacity.waiting_reason(workload["gpu"])
            if not schedule.get("waiting_since") or workload.get("status_reason") != reason:
                schedule.setdefault("waiting_since", stamp(now))
                workload["status_reason"] = reason
                self.store.upsert("workloads", workload)
            return []
        placed = now if schedule.get("waiting_since") else self._due(workload)
        free[node["id"]] -= workload["gpu"]["count"]
        schedule.update(ready_at=stamp(placed + PROVISIONING_TIME))
        schedule.pop("waiting_since", None)
        reason = timeline.waiting_reason("provisioning", workload["gpu"], node["id"], workload["image"])
        workload.update(status="provisioning", node_id=node["id"], started_at=stamp(placed), status_reason=reason)
        self._event(workload["id"], "pending", "provisioning", placed, f"Placed on {node['id']}; provisioning")
        self.store.upsert("workloads", workload)
        return [(workload["id"], "provisioning")]

    def _advance(self, workload: Document, now: datetime) -> list[tuple[str, str]]:
        schedule = workload["schedule"]
        if workload["status"] == "running":  # a run under way (launched here or seeded): its metrics go on
            if schedule.get("running_since"):
                self._sample(workload, parse(schedule["running_since"]), now)
            return []
        if not schedule.get("ready_at") or now < parse(schedule["ready_at"]):
            return []
        ready_at = parse(schedule["ready_at"])
        workload.update(status="running", status_reason=None)
        schedule["running_since"] = stamp(ready_at)
        self._event(workload["id"], "provisioning", "running", ready_at, "Running")
        self.store.upsert("workloads", workload)
        self._sample(workload, ready_at, now)
        return [(workload["id"], "running")]

    def _event(self, workload_id: str, old: str, new: str, at: datetime, message: str) -> None:
        self.store.upsert(
            "workload_events",
            {
                "id": f"ev-{secrets.token_hex(6)}",
                "workload_id": workload_id,
                "type": "status_changed",
                "from_status": old,
                "to_status": new,
                "at": stamp(at),
                "message": message,
                "actor_id": None,  # the platform moved it
            },
        )

    def _sample(self, workload: Document, running_since: datetime, now: datetime) -> None:
        """Samples every ``timeline.SAMPLE_EVERY`` from the start of the run up to ``now``; the kind's section
        follows the latest (tokens/s for vLLM, epoch and loss for training)."""
        schedule = workload["schedule"]
        last = parse(schedule["sampled_at"]) if schedule.get("sampled_at") else None
        due = running_since if last is None else last + timeline.SAMPLE_EVERY
        taken = 0
        latest: Document | None = None
        while due <= now and taken < MAX_SAMPLES_PER_TICK:
            latest = timeline.sample(workload, due, running_since, int(due.timestamp()) // 60)
            self.store.upsert("workload_metrics", latest)
            schedule["sampled_at"] = stamp(due)
            due += timeline.SAMPLE_EVERY
            taken += 1
        if latest is None:
            return
        if workload.get("vllm") and latest.get("serving"):
            workload["vllm"]["tokens_per_second"] = latest["serving"]["tokens_per_second"]
        if workload.get("training") and latest.get("training"):
            workload["training"].update(epoch_current=latest["training"]["epoch"], loss=latest["training"]["loss"])
        self.store.upsert("workloads", workload)

    async def run(self, max_ticks: int | None = None) -> None:
        """Tick with the clock every ``interval`` seconds (``max_ticks`` bounds it; cancel to stop)."""
        ticks = 0
        while max_ticks is None or ticks < max_ticks:
            self.tick()
            ticks += 1
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        """Run the loop in the current event loop (once)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name="workload-scheduler")

    async def stop(self) -> None:
        """Cancel the loop and wait for it to end."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def running(self) -> bool:
        """True while the loop runs."""
        return self._task is not None and not self._task.done()


class StartOnFirstRequest:
    """ASGI middleware that starts the scheduler's loop in the serving event loop at the first request (for
    services run in-process behind the gateway, where no lifespan runs)."""

    def __init__(self, app: Any, scheduler: WorkloadScheduler) -> None:
        self.app = app
        self.scheduler = scheduler

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self.scheduler.running:
            self.scheduler.start()
        await self.app(scope, receive, send)
