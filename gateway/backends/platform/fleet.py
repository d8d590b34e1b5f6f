"""Operator-side platform resources: fleet inventory, MAAS, images and profiles, lifecycle tasks,
node activity, ops signals, finance and operator IAM. Allow-list models plus the calls, mixed into
``PlatformClient``. MAAS API keys and endpoints, image signing keys, BMC and bootstrap passwords,
wipe certificates, pager webhooks, billing references and account credentials are not allowed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from gateway.backends._client import AllowListModel, ServiceClient

NodeStatus = Literal["ready", "cordoned", "draining", "maintenance", "onboarding", "decommissioning", "decommissioned"]
OnboardingStage = Literal["discovered", "commissioning", "burn_in", "ready", "failed"]
DecommissionStage = Literal["draining", "wiping", "removing", "done"]
OPEN_SIGNAL_STATUSES = ("open", "acknowledged")


class GpuNode(AllowListModel):
    """A GPU node: inventory and status; BMC endpoints and credentials are not part of the allow-list."""

    id: str
    hostname: str
    site_id: str
    region: str
    gpu_model: str
    gpu_count: int
    gpu_memory_gib: int
    status: str
    created_at: datetime


class FleetNode(GpuNode):
    """A GPU node with operator inventory; BMC endpoints, passwords and kubeconfigs are not allowed."""

    status: NodeStatus
    serial: str | None = None
    rack: str | None = None
    profile_id: str | None = None
    firmware_version: str | None = None
    last_health_check_at: datetime | None = None


class SiteCapacity(AllowListModel):
    """Physical capacity of a site."""

    racks: int
    power_kw: int
    gpu_slots: int


class Site(AllowListModel):
    """A data-centre site and the MAAS hub that provisions it."""

    id: str
    name: str
    region: str
    maas_hub_id: str
    status: Literal["active", "building", "retired"]
    capacity: SiteCapacity
    created_at: datetime


class MaasHub(AllowListModel):
    """A MAAS region controller; its API endpoint and key are not allowed."""

    id: str
    name: str
    region: str
    version: str
    status: Literal["healthy", "degraded", "offline"]
    status_reason: str | None = None
    rack_controllers: int
    last_sync_at: datetime


class OsImage(AllowListModel):
    """An OS image MAAS deploys; the signing key is not allowed."""

    id: str
    name: str
    os: str
    version: str
    kernel: str
    status: Literal["active", "testing", "deprecated"]
    is_default: bool
    checksum: str
    released_at: datetime


class ProvisioningProfile(AllowListModel):
    """A hardware/provisioning profile; the BMC admin password is not allowed."""

    id: str
    name: str
    gpu_model: str
    image_id: str
    status: Literal["active", "draft", "retired"]
    bios_version: str
    gpu_firmware: str
    nic_firmware: str
    settings: list[str] = []
    updated_at: datetime


class TaskStep(AllowListModel):
    """One step of a lifecycle task."""

    name: str
    status: Literal["done", "current", "pending", "failed"]
    started_at: datetime | None = None
    finished_at: datetime | None = None
    message: str | None = None


class OnboardingTask(AllowListModel):
    """A node being onboarded; the IPMI bootstrap password is not allowed."""

    id: str
    node_id: str
    serial: str
    hostname: str
    site_id: str
    profile_id: str | None = None
    stage: OnboardingStage
    progress: float
    failure_reason: str | None = None
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    steps: list[TaskStep] = []


class DecommissionTask(AllowListModel):
    """A node being decommissioned; the wipe certificate key is not allowed."""

    id: str
    node_id: str
    site_id: str
    reason: str
    stage: DecommissionStage
    requested_by: str
    requested_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    steps: list[TaskStep] = []


class NodeActivity(AllowListModel):
    """Something that happened to a node."""

    id: str
    node_id: str
    site_id: str
    type: Literal["cordon", "uncordon", "drain", "health_check", "firmware", "reboot", "onboarding", "decommission"]
    outcome: Literal["succeeded", "failed", "in_progress"]
    actor_id: str | None = None
    message: str
    at: datetime


class OpsSignal(AllowListModel):
    """An incident or alert; the pager webhook is not allowed."""

    id: str
    kind: Literal["incident", "alert"]
    severity: Literal["critical", "major", "minor", "info"]
    status: Literal["open", "acknowledged", "resolved"]
    title: str
    summary: str
    node_id: str | None = None
    site_id: str | None = None
    maas_hub_id: str | None = None
    opened_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    runbook_route: str | None = None


class ModelHours(AllowListModel):
    """GPU-hours of one GPU model."""

    gpu_model: str
    gpu_hours: float


class TenantRevenue(AllowListModel):
    """A tenant's revenue and GPU-hours for a month; the billing account reference is not allowed."""

    id: str
    tenant_id: str
    period: str
    revenue_cents: int
    gpu_hours: float
    gpu_hours_by_model: list[ModelHours] = []
    as_of: datetime


class GpuEconomics(AllowListModel):
    """GPU-hours, revenue and cost of one GPU model for a month."""

    id: str
    gpu_model: str
    period: str
    gpu_hours_available: float
    gpu_hours_sold: float
    revenue_cents: int
    cost_per_gpu_hour_cents: float
    as_of: datetime


class PlatformRole(AllowListModel):
    """An operator role."""

    id: str
    name: str
    description: str
    permissions: list[str] = []


class OperatorAccount(AllowListModel):
    """An operator account; password hashes and recovery codes are not allowed."""

    id: str
    kind: Literal["person", "break_glass", "automation"]
    display_name: str
    email: str | None = None
    user_id: str | None = None
    role_ids: list[str] = []
    mfa_enabled: bool
    status: Literal["active", "sealed", "disabled"]
    last_used_at: datetime | None = None
    created_at: datetime


class PlatformFleetCalls(ServiceClient):
    """Calls for the operator-side platform resources (mixed into ``PlatformClient``)."""

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
