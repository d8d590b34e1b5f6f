"""What every mutation resolver shares: userError codes, role checks and backend refusals as userErrors.

Roles: members act in their projects, project admins manage their projects (grants, service accounts),
tenant admins act anywhere in their tenant (they are admins of every project), platform operators run node
operations and are read-only in tenants' projects. Projects the viewer cannot see answer ``NOT_FOUND``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from gateway.context import RequestContext
from gateway.errors import CommandRejected, Forbidden
from gateway.idempotency.outcome import MutationOutcome, MutationRejected, UserError
from gateway.viewer import Viewer
from resolvers.shared.scope import not_found

Outcome = TypeVar("Outcome", bound=MutationOutcome)

# userError code -> what it means (the schema's UserErrorCode enum is built from this table).
USER_ERROR_CODES: dict[str, str] = {
    "INVALID": "A value is malformed or out of range.",
    "REQUIRED": "A value the step or mutation needs is missing.",
    "NOT_FOUND": "A referenced object does not exist or is not visible to you.",
    "ALREADY_EXISTS": "The name or object is already taken.",
    "INVALID_STATE": "The object's current state does not allow this (for example stopping a stopped workload).",
    "QUOTA_EXCEEDED": "The request goes over a quota.",
    "CAPABILITY_NOT_VALIDATED": "The storage provider has not validated the capability this needs.",
    "CAPACITY_UNAVAILABLE": "The region has no capacity for this GPU shape now.",
    "NOT_PERMITTED": "Your role does not allow this part of the request (for example sharing needs project admin).",
    "NOT_YET_AVAILABLE": "A product capability that does not exist yet (network, firewall).",
    "REJECTED": "The owning service refused the request for another reason (see the message).",
}

# Machine codes of the domain services -> userError codes.
_BACKEND_CODES = {
    "name_taken": "ALREADY_EXISTS",
    "grant_exists": "ALREADY_EXISTS",
    "mount_path_taken": "ALREADY_EXISTS",
    "ssh_key_exists": "ALREADY_EXISTS",
    "invalid_transition": "INVALID_STATE",
    "draft_closed": "INVALID_STATE",
    "grant_revoked": "INVALID_STATE",
    "invalid_node_transition": "INVALID_STATE",
    "already_read": "INVALID_STATE",
    "quota_exceeded": "QUOTA_EXCEEDED",
    "capability_not_validated": "CAPABILITY_NOT_VALIDATED",
    "unknown_app": "NOT_FOUND",
    "unknown_provider": "NOT_FOUND",
    "unknown_gpu_model": "INVALID",
}


def error(message: str, code: str, *path: str) -> UserError:
    """A userError at an input path."""
    assert code in USER_ERROR_CODES, code
    return UserError(message=message, code=code, field=tuple(path) or None)


def reject_if(errors: Sequence[UserError]) -> None:
    """Stop with these validation userErrors (not recorded under the key) when there are any."""
    if errors:
        raise MutationRejected(errors)


def refused(
    outcome: type[Outcome], rejection: CommandRejected, fields: Mapping[str, tuple[str, ...]] | None = None
) -> Outcome:
    """A business refusal of a domain service as the mutation's (recorded) outcome.

    ``fields`` maps the service's field names to input paths; unmapped fields fall back to no path.
    """
    code = _BACKEND_CODES.get(rejection.code)
    if code is None:
        code = "INVALID" if rejection.code.startswith(("invalid_", "unknown_")) else "REJECTED"
    path = (fields or {}).get(rejection.field or "") if rejection.field else None
    message = rejection.message[:1].upper() + rejection.message[1:]
    return outcome(user_errors=(UserError(message=message, code=code, field=path),))


def check_acting_in(viewer: Viewer, project_id: str, *, admin: bool = False, action: str = "do this") -> None:
    """The viewer may act in the project (as an admin when ``admin``), else NOT_FOUND or FORBIDDEN."""
    role = viewer.project_roles.get(project_id)
    if role is None:
        raise not_found("project")
    if viewer.is_operator:
        raise Forbidden(f"Platform operators have read-only access to tenant projects; they cannot {action}.")
    if admin and role != "admin":
        raise Forbidden(f"Only admins of the project (or tenant admins) can {action}.")


async def acting_viewer(
    ctx: RequestContext, project_id: str, *, admin: bool = False, action: str = "do this"
) -> Viewer:
    """The viewer, once ``check_acting_in`` passes."""
    viewer = await ctx.viewer()
    check_acting_in(viewer, project_id, admin=admin, action=action)
    return viewer


async def require_operator(ctx: RequestContext, action: str) -> Viewer:
    """The viewer, who must be a platform operator."""
    viewer = await ctx.viewer()
    if not viewer.is_operator:
        raise Forbidden(f"Only platform operators can {action}.")
    return viewer
