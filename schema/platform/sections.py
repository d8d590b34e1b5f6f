"""The platform console (operators only): ``platform`` with its families (overview, ops, lifecycle,
config, evidence, finance, IAM) and the detail root fields for nodes, MAAS sites and hubs, and
onboarding and decommission tasks. Everyone else gets FORBIDDEN and null."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.errors import BadUserInput
from gateway.ids import decode_global_id
from resolvers.access import queries as access_resolvers
from resolvers.platform import queries as resolve
from resolvers.platform import sections
from resolvers.platform.relations import Mode
from resolvers.shared import shapes
from schema.access.types import Tenant
from schema.platform.common import PlatformEvidencePivot, PlatformNodeStatusCount, status_counts
from schema.platform.fleet import MaasHub, MaasSite, PlatformNode, ProvisioningImage, ProvisioningProfile
from schema.platform.tasks import (
    DecommissionStage,
    DecommissionTask,
    OnboardingStage,
    OnboardingTask,
    OperatorAccount,
    OpsSignal,
    PlatformRole,
)
from schema.shared.attention import AttentionItem
from schema.shared.types import Availability, Info, Money, NodeSource

CONSOLE: Mode = "console"


@strawberry.type(description="GPU capacity of one GPU model across the fleet.")
class PlatformGpuModelCapacity:
    gpu_model: str = strawberry.field(description="GPU model.")
    nodes: int = strawberry.field(description="Nodes with this model (any status).")
    gpus_installed: int = strawberry.field(description="GPUs installed.")
    gpus_in_service: int = strawberry.field(description="GPUs on ready, cordoned or draining nodes.")
    gpus_allocated: int = strawberry.field(description="GPUs held by running workloads.")
    utilisation: float = strawberry.field(description="Allocated over in service, 0 to 1.")


@strawberry.type(description="The platform at a glance: fleet, capacity, utilisation, incidents, tasks, attention.")
class PlatformOverview:
    node_count: int = strawberry.field(description="Nodes in the inventory (any status).")
    nodes_by_status: list[PlatformNodeStatusCount] = strawberry.field(description="Node counts by status.")
    capacity_by_gpu_model: list[PlatformGpuModelCapacity] = strawberry.field(description="Capacity per GPU model.")
    utilisation: float = strawberry.field(description="Allocated GPUs over GPUs in service, 0 to 1.")
    open_incidents: int = strawberry.field(description="Incidents not yet resolved.")
    open_alerts: int = strawberry.field(description="Alerts not yet resolved.")
    unacknowledged_signals: int = strawberry.field(description="Incidents and alerts nobody has acknowledged.")
    onboarding_in_flight: int = strawberry.field(description="Onboarding tasks not yet ready or failed.")
    decommissions_in_flight: int = strawberry.field(description="Decommission tasks not yet done.")
    attention: list[AttentionItem] = strawberry.field(description="What needs an operator, most urgent first.")

    @classmethod
    def of(cls, found: sections.Overview) -> PlatformOverview:
        """From the resolvers' overview."""
        return cls(
            node_count=found.node_count,
            nodes_by_status=status_counts(found.nodes_by_status),
            capacity_by_gpu_model=[
                PlatformGpuModelCapacity(
                    gpu_model=c.gpu_model,
                    nodes=c.nodes,
                    gpus_installed=c.gpus_installed,
                    gpus_in_service=c.gpus_in_service,
                    gpus_allocated=c.gpus_allocated,
                    utilisation=c.utilisation,
                )
                for c in found.capacity
            ],
            utilisation=found.utilisation,
            open_incidents=found.open_incidents,
            open_alerts=found.open_alerts,
            unacknowledged_signals=found.unacknowledged,
            onboarding_in_flight=found.onboarding_in_flight,
            decommissions_in_flight=found.decommission_in_flight,
            attention=[AttentionItem.of(i) for i in found.attention],
        )


@strawberry.type(description="A node that needs an operator, and why.")
class PlatformNodeAttention:
    node: PlatformNode = strawberry.field(description="The node.")
    reasons: list[str] = strawberry.field(description="Why: its status, open signals, a failed onboarding.")


@strawberry.type(description="Ops: open incidents and alerts, and the nodes needing attention.")
class PlatformOps:
    signals: list[OpsSignal] = strawberry.field(description="Open and acknowledged signals, most severe first.")
    nodes_needing_attention: list[PlatformNodeAttention] = strawberry.field(description="Nodes to look at.")


@strawberry.type(description="How many onboarding tasks are at a stage.")
class OnboardingStageCount:
    stage: OnboardingStage = strawberry.field(description="The stage.")
    count: int = strawberry.field(description="Tasks at it.")


@strawberry.type(description="How many decommission tasks are at a stage.")
class DecommissionStageCount:
    stage: DecommissionStage = strawberry.field(description="The stage.")
    count: int = strawberry.field(description="Tasks at it.")


@strawberry.type(description="Lifecycle: nodes being onboarded and decommissioned, with their stages.")
class PlatformLifecycle:
    onboarding_tasks: list[OnboardingTask] = strawberry.field(description="In flight and failed first, newest first.")
    decommission_tasks: list[DecommissionTask] = strawberry.field(description="In flight first, newest first.")
    onboarding_by_stage: list[OnboardingStageCount] = strawberry.field(description="Onboarding tasks per stage.")
    decommission_by_stage: list[DecommissionStageCount] = strawberry.field(description="Decommissions per stage.")


@strawberry.type(description="Config: MAAS provisioning (hubs and their sites), OS images and provisioning profiles.")
class PlatformConfig:
    maas_hubs: list[MaasHub] = strawberry.field(description="MAAS hubs by region; each lists its sites.")
    images: list[ProvisioningImage] = strawberry.field(description="OS images, default first, deprecated last.")
    profiles: list[ProvisioningProfile] = strawberry.field(description="Provisioning profiles, active first.")
    default_image: ProvisioningImage | None = strawberry.field(description="The image new profiles default to.")


@strawberry.type(description="Evidence: pivots into platform-scope audit evidence (served by `evidence`).")
class PlatformEvidence:
    platform: PlatformEvidencePivot = strawberry.field(description="All platform-scope evidence.")
    targets: list[PlatformEvidencePivot] = strawberry.field(
        description="One pivot per node needing attention, lifecycle task in flight and unhealthy MAAS hub."
    )


@strawberry.type(description="GPU-hours of one GPU model.")
class PlatformModelHours:
    gpu_model: str = strawberry.field(description="GPU model.")
    gpu_hours: float = strawberry.field(description="GPU-hours.")


@strawberry.type(description="One tenant's revenue and GPU-hours in the period.")
class PlatformTenantRevenue:
    revenue: shapes.Money = strawberry.field(
        description="Revenue in the period (month to date for the current month).", graphql_type=Money
    )
    gpu_hours: float = strawberry.field(description="GPU-hours used in the period.")
    share: float = strawberry.field(description="Share of the platform's revenue, 0 to 1.")
    gpu_hours_by_model: list[PlatformModelHours] = strawberry.field(description="GPU-hours per GPU model.")
    tenant_id: strawberry.Private[str]

    @strawberry.field(description="The tenant.")
    async def tenant(self, info: Info) -> Tenant | None:
        (found,) = await access_resolvers.get_tenants(info.context, [self.tenant_id])
        return Tenant.of(found) if found else None


@strawberry.type(
    description="One GPU model's period, derived from the fleet and the usage records: GPUs in service and held, "
    "hours available and sold, revenue and cost per GPU-hour. Revenue and hours sold come from the same usage as "
    "the tenants' month to date, so the models add up to the platform's totals."
)
class PlatformGpuEconomics:
    gpu_model: str = strawberry.field(description="GPU model.")
    gpus_in_fleet: int = strawberry.field(
        description="GPUs of this model on nodes in service (ready, cordoned, draining)."
    )
    gpus_held: int = strawberry.field(
        description="GPUs of this model held by provisioning, running and stopping workloads (now for the "
        "current month, at its end for a closed one)."
    )
    gpu_hours_available: float = strawberry.field(description="GPU-hours the fleet could sell.")
    gpu_hours_sold: float = strawberry.field(description="GPU-hours sold.")
    utilisation: float = strawberry.field(description="GPUs held over GPUs in the fleet, 0 to 1.")
    revenue: shapes.Money = strawberry.field(description="Revenue.", graphql_type=Money)
    cost_per_gpu_hour: shapes.Money = strawberry.field(
        description="Cost of one GPU-hour (hardware, power, site).", graphql_type=Money
    )
    revenue_per_sold_gpu_hour: shapes.Money = strawberry.field(
        description="Average realised price of a sold GPU-hour.", graphql_type=Money
    )


@strawberry.type(description="Finance: platform-wide revenue, GPU-hours and unit economics of the latest month.")
class PlatformFinance:
    availability: shapes.Availability = strawberry.field(
        description="Whether finance figures are recorded.", graphql_type=Availability
    )
    period: str | None = strawberry.field(description="The month shown (YYYY-MM), month to date.")
    previous_period: str | None = strawberry.field(description="The month before, for comparison.")
    revenue_month_to_date: shapes.Money = strawberry.field(
        description="Revenue of the period so far.", graphql_type=Money
    )
    previous_period_revenue: shapes.Money = strawberry.field(
        description="Revenue of the whole previous month.", graphql_type=Money
    )
    gpu_hours_month_to_date: float = strawberry.field(description="GPU-hours sold in the period so far.")
    tenants: list[PlatformTenantRevenue] = strawberry.field(description="Per tenant, highest revenue first.")
    gpu_models: list[PlatformGpuEconomics] = strawberry.field(description="Per GPU model.")

    @classmethod
    def of(cls, found: sections.Finance) -> PlatformFinance:
        """From the resolvers' finance."""
        total = found.revenue_cents
        return cls(
            availability=found.availability,
            period=found.period,
            previous_period=found.previous_period,
            revenue_month_to_date=shapes.Money.from_cents(total),
            previous_period_revenue=shapes.Money.from_cents(found.previous_revenue_cents),
            gpu_hours_month_to_date=found.gpu_hours,
            tenants=[
                PlatformTenantRevenue(
                    revenue=shapes.Money.from_cents(t.revenue_cents),
                    gpu_hours=t.gpu_hours,
                    share=t.revenue_cents / total if total else 0.0,
                    gpu_hours_by_model=[
                        PlatformModelHours(gpu_model=h.gpu_model, gpu_hours=h.gpu_hours) for h in t.gpu_hours_by_model
                    ],
                    tenant_id=t.tenant_id,
                )
                for t in found.tenants
            ],
            gpu_models=[
                PlatformGpuEconomics(
                    gpu_model=m.row.gpu_model,
                    gpus_in_fleet=m.row.gpus_in_fleet,
                    gpus_held=m.row.gpus_held,
                    gpu_hours_available=m.row.gpu_hours_available,
                    gpu_hours_sold=m.row.gpu_hours_sold,
                    utilisation=m.utilisation,
                    revenue=shapes.Money.from_cents(m.row.revenue_cents),
                    cost_per_gpu_hour=shapes.Money.from_cents(m.row.cost_per_gpu_hour_cents),
                    revenue_per_sold_gpu_hour=shapes.Money.from_cents(m.revenue_per_sold_hour_cents),
                )
                for m in found.models
            ],
        )


@strawberry.type(description="A platform role and the operator accounts holding it.")
class PlatformRoleHolders:
    role: PlatformRole = strawberry.field(description="The role.")
    accounts: list[OperatorAccount] = strawberry.field(description="Accounts with the role.")


@strawberry.type(description="IAM: operator roles, accounts (people, break-glass, automation) and what needs review.")
class PlatformIam:
    roles: list[PlatformRoleHolders] = strawberry.field(description="Roles by name with their holders.")
    accounts: list[OperatorAccount] = strawberry.field(description="People, then break-glass, then automation.")
    break_glass_accounts: list[OperatorAccount] = strawberry.field(description="Break-glass accounts.")
    accounts_without_mfa: int = strawberry.field(description="Active person accounts without a second factor.")
    attention: list[AttentionItem] = strawberry.field(description="Accounts to review, most urgent first.")

    @classmethod
    def of(cls, found: sections.Iam) -> PlatformIam:
        """From the resolvers' IAM."""
        accounts = [OperatorAccount.of(a, CONSOLE) for a in found.accounts]
        return cls(
            roles=[
                PlatformRoleHolders(role=PlatformRole.of(r), accounts=[a for a in accounts if r.id in a.model.role_ids])
                for r in found.roles
            ],
            accounts=accounts,
            break_glass_accounts=[a for a in accounts if a.model.kind == "break_glass"],
            accounts_without_mfa=sum(
                1 for a in found.accounts if a.kind == "person" and a.status == "active" and not a.mfa_enabled
            ),
            attention=[AttentionItem.of(i) for i in found.attention],
        )


@strawberry.type(
    description="The platform console for operators; each family resolves only when selected, "
    "every family shares one call per resource type, and a family whose backend fails is "
    "null with an error while the others still answer."
)
class Platform:
    @strawberry.field(description="Overview: fleet, capacity, utilisation, incidents, tasks and attention items.")
    async def overview(self, info: Info) -> PlatformOverview | None:
        return PlatformOverview.of(await sections.overview(info.context))

    @strawberry.field(description="Ops: open incidents and alerts, and nodes needing attention.")
    async def ops(self, info: Info) -> PlatformOps | None:
        found = await sections.ops(info.context)
        return PlatformOps(
            signals=[OpsSignal.of(s, CONSOLE) for s in found.signals],
            nodes_needing_attention=[
                PlatformNodeAttention(node=PlatformNode.of(a.node, CONSOLE), reasons=a.reasons) for a in found.nodes
            ],
        )

    @strawberry.field(description="Lifecycle: onboarding and decommission tasks with stages.")
    async def lifecycle(self, info: Info) -> PlatformLifecycle | None:
        found = await sections.lifecycle_section(info.context)
        return PlatformLifecycle(
            onboarding_tasks=[OnboardingTask.of(t, CONSOLE) for t in found.onboarding],
            decommission_tasks=[DecommissionTask.of(t, CONSOLE) for t in found.decommissions],
            onboarding_by_stage=[
                OnboardingStageCount(stage=OnboardingStage(s), count=n) for s, n in found.onboarding_by_stage
            ],
            decommission_by_stage=[
                DecommissionStageCount(stage=DecommissionStage(s), count=n) for s, n in found.decommission_by_stage
            ],
        )

    @strawberry.field(description="Config: MAAS hubs and sites, OS images and provisioning profiles.")
    async def config(self, info: Info) -> PlatformConfig | None:
        found = await sections.config(info.context)
        images = [ProvisioningImage.of(i) for i in found.images]
        default = next((image for image, model in zip(images, found.images, strict=True) if model.is_default), None)
        return PlatformConfig(
            maas_hubs=[MaasHub.of(h, CONSOLE) for h in found.hubs],
            images=images,
            profiles=[ProvisioningProfile.of(p, CONSOLE) for p in found.profiles],
            default_image=default,
        )

    @strawberry.field(description="Evidence: pivots into platform-scope audit evidence.")
    async def evidence(self, info: Info) -> PlatformEvidence | None:
        found = await sections.evidence(info.context)
        return PlatformEvidence(
            platform=PlatformEvidencePivot.of(found.platform),
            targets=[PlatformEvidencePivot.of(p) for p in found.targets],
        )

    @strawberry.field(description="Finance: revenue and GPU-hours per tenant, utilisation and cost per GPU model.")
    async def finance(self, info: Info) -> PlatformFinance | None:
        return PlatformFinance.of(await sections.finance(info.context))

    @strawberry.field(description="IAM: operator roles and accounts, break-glass use and MFA gaps.")
    async def iam(self, info: Info) -> PlatformIam | None:
        return PlatformIam.of(await sections.iam(info.context))


IdArgument = Annotated[strawberry.ID, strawberry.argument(description="Global id of the object.")]


def _local(global_id: str, *types: str) -> str:
    """The local id of a global id of one of ``types``."""
    type_name, local = decode_global_id(global_id)
    if type_name not in types:
        raise BadUserInput(f"`id` is the id of a {type_name}, expected a {' or '.join(types)}", argument="id")
    return local


# Registered in ``schema.console.node.NODE_TYPES``: operators fetch these by global id; others get NOT_FOUND.
PLATFORM_NODE_TYPES: dict[str, NodeSource] = {
    "PlatformNode": (resolve.operator_fetch("node"), PlatformNode.of),
    "MaasSite": (resolve.operator_fetch("site"), MaasSite.of),
    "MaasHub": (resolve.operator_fetch("hub"), MaasHub.of),
    "ProvisioningImage": (resolve.operator_fetch("image"), ProvisioningImage.of),
    "ProvisioningProfile": (resolve.operator_fetch("profile"), ProvisioningProfile.of),
    "OnboardingTask": (resolve.operator_fetch("onboarding"), OnboardingTask.of),
    "DecommissionTask": (resolve.operator_fetch("decommission"), DecommissionTask.of),
    "OpsSignal": (resolve.operator_fetch("signal"), OpsSignal.of),
    "OperatorAccount": (resolve.operator_fetch("account"), OperatorAccount.of),
}
