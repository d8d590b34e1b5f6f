"""Per-request loaders of the platform service, each made when first read.

Two ways to reach the same data, so each page makes one call per resource type: the platform console reads
whole ``Listing``s (every section shares them), detail pages read by id and by parent id through batched
loaders. A listing primes the by-id loader it covers, so a by-id read after it is free. Sites, MAAS hubs,
images, profiles, operator accounts, roles and the catalogs are few: every page reads them whole.
"""

from __future__ import annotations

from gateway.backends._loaders import CachedLoader, DomainLoaders, Listing, OnCreate, by_id, grouped, loader
from gateway.backends.platform.client import PlatformClient
from gateway.backends.platform.models import (
    OPEN_SIGNAL_STATUSES,
    ApiReference,
    DecommissionTask,
    Download,
    FleetNode,
    GpuEconomics,
    GpuSku,
    MaasHub,
    NodeActivity,
    OnboardingTask,
    OperatorAccount,
    OpsSignal,
    OsImage,
    PlatformRole,
    ProvisioningProfile,
    SchedulerGuide,
    Site,
    TenantRevenue,
)


class PlatformLoaders(DomainLoaders):
    """Nodes, sites, hubs, images, profiles, lifecycle tasks, signals, activity, finance, IAM and catalogs."""

    def __init__(self, client: PlatformClient, on_create: OnCreate | None = None) -> None:
        super().__init__(on_create)
        self.client = client

    @loader
    def nodes(self) -> CachedLoader[FleetNode | None]:
        return by_id(self.client.nodes)

    @loader
    def onboarding_tasks(self) -> CachedLoader[OnboardingTask | None]:
        return by_id(self.client.onboarding_tasks)

    @loader
    def decommission_tasks(self) -> CachedLoader[DecommissionTask | None]:
        return by_id(self.client.decommission_tasks)

    @loader
    def ops_signals(self) -> CachedLoader[OpsSignal | None]:
        return by_id(self.client.ops_signals)

    @loader
    def nodes_by_site(self) -> CachedLoader[list[FleetNode]]:
        return grouped(self.client.nodes_of_sites, lambda n: n.site_id)

    @loader
    def onboarding_by_node(self) -> CachedLoader[list[OnboardingTask]]:
        return grouped(self.client.onboarding_of_nodes, lambda t: t.node_id)

    @loader
    def onboarding_by_site(self) -> CachedLoader[list[OnboardingTask]]:
        return grouped(self.client.onboarding_of_sites, lambda t: t.site_id)

    @loader
    def decommission_by_node(self) -> CachedLoader[list[DecommissionTask]]:
        return grouped(self.client.decommission_of_nodes, lambda t: t.node_id)

    @loader
    def decommission_by_site(self) -> CachedLoader[list[DecommissionTask]]:
        return grouped(self.client.decommission_of_sites, lambda t: t.site_id)

    @loader
    def activity_by_node(self) -> CachedLoader[list[NodeActivity]]:
        return grouped(self.client.activity_of_nodes, lambda a: a.node_id)

    @loader
    def activity_by_site(self) -> CachedLoader[list[NodeActivity]]:
        return grouped(self.client.activity_of_sites, lambda a: a.site_id)

    @loader
    def signals_by_node(self) -> CachedLoader[list[OpsSignal]]:
        return grouped(self.client.signals_of_nodes, lambda s: s.node_id or "")

    @loader
    def signals_by_site(self) -> CachedLoader[list[OpsSignal]]:
        return grouped(self.client.signals_of_sites, lambda s: s.site_id or "")

    @loader
    def all_nodes(self) -> Listing[FleetNode]:
        return Listing(self.client.all_fleet_nodes, self.nodes)

    @loader
    def all_sites(self) -> Listing[Site]:
        return Listing(self.client.all_sites)

    @loader
    def all_hubs(self) -> Listing[MaasHub]:
        return Listing(self.client.all_maas_hubs)

    @loader
    def all_images(self) -> Listing[OsImage]:
        return Listing(self.client.all_images)

    @loader
    def all_profiles(self) -> Listing[ProvisioningProfile]:
        return Listing(self.client.all_profiles)

    @loader
    def all_onboarding(self) -> Listing[OnboardingTask]:
        return Listing(self.client.all_onboarding_tasks, self.onboarding_tasks)

    @loader
    def all_decommission(self) -> Listing[DecommissionTask]:
        return Listing(self.client.all_decommission_tasks, self.decommission_tasks)

    @loader
    def open_signals(self) -> Listing[OpsSignal]:
        return Listing(lambda: self.client.signals_with_status(OPEN_SIGNAL_STATUSES), self.ops_signals)

    @loader
    def all_accounts(self) -> Listing[OperatorAccount]:
        return Listing(self.client.all_operator_accounts)

    @loader
    def roles(self) -> Listing[PlatformRole]:
        return Listing(self.client.platform_roles)

    @loader
    def tenant_revenue(self) -> Listing[TenantRevenue]:
        return Listing(self.client.tenant_revenue)

    @loader
    def gpu_economics(self) -> Listing[GpuEconomics]:
        return Listing(self.client.gpu_economics)

    @loader
    def gpu_skus(self) -> Listing[GpuSku]:
        return Listing(self.client.gpu_skus)

    @loader
    def downloads(self) -> Listing[Download]:
        return Listing(self.client.downloads)

    @loader
    def api_references(self) -> Listing[ApiReference]:
        return Listing(self.client.api_references)

    @loader
    def scheduler_guides(self) -> Listing[SchedulerGuide]:
        return Listing(self.client.scheduler_guides)
