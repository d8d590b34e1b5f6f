"""Catalog resources: GPU SKUs, developer downloads, API references and scheduler guides (platform
service) and launchable apps (workloads service). Allow-list models plus the calls, mixed into
the domain clients. Catalogs are small and global, so each is fetched whole."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from gateway.backends._client import AllowListModel, ServiceClient


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


class AppColour(AllowListModel):
    """An app's colour identity: hex value and the design token naming it."""

    hex: str
    token: str


class AppIcon(AllowListModel):
    """An app's icon: a name in the icon set and an optional relative asset path."""

    name: str
    asset_path: str | None = None


class AppPort(AllowListModel):
    """A port the app's workload exposes."""

    name: str
    port: int
    protocol: str


class AppLaunchDefaults(AllowListModel):
    """What a launch starts with unless the user changes it."""

    gpu_model: str
    gpu_count: int
    image: str
    ports: list[AppPort] = []


class AppDependency(AllowListModel):
    """Something a launch needs: an SSH key, a bucket or a service account."""

    kind: Literal["ssh_key", "bucket", "service_account"]
    required: bool
    purpose: str


class App(AllowListModel):
    """A launchable app; build pipelines and registry pull tokens are not allowed."""

    id: str
    slug: str
    name: str
    tagline: str
    description: str
    category: str
    category_label: str
    featured: bool = False
    featured_rank: int | None = None
    colour: AppColour
    icon: AppIcon
    workload_kind: Literal["compute", "jupyter", "vllm", "training"]
    launch_defaults: AppLaunchDefaults
    dependencies: list[AppDependency] = []
    docs_path: str | None = None


class PlatformCatalogCalls(ServiceClient):
    """Catalog calls of the platform service."""

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


class AppCatalogCalls(ServiceClient):
    """App catalog calls of the workloads service."""

    async def apps(self) -> list[App]:
        """Every app of the catalog."""
        return await self.all("apps", App, {})
