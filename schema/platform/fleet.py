"""Operator fleet types: nodes with inventory, MAAS sites and hubs, OS images and provisioning profiles.

``PlatformNode`` is the operator's view of a node; tenants keep the narrower ``GpuNode`` (reached
through their workloads), so no operator field can be selected by a tenant at all.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from gateway.backends.platform import models as backend
from gateway.ids import encode_global_id
from resolvers.platform import queries as resolve
from resolvers.platform.lifecycle import IN_SERVICE, count_by
from resolvers.platform.relations import Mode
from resolvers.shared.shapes import DEFAULT_FIRST
from schema.platform.common import (
    ACTIVITY_FIRST,
    PlatformActivityEvent,
    PlatformEvidencePivot,
    PlatformLifecycleOperation,
    PlatformNodeStatus,
    PlatformNodeStatusCount,
    activity_list,
    status_counts,
    view,
)
from schema.shared.types import Info, Node
from schema.workloads.types import Workload, workload_type

if TYPE_CHECKING:
    from schema.platform.tasks import DecommissionTask, OnboardingTask, OpsSignal

ActivityFirst = Annotated[int, strawberry.argument(description=ACTIVITY_FIRST)]


@strawberry.type(description="A GPU node as operators see it: inventory, placement, workloads and lifecycle.")
class PlatformNode(Node):
    hostname: str = strawberry.field(description="Node hostname.")
    serial: str | None = strawberry.field(description="Chassis serial number.")
    rack: str | None = strawberry.field(description="Rack the node sits in.")
    region: str = strawberry.field(description="Region.")
    status: PlatformNodeStatus = strawberry.field(description="Lifecycle status.")
    gpu_model: str = strawberry.field(description="GPU model installed.")
    gpu_count: int = strawberry.field(description="GPUs installed.")
    gpu_memory_gib: int = strawberry.field(description="Memory per GPU in GiB.")
    firmware_version: str | None = strawberry.field(description="GPU firmware version.")
    last_health_check_at: datetime | None = strawberry.field(description="When the last health check ran.")
    created_at: datetime = strawberry.field(description="When the node joined the platform.")
    route: str = strawberry.field(description="Console route of the node detail page.")
    model: strawberry.Private[backend.FleetNode]
    mode: strawberry.Private[Mode]

    @classmethod
    def of(cls, node: backend.FleetNode, mode: Mode = "by_id") -> PlatformNode:
        """From the platform service's node."""
        return cls(
            id=strawberry.ID(encode_global_id("PlatformNode", node.id)),
            hostname=node.hostname,
            serial=node.serial,
            rack=node.rack,
            region=node.region,
            status=PlatformNodeStatus(node.status),
            gpu_model=node.gpu_model,
            gpu_count=node.gpu_count,
            gpu_memory_gib=node.gpu_memory_gib,
            firmware_version=node.firmware_version,
            last_health_check_at=node.last_health_check_at,
            created_at=node.created_at,
            route=resolve.route("node", node.id),
            model=node,
            mode=mode,
        )

    @strawberry.field(description="The MAAS site the node is at.")
    async def site(self, info: Info) -> MaasSite | None:
        found = await view(info, self.mode).site(self.model.site_id)
        return MaasSite.of(found, self.mode) if found else None

    @strawberry.field(description="The MAAS hub that provisions the node's site.")
    async def hub(self, info: Info) -> MaasHub | None:
        fleet = view(info, self.mode)
        site = await fleet.site(self.model.site_id)
        found = await fleet.hub(site.maas_hub_id) if site else None
        return MaasHub.of(found, self.mode) if found else None

    @strawberry.field(description="The provisioning profile the node is built from.")
    async def profile(self, info: Info) -> ProvisioningProfile | None:
        found = await view(info, self.mode).profile(self.model.profile_id)
        return ProvisioningProfile.of(found, self.mode) if found else None

    @strawberry.field(
        description="Workloads on the node, every tenant's, newest first (null, with an error at this path, when the "
        "workloads service is unavailable)."
    )
    async def workloads(self, info: Info) -> list[Workload] | None:
        return [workload_type(w) for w in await resolve.node_workloads(view(info, self.mode), self.model)]

    @strawberry.field(
        description="GPUs held by the node's workloads (null, with an error at this path, when the workloads service "
        "is unavailable)."
    )
    async def allocated_gpus(self, info: Info) -> int | None:
        return resolve.allocated_gpus(await resolve.node_workloads(view(info, self.mode), self.model))

    @strawberry.field(description="Open and acknowledged incidents and alerts about the node, most severe first.")
    async def open_signals(self, info: Info) -> list[Annotated[OpsSignal, strawberry.lazy("schema.platform.tasks")]]:
        from schema.platform.tasks import OpsSignal

        return [OpsSignal.of(s, self.mode) for s in await view(info, self.mode).open_signals_of_node(self.model.id)]

    @strawberry.field(description="The node's latest onboarding task (null if it never onboarded here).")
    async def onboarding_task(
        self, info: Info
    ) -> Annotated[OnboardingTask, strawberry.lazy("schema.platform.tasks")] | None:
        from schema.platform.tasks import OnboardingTask

        found = await view(info, self.mode).onboarding_of_node(self.model.id)
        return OnboardingTask.of(found, self.mode) if found else None

    @strawberry.field(description="The node's latest decommission task (null if none).")
    async def decommission_task(
        self, info: Info
    ) -> Annotated[DecommissionTask, strawberry.lazy("schema.platform.tasks")] | None:
        from schema.platform.tasks import DecommissionTask

        found = await view(info, self.mode).decommission_of_node(self.model.id)
        return DecommissionTask.of(found, self.mode) if found else None

    @strawberry.field(
        description="Cordon, uncordon, drain and decommission: enabled by node status, with reasons (the drain reason "
        "counts the node's workloads: null, with an error at this path, when the workloads service is unavailable)."
    )
    async def lifecycle_operations(self, info: Info) -> list[PlatformLifecycleOperation] | None:
        found = await resolve.node_operations(view(info, self.mode), self.model)
        return [PlatformLifecycleOperation.of(o) for o in found]

    @strawberry.field(description="What happened to the node, newest first.")
    async def activity(self, info: Info, first: ActivityFirst = DEFAULT_FIRST) -> list[PlatformActivityEvent]:
        return activity_list(await resolve.node_activity(view(info, self.mode), self.model.id, first), self.mode)

    @strawberry.field(description="Pivot to the node's platform-scope audit evidence.")
    def evidence_pivot(self) -> PlatformEvidencePivot:
        return PlatformEvidencePivot.of(resolve.evidence_pivot("node", self.model.id, self.model.hostname))


@strawberry.enum(description="Whether a site is in use.")
class MaasSiteStatus(Enum):
    ACTIVE = strawberry.enum_value("active", description="In use.")
    BUILDING = strawberry.enum_value("building", description="Being built out; nodes are onboarding.")
    RETIRED = strawberry.enum_value("retired", description="No longer used.")


@strawberry.type(description="Physical capacity of a site against what is installed.")
class MaasSiteCapacity:
    racks: int = strawberry.field(description="Racks.")
    power_kw: int = strawberry.field(description="Power budget in kW.")
    gpu_slots: int = strawberry.field(description="GPUs the site can host.")
    nodes: int = strawberry.field(description="Nodes at the site (not decommissioned).")
    gpus_installed: int = strawberry.field(description="GPUs in nodes at the site (not decommissioned).")
    gpus_in_service: int = strawberry.field(description="GPUs in nodes that are ready, cordoned or draining.")
    slot_utilisation: float = strawberry.field(description="Installed GPUs over GPU slots, 0 to 1.")


@strawberry.type(description="A data-centre site provisioned by a MAAS hub: capacity, nodes, tasks and activity.")
class MaasSite(Node):
    name: str = strawberry.field(description="Site name.")
    region: str = strawberry.field(description="Region.")
    status: MaasSiteStatus = strawberry.field(description="Whether the site is in use.")
    created_at: datetime = strawberry.field(description="When the site was added.")
    route: str = strawberry.field(description="Console route of the site detail page.")
    model: strawberry.Private[backend.Site]
    mode: strawberry.Private[Mode]

    @classmethod
    def of(cls, site: backend.Site, mode: Mode = "by_site") -> MaasSite:
        """From the platform service's site."""
        return cls(
            id=strawberry.ID(encode_global_id("MaasSite", site.id)),
            name=site.name,
            region=site.region,
            status=MaasSiteStatus(site.status),
            created_at=site.created_at,
            route=resolve.route("site", site.id),
            model=site,
            mode=mode,
        )

    @strawberry.field(description="The MAAS hub that provisions the site.")
    async def hub(self, info: Info) -> MaasHub | None:
        found = await view(info, self.mode).hub(self.model.maas_hub_id)
        return MaasHub.of(found, self.mode) if found else None

    @strawberry.field(description="Racks, power and GPU slots against the GPUs installed and in service.")
    async def capacity(self, info: Info) -> MaasSiteCapacity:
        nodes = [n for n in await view(info, self.mode).nodes_at_site(self.model.id) if n.status != "decommissioned"]
        cap = self.model.capacity
        installed = sum(n.gpu_count for n in nodes)
        return MaasSiteCapacity(
            racks=cap.racks,
            power_kw=cap.power_kw,
            gpu_slots=cap.gpu_slots,
            nodes=len(nodes),
            gpus_installed=installed,
            gpus_in_service=sum(n.gpu_count for n in nodes if n.status in IN_SERVICE),
            slot_utilisation=installed / cap.gpu_slots if cap.gpu_slots else 0.0,
        )

    @strawberry.field(description="Nodes at the site, by hostname.")
    async def nodes(self, info: Info) -> list[PlatformNode]:
        return [PlatformNode.of(n, self.mode) for n in await view(info, self.mode).nodes_at_site(self.model.id)]

    @strawberry.field(description="How many of the site's nodes have each status.")
    async def nodes_by_status(self, info: Info) -> list[PlatformNodeStatusCount]:
        nodes = await view(info, self.mode).nodes_at_site(self.model.id)
        return status_counts(count_by(n.status for n in nodes))

    @strawberry.field(description="Onboarding tasks at the site, newest first.")
    async def onboarding_tasks(
        self, info: Info
    ) -> list[Annotated[OnboardingTask, strawberry.lazy("schema.platform.tasks")]]:
        from schema.platform.tasks import OnboardingTask

        return [OnboardingTask.of(t, self.mode) for t in await view(info, self.mode).onboarding_at_site(self.model.id)]

    @strawberry.field(description="Decommission tasks at the site, newest first.")
    async def decommission_tasks(
        self, info: Info
    ) -> list[Annotated[DecommissionTask, strawberry.lazy("schema.platform.tasks")]]:
        from schema.platform.tasks import DecommissionTask

        found = await view(info, self.mode).decommission_at_site(self.model.id)
        return [DecommissionTask.of(t, self.mode) for t in found]

    @strawberry.field(description="Open and acknowledged incidents and alerts at the site, most severe first.")
    async def open_signals(self, info: Info) -> list[Annotated[OpsSignal, strawberry.lazy("schema.platform.tasks")]]:
        from schema.platform.tasks import OpsSignal

        found = await view(info, self.mode).open_signals_at_sites([self.model.id])
        return [OpsSignal.of(s, self.mode) for s in found]

    @strawberry.field(description="Bulk cordon, uncordon and drain over the site's nodes, with counts and reasons.")
    async def lifecycle_operations(self, info: Info) -> list[PlatformLifecycleOperation]:
        return [
            PlatformLifecycleOperation.of(o) for o in await resolve.site_operations(view(info, self.mode), self.model)
        ]

    @strawberry.field(description="What happened to the site's nodes, newest first.")
    async def activity(self, info: Info, first: ActivityFirst = DEFAULT_FIRST) -> list[PlatformActivityEvent]:
        return activity_list(await resolve.site_activity(view(info, self.mode), [self.model.id], first), self.mode)

    @strawberry.field(description="Pivot to the site's platform-scope audit evidence.")
    def evidence_pivot(self) -> PlatformEvidencePivot:
        return PlatformEvidencePivot.of(resolve.evidence_pivot("site", self.model.id, self.model.name))


@strawberry.enum(description="Health of a MAAS hub.")
class MaasHubStatus(Enum):
    HEALTHY = strawberry.enum_value("healthy", description="Serving and in sync.")
    DEGRADED = strawberry.enum_value("degraded", description="Serving with a problem; see statusReason.")
    OFFLINE = strawberry.enum_value("offline", description="Not reachable; provisioning stops.")


@strawberry.type(
    description="A MAAS region controller and the sites it provisions. Its API endpoint and key are never included."
)
class MaasHub(Node):
    name: str = strawberry.field(description="Hub name.")
    region: str = strawberry.field(description="Region it serves.")
    version: str = strawberry.field(description="MAAS version.")
    status: MaasHubStatus = strawberry.field(description="Health.")
    status_reason: str | None = strawberry.field(description="What is wrong, when not healthy.")
    rack_controllers: int = strawberry.field(description="Rack controllers attached.")
    last_sync_at: datetime = strawberry.field(description="When images last synced to its rack controllers.")
    route: str = strawberry.field(description="Console route of the hub detail page.")
    model: strawberry.Private[backend.MaasHub]
    mode: strawberry.Private[Mode]

    @classmethod
    def of(cls, hub: backend.MaasHub, mode: Mode = "by_site") -> MaasHub:
        """From the platform service's hub."""
        return cls(
            id=strawberry.ID(encode_global_id("MaasHub", hub.id)),
            name=hub.name,
            region=hub.region,
            version=hub.version,
            status=MaasHubStatus(hub.status),
            status_reason=hub.status_reason,
            rack_controllers=hub.rack_controllers,
            last_sync_at=hub.last_sync_at,
            route=resolve.route("hub", hub.id),
            model=hub,
            mode=mode,
        )

    @strawberry.field(description="Sites the hub provisions, by name.")
    async def sites(self, info: Info) -> list[MaasSite]:
        return [MaasSite.of(s, self.mode) for s in await view(info, self.mode).sites_of_hub(self.model.id)]

    @strawberry.field(description="Nodes at the hub's sites (not decommissioned).")
    async def node_count(self, info: Info) -> int:
        fleet = view(info, self.mode)
        sites = await fleet.sites_of_hub(self.model.id)
        total = 0
        for site in sites:
            total += sum(1 for n in await fleet.nodes_at_site(site.id) if n.status != "decommissioned")
        return total

    @strawberry.field(description="Open and acknowledged incidents and alerts at the hub's sites.")
    async def open_signals(self, info: Info) -> list[Annotated[OpsSignal, strawberry.lazy("schema.platform.tasks")]]:
        from schema.platform.tasks import OpsSignal

        fleet = view(info, self.mode)
        sites = await fleet.sites_of_hub(self.model.id)
        return [OpsSignal.of(s, self.mode) for s in await fleet.open_signals_at_sites([s.id for s in sites])]

    @strawberry.field(description="What happened to nodes at the hub's sites, newest first.")
    async def activity(self, info: Info, first: ActivityFirst = DEFAULT_FIRST) -> list[PlatformActivityEvent]:
        fleet = view(info, self.mode)
        sites = await fleet.sites_of_hub(self.model.id)
        return activity_list(await resolve.site_activity(fleet, [s.id for s in sites], first), self.mode)

    @strawberry.field(description="Pivot to the hub's platform-scope audit evidence.")
    def evidence_pivot(self) -> PlatformEvidencePivot:
        return PlatformEvidencePivot.of(resolve.evidence_pivot("hub", self.model.id, self.model.name))


@strawberry.enum(description="Whether an OS image may be deployed.")
class OsImageStatus(Enum):
    ACTIVE = strawberry.enum_value("active", description="Deployable.")
    TESTING = strawberry.enum_value("testing", description="Deployable to pilot profiles only.")
    DEPRECATED = strawberry.enum_value("deprecated", description="No longer deployed to new nodes.")


@strawberry.type(description="An OS image MAAS deploys. Its signing key is never included.")
class ProvisioningImage(Node):
    name: str = strawberry.field(description="Image name.")
    os: str = strawberry.field(description="Operating system family.")
    version: str = strawberry.field(description="Image version.")
    kernel: str = strawberry.field(description="Kernel version.")
    status: OsImageStatus = strawberry.field(description="Whether it may be deployed.")
    is_default: bool = strawberry.field(description="True for the image new profiles default to.")
    checksum: str = strawberry.field(description="Checksum of the image (algorithm-prefixed).")
    released_at: datetime = strawberry.field(description="When the image was released.")
    route: str = strawberry.field(description="Console route of the image under Config.")

    @classmethod
    def of(cls, image: backend.OsImage, mode: Mode = "by_id") -> ProvisioningImage:
        """From the platform service's image."""
        return cls(
            id=strawberry.ID(encode_global_id("ProvisioningImage", image.id)),
            name=image.name,
            os=image.os,
            version=image.version,
            kernel=image.kernel,
            status=OsImageStatus(image.status),
            is_default=image.is_default,
            checksum=image.checksum,
            released_at=image.released_at,
            route=resolve.route("image", image.id),
        )


@strawberry.enum(description="Whether a provisioning profile is used for new nodes.")
class ProvisioningProfileStatus(Enum):
    ACTIVE = strawberry.enum_value("active", description="Used for new nodes of its GPU model.")
    DRAFT = strawberry.enum_value("draft", description="Being prepared; not used yet.")
    RETIRED = strawberry.enum_value("retired", description="No longer used.")


@strawberry.type(
    description="A hardware/provisioning profile: GPU model, firmware and BIOS settings, and image. "
    "BMC credentials are never included."
)
class ProvisioningProfile(Node):
    name: str = strawberry.field(description="Profile name.")
    gpu_model: str = strawberry.field(description="GPU model it applies to.")
    status: ProvisioningProfileStatus = strawberry.field(description="Whether it is used.")
    bios_version: str = strawberry.field(description="BIOS version.")
    gpu_firmware: str = strawberry.field(description="GPU firmware version.")
    nic_firmware: str = strawberry.field(description="NIC firmware version.")
    settings: list[str] = strawberry.field(description="BIOS/firmware settings summary.")
    updated_at: datetime = strawberry.field(description="When the profile last changed.")
    route: str = strawberry.field(description="Console route of the profile under Config.")
    model: strawberry.Private[backend.ProvisioningProfile]
    mode: strawberry.Private[Mode]

    @classmethod
    def of(cls, profile: backend.ProvisioningProfile, mode: Mode = "by_id") -> ProvisioningProfile:
        """From the platform service's profile."""
        return cls(
            id=strawberry.ID(encode_global_id("ProvisioningProfile", profile.id)),
            name=profile.name,
            gpu_model=profile.gpu_model,
            status=ProvisioningProfileStatus(profile.status),
            bios_version=profile.bios_version,
            gpu_firmware=profile.gpu_firmware,
            nic_firmware=profile.nic_firmware,
            settings=list(profile.settings),
            updated_at=profile.updated_at,
            route=resolve.route("profile", profile.id),
            model=profile,
            mode=mode,
        )

    @strawberry.field(description="The OS image the profile deploys.")
    async def image(self, info: Info) -> ProvisioningImage | None:
        found = await view(info, self.mode).image(self.model.image_id)
        return ProvisioningImage.of(found) if found else None
