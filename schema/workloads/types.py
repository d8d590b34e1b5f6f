"""Workload types: one interface, four kinds (compute, Jupyter, vLLM, training), and the root fields."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.backends.access.models import Project as AccessProject
from gateway.backends.platform.models import GpuNode as PlatformNode
from gateway.backends.workloads import models as backend
from resolvers.account import queries as account
from resolvers.shared import shapes
from resolvers.shared.now import Now, then
from resolvers.workloads import queries as resolve
from resolvers.workloads import rows
from resolvers.workloads.lifecycle import Action, lifecycle_actions
from schema.access.types import Project, User
from schema.account.types import Runway
from schema.platform.types import GpuNode
from schema.shared.types import Info, Money, Node
from schema.workloads.tabs import WorkloadTabs, workload_global_id

if TYPE_CHECKING:
    from schema.storage.types import Bucket
    from schema.workloads.apps import App, AppPort


@strawberry.enum(description="What a workload is.")
class WorkloadKind(Enum):
    COMPUTE = strawberry.enum_value("compute", description="A GPU machine reached over SSH.")
    JUPYTER = strawberry.enum_value("jupyter", description="A JupyterLab app.")
    VLLM = strawberry.enum_value("vllm", description="A vLLM model-serving app.")
    TRAINING = strawberry.enum_value("training", description="A training job app.")


@strawberry.enum(description="Lifecycle status of a workload.")
class WorkloadStatus(Enum):
    PENDING = strawberry.enum_value("pending", description="Waiting for capacity.")
    PROVISIONING = strawberry.enum_value("provisioning", description="Being placed and started.")
    RUNNING = strawberry.enum_value("running", description="Running and billing.")
    STOPPING = strawberry.enum_value("stopping", description="Stopping.")
    STOPPED = strawberry.enum_value("stopped", description="Stopped; not billing GPUs.")
    FAILED = strawberry.enum_value("failed", description="Stopped by a failure; see statusReason.")
    TERMINATING = strawberry.enum_value("terminating", description="Being released.")
    TERMINATED = strawberry.enum_value("terminated", description="Released for good.")


@strawberry.type(description="An action on a workload: whether it is possible now and why.")
class WorkloadAction:
    kind: str = strawberry.field(description="start, stop, restart, terminate, connect, open_notebook, ...")
    label: str = strawberry.field(description="Button label.")
    enabled: bool = strawberry.field(description="True when the action is possible now.")
    reason: str = strawberry.field(description="What it does when enabled, or why it is disabled.")
    route: str | None = strawberry.field(description="Console route the action navigates to, if any.")

    @classmethod
    def of(cls, action: Action) -> WorkloadAction:
        """From the resolvers' action."""
        return cls(
            kind=action.kind, label=action.label, enabled=action.enabled, reason=action.reason, route=action.route
        )


@strawberry.type(description="A suggested next step with the route where to take it.")
class NextStep:
    title: str = strawberry.field(description="Short title.")
    description: str = strawberry.field(description="Why and what.")
    route: str = strawberry.field(description="Console route.")


@strawberry.type(description="GPUs allocated to a workload.")
class GpuAllocation:
    model: str = strawberry.field(description="GPU model.")
    count: int = strawberry.field(description="Number of GPUs.")
    memory_gib: int = strawberry.field(description="Memory per GPU in GiB.")


@strawberry.type(description="What a workload costs.")
class WorkloadCost:
    hourly: shapes.Money = strawberry.field(description="Price per hour while billing.", graphql_type=Money)
    accrued: shapes.Money = strawberry.field(description="Billed so far.", graphql_type=Money)
    billing: bool = strawberry.field(description="True while GPU time is billed.")


@strawberry.interface(description="A GPU workload. Every kind shares these fields; app kinds add their own.")
class Workload(Node):
    name: str = strawberry.field(description="Workload name.")
    kind: WorkloadKind = strawberry.field(description="Which kind of workload this is.")
    status: WorkloadStatus = strawberry.field(description="Lifecycle status.")
    status_reason: str | None = strawberry.field(
        description="Why the workload is in its status: what a pending or provisioning workload waits for, and "
        "for a failure whether it failed during provisioning or while running, and why."
    )
    created_at: datetime = strawberry.field(description="When the workload was created.")
    gpu: GpuAllocation = strawberry.field(description="GPUs allocated.")
    model: strawberry.Private[backend.Workload]

    @strawberry.field(description="Seconds since creation.")
    def age_seconds(self) -> int:
        return resolve.age_seconds(self.model)

    @strawberry.field(description="Hourly and accrued cost.")
    def cost(self) -> WorkloadCost:
        found = resolve.cost(self.model)
        return WorkloadCost(hourly=found.hourly, accrued=found.accrued, billing=found.billing)

    @strawberry.field(
        description="The tenant's balance, tenant-wide hourly burn and how long it lasts (null without a billing "
        "account); one billing call for a whole page.",
        graphql_type=Runway | None,
    )
    def runway(self, info: Info) -> Now[Runway | None]:
        return then(rows.runway(info.context, self.model), _runway)

    @strawberry.field(description="The action the page leads with, by kind and status.")
    def primary_action(self) -> WorkloadAction:
        return WorkloadAction.of(resolve.primary_action(self.model))

    @strawberry.field(description="Start, stop, restart and terminate, each with whether it is possible and why.")
    def actions(self) -> list[WorkloadAction]:
        return list(_actions(self.model.status, self.model.status_reason))

    @strawberry.field(
        description="Suggested next steps (null with an error when a backend they need fails).",
        graphql_type=list[NextStep] | None,
    )
    def suggested_next_steps(self, info: Info) -> Now[list[NextStep] | None]:
        return then(rows.next_steps(info.context, self.model), _next_steps)

    @strawberry.field(
        description="The GPU node the workload runs on (null when not placed).", graphql_type=GpuNode | None
    )
    def node(self, info: Info) -> Now[GpuNode | None]:
        return then(rows.node(info.context, self.model), _node)

    @strawberry.field(description="The project that owns the workload.", graphql_type=Project | None)
    def project(self, info: Info) -> Now[Project | None]:
        return then(rows.project(info.context, self.model), _project)

    @strawberry.field(description="Who launched the workload.")
    async def owner(self, info: Info) -> User | None:
        found = await resolve.owner(info.context, self.model)
        return User.of(found) if found else None

    @strawberry.field(description="Typed detail tabs.")
    def tabs(self) -> WorkloadTabs:
        return WorkloadTabs(model=self.model)

    @strawberry.field(
        description="The catalog app the workload was launched from (its id and route link to the app); null for "
        "plain compute launches."
    )
    async def app(self, info: Info) -> Annotated[App, strawberry.lazy("schema.workloads.apps")] | None:
        from resolvers.workloads.apps import app_of_workload
        from schema.workloads.apps import App

        found = await app_of_workload(info.context, self.model)
        return App.of(found) if found else None

    @strawberry.field(description="Ports the workload serves on: its app's, kept from the launch (empty for none).")
    def ports(self) -> list[Annotated[AppPort, strawberry.lazy("schema.workloads.apps")]]:
        from schema.workloads.apps import AppPort

        return [AppPort(name=p.name, port=p.port, protocol=p.protocol) for p in self.model.ports]


@strawberry.type(description="A GPU machine reached over SSH.")
class ComputeWorkload(Workload):
    """Compute workload."""


@strawberry.type(description="JupyterLab settings.")
class JupyterNotebook:
    kernel: str = strawberry.field(description="Default kernel.")
    idle_timeout_minutes: int = strawberry.field(description="Minutes of inactivity before the notebook stops.")
    path: str = strawberry.field(description="Console-relative path that opens the notebook.")


@strawberry.type(description="A JupyterLab app workload.")
class JupyterWorkload(Workload):
    notebook: JupyterNotebook | None = strawberry.field(description="Notebook settings.")


@strawberry.type(description="vLLM serving settings. API keys and internal endpoints are never included.")
class VllmServing:
    model_name: str = strawberry.field(description="Model served.")
    max_model_length: int = strawberry.field(description="Maximum context length in tokens.")
    tensor_parallel_size: int = strawberry.field(description="GPUs per replica.")
    replicas: int = strawberry.field(description="Replicas serving.")
    route: str = strawberry.field(description="Public route of the OpenAI-compatible endpoint.")
    tokens_per_second: float | None = strawberry.field(description="Recent throughput (null unless running).")


@strawberry.type(description="A vLLM model-serving app workload.")
class VllmWorkload(Workload):
    serving: VllmServing | None = strawberry.field(description="Serving settings.")


@strawberry.type(description="Training progress.")
class TrainingProgress:
    framework: str = strawberry.field(description="Training framework.")
    epochs_total: int = strawberry.field(description="Epochs planned.")
    epoch_current: int = strawberry.field(description="Epochs completed.")
    fraction_complete: float = strawberry.field(description="Progress, 0 to 1.")
    loss: float | None = strawberry.field(description="Latest training loss.")
    model: strawberry.Private[backend.TrainingSection]

    @strawberry.field(description="Bucket checkpoints are written to.")
    async def checkpoint_bucket(self, info: Info) -> Annotated[Bucket, strawberry.lazy("schema.storage.types")] | None:
        return await _bucket(info, self.model.checkpoint_bucket_id)

    @strawberry.field(description="Bucket the dataset is read from.")
    async def dataset_bucket(self, info: Info) -> Annotated[Bucket, strawberry.lazy("schema.storage.types")] | None:
        return await _bucket(info, self.model.dataset_bucket_id)


async def _bucket(info: Info, bucket_id: str | None) -> Bucket | None:
    from resolvers.storage.queries import get_buckets
    from schema.storage.types import Bucket

    if bucket_id is None:
        return None
    (found,) = await get_buckets(info.context, [bucket_id])
    return Bucket.of(found) if found else None


@strawberry.type(description="A training job app workload.")
class TrainingWorkload(Workload):
    training: TrainingProgress | None = strawberry.field(description="Progress and buckets.")


@lru_cache(maxsize=1024)
def _actions(status: str, status_reason: str | None) -> tuple[WorkloadAction, ...]:
    """The lifecycle actions of a status (and failure reason): rows in the same state share the same objects."""
    return tuple(WorkloadAction.of(a) for a in lifecycle_actions(status, status_reason))


def _runway(found: account.Runway | None) -> Runway | None:
    return Runway.of(found) if found else None


def _next_steps(steps: list[resolve.NextStep]) -> list[NextStep] | None:
    return [NextStep(title=s.title, description=s.description, route=s.route) for s in steps]


def _node(found: PlatformNode | None) -> GpuNode | None:
    return GpuNode.of(found) if found else None


def _project(found: AccessProject | None) -> Project | None:
    return Project.of(found) if found else None


def workload_type(model: backend.Workload) -> Workload:
    """The GraphQL object of a workload, by kind."""
    common: dict[str, Any] = {  # the fields every kind shares
        "id": workload_global_id(model),
        "name": model.name,
        "kind": WorkloadKind(model.kind),
        "status": WorkloadStatus(model.status),
        "status_reason": model.status_reason,
        "created_at": model.created_at,
        "gpu": GpuAllocation(model=model.gpu.model, count=model.gpu.count, memory_gib=model.gpu.memory_gib),
        "model": model,
    }
    if model.kind == "jupyter":
        j = model.jupyter
        notebook = (
            JupyterNotebook(kernel=j.kernel, idle_timeout_minutes=j.idle_timeout_minutes, path=j.notebook_path)
            if j
            else None
        )
        return JupyterWorkload(notebook=notebook, **common)
    if model.kind == "vllm":
        v = model.vllm
        serving = (
            VllmServing(
                model_name=v.model,
                max_model_length=v.max_model_len,
                tensor_parallel_size=v.tensor_parallel_size,
                replicas=v.replicas,
                route=v.route,
                tokens_per_second=v.tokens_per_second,
            )
            if v
            else None
        )
        return VllmWorkload(serving=serving, **common)
    if model.kind == "training":
        t = model.training
        progress = (
            TrainingProgress(
                framework=t.framework,
                epochs_total=t.epochs_total,
                epoch_current=t.epoch_current,
                fraction_complete=t.epoch_current / t.epochs_total if t.epochs_total else 0.0,
                loss=t.loss,
                model=t,
            )
            if t
            else None
        )
        return TrainingWorkload(training=progress, **common)
    return ComputeWorkload(**common)


@strawberry.input(description="Narrow the workload list; every given condition must hold.")
class WorkloadFilter:
    project_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Only these projects.")
    kinds: list[WorkloadKind] | None = strawberry.field(default=None, description="Only these kinds.")
    statuses: list[WorkloadStatus] | None = strawberry.field(default=None, description="Only these statuses.")
