"""Per-request loaders of the workloads service: one per resource, batching every read, each made when first read."""

from __future__ import annotations

from gateway.backends._loaders import CachedLoader, DomainLoaders, Listing, OnCreate, by_id, grouped, loader
from gateway.backends.workloads.client import WorkloadsClient
from gateway.backends.workloads.models import App, Workload, WorkloadEvent, WorkloadMetrics

# What the platform console counts as running on the fleet.
ACTIVE_WORKLOAD_STATUSES = ("provisioning", "running", "stopping")


class WorkloadsLoaders(DomainLoaders):
    """Workloads, their events and metrics (every sample, or only the newest), workloads per node, and the app
    catalog."""

    def __init__(self, client: WorkloadsClient, on_create: OnCreate | None = None) -> None:
        super().__init__(on_create)
        self.client = client

    @loader
    def workloads(self) -> CachedLoader[Workload | None]:
        return by_id(self.client.workloads)

    @loader
    def events_by_workload(self) -> CachedLoader[list[WorkloadEvent]]:
        return grouped(self.client.events, lambda e: e.workload_id)

    @loader
    def metrics_by_workload(self) -> CachedLoader[list[WorkloadMetrics]]:
        return grouped(self.client.metrics, lambda m: m.workload_id)

    @loader
    def latest_metrics_by_workload(self) -> CachedLoader[list[WorkloadMetrics]]:
        # At most one sample per workload: for pages that read only the newest, not the series.
        return grouped(self.client.latest_metrics, lambda m: m.workload_id)

    @loader
    def workloads_by_node(self) -> CachedLoader[list[Workload]]:
        return grouped(self.client.on_nodes, lambda w: w.node_id or "")

    @loader
    def active_workloads(self) -> Listing[Workload]:
        return Listing(lambda: self.client.in_statuses(ACTIVE_WORKLOAD_STATUSES), self.workloads)

    @loader
    def apps(self) -> Listing[App]:
        return Listing(self.client.apps)
