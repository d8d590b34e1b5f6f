"""Launches and launch drafts: direct launches, and the wizards' save, discard and staged submit.

A direct launch (``launchCompute``, ``launchApp``) and a draft submit share one path: check the viewer may
act in the project (NOT_FOUND / FORBIDDEN), validate every step (``validation``: problems named by step are
userErrors, not recorded), then ``execution`` creates everything under the field's one key. Drafts are saved
and discarded in the service that keeps them. Each returns its typed outcome, which is what gets replayed.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.backends.drafts import DraftCalls, LaunchDraft
from gateway.context import RequestContext
from gateway.errors import CommandRejected, Forbidden
from gateway.idempotency.outcome import MutationOutcome, MutationRejected
from gateway.idempotency.runner import current_key
from gateway.viewer import Viewer
from resolvers.launch.execution import LaunchOutcome, execute
from resolvers.launch.inputs import DRAFT_DOMAIN, STEPS, LaunchInputs, LaunchKind, NetworkStep, StepModel
from resolvers.launch.queries import get_draft
from resolvers.launch.validation import validate
from resolvers.shared.mutations import check_acting_in, error, refused, reject_if
from resolvers.shared.scope import local_id
from resolvers.workloads.apps import MAX_SLUG_LENGTH


class DraftOutcome(MutationOutcome):
    """saveLaunchDraft and discardLaunchDraft: the draft as saved."""

    draft: LaunchDraft | None = None


async def _launching_viewer(ctx: RequestContext, inputs: LaunchInputs) -> Viewer:
    """The viewer, who may launch in the project the basics name (when it can be decoded)."""
    viewer = await ctx.viewer()
    if viewer.is_operator:
        raise Forbidden("Platform operators have read-only access to tenant projects; they cannot launch.")
    if inputs.basics.project_id:
        check_acting_in(viewer, local_id(inputs.basics.project_id, "Project", "projectId"), action="launch")
    return viewer


async def launch(ctx: RequestContext, inputs: LaunchInputs) -> LaunchOutcome:
    """``launchCompute`` / ``launchApp`` / any launch from complete inputs."""
    await _launching_viewer(ctx, inputs)
    problems, plan = await validate(ctx, inputs, ("input",))
    reject_if([e for errors in problems.values() for e in errors])
    assert plan is not None
    return await execute(ctx, plan, ("input",))


async def own_draft(ctx: RequestContext, draft_global_id: str) -> LaunchDraft:
    """One of the viewer's drafts, or NOT_FOUND (also for other people's drafts)."""
    return await get_draft(ctx, local_id(draft_global_id, "LaunchDraft", "draftId"))


def _drafts_client(ctx: RequestContext, kind: str) -> DraftCalls:
    """The client of the service that keeps drafts of this kind."""
    return ctx.backends.storage if DRAFT_DOMAIN[kind] == "storage" else ctx.backends.workloads


async def save_draft(
    ctx: RequestContext,
    *,
    draft_id: str | None,
    kind: LaunchKind | None,
    current_step: str | None,
    steps: Mapping[str, StepModel],
) -> DraftOutcome:
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
    app_slug = getattr(steps.get("app"), "app_slug", None)
    if app_slug is not None and not 1 <= len(app_slug) <= MAX_SLUG_LENGTH:  # the service keeps it as a column
        errors.append(error(f"App slugs are 1 to {MAX_SLUG_LENGTH} characters.", "INVALID", "input", "app", "appSlug"))
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
    project_local_id = local_id(project_id, "Project", "basics.projectId") if project_id else None
    client = _drafts_client(ctx, the_kind)
    try:
        if draft is None:
            saved = await client.create_draft(
                kind=the_kind,
                tenant_id=viewer.tenant_id,
                owner_id=viewer.user.id,
                inputs=inputs,
                current_step=current_step,
                project_id=project_local_id,
                app_slug=app_slug,
                key=current_key(),
                actor=viewer.user.id,
            )
        else:
            saved = await client.save_draft(
                draft.id,
                inputs=inputs,
                current_step=current_step,
                project_id=project_local_id,
                app_slug=app_slug,
                key=current_key(),
                actor=viewer.user.id,
            )
    except CommandRejected as rejection:
        return refused(DraftOutcome, rejection, {"inputs": ("input",), "current_step": ("input", "currentStep")})
    return DraftOutcome(draft=saved)


async def discard_draft(ctx: RequestContext, draft_id: str) -> DraftOutcome:
    """Discard an open draft of the viewer's."""
    draft = await own_draft(ctx, draft_id)  # no state check: the service answers a retry with its first outcome
    viewer = await ctx.viewer()
    try:
        saved = await _drafts_client(ctx, draft.kind).discard_draft(draft.id, key=current_key(), actor=viewer.user.id)
    except CommandRejected as rejection:
        return refused(DraftOutcome, rejection, {"status": ("input", "draftId")})
    return DraftOutcome(draft=saved)


async def submit_draft(ctx: RequestContext, draft_id: str) -> LaunchOutcome:
    """Staged submit: every step validated (problems named by step), then everything created under the key.

    A draft submitted under this very key is submitted again: every service replays its part, so a retry
    whose first answer was lost gets the launch it made. Under any other key a closed draft is refused.
    """
    draft = await own_draft(ctx, draft_id)
    if draft.status != "open" and (draft.result or {}).get("submission_key") != current_key():
        raise MutationRejected([error(f"The draft is {draft.status} already.", "INVALID_STATE", "input", "draftId")])
    inputs = LaunchInputs.from_draft(draft.kind, draft.inputs)
    await _launching_viewer(ctx, inputs)
    problems, plan = await validate(ctx, inputs, ("draft",))
    reject_if([e for errors in problems.values() for e in errors])
    assert plan is not None
    return await execute(ctx, plan, ("draft",), draft)
