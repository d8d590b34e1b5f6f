"""Typed calls to the workloads service."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from gateway.backends._client import Page, ServiceClient
from gateway.backends.workloads.models import (
    App,
    Workload,
    WorkloadEvent,
    WorkloadMetrics,
)


class WorkloadsClient(ServiceClient):
    """Typed calls to the workloads service."""

    async def list_workloads(
        self, filters: Mapping[str, Iterable[str]], *, limit: int, after: str | None
    ) -> Page[Workload]:
        """A newest-first page of workloads matching the filters."""
        return await self.page("workloads", Workload, filters, limit=limit, after=after)

    async def workloads(self, ids: Sequence[str]) -> list[Workload]:
        """Workloads by id."""
        return await self.batch("workloads", ids, Workload)

    async def on_nodes(self, node_ids: Sequence[str]) -> list[Workload]:
        """Workloads placed on the given GPU nodes (every tenant's: for operator pages)."""
        return await self.all("workloads", Workload, {"node_id": node_ids})

    async def in_statuses(self, statuses: Sequence[str]) -> list[Workload]:
        """Workloads in the given statuses across every tenant (fleet allocation, for operator pages)."""
        return await self.all("workloads", Workload, {"status": statuses})

    async def events(self, workload_ids: Sequence[str]) -> list[WorkloadEvent]:
        """Events of the given workloads."""
        return await self.all("workload-events", WorkloadEvent, {"workload_id": workload_ids})

    async def metrics(self, workload_ids: Sequence[str]) -> list[WorkloadMetrics]:
        """Latest metrics of the given workloads (running ones have some)."""
        return await self.all("workload-metrics", WorkloadMetrics, {"workload_id": workload_ids})

    async def apps(self) -> list[App]:
        """Every app of the catalog."""
        return await self.all("apps", App, {})
