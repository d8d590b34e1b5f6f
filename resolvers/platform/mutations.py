"""Operator node operations: cordon, uncordon, drain and starting a decommission.

Operators only. The platform service owns the node lifecycle and refuses operations the node's status
does not allow (a recorded userError that says why); each operation appends node activity, and starting
a decommission opens a decommission task. Each returns its typed outcome, which is what gets replayed.
"""

from __future__ import annotations

from gateway.backends.platform.models import OperatedNode
from gateway.context import RequestContext
from gateway.errors import BadUserInput, CommandRejected
from gateway.idempotency.outcome import MutationOutcome
from gateway.idempotency.runner import current_key
from gateway.ids import decode_global_id
from resolvers.shared.mutations import error, refused, reject_if, require_operator
from resolvers.shared.scope import not_found

OPERATIONS = ("cordon", "uncordon", "drain", "decommission")
NODE_TYPES = ("GpuNode", "PlatformNode")


class NodeOutcome(MutationOutcome):
    """cordonNode, uncordonNode, drainNode and startNodeDecommission: the node, with the task a decommission started."""

    node: OperatedNode | None = None


async def operate(ctx: RequestContext, node_global_id: str, operation: str, reason: str | None) -> NodeOutcome:
    """Run a node operation as a platform operator."""
    assert operation in OPERATIONS
    viewer = await require_operator(ctx, f"{operation} nodes")
    type_name, node_id = decode_global_id(node_global_id, argument="nodeId")
    if type_name not in NODE_TYPES:
        raise BadUserInput(f"`nodeId` is the id of a {type_name}, expected a node", argument="nodeId")
    if await ctx.loaders.platform.nodes.load(node_id) is None:
        raise not_found("node")
    if operation == "decommission" and not (reason or "").strip():
        reject_if([error("Say why the node is decommissioned.", "REQUIRED", "input", "reason")])
    if reason is not None and len(reason) > 500:
        reject_if([error("The reason is at most 500 characters.", "INVALID", "input", "reason")])
    try:
        node = await ctx.backends.platform.operate_node(
            node_id, operation, reason=reason.strip() if reason else None, key=current_key(), actor=viewer.user.id
        )
    except CommandRejected as rejection:
        return refused(NodeOutcome, rejection, {"status": ("input", "nodeId"), "reason": ("input", "reason")})
    return NodeOutcome(node=node)
