"""Workload lifecycle actions: stop, start, restart, terminate.

Every action is sent to the workloads service, even one the status seems to forbid: a retry of an action
whose first answer was lost finds the workload already changed, and only the service (which recorded the
first attempt under the key) can answer it with the original outcome. When the service refuses, the
userError says why in the words of the table that drives the page's actions (``lifecycle.allowed`` /
``blocked_reason``), and the refusal is the recorded outcome. Each returns its typed outcome, which is what
gets replayed.
"""

from __future__ import annotations

from gateway.backends.workloads.models import Workload
from gateway.context import RequestContext
from gateway.errors import CommandRejected
from gateway.idempotency.outcome import MutationOutcome
from gateway.idempotency.runner import current_key
from resolvers.shared.mutations import acting_viewer, error, refused
from resolvers.shared.scope import local_id
from resolvers.workloads import lifecycle
from resolvers.workloads.queries import get_workload

ACTIONS = ("stop", "start", "restart", "terminate")


class WorkloadOutcome(MutationOutcome):
    """stopWorkload, startWorkload, restartWorkload and terminateWorkload: the workload after the action."""

    workload: Workload | None = None


async def act(ctx: RequestContext, workload_global_id: str, action: str) -> WorkloadOutcome:
    """Run a lifecycle action on a workload the viewer may act on."""
    assert action in ACTIONS
    workload = await get_workload(ctx, local_id(workload_global_id, "Workload", "workloadId"))
    viewer = await acting_viewer(ctx, workload.project_id, action=f"{action} workloads")
    try:
        updated = await ctx.backends.workloads.act(workload.id, action, key=current_key(), actor=viewer.user.id)
    except CommandRejected as rejection:
        if rejection.code == "invalid_transition" and not lifecycle.allowed(action, workload.status):
            reason = lifecycle.blocked_reason(action, workload.status)
            return WorkloadOutcome(user_errors=(error(reason, "INVALID_STATE", "input", "workloadId"),))
        return refused(WorkloadOutcome, rejection, {"status": ("input", "workloadId")})
    ctx.loaders.workloads.workloads.clear(workload.id).prime(workload.id, updated)
    ctx.loaders.workloads.events_by_workload.clear(workload.id)
    return WorkloadOutcome(workload=updated)
