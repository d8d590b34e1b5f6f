"""Shapes shared by the operator platform types: enums, lifecycle operations, activity, task steps
and evidence pivots. Platform objects carry the view mode they were reached through (see
``resolvers.platform.relations``), so related objects are read the way the page reads them."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from gateway.backends.platform import models as backend
from resolvers.platform import queries as resolve
from resolvers.platform.lifecycle import Operation
from resolvers.platform.relations import FleetView, Mode
from resolvers.shared.shapes import MAX_FIRST
from schema.access.evidence import EvidenceScope
from schema.shared.types import Info

if TYPE_CHECKING:
    from schema.platform.fleet import PlatformNode
    from schema.platform.tasks import OperatorAccount

ACTIVITY_FIRST = f"How many events to return, newest first (0 to {MAX_FIRST})."


def view(info: Info, mode: Mode) -> FleetView:
    """The request's platform view in the mode an object was reached through."""
    return FleetView(info.context, mode)


@strawberry.enum(description="Lifecycle status of a GPU node.")
class PlatformNodeStatus(Enum):
    READY = strawberry.enum_value("ready", description="In service: takes workloads.")
    CORDONED = strawberry.enum_value("cordoned", description="In service but takes no new workloads.")
    DRAINING = strawberry.enum_value("draining", description="Its workloads are being moved off.")
    MAINTENANCE = strawberry.enum_value("maintenance", description="Out of service for maintenance.")
    ONBOARDING = strawberry.enum_value("onboarding", description="Being commissioned; see its onboarding task.")
    DECOMMISSIONING = strawberry.enum_value("decommissioning", description="Being removed; see its decommission task.")
    DECOMMISSIONED = strawberry.enum_value("decommissioned", description="Removed from MAAS and the inventory.")


@strawberry.enum(description="How urgent an incident or alert is.")
class PlatformSeverity(Enum):
    CRITICAL = strawberry.enum_value("critical", description="Service is failing; act now.")
    MAJOR = strawberry.enum_value("major", description="Capacity or redundancy is degraded.")
    MINOR = strawberry.enum_value("minor", description="Something is off but not degrading service.")
    INFO = strawberry.enum_value("info", description="Informational (planned work, notices).")


@strawberry.enum(
    description="A node lifecycle operation (cordonNode, uncordonNode, drainNode and startNodeDecommission run them)."
)
class PlatformLifecycleOperationKind(Enum):
    CORDON = strawberry.enum_value("cordon", description="Stop new workloads landing on the node.")
    UNCORDON = strawberry.enum_value("uncordon", description="Return the node to service.")
    DRAIN = strawberry.enum_value("drain", description="Move the node's workloads elsewhere.")
    DECOMMISSION = strawberry.enum_value("decommission", description="Drain, wipe and remove the node.")
    RETRY_ONBOARDING = strawberry.enum_value("retry_onboarding", description="Restart a failed onboarding.")
    CANCEL_ONBOARDING = strawberry.enum_value("cancel_onboarding", description="Stop onboarding a machine.")
    CANCEL_DECOMMISSION = strawberry.enum_value("cancel_decommission", description="Stop a decommission.")


@strawberry.type(description="A lifecycle operation: whether it is possible now and why (enabled or not).")
class PlatformLifecycleOperation:
    kind: PlatformLifecycleOperationKind = strawberry.field(description="Which operation.")
    label: str = strawberry.field(description="Button label.")
    enabled: bool = strawberry.field(description="True when the operation is possible now.")
    reason: str = strawberry.field(description="What it does when enabled, or why it is disabled.")
    target_count: int = strawberry.field(description="How many nodes it touches (site operations count them).")

    @classmethod
    def of(cls, operation: Operation) -> PlatformLifecycleOperation:
        """From the resolvers' operation."""
        return cls(
            kind=PlatformLifecycleOperationKind(operation.kind),
            label=operation.label,
            enabled=operation.enabled,
            reason=operation.reason,
            target_count=operation.target_count,
        )


@strawberry.type(description="One filter value an evidence pivot applies.")
class PlatformEvidenceFilter:
    name: str = strawberry.field(description="The `EvidenceFilter` field it sets: `targetTypes` or `targetIds`.")
    value: str = strawberry.field(description="The value (one element of that list).")


@strawberry.type(description="Where the platform-scope audit evidence of an object is (served by `evidence`).")
class PlatformEvidencePivot:
    scope: EvidenceScope = strawberry.field(description="Evidence scope the route opens: always PLATFORM.")
    target_type: str | None = strawberry.field(
        description="Audit target type (node, maas_site, maas_hub, onboarding_task, decommission_task, ...); "
        "null for all platform evidence."
    )
    target_id: str | None = strawberry.field(description="Local id of the target, as used in routes.")
    label: str = strawberry.field(description="Link text.")
    route: str = strawberry.field(
        description="Console route, e.g. `/platform/evidence#target=node:node-003` (the target filter is view state)."
    )
    filters: list[PlatformEvidenceFilter] = strawberry.field(description="Filter values the route applies.")

    @classmethod
    def of(cls, pivot: resolve.EvidencePivot) -> PlatformEvidencePivot:
        """From the resolvers' pivot."""
        return cls(
            scope=EvidenceScope(pivot.scope),
            target_type=pivot.target_type,
            target_id=pivot.target_id,
            label=pivot.label,
            route=pivot.route,
            filters=[PlatformEvidenceFilter(name=n, value=v) for n, v in pivot.filters],
        )


@strawberry.enum(description="State of one step of a lifecycle task.")
class PlatformTaskStepState(Enum):
    DONE = strawberry.enum_value("done", description="Finished.")
    CURRENT = strawberry.enum_value("current", description="In progress.")
    PENDING = strawberry.enum_value("pending", description="Not started.")
    FAILED = strawberry.enum_value("failed", description="Failed; see the message.")


@strawberry.type(description="One step of an onboarding or decommission task, in order.")
class PlatformTaskStep:
    name: str = strawberry.field(description="Stage name (e.g. commissioning, burn_in, wiping).")
    state: PlatformTaskStepState = strawberry.field(description="Whether it is done, current, pending or failed.")
    started_at: datetime | None = strawberry.field(description="When it started.")
    finished_at: datetime | None = strawberry.field(description="When it finished (or failed).")
    message: str | None = strawberry.field(description="What went wrong, for failed steps.")

    @classmethod
    def of(cls, step: backend.TaskStep) -> PlatformTaskStep:
        """From the platform service's step."""
        return cls(
            name=step.name,
            state=PlatformTaskStepState(step.status),
            started_at=step.started_at,
            finished_at=step.finished_at,
            message=step.message,
        )


@strawberry.enum(description="What happened to a node.")
class PlatformActivityType(Enum):
    CORDON = strawberry.enum_value("cordon", description="Cordoned.")
    UNCORDON = strawberry.enum_value("uncordon", description="Uncordoned.")
    DRAIN = strawberry.enum_value("drain", description="Drained.")
    HEALTH_CHECK = strawberry.enum_value("health_check", description="Health check ran.")
    FIRMWARE = strawberry.enum_value("firmware", description="Firmware changed.")
    REBOOT = strawberry.enum_value("reboot", description="Rebooted.")
    ONBOARDING = strawberry.enum_value("onboarding", description="An onboarding step.")
    DECOMMISSION = strawberry.enum_value("decommission", description="A decommission step.")


@strawberry.enum(description="How an activity ended.")
class PlatformActivityOutcome(Enum):
    SUCCEEDED = strawberry.enum_value("succeeded", description="It worked.")
    FAILED = strawberry.enum_value("failed", description="It failed.")
    IN_PROGRESS = strawberry.enum_value("in_progress", description="Still running.")


@strawberry.type(description="Something that happened to a node, and who did it.")
class PlatformActivityEvent:
    id: str = strawberry.field(description="Event id (local).")
    type: PlatformActivityType = strawberry.field(description="What happened.")
    outcome: PlatformActivityOutcome = strawberry.field(description="How it ended.")
    message: str = strawberry.field(description="What happened, in words.")
    at: datetime = strawberry.field(description="When.")
    model: strawberry.Private[backend.NodeActivity]
    mode: strawberry.Private[Mode]

    @classmethod
    def of(cls, event: backend.NodeActivity, mode: Mode) -> PlatformActivityEvent:
        """From the platform service's activity."""
        return cls(
            id=event.id,
            type=PlatformActivityType(event.type),
            outcome=PlatformActivityOutcome(event.outcome),
            message=event.message,
            at=event.at,
            model=event,
            mode=mode,
        )

    @strawberry.field(description="The node it happened to.")
    async def node(self, info: Info) -> Annotated[PlatformNode, strawberry.lazy("schema.platform.fleet")] | None:
        from schema.platform.fleet import PlatformNode

        found = await view(info, self.mode).node(self.model.node_id, self.model.site_id)
        return PlatformNode.of(found, self.mode) if found else None

    @strawberry.field(description="The operator account (person or automation) that acted; null if unknown.")
    async def actor(self, info: Info) -> Annotated[OperatorAccount, strawberry.lazy("schema.platform.tasks")] | None:
        from schema.platform.tasks import OperatorAccount

        found = await view(info, self.mode).account(self.model.actor_id)
        return OperatorAccount.of(found, self.mode) if found else None


def activity_list(events: list[backend.NodeActivity], mode: Mode) -> list[PlatformActivityEvent]:
    """GraphQL activity events."""
    return [PlatformActivityEvent.of(e, mode) for e in events]


@strawberry.type(description="How many nodes have a status.")
class PlatformNodeStatusCount:
    status: PlatformNodeStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="Nodes with it.")


def status_counts(pairs: list[tuple[str, int]]) -> list[PlatformNodeStatusCount]:
    """GraphQL status counts."""
    return [PlatformNodeStatusCount(status=PlatformNodeStatus(s), count=n) for s, n in pairs]
