"""The workload detail tabs: overview, connect, metrics, events, storage, config."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from gateway.backends.workloads import models as backend
from gateway.ids import encode_global_id
from resolvers.shared import shapes
from resolvers.shared.now import Now, then
from resolvers.workloads import queries as resolve
from resolvers.workloads import rows
from schema.shared.types import Availability, Info

if TYPE_CHECKING:
    from schema.storage.types import Bucket


@strawberry.enum(description="Where a lifecycle state sits on a workload's timeline.")
class TimelineState(Enum):
    DONE = strawberry.enum_value("done", description="Reached and left.")
    CURRENT = strawberry.enum_value("current", description="The workload is in this state now.")
    UPCOMING = strawberry.enum_value("upcoming", description="Expected next on the normal path.")


@strawberry.type(description="One lifecycle state on the timeline, in lifecycle order.")
class LifecycleStep:
    status: str = strawberry.field(description="The lifecycle status (pending, provisioning, running, ...).")
    state: TimelineState = strawberry.field(description="Done, current or upcoming.")
    at: datetime | None = strawberry.field(description="When the workload last entered it (null if upcoming).")


@strawberry.type(description="Something that happened to a workload.")
class WorkloadEvent:
    id: strawberry.ID = strawberry.field(description="Event id, unique within the workload service.")
    type: str = strawberry.field(description="status_changed or activity.")
    message: str = strawberry.field(description="What happened.")
    at: datetime = strawberry.field(description="When it happened.")
    from_status: str | None = strawberry.field(description="Status before a status change.")
    to_status: str | None = strawberry.field(description="Status after a status change.")

    @classmethod
    def of(cls, model: backend.WorkloadEvent) -> WorkloadEvent:
        """From the workloads service's event."""
        return cls(
            id=strawberry.ID(model.id),
            type=model.type,
            message=model.message,
            at=model.at,
            from_status=model.from_status,
            to_status=model.to_status,
        )


@strawberry.type(description="Lifecycle timeline and latest activity.")
class WorkloadOverviewTab:
    model: strawberry.Private[backend.Workload]

    @strawberry.field(description="Lifecycle states reached and upcoming, in lifecycle order.")
    async def timeline(self, info: Info) -> list[LifecycleStep] | None:
        steps = await resolve.timeline(info.context, self.model)
        return [LifecycleStep(status=s.status, state=TimelineState(s.state), at=s.at) for s in steps]

    @strawberry.field(description="The latest five events of any type, newest first.")
    async def recent_activity(self, info: Info) -> list[WorkloadEvent] | None:
        return [WorkloadEvent.of(e) for e in await resolve.recent_activity(info.context, self.model)]


@strawberry.type(description="One way to connect to a workload. Credentials are never included.")
class ConnectMethod:
    kind: str = strawberry.field(
        description="ssh, jupyter, http_endpoint, app_port (an app's web port) or tcp_tunnel (an app's TCP port)."
    )
    label: str = strawberry.field(description="Display label.")
    command: str | None = strawberry.field(description="Command to run, without credentials.")
    url: str | None = strawberry.field(description="Console-relative URL or route to open.")
    availability: shapes.Availability = strawberry.field(
        description="Available only while the workload runs.", graphql_type=Availability
    )
    credential_hint: str = strawberry.field(description="Where the credential for this method comes from.")


@strawberry.type(description="How to connect to the workload.")
class WorkloadConnectTab:
    methods: list[ConnectMethod] = strawberry.field(description="Connect methods for this kind of workload.")


@strawberry.type(description="A link to where a metric is collected.")
class MetricSourceLink:
    label: str = strawberry.field(description="Display label.")
    href: str = strawberry.field(description="Console-relative link.")


@strawberry.type(description="Serving figures of a vLLM workload at one sample.")
class ServingMetrics:
    tokens_per_second: float = strawberry.field(description="Generated tokens per second.")
    requests_per_second: float = strawberry.field(description="Requests answered per second.")
    latency_p50_ms: float = strawberry.field(description="Median request latency, milliseconds.")
    latency_p95_ms: float = strawberry.field(description="95th percentile request latency, milliseconds.")


@strawberry.type(description="Training progress at one sample.")
class TrainingMetrics:
    epoch: int = strawberry.field(description="Epochs completed.")
    epochs_total: int = strawberry.field(description="Epochs planned.")
    step: int = strawberry.field(description="Optimizer steps taken.")
    loss: float = strawberry.field(description="Training loss.")


@strawberry.type(description="A metrics sample: GPU figures, plus serving (vLLM) or training figures by kind.")
class MetricsSample:
    gpu_utilization: float = strawberry.field(description="GPU utilisation, 0 to 1.")
    gpu_memory_used_gib: float = strawberry.field(description="GPU memory in use, GiB.")
    power_watts: int = strawberry.field(description="Power draw in watts.")
    sampled_at: datetime = strawberry.field(description="When the sample was taken.")
    serving: ServingMetrics | None = strawberry.field(
        default=None, description="Tokens/s and latency (vLLM workloads; null for other kinds)."
    )
    training: TrainingMetrics | None = strawberry.field(
        default=None, description="Epoch, step and loss (training workloads; null for other kinds)."
    )

    @classmethod
    def of(cls, sample: backend.WorkloadMetrics) -> MetricsSample:
        """From the workloads service's sample."""
        serving, training = sample.serving, sample.training
        return cls(
            gpu_utilization=sample.gpu_utilization,
            gpu_memory_used_gib=sample.gpu_memory_used_gib,
            power_watts=sample.power_watts,
            sampled_at=sample.sampled_at,
            serving=None
            if serving is None
            else ServingMetrics(
                tokens_per_second=serving.tokens_per_second,
                requests_per_second=serving.requests_per_second,
                latency_p50_ms=serving.latency_p50_ms,
                latency_p95_ms=serving.latency_p95_ms,
            ),
            training=None
            if training is None
            else TrainingMetrics(
                epoch=training.epoch, epochs_total=training.epochs_total, step=training.step, loss=training.loss
            ),
        )


@strawberry.type(description="Latest metrics and their sources, or why there are none.")
class WorkloadMetricsTab:
    availability: shapes.Availability = strawberry.field(
        description="Whether metrics are available.", graphql_type=Availability
    )
    latest: MetricsSample | None = strawberry.field(description="Latest sample (null when unavailable).")
    sources: list[MetricSourceLink] = strawberry.field(description="Where the metrics come from.")
    series: list[MetricsSample] = strawberry.field(
        default_factory=list,
        description="The recent samples, oldest first (at most 48): the loss curve of a training run, the "
        "throughput and latency of a vLLM server.",
    )


@strawberry.type(description="A bucket mounted into the workload.")
class WorkloadMount:
    mount_path: str = strawberry.field(description="Path inside the workload.")
    read_only: bool = strawberry.field(description="True when mounted read-only.")
    bucket: Annotated[Bucket, strawberry.lazy("schema.storage.types")] | None = strawberry.field(
        description="The bucket (null if it was deleted or is not visible to the viewer)."
    )


@strawberry.type(description="Storage mounted into the workload.")
class WorkloadStorageTab:
    mounts: list[WorkloadMount] = strawberry.field(description="Mounts resolved to buckets.")


@strawberry.type(description="One effective setting. Secret values are never included.")
class ConfigEntry:
    name: str = strawberry.field(description="Setting name.")
    value: str | None = strawberry.field(description="Value, or null when redacted.")
    redacted: bool = strawberry.field(description="True when the value is a secret and withheld.")


@strawberry.type(description="The safe effective configuration.")
class WorkloadConfigTab:
    image: str = strawberry.field(description="Container image.")
    command: str | None = strawberry.field(description="Entry command, if overridden.")
    gpu_model: str = strawberry.field(description="GPU model allocated.")
    gpu_count: int = strawberry.field(description="GPUs allocated.")
    environment: list[ConfigEntry] = strawberry.field(description="Environment, secret values redacted.")


@strawberry.type(description="Typed tabs of the workload detail page. A tab whose backend fails is null with an error.")
class WorkloadTabs:
    model: strawberry.Private[backend.Workload]

    @strawberry.field(description="Lifecycle timeline and recent activity.")
    def overview(self) -> WorkloadOverviewTab:
        return WorkloadOverviewTab(model=self.model)

    @strawberry.field(description="How to connect.")
    def connect(self) -> WorkloadConnectTab:
        return WorkloadConnectTab(
            methods=[
                ConnectMethod(
                    kind=m.kind,
                    label=m.label,
                    command=m.command,
                    url=m.url,
                    availability=m.availability,
                    credential_hint=m.credential_hint,
                )
                for m in resolve.connect_methods(self.model)
            ]
        )

    @strawberry.field(description="Latest metrics and metric source links.")
    async def metrics(self, info: Info) -> WorkloadMetricsTab | None:
        view = await resolve.metrics(info.context, self.model)
        sample = view.sample
        return WorkloadMetricsTab(
            availability=view.availability,
            latest=None if sample is None else MetricsSample.of(sample),
            sources=[MetricSourceLink(label=label, href=href) for label, href in view.sources],
            series=[MetricsSample.of(s) for s in view.series],
        )

    @strawberry.field(description="Every event, newest first.")
    async def events(self, info: Info) -> list[WorkloadEvent] | None:
        return [WorkloadEvent.of(e) for e in await resolve.events(info.context, self.model)]

    @strawberry.field(description="Storage mounts resolved to buckets.", graphql_type=WorkloadStorageTab | None)
    def storage(self, info: Info) -> Now[WorkloadStorageTab | None]:
        return then(rows.mounts(info.context, self.model), _storage_tab)

    @strawberry.field(description="Safe effective configuration.")
    def config(self) -> WorkloadConfigTab:
        config = resolve.effective_config(self.model)
        return WorkloadConfigTab(
            image=config.image,
            command=config.command,
            gpu_model=config.gpu_model,
            gpu_count=config.gpu_count,
            environment=[ConfigEntry(name=e.name, value=e.value, redacted=e.redacted) for e in config.environment],
        )


def workload_global_id(model: backend.Workload) -> strawberry.ID:
    """The global id every workload kind shares the type name of."""
    return strawberry.ID(encode_global_id("Workload", model.id))


def _storage_tab(views: list[resolve.MountView]) -> WorkloadStorageTab | None:
    from schema.storage.types import Bucket

    return WorkloadStorageTab(
        mounts=[
            WorkloadMount(
                mount_path=v.mount.mount_path,
                read_only=v.mount.read_only,
                bucket=Bucket.of(v.bucket) if v.bucket else None,
            )
            for v in views
        ]
    )
