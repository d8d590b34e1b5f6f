"""Allow-list models of the workloads service: what the gateway keeps of each document."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from gateway.backends._client import AllowListModel

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


class WorkloadPort(AllowListModel):
    """A port an app workload serves on (the app's own, kept from its launch)."""

    name: str
    port: int
    protocol: str


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
    accrued_cents: int | None = None  # derived by the service at read time from the runs, on its clock
    image: str
    command: str | None = None
    env: list[EnvEntry] = []
    ssh: SshEndpoint | None = None
    jupyter: JupyterSection | None = None
    vllm: VllmSection | None = None
    training: TrainingSection | None = None
    app_slug: str | None = None
    ports: list[WorkloadPort] = []


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


class ServingSample(AllowListModel):
    """Serving figures of a vLLM workload at one sample."""

    tokens_per_second: float
    requests_per_second: float
    latency_p50_ms: float
    latency_p95_ms: float


class TrainingSample(AllowListModel):
    """Training progress at one sample."""

    epoch: int
    epochs_total: int
    step: int
    loss: float


class WorkloadMetrics(AllowListModel):
    """One metrics sample of a running workload (GPU figures, plus serving or training figures by kind)."""

    id: str
    workload_id: str
    gpu_utilization: float
    gpu_memory_used_gib: float
    power_watts: int
    sampled_at: datetime
    sources: list[MetricSource] = []
    serving: ServingSample | None = None
    training: TrainingSample | None = None


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
