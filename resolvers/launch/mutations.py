"""Launches and launch drafts: direct launches, and the wizards' save, discard and staged submit.

A direct launch (``launchCompute``, ``launchApp``) and a draft submit share one path: check the viewer may
act in the project (NOT_FOUND / FORBIDDEN), validate every step (``launch_validation``: problems named by
step are userErrors, not recorded), then ``launch_execution`` creates everything under the one key.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.backends._commands import command, command_path
from gateway.backends.drafts import LaunchDraft, draft_domain, drafts
from gateway.context import RequestContext
from gateway.errors import CommandRejected, Forbidden
from gateway.idempotency.outcome import MutationOutcome, MutationRejected
from gateway.viewer import Viewer
from resolvers.launch.execution import execute
from resolvers.launch.inputs import DRAFT_DOMAIN, STEPS, LaunchInputs, LaunchKind, NetworkStep, StepModel
from resolvers.launch.validation import validate
from resolvers.shared.mutations import check_acting_in, error, refused, reject_if
from resolvers.shared.scope import local_id, not_found


async def _launching_viewer(ctx: RequestContext, inputs: LaunchInputs) -> Viewer:
    """The viewer, who may launch in the project the basics name (when it can be decoded)."""
    viewer = await ctx.viewer()
    if viewer.is_operator:
        raise Forbidden("Platform operators have read-only access to tenant projects; they cannot launch.")
    if inputs.basics.project_id:
        check_acting_in(viewer, local_id(inputs.basics.project_id, "Project", "projectId"), action="launch")
    return viewer


async def launch(ctx: RequestContext, inputs: LaunchInputs, key: str) -> MutationOutcome:
    """``launchCompute`` / ``launchApp`` / any launch from complete inputs."""
    await _launching_viewer(ctx, inputs)
    problems, plan = await validate(ctx, inputs, ("input",))
    reject_if([e for errors in problems.values() for e in errors])
    assert plan is not None
    return await execute(ctx, plan, key, ("input",))


async def own_draft(ctx: RequestContext, draft_global_id: str) -> LaunchDraft:
    """One of the viewer's drafts, or NOT_FOUND (also for other people's drafts)."""
    draft_id = local_id(draft_global_id, "LaunchDraft", "draftId")
    viewer = await ctx.viewer()
    client = ctx.backends.storage if draft_domain(draft_id) == "storage" else ctx.backends.workloads
    found = await drafts(client, [draft_id])
    if not found or found[0].owner_id != viewer.user.id or found[0].tenant_id != (viewer.tenant_id or ""):
        raise not_found("launch draft")
    return found[0]


def _client(ctx: RequestContext, kind: str):
    return ctx.backends.storage if DRAFT_DOMAIN[kind] == "storage" else ctx.backends.workloads


async def save_draft(
    ctx: RequestContext,
    *,
    draft_id: str | None,
    kind: LaunchKind | None,
    current_step: str | None,
    steps: Mapping[str, StepModel],
    key: str,
) -> MutationOutcome:
    """Create a draft or merge step inputs into one (steps not given keep their inputs)."""
    viewer = await ctx.viewer()
    if viewer.is_operator or viewer.tenant_id is None:
        raise Forbidden("Platform operators have read-only access to tenant projects; they cannot launch.")
    draft = await own_draft(ctx, draft_id) if draft_id else None
    errors = []
    if draft is not None and kind is not None and kind != draft.kind:
        errors.append(
            error(f"This draft is a {draft.kind} launch; its kind cannot change.", "INVALID", "input", "kind")
        )
    the_kind = draft.kind if draft is not None else kind
    if the_kind is None:
        raise MutationRejected([error("Say which wizard the draft is for.", "REQUIRED", "input", "kind")])
    for step in steps:
        if step not in STEPS[the_kind]:
            errors.append(error(f"{the_kind.capitalize()} launches have no {step} step.", "INVALID", "input", step))
    if current_step is not None and current_step not in STEPS[the_kind]:
        errors.append(
            error(f"{the_kind.capitalize()} launches have no {current_step} step.", "INVALID", "input", "currentStep")
        )
    network = steps.get("network")
    if isinstance(network, NetworkStep) and network.is_set():
        errors.append(
            error(
                "Private networks and firewall rules are not available yet; leave them empty.",
                "NOT_YET_AVAILABLE",
                "input",
                "network",
            )
        )
    reject_if(errors)
    basics = steps.get("basics")
    project_id = getattr(basics, "project_id", None)
    if project_id:
        check_acting_in(viewer, local_id(project_id, "Project", "basics.projectId"), action="launch")
    inputs = {name: model.model_dump(mode="json", exclude_defaults=True) for name, model in steps.items()}
    app_slug = getattr(steps.get("app"), "app_slug", None)
    body: dict[str, object] = {"inputs": inputs}
    if current_step is not None:
        body["current_step"] = current_step
    if project_id:
        body["project_id"] = local_id(project_id, "Project", "basics.projectId")
    if app_slug:
        body["app_slug"] = app_slug
    try:
        if draft is None:
            saved = await command(
                _client(ctx, the_kind),
                command_path("launch-drafts"),
                {**body, "kind": the_kind, "tenant_id": viewer.tenant_id, "owner_id": viewer.user.id},
                LaunchDraft,
                key=key,
                actor_id=viewer.user.id,
            )
        else:
            saved = await command(
                _client(ctx, the_kind),
                command_path("launch-drafts", draft.id, "save"),
                body,
                LaunchDraft,
                key=key,
                actor_id=viewer.user.id,
            )
    except CommandRejected as rejection:
        return refused(rejection, {"inputs": ("input",), "current_step": ("input", "currentStep")})
    return MutationOutcome(result={"draft": saved.model_dump(mode="json")})


async def discard_draft(ctx: RequestContext, draft_id: str, key: str) -> MutationOutcome:
    """Discard an open draft of the viewer's."""
    draft = await own_draft(ctx, draft_id)  # no state check: the service answers a retry with its first outcome
    viewer = await ctx.viewer()
    try:
        saved = await command(
            _client(ctx, draft.kind),
            command_path("launch-drafts", draft.id, "discard"),
            {},
            LaunchDraft,
            key=key,
            actor_id=viewer.user.id,
        )
    except CommandRejected as rejection:
        return refused(rejection, {"status": ("input", "draftId")})
    return MutationOutcome(result={"draft": saved.model_dump(mode="json")})


async def submit_draft(ctx: RequestContext, draft_id: str, key: str) -> MutationOutcome:
    """Staged submit: every step validated (problems named by step), then everything created under the key.

    A draft submitted under this very key is submitted again: every service replays its part, so a retry
    whose first answer was lost gets the launch it made. Under any other key a closed draft is refused.
    """
    draft = await own_draft(ctx, draft_id)
    if draft.status != "open" and (draft.result or {}).get("submission_key") != key:
        raise MutationRejected([error(f"The draft is {draft.status} already.", "INVALID_STATE", "input", "draftId")])
    inputs = LaunchInputs.from_draft(draft.kind, draft.inputs)
    await _launching_viewer(ctx, inputs)
    problems, plan = await validate(ctx, inputs, ("draft",))
    reject_if([e for errors in problems.values() for e in errors])
    assert plan is not None
    return await execute(ctx, plan, key, ("draft",), draft)
