"""Workload lifecycle mutations: stop, start, restart, terminate (validated against the lifecycle)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.backends.workloads.models import Workload as WorkloadModel
from gateway.idempotency.outcome import MutationOutcome
from resolvers.workloads import mutations as resolve
from schema.shared.mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError, run, user_errors
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
    def of(cls, outcome: MutationOutcome) -> WorkloadActionPayload:
        """From the mutation's outcome."""
        found = outcome.result.get("workload")
        return cls(
            workload=workload_type(WorkloadModel.model_validate(found)) if isinstance(found, dict) else None,
            user_errors=user_errors(outcome),
        )


async def _act(info: Info, input: WorkloadActionInput, action: str) -> WorkloadActionPayload:
    outcome = await run(
        info, input.idempotency_key, lambda key: resolve.act(info.context, input.workload_id, action, key)
    )
    return WorkloadActionPayload.of(outcome)


ARGUMENT = strawberry.argument(description="The workload.")


@strawberry.type
class WorkloadsMutation:
    """Workload lifecycle mutations."""

    @strawberry.mutation(
        permission_classes=[Authenticated],
        description="Stop a running or provisioning workload; GPU billing stops, disks stay.",
    )
    async def stop_workload(
        self, info: Info, input: Annotated[WorkloadActionInput, ARGUMENT]
    ) -> WorkloadActionPayload | None:
        return await _act(info, input, "stop")

    @strawberry.mutation(permission_classes=[Authenticated], description="Start a stopped or failed workload again.")
    async def start_workload(
        self, info: Info, input: Annotated[WorkloadActionInput, ARGUMENT]
    ) -> WorkloadActionPayload | None:
        return await _act(info, input, "start")

    @strawberry.mutation(
        permission_classes=[Authenticated], description="Restart a running or failed workload's processes."
    )
    async def restart_workload(
        self, info: Info, input: Annotated[WorkloadActionInput, ARGUMENT]
    ) -> WorkloadActionPayload | None:
        return await _act(info, input, "restart")

    @strawberry.mutation(
        permission_classes=[Authenticated], description="Terminate a workload for good; mounted buckets are kept."
    )
    async def terminate_workload(
        self, info: Info, input: Annotated[WorkloadActionInput, ARGUMENT]
    ) -> WorkloadActionPayload | None:
        return await _act(info, input, "terminate")
