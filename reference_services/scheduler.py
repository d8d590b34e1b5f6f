"""The workloads service's scheduler: launched workloads move pending -> provisioning -> running on its clock.

A launch (and a start or restart) writes a ``schedule`` onto the workload: when it will be placed and when it
will be running. ``tick(now)`` applies every transition that is due by ``now``, each at its own due time, with
its ``status_changed`` event (the event stream publishes the change, as for any write), and records metric
samples for the running workloads it scheduled (GPU figures, serving figures for vLLM, progress and loss for
training). The loop calls ``tick`` with the service clock every ``interval`` seconds; tests call ``tick``
directly with the times they choose, so nothing depends on wall-clock sleeps.

Seeded running workloads carry ``running_since`` and ``sampled_at`` only, so their metrics go on as time
advances. Seeded pending and provisioning workloads carry no schedule: they wait for capacity the reference
services do not model, and their status reason says so. Placement on a particular node is not modelled either.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from reference_services import timeline
from reference_services._events import _now as service_clock  # the one clock of the services (settable later)
from reference_services._store import DocumentStore

PLACEMENT_DELAY = timedelta(seconds=30)  # pending until placed
PROVISIONING_TIME = timedelta(seconds=90)  # image pull and start-up
MAX_SAMPLES_PER_TICK = 48  # a long pause catches up on at most this many samples per workload
MAX_WORKLOADS_PER_TICK = 500
Document = dict[str, Any]


def parse(text: str) -> datetime:
    """A service timestamp as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def stamp(moment: datetime) -> str:
    """A datetime as the services write it (milliseconds, ``Z``)."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def launch_schedule(now: datetime) -> Document:
    """The schedule of a new launch: placed after ``PLACEMENT_DELAY``, running ``PROVISIONING_TIME`` later."""
    placed = now + PLACEMENT_DELAY
    return {"place_at": stamp(placed), "ready_at": stamp(placed + PROVISIONING_TIME)}


def restart_schedule(now: datetime) -> Document:
    """The schedule of a start or restart: provisioning now, running ``PROVISIONING_TIME`` later."""
    return {"place_at": stamp(now), "ready_at": stamp(now + PROVISIONING_TIME)}


def queued_reason(gpu: Document) -> str:
    """The status reason of a launch waiting to be placed."""
    return f"Waiting for capacity: queued for {gpu['count']}x {gpu['model']}"


class WorkloadScheduler:
    """Moves scheduled workloads along; ``tick`` does one pass, ``start``/``stop`` run it as a loop."""

    def __init__(
        self, store: DocumentStore, clock: Callable[[], datetime] = service_clock, interval: float = 1.0
    ) -> None:
        self.store = store
        self.clock = clock
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def tick(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """Apply every transition due by ``now`` (default: the clock); returns the (workload id, new status)."""
        now = now or self.clock()
        moved: list[tuple[str, str]] = []
        with self.store.write_transaction():
            for workload in self._scheduled():
                moved.extend(self._advance(workload, now))
        return moved

    def _scheduled(self) -> list[Document]:
        page = self.store.query(
            "workloads", {"status": ["pending", "provisioning", "running"]}, limit=MAX_WORKLOADS_PER_TICK
        )
        return [w for w in page.items if w.get("schedule")]

    def _advance(self, workload: Document, now: datetime) -> list[tuple[str, str]]:
        schedule = workload["schedule"]
        moved: list[tuple[str, str]] = []
        if workload["status"] == "running":  # a run under way (launched here or seeded): its metrics go on
            if schedule.get("running_since"):
                self._sample(workload, parse(schedule["running_since"]), now)
            return moved
        if not (schedule.get("place_at") and schedule.get("ready_at")):
            return moved
        place_at, ready_at = parse(schedule["place_at"]), parse(schedule["ready_at"])
        if workload["status"] == "pending" and now >= place_at:
            workload.update(status="provisioning", started_at=stamp(place_at))
            reason = timeline.waiting_reason("provisioning", workload["gpu"], None, workload["image"])
            workload["status_reason"] = reason
            self._event(workload["id"], "pending", "provisioning", place_at, "Placed on a GPU node; provisioning")
            moved.append((workload["id"], "provisioning"))
        if workload["status"] == "provisioning" and now >= ready_at:
            workload.update(status="running", status_reason=None)
            schedule["running_since"] = stamp(ready_at)
            self._event(workload["id"], "provisioning", "running", ready_at, "Running")
            moved.append((workload["id"], "running"))
        if moved:
            self.store.upsert("workloads", workload)
        if workload["status"] == "running":
            self._sample(workload, ready_at, now)
        return moved

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
