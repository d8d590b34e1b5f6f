"""GPU nodes as tenants see them, and the operators' platform objects: access, detail lookups,
console routes, evidence pivots, lifecycle operations and activity.

Tenants reach nodes only through their workloads (``GpuNode``); everything else here is for
platform operators: root fields answer FORBIDDEN to anyone else, and ``node(id)`` answers NOT_FOUND.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.backends.platform.models import (
    DecommissionTask,
    FleetNode,
    GpuNode,
    MaasHub,
    NodeActivity,
    OnboardingTask,
    OperatorAccount,
    PlatformRole,
    Site,
)
from gateway.backends.workloads.models import Workload
from gateway.context import RequestContext
from gateway.errors import Forbidden
from gateway.viewer import Viewer
from resolvers.platform import lifecycle
from resolvers.platform.lifecycle import Operation
from resolvers.platform.relations import FleetView, Mode
from resolvers.shared.links import console_path
from resolvers.shared.scope import not_found
from resolvers.shared.shapes import check_first

EVIDENCE_ROUTE = "/platform/evidence"
# Route kind -> the audit target type of that object (also the subject type of attention items).
SUBJECT_TYPES = {
    "node": "node",
    "site": "maas_site",
    "hub": "maas_hub",
    "onboarding": "onboarding_task",
    "decommission": "decommission_task",
    "signal": "ops_signal",
    "account": "operator_account",
    "image": "os_image",
    "profile": "provisioning_profile",
}
_ROUTES = {
    "node": "/platform/nodes/{id}",
    "site": "/platform/maas/sites/{id}",
    "hub": "/platform/maas/hubs/{id}",
    "onboarding": "/platform/onboarding/{id}",
    "decommission": "/platform/decommission/{id}",
    "signal": "/platform/ops?signal={id}",
    "image": "/platform/config?image={id}",
    "profile": "/platform/config?profile={id}",
    "account": "/platform/iam?account={id}",
}


async def get_nodes(ctx: RequestContext, ids: Sequence[str]) -> list[GpuNode | None]:
    """Nodes by id through ``node(id)``: operators only (tenants reach nodes through their workloads)."""
    found_viewer, found = await asyncio.gather(ctx.viewer(), ctx.loaders.platform.nodes.load_many(list(ids)))
    return [n if found_viewer.is_operator else None for n in found]


async def require_operator(ctx: RequestContext) -> Viewer:
    """The viewer, if a platform operator; ``Forbidden`` for everyone else."""
    viewer = await ctx.viewer()
    if not viewer.is_operator:
        raise Forbidden("the platform console is for platform operators only")
    return viewer


def route(kind: str, local_id: str) -> str:
    """Console route of a platform object (node, site, hub, onboarding, decommission, signal, ...)."""
    link = console_path(_ROUTES[kind].format(id=local_id))  # its ids as the routes' global ids
    if link is None:
        raise ValueError(f"not a console route: {kind} {local_id!r}")
    return link


@dataclass(frozen=True)
class EvidencePivot:
    """Where the platform-scope audit evidence of an object (or of the whole platform) is.

    The ``evidence`` root field (scope PLATFORM) serves it; ``filters`` are the values the route
    applies, named like the fields of that field's ``EvidenceFilter`` input.
    """

    scope: str
    target_type: str | None
    target_id: str | None
    label: str
    route: str

    @property
    def filters(self) -> list[tuple[str, str]]:
        """(filter field, value) pairs: ``targetTypes`` and ``targetIds``."""
        if self.target_type is None or self.target_id is None:
            return []
        return [("targetTypes", self.target_type), ("targetIds", self.target_id)]


PLATFORM_EVIDENCE = EvidencePivot("platform", None, None, "All platform evidence", EVIDENCE_ROUTE)


def evidence_pivot(kind: str, local_id: str, label: str) -> EvidencePivot:
    """The pivot to the audit evidence about one platform object (``kind`` as in ``route``)."""
    target_type = SUBJECT_TYPES[kind]
    return EvidencePivot(
        "platform", target_type, local_id, f"Evidence for {label}", f"{EVIDENCE_ROUTE}#target={target_type}:{local_id}"
    )


# Detail lookups: operators only, NOT_FOUND for unknown ids.
def detail_mode(kind: str) -> Mode:
    """How a detail page of this kind reaches related objects (see ``platform_view``)."""
    return "by_site" if kind in {"site", "hub"} else "by_id"


async def _detail(ctx: RequestContext, kind: str, local_id: str, what: str) -> Any:
    await require_operator(ctx)
    (found,) = await FleetView(ctx, detail_mode(kind)).by_ids(kind, [local_id])
    if found is None:
        raise not_found(what)
    return found


async def get_platform_node(ctx: RequestContext, node_id: str) -> FleetNode:
    """One node with operator inventory."""
    found: FleetNode = await _detail(ctx, "node", node_id, "node")
    return found


async def get_site(ctx: RequestContext, site_id: str) -> Site:
    """One MAAS site."""
    found: Site = await _detail(ctx, "site", site_id, "MAAS site")
    return found


async def get_hub(ctx: RequestContext, hub_id: str) -> MaasHub:
    """One MAAS hub."""
    found: MaasHub = await _detail(ctx, "hub", hub_id, "MAAS hub")
    return found


async def get_onboarding_task(ctx: RequestContext, task_id: str) -> OnboardingTask:
    """One onboarding task."""
    found: OnboardingTask = await _detail(ctx, "onboarding", task_id, "onboarding task")
    return found


async def get_decommission_task(ctx: RequestContext, task_id: str) -> DecommissionTask:
    """One decommission task."""
    found: DecommissionTask = await _detail(ctx, "decommission", task_id, "decommission task")
    return found


def operator_fetch(kind: str) -> Callable[[RequestContext, Sequence[str]], Awaitable[list[Any]]]:
    """Batch fetch for ``node(id)``/``nodes(ids)``: None for every id unless the viewer is an operator."""

    async def fetch(ctx: RequestContext, ids: Sequence[str]) -> list[Any]:
        if not (await ctx.viewer()).is_operator:
            return [None for _ in ids]
        return await FleetView(ctx, "by_id").by_ids(kind, ids)

    return fetch


async def account_roles(ctx: RequestContext, account: OperatorAccount) -> list[PlatformRole]:
    """An operator account's platform roles, by name."""
    roles = {r.id: r for r in await ctx.loaders.platform.roles.get()}
    return sorted((roles[i] for i in account.role_ids if i in roles), key=lambda r: r.name)


# Lifecycle operations of each detail object.
async def node_operations(view: FleetView, node: FleetNode) -> list[Operation]:
    """Cordon/uncordon/drain/decommission of a node; the drain reason counts its workloads."""
    running = await view.workloads_on_node(node.id)
    return lifecycle.node_operations(node.status, len(running))


async def site_operations(view: FleetView, site: Site) -> list[Operation]:
    """Bulk operations over a site's nodes."""
    return lifecycle.site_operations(n.status for n in await view.nodes_at_site(site.id))


async def onboarding_operations(view: FleetView, task: OnboardingTask) -> list[Operation]:
    """Retry/cancel of an onboarding task and the operations of its node."""
    node = await view.node(task.node_id, task.site_id)
    return lifecycle.onboarding_operations(task.stage, node.status if node else None)


async def decommission_operations(view: FleetView, task: DecommissionTask) -> list[Operation]:
    """Cancel of a decommission task and the operations of its node."""
    node = await view.node(task.node_id, task.site_id)
    return lifecycle.decommission_operations(task.stage, node.status if node else None)


# Activity, newest first.
def _limit(events: list[NodeActivity], first: int) -> list[NodeActivity]:
    return events[: check_first(first)]


async def node_activity(view: FleetView, node_id: str, first: int) -> list[NodeActivity]:
    """What happened to a node."""
    return _limit(await view.activity(node_ids=[node_id]), first)


async def site_activity(view: FleetView, site_ids: Sequence[str], first: int) -> list[NodeActivity]:
    """What happened to the nodes at some sites."""
    return _limit(await view.activity(site_ids=site_ids), first)


async def node_workloads(view: FleetView, node: FleetNode) -> list[Workload]:
    """Workloads on a node, in the viewer's scope (operators see every tenant's)."""
    viewer, found = await asyncio.gather(view.ctx.viewer(), view.workloads_on_node(node.id))
    return [w for w in found if viewer.can_see_project(w.project_id)]


def allocated_gpus(workloads: Sequence[Workload]) -> int:
    """GPUs held by workloads."""
    return sum(w.gpu.count for w in workloads)
