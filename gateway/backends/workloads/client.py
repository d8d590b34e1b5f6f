"""The workloads service: client and allow-list models."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Literal

from gateway.backends._client import AllowListModel, Page, ServiceClient
from gateway.backends.catalog import AppCatalogCalls

WorkloadKind = Literal["compute", "jupyter", "vllm", "training"]
WorkloadStatus = Literal[
    "pending", "provisioning", "running", "stopping", "stopped", "failed", "terminating", "terminated"
]


class GpuAllocation(AllowListModel):
    """GPUs a workload holds."""

    model: str
    count: int
    memory_gib: int


class EnvEntry(AllowListModel):
    """One environment variable; ``value`` is dropped by the resolvers when secret."""

    name: str
    value: str | None = None
    secret: bool = False


class SshEndpoint(AllowListModel):
    """Public SSH entry point (host, port, user); keys never travel here."""

    host: str
    port: int
    user: str


class JupyterSection(AllowListModel):
    """Notebook server settings; the token is not part of the allow-list."""

    kernel: str
    idle_timeout_minutes: int
    notebook_path: str


class VllmSection(AllowListModel):
    """Model serving settings; API keys and internal endpoints are not part of the allow-list."""

    model: str
    max_model_len: int
    tensor_parallel_size: int
    replicas: int
    route: str
    tokens_per_second: float | None = None


class TrainingSection(AllowListModel):
    """Training job progress and the buckets it reads and writes."""

    framework: str
    epochs_total: int
    epoch_current: int
    loss: float | None = None
    checkpoint_bucket_id: str | None = None
    dataset_bucket_id: str | None = None


class Workload(AllowListModel):
    """A workload as the gateway may expose it."""

    id: str
    tenant_id: str
    project_id: str
    owner_id: str
    kind: WorkloadKind
    name: str
    status: WorkloadStatus
    status_reason: str | None = None
    node_id: str | None = None
    gpu: GpuAllocation
    hourly_rate_cents: int
    created_at: datetime
    started_at: datetime | None = None
    completed_run_seconds: int = 0
    image: str
    command: str | None = None
    env: list[EnvEntry] = []
    ssh: SshEndpoint | None = None
    jupyter: JupyterSection | None = None
    vllm: VllmSection | None = None
    training: TrainingSection | None = None


class WorkloadEvent(AllowListModel):
    """A lifecycle transition or an activity entry."""

    id: str
    workload_id: str
    type: str
    from_status: str | None = None
    to_status: str | None = None
    at: datetime
    message: str
    actor_id: str | None = None


class MetricSource(AllowListModel):
    """A link to where a metric comes from."""

    label: str
    href: str


class WorkloadMetrics(AllowListModel):
    """The latest metrics sample of a running workload."""

    id: str
    workload_id: str
    gpu_utilization: float
    gpu_memory_used_gib: float
    power_watts: int
    sampled_at: datetime
    sources: list[MetricSource] = []


class WorkloadsClient(AppCatalogCalls, ServiceClient):
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
