"""Typed calls to the platform service."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.backends._client import ServiceClient
from gateway.backends._commands import command, command_path
from gateway.backends.platform.models import (
    ApiReference,
    DecommissionTask,
    Download,
    FleetNode,
    GpuEconomics,
    GpuSku,
    MaasHub,
    NodeActivity,
    OnboardingTask,
    OperatedNode,
    OperatorAccount,
    OpsSignal,
    OsImage,
    PlatformRole,
    ProvisioningProfile,
    SchedulerGuide,
    Site,
    TenantRevenue,
)


class PlatformClient(ServiceClient):
    """Typed calls to the platform service."""

    async def nodes(self, ids: Sequence[str]) -> list[FleetNode]:
        """Nodes by id (the tenant view reads only the ``GpuNode`` fields of each)."""
        return await self.batch("nodes", ids, FleetNode)

    async def all_fleet_nodes(self) -> list[FleetNode]:
        """Every node."""
        return await self.all("nodes", FleetNode, {})

    async def nodes_of_sites(self, site_ids: Sequence[str]) -> list[FleetNode]:
        """Nodes at the given sites."""
        return await self.all("nodes", FleetNode, {"site_id": site_ids})

    async def all_sites(self) -> list[Site]:
        """Every site."""
        return await self.all("sites", Site, {})

    async def all_maas_hubs(self) -> list[MaasHub]:
        """Every MAAS hub."""
        return await self.all("maas-hubs", MaasHub, {})

    async def all_images(self) -> list[OsImage]:
        """Every OS image."""
        return await self.all("images", OsImage, {})

    async def all_profiles(self) -> list[ProvisioningProfile]:
        """Every provisioning profile."""
        return await self.all("profiles", ProvisioningProfile, {})

    async def onboarding_tasks(self, ids: Sequence[str]) -> list[OnboardingTask]:
        """Onboarding tasks by id."""
        return await self.batch("onboarding-tasks", ids, OnboardingTask)

    async def all_onboarding_tasks(self) -> list[OnboardingTask]:
        """Every onboarding task."""
        return await self.all("onboarding-tasks", OnboardingTask, {})

    async def onboarding_of_nodes(self, node_ids: Sequence[str]) -> list[OnboardingTask]:
        """Onboarding tasks of the given nodes."""
        return await self.all("onboarding-tasks", OnboardingTask, {"node_id": node_ids})

    async def onboarding_of_sites(self, site_ids: Sequence[str]) -> list[OnboardingTask]:
        """Onboarding tasks at the given sites."""
        return await self.all("onboarding-tasks", OnboardingTask, {"site_id": site_ids})

    async def decommission_tasks(self, ids: Sequence[str]) -> list[DecommissionTask]:
        """Decommission tasks by id."""
        return await self.batch("decommission-tasks", ids, DecommissionTask)

    async def all_decommission_tasks(self) -> list[DecommissionTask]:
        """Every decommission task."""
        return await self.all("decommission-tasks", DecommissionTask, {})

    async def decommission_of_nodes(self, node_ids: Sequence[str]) -> list[DecommissionTask]:
        """Decommission tasks of the given nodes."""
        return await self.all("decommission-tasks", DecommissionTask, {"node_id": node_ids})

    async def decommission_of_sites(self, site_ids: Sequence[str]) -> list[DecommissionTask]:
        """Decommission tasks at the given sites."""
        return await self.all("decommission-tasks", DecommissionTask, {"site_id": site_ids})

    async def activity_of_nodes(self, node_ids: Sequence[str]) -> list[NodeActivity]:
        """Activity of the given nodes."""
        return await self.all("node-activity", NodeActivity, {"node_id": node_ids})

    async def activity_of_sites(self, site_ids: Sequence[str]) -> list[NodeActivity]:
        """Activity of every node at the given sites."""
        return await self.all("node-activity", NodeActivity, {"site_id": site_ids})

    async def ops_signals(self, ids: Sequence[str]) -> list[OpsSignal]:
        """Ops signals by id."""
        return await self.batch("ops-signals", ids, OpsSignal)

    async def signals_with_status(self, statuses: Sequence[str]) -> list[OpsSignal]:
        """Signals in the given statuses (open and acknowledged ones for the ops page)."""
        return await self.all("ops-signals", OpsSignal, {"status": statuses})

    async def signals_of_nodes(self, node_ids: Sequence[str]) -> list[OpsSignal]:
        """Signals (any status) about the given nodes."""
        return await self.all("ops-signals", OpsSignal, {"node_id": node_ids})

    async def signals_of_sites(self, site_ids: Sequence[str]) -> list[OpsSignal]:
        """Signals (any status) at the given sites."""
        return await self.all("ops-signals", OpsSignal, {"site_id": site_ids})

    async def tenant_revenue(self) -> list[TenantRevenue]:
        """Revenue per tenant and month."""
        return await self.all("tenant-revenue", TenantRevenue, {})

    async def gpu_economics(self) -> list[GpuEconomics]:
        """Economics per GPU model and month."""
        return await self.all("gpu-economics", GpuEconomics, {})

    async def platform_roles(self) -> list[PlatformRole]:
        """Every operator role."""
        return await self.all("platform-roles", PlatformRole, {})

    async def all_operator_accounts(self) -> list[OperatorAccount]:
        """Every operator account."""
        return await self.all("operator-accounts", OperatorAccount, {})

    async def gpu_skus(self) -> list[GpuSku]:
        """Every GPU SKU."""
        return await self.all("gpu-skus", GpuSku, {})

    async def downloads(self) -> list[Download]:
        """Every downloadable artifact."""
        return await self.all("downloads", Download, {})

    async def api_references(self) -> list[ApiReference]:
        """Every API reference entry."""
        return await self.all("api-references", ApiReference, {})

    async def scheduler_guides(self) -> list[SchedulerGuide]:
        """Every scheduler guide."""
        return await self.all("scheduler-guides", SchedulerGuide, {})

    async def operate_node(
        self, node_id: str, operation: str, *, reason: str | None, key: str, actor: str
    ) -> OperatedNode:
        """Run a node operation (cordon, uncordon, drain, decommission)."""
        body = {"reason": reason} if reason else {}
        path = command_path("nodes", node_id, operation)
        return await command(self, path, body, OperatedNode, key=key, actor_id=actor)
