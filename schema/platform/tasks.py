"""Operator lifecycle and ops types: onboarding and decommission tasks, incidents and alerts,
operator accounts and roles. No bootstrap passwords, wipe certificates, pager webhooks or account
credentials are part of any type."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import ClassVar, Generic, TypeVar

import strawberry

from gateway.backends.platform import models as backend
from gateway.ids import encode_global_id
from resolvers.platform import queries as resolve
from resolvers.platform.relations import Mode
from resolvers.shared.shapes import DEFAULT_FIRST
from schema.platform.common import (
    PlatformActivityEvent,
    PlatformEvidencePivot,
    PlatformLifecycleOperation,
    PlatformSeverity,
    PlatformTaskStep,
    activity_list,
    view,
)
from schema.platform.fleet import ActivityFirst, MaasHub, MaasSite, PlatformNode, ProvisioningProfile
from schema.shared.types import Info, Node


@strawberry.enum(description="Where an onboarding is.")
class OnboardingStage(Enum):
    DISCOVERED = strawberry.enum_value("discovered", description="MAAS enlisted the machine.")
    COMMISSIONING = strawberry.enum_value("commissioning", description="MAAS inventories and configures it.")
    BURN_IN = strawberry.enum_value("burn_in", description="GPU, memory and network burn-in tests run.")
    READY = strawberry.enum_value("ready", description="Finished: the node joined the fleet.")
    FAILED = strawberry.enum_value("failed", description="A stage failed; see failureReason.")


async def _node(info: Info, mode: Mode, node_id: str, site_id: str) -> PlatformNode | None:
    found = await view(info, mode).node(node_id, site_id)
    return PlatformNode.of(found, mode) if found else None


async def _site(info: Info, mode: Mode, site_id: str | None) -> MaasSite | None:
    found = await view(info, mode).site(site_id)
    return MaasSite.of(found, mode) if found else None


TaskModel = TypeVar("TaskModel", backend.OnboardingTask, backend.DecommissionTask)


class LifecycleTask(Generic[TaskModel]):
    """What a node lifecycle task (onboarding, decommission) reaches: its node, the node's site, activity, evidence.

    A Python base, not a GraphQL one: an interface would add a type to the SDL and a Strawberry base type would put
    these fields before each task's own, so each task declares its fields in its SDL order and resolves them here.
    """

    task_kind: ClassVar[str]  # as routes and evidence pivots name it: onboarding or decommission
    model: TaskModel
    mode: Mode

    @classmethod
    def task_route(cls, task: TaskModel) -> str:
        """Console route of the task's detail page."""
        return resolve.route(cls.task_kind, task.id)

    @staticmethod
    def task_steps(task: TaskModel) -> list[PlatformTaskStep]:
        """The task's steps in order."""
        return [PlatformTaskStep.of(s) for s in task.steps]

    async def task_node(self, info: Info) -> PlatformNode | None:
        """The node the task acts on."""
        return await _node(info, self.mode, self.model.node_id, self.model.site_id)

    async def task_site(self, info: Info) -> MaasSite | None:
        """The site the node is at."""
        return await _site(info, self.mode, self.model.site_id)

    async def task_activity(self, info: Info, first: int) -> list[PlatformActivityEvent]:
        """What happened to the node, newest first."""
        return activity_list(await resolve.node_activity(view(info, self.mode), self.model.node_id, first), self.mode)

    def task_evidence_pivot(self, label: str) -> PlatformEvidencePivot:
        """Pivot to the task's platform-scope audit evidence."""
        return PlatformEvidencePivot.of(resolve.evidence_pivot(self.task_kind, self.model.id, label))


@strawberry.type(description="A node being onboarded: stage, progress and steps, with lifecycle operations.")
class OnboardingTask(Node, LifecycleTask[backend.OnboardingTask]):
    task_kind: ClassVar[str] = "onboarding"
    serial: str = strawberry.field(description="Chassis serial number of the machine.")
    hostname: str = strawberry.field(description="Hostname the node gets.")
    stage: OnboardingStage = strawberry.field(description="Where the onboarding is.")
    progress: float = strawberry.field(description="Progress, 0 to 1.")
    failure_reason: str | None = strawberry.field(description="Why it failed, when it did.")
    started_at: datetime = strawberry.field(description="When onboarding started.")
    updated_at: datetime = strawberry.field(description="When it last progressed.")
    completed_at: datetime | None = strawberry.field(description="When the node became ready.")
    steps: list[PlatformTaskStep] = strawberry.field(description="Steps in order with their timestamps.")
    route: str = strawberry.field(description="Console route of the onboarding detail page.")
    model: strawberry.Private[backend.OnboardingTask]
    mode: strawberry.Private[Mode]

    @classmethod
    def of(cls, task: backend.OnboardingTask, mode: Mode = "by_id") -> OnboardingTask:
        """From the platform service's task."""
        return cls(
            id=strawberry.ID(encode_global_id("OnboardingTask", task.id)),
            serial=task.serial,
            hostname=task.hostname,
            stage=OnboardingStage(task.stage),
            progress=task.progress,
            failure_reason=task.failure_reason,
            started_at=task.started_at,
            updated_at=task.updated_at,
            completed_at=task.completed_at,
            steps=cls.task_steps(task),
            route=cls.task_route(task),
            model=task,
            mode=mode,
        )

    @strawberry.field(description="The node being onboarded.")
    async def node(self, info: Info) -> PlatformNode | None:
        return await self.task_node(info)

    @strawberry.field(description="The site the node is at.")
    async def site(self, info: Info) -> MaasSite | None:
        return await self.task_site(info)

    @strawberry.field(description="The provisioning profile applied.")
    async def profile(self, info: Info) -> ProvisioningProfile | None:
        found = await view(info, self.mode).profile(self.model.profile_id)
        return ProvisioningProfile.of(found, self.mode) if found else None

    @strawberry.field(description="Retry and cancel of the task, then the node's cordon/uncordon/drain/decommission.")
    async def lifecycle_operations(self, info: Info) -> list[PlatformLifecycleOperation]:
        found = await resolve.onboarding_operations(view(info, self.mode), self.model)
        return [PlatformLifecycleOperation.of(o) for o in found]

    @strawberry.field(description="What happened to the node, newest first.")
    async def activity(self, info: Info, first: ActivityFirst = DEFAULT_FIRST) -> list[PlatformActivityEvent]:
        return await self.task_activity(info, first)

    @strawberry.field(description="Pivot to the task's platform-scope audit evidence.")
    def evidence_pivot(self) -> PlatformEvidencePivot:
        return self.task_evidence_pivot(f"onboarding of {self.model.hostname}")


@strawberry.enum(description="Where a decommission is.")
class DecommissionStage(Enum):
    DRAINING = strawberry.enum_value("draining", description="Workloads are moved off; can still be cancelled.")
    WIPING = strawberry.enum_value("wiping", description="Disks are being wiped.")
    REMOVING = strawberry.enum_value("removing", description="Removed from MAAS and the inventory.")
    DONE = strawberry.enum_value("done", description="Finished.")


@strawberry.type(description="A node being decommissioned: reason, stage, steps and who asked, with operations.")
class DecommissionTask(Node, LifecycleTask[backend.DecommissionTask]):
    task_kind: ClassVar[str] = "decommission"
    reason: str = strawberry.field(description="Why the node is decommissioned.")
    stage: DecommissionStage = strawberry.field(description="Where the decommission is.")
    requested_at: datetime = strawberry.field(description="When it was requested.")
    updated_at: datetime = strawberry.field(description="When it last progressed.")
    completed_at: datetime | None = strawberry.field(description="When it finished.")
    steps: list[PlatformTaskStep] = strawberry.field(description="Steps in order with their timestamps.")
    route: str = strawberry.field(description="Console route of the decommission detail page.")
    model: strawberry.Private[backend.DecommissionTask]
    mode: strawberry.Private[Mode]

    @classmethod
    def of(cls, task: backend.DecommissionTask, mode: Mode = "by_id") -> DecommissionTask:
        """From the platform service's task."""
        return cls(
            id=strawberry.ID(encode_global_id("DecommissionTask", task.id)),
            reason=task.reason,
            stage=DecommissionStage(task.stage),
            requested_at=task.requested_at,
            updated_at=task.updated_at,
            completed_at=task.completed_at,
            steps=cls.task_steps(task),
            route=cls.task_route(task),
            model=task,
            mode=mode,
        )

    @strawberry.field(description="The operator who requested it.")
    async def requested_by(self, info: Info) -> OperatorAccount | None:
        found = await view(info, self.mode).account(self.model.requested_by)
        return OperatorAccount.of(found, self.mode) if found else None

    @strawberry.field(description="The node being decommissioned.")
    async def node(self, info: Info) -> PlatformNode | None:
        return await self.task_node(info)

    @strawberry.field(description="The site the node is at.")
    async def site(self, info: Info) -> MaasSite | None:
        return await self.task_site(info)

    @strawberry.field(description="Cancel of the task, then the node's cordon/uncordon/drain/decommission.")
    async def lifecycle_operations(self, info: Info) -> list[PlatformLifecycleOperation]:
        found = await resolve.decommission_operations(view(info, self.mode), self.model)
        return [PlatformLifecycleOperation.of(o) for o in found]

    @strawberry.field(description="What happened to the node, newest first.")
    async def activity(self, info: Info, first: ActivityFirst = DEFAULT_FIRST) -> list[PlatformActivityEvent]:
        return await self.task_activity(info, first)

    @strawberry.field(description="Pivot to the task's platform-scope audit evidence.")
    def evidence_pivot(self) -> PlatformEvidencePivot:
        return self.task_evidence_pivot(f"decommission {self.model.id}")


@strawberry.enum(description="Incident or alert.")
class OpsSignalKind(Enum):
    INCIDENT = strawberry.enum_value("incident", description="Service impact; someone owns it.")
    ALERT = strawberry.enum_value("alert", description="A monitor fired.")


@strawberry.enum(description="Where an incident or alert is in its handling.")
class OpsSignalStatus(Enum):
    OPEN = strawberry.enum_value("open", description="Nobody has acknowledged it.")
    ACKNOWLEDGED = strawberry.enum_value("acknowledged", description="An operator is on it.")
    RESOLVED = strawberry.enum_value("resolved", description="Closed.")


@strawberry.type(description="An incident or alert about a node, site or MAAS hub.")
class OpsSignal(Node):
    kind: OpsSignalKind = strawberry.field(description="Incident or alert.")
    severity: PlatformSeverity = strawberry.field(description="How urgent.")
    status: OpsSignalStatus = strawberry.field(description="Open, acknowledged or resolved.")
    title: str = strawberry.field(description="Short title.")
    summary: str = strawberry.field(description="What is going on.")
    opened_at: datetime = strawberry.field(description="When it opened.")
    acknowledged_at: datetime | None = strawberry.field(description="When an operator acknowledged it.")
    resolved_at: datetime | None = strawberry.field(description="When it was resolved.")
    runbook_route: str | None = strawberry.field(description="Route of the runbook to follow.")
    route: str = strawberry.field(description="Console route of the signal under Ops.")
    model: strawberry.Private[backend.OpsSignal]
    mode: strawberry.Private[Mode]

    @classmethod
    def of(cls, signal: backend.OpsSignal, mode: Mode = "by_id") -> OpsSignal:
        """From the platform service's signal."""
        return cls(
            id=strawberry.ID(encode_global_id("OpsSignal", signal.id)),
            kind=OpsSignalKind(signal.kind),
            severity=PlatformSeverity(signal.severity),
            status=OpsSignalStatus(signal.status),
            title=signal.title,
            summary=signal.summary,
            opened_at=signal.opened_at,
            acknowledged_at=signal.acknowledged_at,
            resolved_at=signal.resolved_at,
            runbook_route=signal.runbook_route,
            route=resolve.route("signal", signal.id),
            model=signal,
            mode=mode,
        )

    @strawberry.field(description="Who acknowledged it.")
    async def acknowledged_by(self, info: Info) -> OperatorAccount | None:
        found = await view(info, self.mode).account(self.model.acknowledged_by)
        return OperatorAccount.of(found, self.mode) if found else None

    @strawberry.field(description="The node concerned, if any.")
    async def node(self, info: Info) -> PlatformNode | None:
        if self.model.node_id is None:
            return None
        return await _node(info, self.mode, self.model.node_id, self.model.site_id or "")

    @strawberry.field(description="The site concerned, if any.")
    async def site(self, info: Info) -> MaasSite | None:
        return await _site(info, self.mode, self.model.site_id)

    @strawberry.field(description="The MAAS hub concerned, if any.")
    async def hub(self, info: Info) -> MaasHub | None:
        found = await view(info, self.mode).hub(self.model.maas_hub_id)
        return MaasHub.of(found, self.mode) if found else None

    @strawberry.field(description="Pivot to the signal's platform-scope audit evidence.")
    def evidence_pivot(self) -> PlatformEvidencePivot:
        return PlatformEvidencePivot.of(resolve.evidence_pivot("signal", self.model.id, self.model.title))


@strawberry.enum(description="What an operator account is.")
class OperatorAccountKind(Enum):
    PERSON = strawberry.enum_value("person", description="A named operator.")
    BREAK_GLASS = strawberry.enum_value("break_glass", description="Emergency access, sealed until needed.")
    AUTOMATION = strawberry.enum_value("automation", description="A system acting on the platform.")


@strawberry.enum(description="Whether an operator account can sign in.")
class OperatorAccountStatus(Enum):
    ACTIVE = strawberry.enum_value("active", description="Can sign in.")
    SEALED = strawberry.enum_value("sealed", description="Break-glass: usable only by unsealing, which is audited.")
    DISABLED = strawberry.enum_value("disabled", description="Cannot sign in.")


@strawberry.type(description="An operator role and its permissions.")
class PlatformRole:
    key: str = strawberry.field(description="Stable role id.")
    name: str = strawberry.field(description="Role name.")
    description: str = strawberry.field(description="What the role is for.")
    permissions: list[str] = strawberry.field(description="Permissions granted.")

    @classmethod
    def of(cls, role: backend.PlatformRole) -> PlatformRole:
        """From the platform service's role."""
        return cls(key=role.id, name=role.name, description=role.description, permissions=list(role.permissions))


@strawberry.type(description="An operator account (person, break-glass or automation). No credentials of any kind.")
class OperatorAccount(Node):
    kind: OperatorAccountKind = strawberry.field(description="Person, break-glass or automation.")
    display_name: str = strawberry.field(description="Display name.")
    email: str | None = strawberry.field(description="Email, for people.")
    status: OperatorAccountStatus = strawberry.field(description="Whether it can sign in.")
    mfa_enabled: bool = strawberry.field(description="True when a second factor is enrolled.")
    last_used_at: datetime | None = strawberry.field(description="When the account last acted.")
    created_at: datetime = strawberry.field(description="When the account was created.")
    route: str = strawberry.field(description="Console route of the account under IAM.")
    model: strawberry.Private[backend.OperatorAccount]
    mode: strawberry.Private[Mode]

    @classmethod
    def of(cls, account: backend.OperatorAccount, mode: Mode = "by_id") -> OperatorAccount:
        """From the platform service's account."""
        return cls(
            id=strawberry.ID(encode_global_id("OperatorAccount", account.id)),
            kind=OperatorAccountKind(account.kind),
            display_name=account.display_name,
            email=account.email,
            status=OperatorAccountStatus(account.status),
            mfa_enabled=account.mfa_enabled,
            last_used_at=account.last_used_at,
            created_at=account.created_at,
            route=resolve.route("account", account.id),
            model=account,
            mode=mode,
        )

    @strawberry.field(description="The account's platform roles, by name.")
    async def roles(self, info: Info) -> list[PlatformRole]:
        return [PlatformRole.of(r) for r in await resolve.account_roles(info.context, self.model)]

    @strawberry.field(description="Pivot to the account's platform-scope audit evidence.")
    def evidence_pivot(self) -> PlatformEvidencePivot:
        return PlatformEvidencePivot.of(resolve.evidence_pivot("account", self.model.id, self.model.display_name))
