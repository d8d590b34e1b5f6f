"""Operator node operations: cordon, uncordon, drain, start a decommission."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.idempotency.field import Idempotent
from resolvers.platform import mutations as resolve
from resolvers.platform.mutations import NodeOutcome
from schema.platform.fleet import PlatformNode
from schema.platform.tasks import DecommissionTask
from schema.shared.mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError, user_errors
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
    def of(cls, outcome: NodeOutcome) -> NodeOperationPayload:
        """From the mutation's outcome."""
        node = outcome.node
        task = node.decommission_task if node else None
        return cls(
            node=PlatformNode.of(node) if node else None,
            decommission_task=DecommissionTask.of(task) if task else None,
            user_errors=user_errors(outcome),
        )


ARGUMENT = strawberry.argument(description="The node.")


@strawberry.type
class PlatformMutation:
    """Operator mutations."""

    @strawberry.mutation(
        permission_classes=[IsOperator],
        extensions=[Idempotent(NodeOutcome, NodeOperationPayload.of)],
        graphql_type=NodeOperationPayload | None,
        description="Cordon a ready node: no new workloads are placed on it (operators).",
    )
    async def cordon_node(self, info: Info, input: Annotated[NodeOperationInput, ARGUMENT]) -> NodeOutcome:
        return await resolve.operate(info.context, input.node_id, "cordon", input.reason)

    @strawberry.mutation(
        permission_classes=[IsOperator],
        extensions=[Idempotent(NodeOutcome, NodeOperationPayload.of)],
        graphql_type=NodeOperationPayload | None,
        description="Return a cordoned or draining node to service (operators).",
    )
    async def uncordon_node(self, info: Info, input: Annotated[NodeOperationInput, ARGUMENT]) -> NodeOutcome:
        return await resolve.operate(info.context, input.node_id, "uncordon", input.reason)

    @strawberry.mutation(
        permission_classes=[IsOperator],
        extensions=[Idempotent(NodeOutcome, NodeOperationPayload.of)],
        graphql_type=NodeOperationPayload | None,
        description="Drain a node: its workloads move off it (operators).",
    )
    async def drain_node(self, info: Info, input: Annotated[NodeOperationInput, ARGUMENT]) -> NodeOutcome:
        return await resolve.operate(info.context, input.node_id, "drain", input.reason)

    @strawberry.mutation(
        permission_classes=[IsOperator],
        extensions=[Idempotent(NodeOutcome, NodeOperationPayload.of)],
        graphql_type=NodeOperationPayload | None,
        description="Start decommissioning a cordoned, draining or maintenance node (operators).",
    )
    async def start_node_decommission(
        self,
        info: Info,
        input: Annotated[StartNodeDecommissionInput, strawberry.argument(description="The node and why.")],
    ) -> NodeOutcome:
        return await resolve.operate(info.context, input.node_id, "decommission", input.reason)
