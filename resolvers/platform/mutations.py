"""Operator node operations: cordon, uncordon, drain and starting a decommission.

Operators only. The platform service owns the node lifecycle and refuses operations the node's status
does not allow (a recorded userError that says why); each operation appends node activity, and starting
a decommission opens a decommission task.
"""

from __future__ import annotations

from typing import Any

from gateway.backends._commands import command_path, send_command
from gateway.backends.platform.models import DecommissionTask, FleetNode
from gateway.context import RequestContext
from gateway.errors import BadUserInput, CommandRejected
from gateway.idempotency.outcome import MutationOutcome
from gateway.ids import decode_global_id
from resolvers.shared.mutations import error, refused, reject_if, require_operator
from resolvers.shared.scope import not_found

OPERATIONS = ("cordon", "uncordon", "drain", "decommission")
NODE_TYPES = ("GpuNode", "PlatformNode")


async def operate(
    ctx: RequestContext, node_global_id: str, operation: str, reason: str | None, key: str
) -> MutationOutcome:
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
    body: dict[str, Any] = {"reason": reason.strip()} if reason else {}
    try:
        document = await send_command(
            ctx.backends.platform, command_path("nodes", node_id, operation), body, key=key, actor_id=viewer.user.id
        )
    except CommandRejected as rejection:
        return refused(rejection, {"status": ("input", "nodeId"), "reason": ("input", "reason")})
    node = FleetNode.model_validate(document)
    task = document.get("decommission_task")
    result: dict[str, Any] = {"node": node.model_dump(mode="json")}
    if isinstance(task, dict):
        result["decommissionTask"] = DecommissionTask.model_validate(task).model_dump(mode="json")
    return MutationOutcome(result=result)
