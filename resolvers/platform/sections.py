"""The platform console's families: overview, ops, lifecycle, config, evidence, finance and IAM.

Each section reads the request's shared listings (``FleetView(ctx, "console")``) concurrently, so the
whole console page makes one call per resource type whichever sections it selects.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gateway.backends.platform.models import (
    DecommissionTask,
    FleetNode,
    GpuEconomics,
    MaasHub,
    OnboardingTask,
    OperatorAccount,
    OpsSignal,
    OsImage,
    PlatformRole,
    ProvisioningProfile,
    TenantRevenue,
)
from gateway.context import RequestContext
from resolvers.platform import lifecycle
from resolvers.platform.queries import PLATFORM_EVIDENCE, SUBJECT_TYPES, EvidencePivot, evidence_pivot, route
from resolvers.platform.relations import FleetView, group_by, most_severe_first
from resolvers.shared.attention import AttentionAction, AttentionItem, Severity, humanize_delta, ordered
from resolvers.shared.shapes import AVAILABLE, Availability, empty, now

_STATUS_REASONS = {"cordoned": "Cordoned", "draining": "Draining", "maintenance": "In maintenance"}
BREAK_GLASS_REVIEW = timedelta(days=7)
STALE_ACCOUNT = timedelta(days=30)


@dataclass(frozen=True)
class ModelCapacity:
    """GPU capacity of one GPU model across the fleet."""

    gpu_model: str
    nodes: int
    gpus_installed: int
    gpus_in_service: int
    gpus_allocated: int

    @property
    def utilisation(self) -> float:
        """Allocated share of the GPUs in service."""
        return self.gpus_allocated / self.gpus_in_service if self.gpus_in_service else 0.0


@dataclass(frozen=True)
class Overview:
    """The platform at a glance."""

    nodes_by_status: list[tuple[str, int]]
    node_count: int
    capacity: list[ModelCapacity]
    open_incidents: int
    open_alerts: int
    unacknowledged: int
    onboarding_in_flight: int
    decommission_in_flight: int
    attention: list[AttentionItem]

    @property
    def utilisation(self) -> float:
        """Allocated share of every GPU in service."""
        in_service = sum(c.gpus_in_service for c in self.capacity)
        return sum(c.gpus_allocated for c in self.capacity) / in_service if in_service else 0.0


@dataclass(frozen=True)
class NodeAttention:
    """A node an operator should look at, and why."""

    node: FleetNode
    reasons: list[str]


@dataclass(frozen=True)
class Ops:
    """Open incidents and alerts, and the nodes needing attention."""

    signals: list[OpsSignal]
    nodes: list[NodeAttention]


@dataclass(frozen=True)
class Lifecycle:
    """Onboarding and decommission tasks with counts per stage."""

    onboarding: list[OnboardingTask]
    decommissions: list[DecommissionTask]
    onboarding_by_stage: list[tuple[str, int]]
    decommission_by_stage: list[tuple[str, int]]


@dataclass(frozen=True)
class Config:
    """MAAS hubs (with their sites), OS images and provisioning profiles."""

    hubs: list[MaasHub]
    images: list[OsImage]
    profiles: list[ProvisioningProfile]


@dataclass(frozen=True)
class EvidenceSection:
    """Pivots into platform-scope evidence: the whole platform, and each object needing attention."""

    platform: EvidencePivot
    targets: list[EvidencePivot]


@dataclass(frozen=True)
class ModelEconomics:
    """One GPU model's month: GPUs in service and held, hours available and sold, revenue and cost per GPU-hour."""

    row: GpuEconomics

    @property
    def utilisation(self) -> float:
        """Held share of the model's GPUs in service (a node never holds more than it has, so at most 1)."""
        return self.row.gpus_held / self.row.gpus_in_fleet if self.row.gpus_in_fleet else 0.0

    @property
    def revenue_per_sold_hour_cents(self) -> float:
        """Average realised price of a sold GPU-hour."""
        return self.row.revenue_cents / self.row.gpu_hours_sold if self.row.gpu_hours_sold else 0.0


@dataclass(frozen=True)
class Finance:
    """Platform-wide numbers of the latest month (month to date) against the month before."""

    availability: Availability
    period: str | None
    as_of: datetime | None
    previous_period: str | None
    revenue_cents: int
    previous_revenue_cents: int
    gpu_hours: float
    tenants: list[TenantRevenue]
    models: list[ModelEconomics]


@dataclass(frozen=True)
class Iam:
    """Operator roles and accounts, break-glass accounts and what needs review."""

    roles: list[PlatformRole]
    accounts: list[OperatorAccount]
    attention: list[AttentionItem] = field(default_factory=list)

    @property
    def break_glass(self) -> list[OperatorAccount]:
        """Break-glass accounts."""
        return [a for a in self.accounts if a.kind == "break_glass"]


def _item(
    kind: str, severity: Severity, title: str, detail: str, label: str, subject: tuple[str, str]
) -> AttentionItem:
    target_type, target_id = subject
    return AttentionItem(
        kind,
        severity,
        title,
        detail,
        AttentionAction(label, route(target_type, target_id)),
        subject_type=SUBJECT_TYPES[target_type],
        subject_id=target_id,
    )


async def _signal_attention(view: FleetView, signals: list[OpsSignal]) -> list[AttentionItem]:
    """Unacknowledged critical and major signals, pointing at the node concerned (else the signal)."""
    urgent = [s for s in signals if s.status == "open" and s.severity in {"critical", "major"}]
    nodes = await view.by_ids("node", [s.node_id for s in urgent])
    items = []
    for signal, node in zip(urgent, nodes, strict=True):
        severity = Severity.CRITICAL if signal.severity == "critical" else Severity.WARNING
        if node is not None:
            items.append(
                _item(
                    f"{signal.kind}_open",
                    severity,
                    signal.title,
                    f"{node.hostname}: {signal.summary}",
                    "Open node",
                    ("node", node.id),
                )
            )
        else:
            items.append(
                _item(
                    f"{signal.kind}_open", severity, signal.title, signal.summary, "Open in ops", ("signal", signal.id)
                )
            )
    return items


def _task_attention(onboarding: list[OnboardingTask]) -> list[AttentionItem]:
    return [
        _item(
            "onboarding_failed",
            Severity.WARNING,
            f"Onboarding failed on {t.hostname}",
            t.failure_reason or "See the onboarding steps.",
            "Review onboarding",
            ("onboarding", t.id),
        )
        for t in onboarding
        if t.stage == "failed"
    ]


def _node_attention(nodes: list[FleetNode]) -> list[AttentionItem]:
    return [
        _item(
            "node_maintenance",
            Severity.INFO,
            f"{n.hostname} is in maintenance",
            f"{n.gpu_count} x {n.gpu_model} out of service.",
            "Open node",
            ("node", n.id),
        )
        for n in nodes
        if n.status == "maintenance"
    ]


def _hub_attention(hubs: list[MaasHub]) -> list[AttentionItem]:
    return [
        _item(
            f"maas_hub_{h.status}",
            Severity.CRITICAL if h.status == "offline" else Severity.WARNING,
            f"{h.name} is {h.status}",
            h.status_reason or "See the hub's sites and activity.",
            "Open MAAS hub",
            ("hub", h.id),
        )
        for h in hubs
        if h.status != "healthy"
    ]


def _account_attention(accounts: list[OperatorAccount]) -> list[AttentionItem]:
    moment = now()
    items = []
    for account in accounts:
        used = account.last_used_at
        subject = ("account", account.id)
        if account.kind == "break_glass" and used is not None and moment - used < BREAK_GLASS_REVIEW:
            items.append(
                _item(
                    "break_glass_used",
                    Severity.WARNING,
                    f"{account.display_name} was used",
                    f"Used {humanize_delta(used, moment)}; review why break-glass access was needed.",
                    "Review account",
                    subject,
                )
            )
        if account.kind == "person" and account.status == "active" and not account.mfa_enabled:
            items.append(
                _item(
                    "mfa_disabled",
                    Severity.WARNING,
                    f"{account.display_name} has no MFA",
                    "Enrol a second factor or disable the account.",
                    "Review account",
                    subject,
                )
            )
        if account.kind == "person" and used is not None and moment - used > STALE_ACCOUNT:
            items.append(
                _item(
                    "account_unused",
                    Severity.INFO,
                    f"{account.display_name} is unused",
                    f"Last used {humanize_delta(used, moment)}.",
                    "Review account",
                    subject,
                )
            )
    return items


async def overview(ctx: RequestContext) -> Overview:
    """Fleet counts, capacity by GPU model, utilisation, incidents, tasks in flight and attention items."""
    view = FleetView(ctx, "console")
    fleet = ctx.loaders.platform
    # asyncio.gather types its results for at most six awaitables: the seventh joins in an outer gather.
    (nodes, active, signals, onboarding, decommissions, hubs), accounts = await asyncio.gather(
        asyncio.gather(
            fleet.all_nodes.get(),
            ctx.loaders.workloads.active_workloads.get(),
            fleet.open_signals.get(),
            fleet.all_onboarding.get(),
            fleet.all_decommission.get(),
            fleet.all_hubs.get(),
        ),
        fleet.all_accounts.get(),
    )
    model_of = {n.id: n.gpu_model for n in nodes}
    allocated: Counter[str] = Counter()
    for workload in active:
        if workload.node_id in model_of:
            allocated[model_of[workload.node_id]] += workload.gpu.count
    capacity = [
        ModelCapacity(
            gpu_model=model,
            nodes=len(group),
            gpus_installed=sum(n.gpu_count for n in group),
            gpus_in_service=sum(n.gpu_count for n in group if n.status in lifecycle.IN_SERVICE),
            gpus_allocated=allocated[model],
        )
        for model, group in sorted(group_by(nodes, "gpu_model").items())
    ]
    attention = [
        *await _signal_attention(view, signals),
        *_task_attention(onboarding),
        *_node_attention(nodes),
        *_hub_attention(hubs),
        *_account_attention(accounts),
    ]
    return Overview(
        nodes_by_status=lifecycle.count_by(n.status for n in nodes),
        node_count=len(nodes),
        capacity=capacity,
        open_incidents=sum(1 for s in signals if s.kind == "incident"),
        open_alerts=sum(1 for s in signals if s.kind == "alert"),
        unacknowledged=sum(1 for s in signals if s.status == "open"),
        onboarding_in_flight=sum(1 for t in onboarding if t.stage in lifecycle.ONBOARDING_IN_FLIGHT),
        decommission_in_flight=sum(1 for t in decommissions if t.stage in lifecycle.DECOMMISSION_IN_FLIGHT),
        attention=ordered(attention),
    )


async def ops(ctx: RequestContext) -> Ops:
    """Open and acknowledged signals (most severe first) and the nodes needing attention, with reasons."""
    fleet = ctx.loaders.platform
    nodes, signals, onboarding = await asyncio.gather(
        fleet.all_nodes.get(), fleet.open_signals.get(), fleet.all_onboarding.get()
    )
    reasons: dict[str, list[str]] = {}
    for node in nodes:
        if node.status in lifecycle.NEEDS_ATTENTION:
            reasons.setdefault(node.id, []).append(_STATUS_REASONS[node.status])
    ordered = most_severe_first(signals)
    for signal in ordered:
        if signal.node_id:
            reasons.setdefault(signal.node_id, []).append(f"{signal.severity.capitalize()}: {signal.title}")
    for task in onboarding:
        if task.stage == "failed":
            reasons.setdefault(task.node_id, []).append(f"Onboarding failed: {task.failure_reason or 'see steps'}")
    by_id = {n.id: n for n in nodes}
    attention = [NodeAttention(by_id[i], r) for i, r in reasons.items() if i in by_id]
    attention.sort(key=lambda a: a.node.hostname)
    return Ops(signals=ordered, nodes=attention)


async def lifecycle_section(ctx: RequestContext) -> Lifecycle:
    """Onboarding and decommission tasks: in flight first (by stage), then finished, newest first."""
    fleet = ctx.loaders.platform
    onboarding, decommissions = await asyncio.gather(fleet.all_onboarding.get(), fleet.all_decommission.get())

    def onboarding_order(t: OnboardingTask) -> tuple[int, float]:
        done = t.stage == "ready"
        return (1 if done else 0, -t.started_at.timestamp())

    def decommission_order(t: DecommissionTask) -> tuple[int, float]:
        return (1 if t.stage == "done" else 0, -t.requested_at.timestamp())

    return Lifecycle(
        onboarding=sorted(onboarding, key=onboarding_order),
        decommissions=sorted(decommissions, key=decommission_order),
        onboarding_by_stage=lifecycle.count_by((t.stage for t in onboarding), (*lifecycle.ONBOARDING_STAGES, "failed")),
        decommission_by_stage=lifecycle.count_by((t.stage for t in decommissions), lifecycle.DECOMMISSION_STAGES),
    )


async def config(ctx: RequestContext) -> Config:
    """MAAS hubs by region, images (default first, deprecated last) and profiles by name."""
    fleet = ctx.loaders.platform
    hubs, images, profiles = await asyncio.gather(
        fleet.all_hubs.get(), fleet.all_images.get(), fleet.all_profiles.get()
    )
    image_rank = {"active": 0, "testing": 1, "deprecated": 2}
    return Config(
        hubs=sorted(hubs, key=lambda h: h.region),
        images=sorted(images, key=lambda i: (not i.is_default, image_rank.get(i.status, 3), i.name)),
        profiles=sorted(profiles, key=lambda p: (p.status != "active", p.name)),
    )


async def evidence(ctx: RequestContext) -> EvidenceSection:
    """The platform-wide pivot plus one per node needing attention, task in flight and unhealthy hub."""
    fleet = ctx.loaders.platform
    found_ops, onboarding, decommissions, hubs = await asyncio.gather(
        ops(ctx), fleet.all_onboarding.get(), fleet.all_decommission.get(), fleet.all_hubs.get()
    )
    targets = [evidence_pivot("node", a.node.id, a.node.hostname) for a in found_ops.nodes]
    targets += [
        evidence_pivot("onboarding", t.id, f"onboarding of {t.hostname}") for t in onboarding if t.stage != "ready"
    ]
    targets += [
        evidence_pivot("decommission", t.id, f"decommission {t.id}")
        for t in decommissions
        if t.stage in lifecycle.DECOMMISSION_IN_FLIGHT
    ]
    targets += [evidence_pivot("hub", h.id, h.name) for h in hubs if h.status != "healthy"]
    return EvidenceSection(platform=PLATFORM_EVIDENCE, targets=targets)


async def finance(ctx: RequestContext) -> Finance:
    """The latest month's revenue and GPU-hours per tenant and per GPU model, with the month before."""
    fleet = ctx.loaders.platform
    revenue, economics = await asyncio.gather(fleet.tenant_revenue.get(), fleet.gpu_economics.get())
    periods = sorted({r.period for r in revenue} | {e.period for e in economics}, reverse=True)
    if not periods:
        return Finance(
            empty("No finance figures are recorded yet.", "/platform/finance"),
            None,
            None,
            None,
            0,
            0,
            0.0,
            [],
            [],
        )
    latest, previous = periods[0], (periods[1] if len(periods) > 1 else None)
    tenants = sorted((r for r in revenue if r.period == latest), key=lambda r: -r.revenue_cents)
    models = [ModelEconomics(e) for e in sorted(economics, key=lambda e: e.gpu_model) if e.period == latest]
    stamps = [r.as_of for r in tenants] + [m.row.as_of for m in models]
    return Finance(
        availability=AVAILABLE,
        period=latest,
        as_of=max(stamps) if stamps else None,
        previous_period=previous,
        revenue_cents=sum(r.revenue_cents for r in tenants),
        previous_revenue_cents=sum(r.revenue_cents for r in revenue if r.period == previous),
        gpu_hours=round(sum(r.gpu_hours for r in tenants), 1),
        tenants=tenants,
        models=models,
    )


async def iam(ctx: RequestContext) -> Iam:
    """Operator roles, accounts (people, break-glass, automation) and what needs review."""
    fleet = ctx.loaders.platform
    roles, accounts = await asyncio.gather(fleet.roles.get(), fleet.all_accounts.get())
    kind_rank = {"person": 0, "break_glass": 1, "automation": 2}
    by_kind = sorted(accounts, key=lambda a: (kind_rank.get(a.kind, 3), a.display_name))
    return Iam(
        roles=sorted(roles, key=lambda r: r.name), accounts=by_kind, attention=ordered(_account_attention(accounts))
    )
