"""Root query fields of Platform, Compute and Developer."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.platform import compute, developer
from resolvers.platform import queries as platform
from schema.platform.compute import ComputeSku
from schema.platform.developer import Developer, SchedulerGuide
from schema.platform.fleet import MaasHub, MaasSite, PlatformNode
from schema.platform.sections import (
    IdArgument,
    Platform,
    _local,
)
from schema.platform.tasks import (
    DecommissionTask,
    OnboardingTask,
)
from schema.shared.permissions import Authenticated, IsOperator
from schema.shared.types import Info


@strawberry.type
class PlatformQuery:
    """Root fields of the platform console (operators only: FORBIDDEN for everyone else)."""

    @strawberry.field(
        permission_classes=[IsOperator],
        description="The platform console: overview, ops, lifecycle, config, evidence, finance, IAM.",
    )
    async def platform(self, info: Info) -> Platform | None:
        return Platform()

    @strawberry.field(
        permission_classes=[IsOperator],
        description="Node detail: inventory, site and hub, workloads, operations, activity, evidence. "
        "Takes a PlatformNode or GpuNode id (NOT_FOUND if unknown).",
    )
    async def platform_node(self, info: Info, id: IdArgument) -> PlatformNode | None:
        found = await platform.get_platform_node(info.context, _local(id, "PlatformNode", "GpuNode"))
        return PlatformNode.of(found, "by_id")

    @strawberry.field(
        permission_classes=[IsOperator],
        description="MAAS site detail: hub, capacity, nodes, tasks, operations, activity, evidence.",
    )
    async def maas_site(self, info: Info, id: IdArgument) -> MaasSite | None:
        return MaasSite.of(await platform.get_site(info.context, _local(id, "MaasSite")), "by_site")

    @strawberry.field(
        permission_classes=[IsOperator], description="MAAS hub detail: version, health, sites, activity and evidence."
    )
    async def maas_hub(self, info: Info, id: IdArgument) -> MaasHub | None:
        return MaasHub.of(await platform.get_hub(info.context, _local(id, "MaasHub")), "by_site")

    @strawberry.field(
        permission_classes=[IsOperator],
        description="Onboarding detail: steps, node, site, profile, operations, activity, evidence.",
    )
    async def onboarding_task(self, info: Info, id: IdArgument) -> OnboardingTask | None:
        return OnboardingTask.of(await platform.get_onboarding_task(info.context, _local(id, "OnboardingTask")))

    @strawberry.field(
        permission_classes=[IsOperator],
        description="Decommission detail: steps, requester, node, operations, activity, evidence.",
    )
    async def decommission_task(self, info: Info, id: IdArgument) -> DecommissionTask | None:
        return DecommissionTask.of(await platform.get_decommission_task(info.context, _local(id, "DecommissionTask")))


@strawberry.type
class ComputeQuery:
    """Root fields of the compute domain."""

    @strawberry.field(
        permission_classes=[Authenticated],
        description="GPU SKU cards, most capable first (null with an error on failure).",
    )
    async def compute_skus(
        self,
        info: Info,
        region: Annotated[
            str | None,
            strawberry.argument(description="Only SKUs offered in this region, showing only its availability."),
        ] = None,
        gpu_model: Annotated[
            str | None,
            strawberry.argument(description="Only SKUs of this GPU model or family (e.g. `H100`), ignoring case."),
        ] = None,
    ) -> list[ComputeSku] | None:
        return [ComputeSku.of(c) for c in await compute.compute_skus(info.context, region=region, gpu_model=gpu_model)]


@strawberry.type
class DeveloperQuery:
    """Root fields of the developer utilities."""

    @strawberry.field(permission_classes=[Authenticated], description="Developer downloads and API references.")
    def developer(self) -> Developer:
        return Developer()

    @strawberry.field(
        permission_classes=[Authenticated],
        description="Scheduler guidance cards in order (null with an error on failure).",
    )
    async def scheduler_guidance(self, info: Info) -> list[SchedulerGuide] | None:
        return [SchedulerGuide.of(g) for g in await developer.scheduler_guidance(info.context)]
