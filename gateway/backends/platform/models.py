"""Allow-list models of the platform service: what the gateway keeps of each document."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from gateway.backends._client import AllowListModel

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
    """GPUs in service and held, GPU-hours, revenue and cost of one GPU model for a month."""

    id: str
    gpu_model: str
    period: str
    gpus_in_fleet: int
    gpus_held: int
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


class RegionCapacity(AllowListModel):
    """How many machines of a SKU a region can hand out now."""

    region: str
    available_count: int
    state: Literal["available", "limited", "sold_out"]


class GpuSku(AllowListModel):
    """A GPU machine shape for sale; supplier cost, internal pools and capacity tokens are not allowed."""

    id: str
    name: str
    gpu_model: str
    gpu_family: str
    gpu_count: int
    gpu_memory_gib: int
    vcpu: int
    ram_gib: int
    local_nvme_gib: int = 0
    interconnect: str | None = None
    price_per_hour_cents: int
    regions: list[RegionCapacity] = []


class Download(AllowListModel):
    """A downloadable artifact; its origin URL and signing key are not allowed."""

    id: str
    artifact: Literal["cli", "sdk"]
    name: str
    os: Literal["linux", "macos", "windows"]
    arch: Literal["amd64", "arm64"]
    version: str
    sha256: str
    size_bytes: int
    released_at: datetime
    path: str


class ApiReference(AllowListModel):
    """Where an API's reference lives in the console; the upstream URL is not allowed."""

    id: str
    name: str
    kind: Literal["graphql", "rest", "openapi"]
    route: str
    description: str
    order: int = 0


class ConceptMapping(AllowListModel):
    """One scheduler concept and where it lives now."""

    concept: str
    now: str
    destination: Literal["apps", "workloads", "access"]
    route: str


class SchedulerGuide(AllowListModel):
    """Guidance for users of one scheduler."""

    id: str
    scheduler: str
    name: str
    title: str
    summary: str
    destination: Literal["apps", "workloads", "access"]
    route: str
    action_label: str
    order: int = 0
    mappings: list[ConceptMapping] = []


class OperatedNode(FleetNode):
    """A node after an operation, with the decommission task the operation started, if any."""

    decommission_task: DecommissionTask | None = None
