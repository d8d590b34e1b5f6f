"""Per-request loaders of the workloads service: one per resource, batching every read."""

from __future__ import annotations

from gateway.backends._loaders import DomainLoaders, Listing, by_id, grouped
from gateway.backends.workloads.client import WorkloadsClient
from gateway.backends.workloads.models import App, Workload

# What the platform console counts as running on the fleet.
ACTIVE_WORKLOAD_STATUSES = ("provisioning", "running", "stopping")


class WorkloadsLoaders(DomainLoaders):
    """Workloads, their events and metrics (every sample, or only the newest), workloads per node, and the app
    catalog."""

    def __init__(self, client: WorkloadsClient) -> None:
        self.workloads = by_id(client.workloads)
        self.events_by_workload = grouped(client.events, lambda e: e.workload_id)
        self.metrics_by_workload = grouped(client.metrics, lambda m: m.workload_id)
        # At most one sample per workload: for pages that read only the newest, not the series.
        self.latest_metrics_by_workload = grouped(client.latest_metrics, lambda m: m.workload_id)
        self.workloads_by_node = grouped(client.on_nodes, lambda w: w.node_id or "")
        self.active_workloads: Listing[Workload] = Listing(
            lambda: client.in_statuses(ACTIVE_WORKLOAD_STATUSES), self.workloads
        )
        self.apps: Listing[App] = Listing(client.apps)
