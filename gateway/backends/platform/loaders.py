"""Per-request loaders of the platform service.

Two ways to reach the same data, so each page makes one call per resource type: the platform console reads
whole ``Listing``s (every section shares them), detail pages read by id and by parent id through batched
loaders. A listing primes the by-id loader it covers, so a by-id read after it is free. Sites, MAAS hubs,
images, profiles, operator accounts, roles and the catalogs are few: every page reads them whole.
"""

from __future__ import annotations

from gateway.backends._loaders import DomainLoaders, Listing, by_id, grouped
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

    def __init__(self, client: PlatformClient) -> None:
        self.nodes = by_id(client.nodes)
        self.onboarding_tasks = by_id(client.onboarding_tasks)
        self.decommission_tasks = by_id(client.decommission_tasks)
        self.ops_signals = by_id(client.ops_signals)
        self.nodes_by_site = grouped(client.nodes_of_sites, lambda n: n.site_id)
        self.onboarding_by_node = grouped(client.onboarding_of_nodes, lambda t: t.node_id)
        self.onboarding_by_site = grouped(client.onboarding_of_sites, lambda t: t.site_id)
        self.decommission_by_node = grouped(client.decommission_of_nodes, lambda t: t.node_id)
        self.decommission_by_site = grouped(client.decommission_of_sites, lambda t: t.site_id)
        self.activity_by_node = grouped(client.activity_of_nodes, lambda a: a.node_id)
        self.activity_by_site = grouped(client.activity_of_sites, lambda a: a.site_id)
        self.signals_by_node = grouped(client.signals_of_nodes, lambda s: s.node_id or "")
        self.signals_by_site = grouped(client.signals_of_sites, lambda s: s.site_id or "")

        self.all_nodes: Listing[FleetNode] = Listing(client.all_fleet_nodes, self.nodes)
        self.all_sites: Listing[Site] = Listing(client.all_sites)
        self.all_hubs: Listing[MaasHub] = Listing(client.all_maas_hubs)
        self.all_images: Listing[OsImage] = Listing(client.all_images)
        self.all_profiles: Listing[ProvisioningProfile] = Listing(client.all_profiles)
        self.all_onboarding: Listing[OnboardingTask] = Listing(client.all_onboarding_tasks, self.onboarding_tasks)
        self.all_decommission: Listing[DecommissionTask] = Listing(
            client.all_decommission_tasks, self.decommission_tasks
        )
        self.open_signals: Listing[OpsSignal] = Listing(
            lambda: client.signals_with_status(OPEN_SIGNAL_STATUSES), self.ops_signals
        )
        self.all_accounts: Listing[OperatorAccount] = Listing(client.all_operator_accounts)
        self.roles: Listing[PlatformRole] = Listing(client.platform_roles)
        self.tenant_revenue: Listing[TenantRevenue] = Listing(client.tenant_revenue)
        self.gpu_economics: Listing[GpuEconomics] = Listing(client.gpu_economics)
        self.gpu_skus: Listing[GpuSku] = Listing(client.gpu_skus)
        self.downloads: Listing[Download] = Listing(client.downloads)
        self.api_references: Listing[ApiReference] = Listing(client.api_references)
        self.scheduler_guides: Listing[SchedulerGuide] = Listing(client.scheduler_guides)
