"""A workload row's related objects, answered at once when the request's loaders already hold them.

Each row of a list reads its node, project, runway, mounts and metrics through the request's loaders. Awaiting
a load makes the executor wrap the field in a coroutine and gather it (one asyncio task per field per row). When
the loader's future is already settled (a page asked for every row's relations together, ``prefetch_rows``, or
another field read them earlier) these functions return the value itself, so the row needs no task; otherwise
they return an awaitable of the same value. Either way the value, and an error raised by the load, are the ones
the plain ``await`` would give.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from gateway.backends._loaders import CachedLoader, retrieve_outcome
from gateway.backends.access.models import Project
from gateway.backends.platform.models import GpuNode
from gateway.backends.storage.models import Mount
from gateway.backends.workloads.models import Workload
from gateway.context import RequestContext
from resolvers.account.queries import Runway, runway_of
from resolvers.shared.now import Now
from resolvers.workloads import queries
from resolvers.workloads.queries import MountView, NextStep

Loaded = TypeVar("Loaded")
Shaped = TypeVar("Shaped")


def settled(loader: CachedLoader[Loaded], key: str, shape: Callable[[Loaded], Shaped]) -> Now[Shaped]:
    """``shape`` of the key's value now when its load has settled (raising its error, as awaiting would), else an
    awaitable that asks for it when awaited (so the row's loads still join one batch)."""
    load = loader.settled(key)
    if load is not None:
        return shape(load.result())
    return _later(loader, key, shape)


async def _later(loader: CachedLoader[Loaded], key: str, shape: Callable[[Loaded], Shaped]) -> Shaped:
    return shape(await loader.load(key))


def _same(value: Loaded) -> Loaded:
    return value


def node(ctx: RequestContext, workload: Workload) -> Now[GpuNode | None]:
    """The GPU node the workload runs on, if placed."""
    if not workload.node_id:
        return None
    return settled(ctx.loaders.platform.nodes, workload.node_id, _same)


def project(ctx: RequestContext, workload: Workload) -> Now[Project | None]:
    """The project that owns the workload."""
    return settled(ctx.loaders.access.projects, workload.project_id, _same)


def _first_runway(accounts: list[Any]) -> Runway | None:
    return runway_of(accounts[0]) if accounts else None


def runway(ctx: RequestContext, workload: Workload) -> Now[Runway | None]:
    """The runway of the workload's tenant (one billing call for a whole page)."""
    return settled(ctx.loaders.account.billing_by_tenant, workload.tenant_id, _first_runway)


def next_steps(ctx: RequestContext, workload: Workload) -> Now[list[NextStep]]:
    """What to do next; only a running workload's steps read its mounts and metrics.

    The steps read only the newest sample, so a page that prefetched its rows' newest samples (``prefetch_rows``)
    answers from those, or from the whole series when it is already loaded; elsewhere (the detail page, whose
    metrics tab reads the series) the steps share the series' load, so that page still makes one metrics call."""
    if workload.status != "running":
        return queries.steps_of(workload, [], [])
    mounted = ctx.loaders.storage.mounts_by_workload.settled(workload.id)
    loads = ctx.loaders.workloads
    samples = loads.latest_metrics_by_workload.settled(workload.id) or loads.metrics_by_workload.settled(workload.id)
    if mounted is not None and samples is not None:
        return queries.steps_of(workload, mounted.result(), samples.result())
    return queries.next_steps(ctx, workload)


def mounts(ctx: RequestContext, workload: Workload) -> Now[list[MountView]]:
    """Storage mounts resolved to buckets; at once when they are loaded, carry their buckets and are the viewer's
    own projects' (a bucket reached through a grant is checked by ``queries.mounts``)."""
    found = ctx.loaders.storage.mounts_by_workload.settled(workload.id)
    viewer = ctx.resolved_viewer()
    if viewer is None or found is None or found.cancelled() or found.exception() is not None:
        return queries.mounts(ctx, workload)
    views = _own_views(found.result(), viewer.visible_project_ids)
    return views if views is not None else queries.mounts(ctx, workload)


def _own_views(found: Sequence[Mount], projects: Any) -> list[MountView] | None:
    views = []
    for mount in found:
        bucket = mount.bucket
        if bucket is None or bucket.project_id not in projects:
            return None
        views.append(MountView(mount, bucket))
    return views


@dataclass(frozen=True)
class RowRelations:
    """Which of its rows' related objects a page of workloads shows."""

    node: bool = False
    project: bool = False
    runway: bool = False
    next_steps: bool = False
    mounts: bool = False


async def prefetch_rows(ctx: RequestContext, rows: Sequence[Workload], wanted: RowRelations) -> None:
    """Ask for every row's related objects at once and wait until they settle.

    The loads are the ones the rows' fields would make (same keys, so the same batches and hops); each failure is
    left for the field that reads it to report.
    """
    loads: list[asyncio.Future[Any]] = []
    loaders = ctx.loaders
    for workload in rows:
        if wanted.node and workload.node_id:
            loads.append(loaders.platform.nodes.load(workload.node_id))
        if wanted.project:
            loads.append(loaders.access.projects.load(workload.project_id))
        if wanted.runway:
            loads.append(loaders.account.billing_by_tenant.load(workload.tenant_id))
        running = wanted.next_steps and workload.status == "running"
        if wanted.mounts or running:
            loads.append(loaders.storage.mounts_by_workload.load(workload.id))
        if running:
            loads.append(loaders.workloads.latest_metrics_by_workload.load(workload.id))
    pending = {load for load in loads if not load.done()}
    if not pending:
        return
    for load in pending:
        load.add_done_callback(retrieve_outcome)  # read by the row's field; never "exception was never retrieved"
    await asyncio.wait(pending)
