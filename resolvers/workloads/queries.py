"""Workloads: listing, detail and everything derived for the workbench and detail pages."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from gateway.backends._loaders import retrieve_outcome
from gateway.backends.access.models import Project, User
from gateway.backends.platform.models import GpuNode
from gateway.backends.storage.models import Bucket, Mount
from gateway.backends.workloads.models import Workload, WorkloadEvent, WorkloadMetrics
from gateway.context import RequestContext
from resolvers.shared.links import route
from resolvers.shared.scope import filter_values
from resolvers.shared.scoped import ScopedResource
from resolvers.shared.shapes import AVAILABLE, Availability, Money, PageOf, empty, now, runtime_condition
from resolvers.workloads import lifecycle
from resolvers.workloads.lifecycle import Action, TimelineStep

SECRET_NAME_PARTS = ("TOKEN", "SECRET", "KEY", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE", "AUTH")
RECENT_ACTIVITY = 5
METRICS_SERIES = 48  # samples in the metrics tab's series (a day at the services' half-hour cadence)


@dataclass(frozen=True)
class WorkloadCost:
    """What a workload costs per hour and has cost so far."""

    hourly: Money
    accrued: Money
    billing: bool


@dataclass(frozen=True)
class NextStep:
    """A suggestion for what to do next, with where to do it."""

    title: str
    description: str
    route: str


@dataclass(frozen=True)
class ConnectMethod:
    """One way to reach a workload; never carries a credential."""

    kind: str
    label: str
    command: str | None
    url: str | None
    availability: Availability
    credential_hint: str


@dataclass(frozen=True)
class MetricsView:
    """The metrics tab: the latest sample (if running) and where the metrics come from."""

    availability: Availability
    sample: WorkloadMetrics | None
    sources: list[tuple[str, str]]
    series: list[WorkloadMetrics] = field(default_factory=list)


@dataclass(frozen=True)
class MountView:
    """A storage mount resolved to its bucket (None if the bucket is gone or not visible)."""

    mount: Mount
    bucket: Bucket | None


@dataclass(frozen=True)
class ConfigEntry:
    """One effective setting; secret values are never included."""

    name: str
    value: str | None
    redacted: bool


@dataclass(frozen=True)
class EffectiveConfig:
    """The safe effective configuration of a workload."""

    image: str
    command: str | None
    gpu_model: str
    gpu_count: int
    environment: list[ConfigEntry]


def console_route(workload: Workload, tab: str | None = None) -> str:
    """The console route of a workload (or one of its tabs)."""
    return route("/workloads/{id}", workload.id, tab=tab)


WORKLOADS: ScopedResource[Workload] = ScopedResource(
    "workload", lambda ctx: ctx.backends.workloads.list_workloads, lambda ctx: ctx.loaders.workloads.workloads
)


async def list_workloads(
    ctx: RequestContext,
    *,
    first: int,
    after: str | None,
    project_ids: Sequence[str] | None,
    kinds: Sequence[str] | None,
    statuses: Sequence[str] | None,
) -> PageOf[Workload]:
    """A page of the workloads the viewer may see, newest first."""
    filters = {"kind": filter_values(kinds, "filter.kinds"), "status": filter_values(statuses, "filter.statuses")}
    return await WORKLOADS.page(ctx, first=first, after=after, project_ids=project_ids, filters=filters)


async def get_workloads(ctx: RequestContext, ids: Sequence[str]) -> list[Workload | None]:
    """Workloads by id; None for missing or out-of-scope ids."""
    return await WORKLOADS.get_many(ctx, ids)


async def get_workload(ctx: RequestContext, workload_id: str) -> Workload:
    """One workload, or ``NotFound`` (also when out of scope)."""
    return await WORKLOADS.get(ctx, workload_id)


def running_seconds(workload: Workload, at: datetime | None = None) -> int:
    """Seconds of GPU time billed so far."""
    seconds = workload.completed_run_seconds
    if workload.started_at is not None and workload.status in lifecycle.BILLING_STATES:
        seconds += max(0, int(((at or now()) - workload.started_at).total_seconds()))
    return seconds


def cost(workload: Workload) -> WorkloadCost:
    """Hourly rate and accrued cost."""
    return WorkloadCost(
        hourly=Money.from_cents(workload.hourly_rate_cents),
        accrued=Money.from_cents(
            workload.accrued_cents
            if workload.accrued_cents is not None  # the service's figure: the same its billing sums
            else workload.hourly_rate_cents * running_seconds(workload) / 3600
        ),
        billing=workload.status in lifecycle.BILLING_STATES,
    )


def age_seconds(workload: Workload) -> int:
    """Seconds since the workload was created."""
    return max(0, int((now() - workload.created_at).total_seconds()))


def primary_action(workload: Workload) -> Action:
    """The one action the page leads with, by kind and status."""
    web_port = next((f"{p.name} (port {p.port})" for p in workload.ports if p.protocol == "http"), None)
    return lifecycle.primary_action(
        workload.kind, workload.status, workload.status_reason, console_route(workload), workload.app_slug, web_port
    )


async def project(ctx: RequestContext, workload: Workload) -> Project | None:
    """The project that owns the workload."""
    return await ctx.loaders.access.projects.load(workload.project_id)


async def owner(ctx: RequestContext, workload: Workload) -> User | None:
    """Who launched the workload."""
    return await ctx.loaders.access.users.load(workload.owner_id)


async def node(ctx: RequestContext, workload: Workload) -> GpuNode | None:
    """The GPU node the workload runs on, if placed."""
    return await ctx.loaders.platform.nodes.load(workload.node_id) if workload.node_id else None


async def events(ctx: RequestContext, workload: Workload) -> list[WorkloadEvent]:
    """Every event, newest first."""
    found = await ctx.loaders.workloads.events_by_workload.load(workload.id)
    return sorted(found, key=lambda e: (e.at, e.id), reverse=True)


async def timeline(ctx: RequestContext, workload: Workload) -> list[TimelineStep]:
    """The lifecycle timeline in lifecycle order."""
    return lifecycle.timeline(workload.status, await ctx.loaders.workloads.events_by_workload.load(workload.id))


async def recent_activity(ctx: RequestContext, workload: Workload) -> list[WorkloadEvent]:
    """The latest few events of any type."""
    return (await events(ctx, workload))[:RECENT_ACTIVITY]


def connect_methods(workload: Workload) -> list[ConnectMethod]:
    """How to reach the workload; available only while it runs."""
    state = (
        AVAILABLE
        if workload.status == "running"
        else runtime_condition(
            f"Connections open once the workload is running (it is {workload.status}).",
            console_route(workload, "events"),
        )
    )
    methods = []
    if workload.ssh is not None:
        ssh = workload.ssh
        methods.append(
            ConnectMethod(
                "ssh",
                "SSH",
                f"ssh -p {ssh.port} {ssh.user}@{ssh.host}",
                None,
                state,
                "Authenticates with an SSH key registered on your account; keys are never shown here.",
            )
        )
    if workload.jupyter is not None:
        methods.append(
            ConnectMethod(
                "jupyter",
                "JupyterLab",
                None,
                workload.jupyter.notebook_path,
                state,
                "Opens through your console session; the notebook token is never shown here.",
            )
        )
    if workload.kind == "compute":  # apps of the compute kind keep their own ports (ComfyUI's UI, Ray's client)
        methods.extend(_port_methods(workload, state))
    if workload.vllm is not None:
        route = workload.vllm.route
        methods.append(
            ConnectMethod(
                "http_endpoint",
                "OpenAI-compatible endpoint",
                f'curl {route}/v1/models -H "Authorization: Bearer $API_KEY"',
                route,
                state,
                "Use an API key issued to a service account; keys are never shown here.",
            )
        )
    return methods


def _port_methods(workload: Workload, state: Availability) -> list[ConnectMethod]:
    methods = []
    for port in workload.ports:
        if port.protocol == "http":
            methods.append(
                ConnectMethod(
                    "app_port",
                    f"{port.name} (port {port.port})",
                    None,
                    f"/proxy/{workload.id}/{port.port}/",
                    state,
                    "Opens through your console session; no credential is needed here.",
                )
            )
        elif workload.ssh is not None:
            ssh = workload.ssh
            methods.append(
                ConnectMethod(
                    "tcp_tunnel",
                    f"{port.name} (port {port.port}, over an SSH tunnel)",
                    f"ssh -p {ssh.port} -N -L {port.port}:localhost:{port.port} {ssh.user}@{ssh.host}",
                    None,
                    state,
                    "Authenticates with an SSH key registered on your account; keys are never shown here.",
                )
            )
    return methods


async def metrics(ctx: RequestContext, workload: Workload) -> MetricsView:
    """The latest metrics sample and its source links, or an explicit unavailable state."""
    samples = await ctx.loaders.workloads.metrics_by_workload.load(workload.id)
    latest = max(samples, key=lambda m: m.sampled_at) if samples else None
    if latest is None:
        # Not running: nothing to collect (a runtime condition). Running with no sample: the source has none yet.
        state = empty if workload.status == "running" else runtime_condition
        return MetricsView(
            availability=state(
                "Metrics are collected while the workload runs; none are recorded for it now.",
                f"/observability/workloads/{workload.id}",
            ),
            sample=None,
            sources=[],
        )
    series = sorted(samples, key=lambda m: m.sampled_at)[-METRICS_SERIES:]
    return MetricsView(AVAILABLE, latest, [(s.label, s.href) for s in latest.sources], series)


async def mounts(ctx: RequestContext, workload: Workload) -> list[MountView]:
    """Storage mounts resolved to buckets (a bucket shared with the workload's project by a grant included)."""
    from resolvers.storage.access import viewer_access  # storage's one scope check

    found = await ctx.loaders.storage.mounts_by_workload.load(workload.id)
    # A mount carries its bucket when the service sends it; only the others are read by id. Either way the
    # viewer must reach the bucket (owner or active grant), checked in one place.
    missing = [m.bucket_id for m in found if m.bucket is None]
    loaded = iter(await ctx.loaders.storage.buckets.load_many(missing) if missing else [])
    buckets = [m.bucket if m.bucket is not None else next(loaded) for m in found]
    reach = await viewer_access(ctx, buckets)
    return [MountView(m, b if access is not None else None) for m, b, access in zip(found, buckets, reach, strict=True)]


def prefetch_mounts(ctx: RequestContext, workload_id: str) -> None:
    """Ask for a workload's mounts together with the workload (a page that shows them saves a hop)."""
    pending = ctx.loaders.storage.mounts_by_workload.load(workload_id)
    pending.add_done_callback(retrieve_outcome)  # unread when the workload is missing or not visible


def is_secret_name(name: str) -> bool:
    """Names that hold secrets by convention, redacted even when the backend forgot to flag them."""
    upper = name.upper()
    return any(part in upper for part in SECRET_NAME_PARTS)


def effective_config(workload: Workload) -> EffectiveConfig:
    """Image, command, GPUs and environment with every secret value removed."""
    environment = [
        ConfigEntry(e.name, None, True) if e.secret or is_secret_name(e.name) else ConfigEntry(e.name, e.value, False)
        for e in workload.env
    ]
    return EffectiveConfig(workload.image, workload.command, workload.gpu.model, workload.gpu.count, environment)


async def next_steps(ctx: RequestContext, workload: Workload) -> list[NextStep]:
    """What to do next, from status, kind, mounts and utilisation (a running workload's mounts and metrics read)."""
    if workload.status != "running":
        return steps_of(workload, [], [])
    mounted, samples = await asyncio.gather(
        ctx.loaders.storage.mounts_by_workload.load(workload.id),
        ctx.loaders.workloads.metrics_by_workload.load(workload.id),
    )
    return steps_of(workload, mounted, samples)


def steps_of(workload: Workload, mounted: Sequence[Mount], samples: Sequence[WorkloadMetrics]) -> list[NextStep]:
    """The next steps of a workload given its mounts and metrics samples (read only when it runs)."""
    steps: list[NextStep] = []
    if workload.status == "failed":
        steps.append(
            NextStep(
                "Inspect the failure",
                workload.status_reason or "See the events for the cause.",
                console_route(workload, "events"),
            )
        )
    if workload.status == "stopped":
        steps.append(
            NextStep(
                "Terminate when done", "Stopped workloads keep their allocation reserved.", console_route(workload)
            )
        )
    if workload.status == "running":
        if not mounted:
            steps.append(
                NextStep("Mount a bucket", "Keep datasets and checkpoints outside the workload's disk.", "/storage")
            )
        if samples and max(samples, key=lambda m: m.sampled_at).gpu_utilization < 0.2:
            hourly = cost(workload).hourly.amount
            steps.append(
                NextStep(
                    "GPUs are mostly idle",
                    f"Stop the workload to save ${hourly}/h.",
                    console_route(workload, "metrics"),
                )
            )
        if workload.kind == "training" and workload.training and workload.training.checkpoint_bucket_id:
            steps.append(
                NextStep(
                    "Share checkpoints",
                    "Grant another project read access to the checkpoint bucket.",
                    route("/storage/{id}", workload.training.checkpoint_bucket_id, tab="access"),
                )
            )
        if workload.kind == "vllm":
            steps.append(
                NextStep(
                    "Issue an API key",
                    "Create a service account credential to call the endpoint.",
                    "/access/service-accounts",
                )
            )
    if workload.status == "terminated":
        steps.append(
            NextStep(
                "Launch again",
                "Start a new workload with the same configuration.",
                lifecycle.launch_route(workload.kind, workload.app_slug),
            )
        )
    return steps
