"""Workload lifecycle mutations: stop, start, restart, terminate (validated against the lifecycle)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.idempotency.field import Idempotent
from resolvers.workloads import mutations as resolve
from resolvers.workloads.mutations import WorkloadOutcome
from schema.shared.mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError, user_errors
from schema.shared.permissions import Authenticated
from schema.shared.types import Info
from schema.workloads.types import Workload, workload_type


@strawberry.input(description="The workload to act on.")
class WorkloadActionInput:
    workload_id: strawberry.ID = strawberry.field(description="Global id of the workload.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.type(description="The workload after a lifecycle action (its primaryAction reflects it), or why not.")
class WorkloadActionPayload:
    workload: Workload | None = strawberry.field(description="The workload after the action (null when refused).")
    user_errors: list[UserError] = strawberry.field(description="Why the action was refused (e.g. already stopped).")

    @classmethod
    def of(cls, outcome: WorkloadOutcome) -> WorkloadActionPayload:
        """From the mutation's outcome."""
        return cls(
            workload=workload_type(outcome.workload) if outcome.workload else None,
            user_errors=user_errors(outcome),
        )


ARGUMENT = strawberry.argument(description="The workload.")


@strawberry.type
class WorkloadsMutation:
    """Workload lifecycle mutations."""

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(WorkloadOutcome, WorkloadActionPayload.of)],
        graphql_type=WorkloadActionPayload | None,
        description="Stop a running or provisioning workload; GPU billing stops, disks stay.",
    )
    async def stop_workload(self, info: Info, input: Annotated[WorkloadActionInput, ARGUMENT]) -> WorkloadOutcome:
        return await resolve.act(info.context, input.workload_id, "stop")

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(WorkloadOutcome, WorkloadActionPayload.of)],
        graphql_type=WorkloadActionPayload | None,
        description="Start a stopped or failed workload again.",
    )
    async def start_workload(self, info: Info, input: Annotated[WorkloadActionInput, ARGUMENT]) -> WorkloadOutcome:
        return await resolve.act(info.context, input.workload_id, "start")

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(WorkloadOutcome, WorkloadActionPayload.of)],
        graphql_type=WorkloadActionPayload | None,
        description="Restart a running or failed workload's processes.",
    )
    async def restart_workload(self, info: Info, input: Annotated[WorkloadActionInput, ARGUMENT]) -> WorkloadOutcome:
        return await resolve.act(info.context, input.workload_id, "restart")

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(WorkloadOutcome, WorkloadActionPayload.of)],
        graphql_type=WorkloadActionPayload | None,
        description="Terminate a workload for good; mounted buckets are kept.",
    )
    async def terminate_workload(self, info: Info, input: Annotated[WorkloadActionInput, ARGUMENT]) -> WorkloadOutcome:
        return await resolve.act(info.context, input.workload_id, "terminate")
