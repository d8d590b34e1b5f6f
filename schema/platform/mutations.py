"""Operator node operations: cordon, uncordon, drain, start a decommission."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.backends.platform.models import DecommissionTask as TaskModel
from gateway.backends.platform.models import FleetNode
from gateway.idempotency.outcome import MutationOutcome
from resolvers.platform import mutations as resolve
from schema.platform.fleet import PlatformNode
from schema.platform.tasks import DecommissionTask
from schema.shared.mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError, run, user_errors
from schema.shared.permissions import IsOperator
from schema.shared.types import Info


@strawberry.input(description="A node to operate on.")
class NodeOperationInput:
    node_id: strawberry.ID = strawberry.field(description="Global id of the node (GpuNode or PlatformNode).")
    reason: str | None = strawberry.field(default=None, description="Why (recorded in the node's activity).")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.input(description="A node to decommission, and why.")
class StartNodeDecommissionInput:
    node_id: strawberry.ID = strawberry.field(description="Global id of the node (cordon or drain it first).")
    reason: str = strawberry.field(description="Why the node leaves the fleet.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.type(description="The node after the operation, or why the operation was refused.")
class NodeOperationPayload:
    node: PlatformNode | None = strawberry.field(description="The node after the operation (null when refused).")
    decommission_task: DecommissionTask | None = strawberry.field(
        description="The decommission task started (startNodeDecommission only)."
    )
    user_errors: list[UserError] = strawberry.field(description="Why the operation was refused.")

    @classmethod
    def of(cls, outcome: MutationOutcome) -> NodeOperationPayload:
        """From the mutation's outcome."""
        node, task = outcome.result.get("node"), outcome.result.get("decommissionTask")
        return cls(
            node=PlatformNode.of(FleetNode.model_validate(node)) if isinstance(node, dict) else None,
            decommission_task=DecommissionTask.of(TaskModel.model_validate(task)) if isinstance(task, dict) else None,
            user_errors=user_errors(outcome),
        )


async def _operate(
    info: Info, node_id: str, operation: str, reason: str | None, key: str | None
) -> NodeOperationPayload:
    outcome = await run(info, key, lambda k: resolve.operate(info.context, node_id, operation, reason, k))
    return NodeOperationPayload.of(outcome)


@strawberry.type
class PlatformMutation:
    """Operator mutations."""

    @strawberry.mutation(
        permission_classes=[IsOperator],
        description="Cordon a ready node: no new workloads are placed on it (operators).",
    )
    async def cordon_node(
        self, info: Info, input: Annotated[NodeOperationInput, strawberry.argument(description="The node.")]
    ) -> NodeOperationPayload | None:
        return await _operate(info, input.node_id, "cordon", input.reason, input.idempotency_key)

    @strawberry.mutation(
        permission_classes=[IsOperator], description="Return a cordoned or draining node to service (operators)."
    )
    async def uncordon_node(
        self, info: Info, input: Annotated[NodeOperationInput, strawberry.argument(description="The node.")]
    ) -> NodeOperationPayload | None:
        return await _operate(info, input.node_id, "uncordon", input.reason, input.idempotency_key)

    @strawberry.mutation(
        permission_classes=[IsOperator], description="Drain a node: its workloads move off it (operators)."
    )
    async def drain_node(
        self, info: Info, input: Annotated[NodeOperationInput, strawberry.argument(description="The node.")]
    ) -> NodeOperationPayload | None:
        return await _operate(info, input.node_id, "drain", input.reason, input.idempotency_key)

    @strawberry.mutation(
        permission_classes=[IsOperator],
        description="Start decommissioning a cordoned, draining or maintenance node (operators).",
    )
    async def start_node_decommission(
        self,
        info: Info,
        input: Annotated[StartNodeDecommissionInput, strawberry.argument(description="The node and why.")],
    ) -> NodeOperationPayload | None:
        return await _operate(info, input.node_id, "decommission", input.reason, input.idempotency_key)
