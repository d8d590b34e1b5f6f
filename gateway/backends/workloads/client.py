"""Typed calls to the workloads service."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from gateway.backends._client import Page
from gateway.backends._commands import command, command_path
from gateway.backends.drafts import DraftCalls
from gateway.backends.workloads.models import (
    App,
    Workload,
    WorkloadEvent,
    WorkloadMetrics,
)


class WorkloadsClient(DraftCalls):
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
        """Every stored metrics sample of the given workloads (running ones have some), newest first."""
        return await self.all("workload-metrics", WorkloadMetrics, {"workload_id": workload_ids})

    async def latest_metrics(self, workload_ids: Sequence[str]) -> list[WorkloadMetrics]:
        """The newest metrics sample of each of the given workloads that has one (the service picks it)."""
        # ``latest`` is a listing parameter, not a filter; the listing call passes it on the same way.
        return await self.all("workload-metrics", WorkloadMetrics, {"workload_id": workload_ids, "latest": ("true",)})

    async def apps(self) -> list[App]:
        """Every app of the catalog."""
        return await self.all("apps", App, {})

    async def act(self, workload_id: str, action: str, *, key: str, actor: str) -> Workload:
        """Run a lifecycle action (stop, start, restart, terminate); the workload as it is after it."""
        return await command(
            self, command_path("workloads", workload_id, action), {}, Workload, key=key, actor_id=actor
        )

    async def create_workload(
        self,
        *,
        tenant_id: str,
        project_id: str,
        owner_id: str,
        name: str,
        app_slug: str | None,
        gpu_model: str | None,
        gpu_count: int | None,
        region: str | None,
        image: str | None,
        command_line: str | None,
        env: Sequence[Mapping[str, object]],
        settings: Mapping[str, object],
        ssh_key_ids: Sequence[str],
        service_account_id: str | None,
        key: str,
        actor: str,
    ) -> Workload:
        """Launch a workload (an app's when ``app_slug`` names one); the service validates what is missing."""
        body = {
            "tenant_id": tenant_id,
            "project_id": project_id,
            "owner_id": owner_id,
            "name": name,
            "app_slug": app_slug,
            "gpu": {"model": gpu_model, "count": gpu_count},
            "region": region,
            "image": image,
            "command": command_line,
            "env": [dict(entry) for entry in env],  # [{name, value}], in the order given
            "settings": dict(settings),
            "ssh_key_ids": list(ssh_key_ids),
            "service_account_id": service_account_id,
        }
        return await command(self, command_path("workloads"), body, Workload, key=key, actor_id=actor)
