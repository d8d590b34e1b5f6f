"""Persona scope: which projects a viewer may read. Out-of-scope ids look exactly like missing ones."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gateway.context import RequestContext
from gateway.errors import BadUserInput, NotFound
from gateway.ids import decode_global_id
from gateway.viewer import Viewer

MAX_FILTER_VALUES = 100


async def visible_projects(ctx: RequestContext, requested: Iterable[str] | None = None) -> list[str]:
    """Projects to query: the viewer's visible projects, narrowed to ``requested`` when given."""
    viewer = await ctx.viewer()
    visible = viewer.visible_project_ids
    if requested is None:
        return sorted(visible)
    return sorted(p for p in requested if p in visible)


def project_role(viewer: Viewer, project_id: str) -> str | None:
    """The viewer's role in a project: member or admin (tenant admins: admin); None where they hold none, which
    includes platform operators, who see every project read-only without being members of any."""
    if viewer.is_operator:
        return None
    return viewer.project_roles.get(project_id)


def local_id(global_id: str, type_name: str, argument: str = "id") -> str:
    """The local id inside a global id of the given type."""
    return decode_global_id(global_id, expected=type_name, argument=argument)[1]


def project_ids_argument(global_ids: Iterable[str] | None, argument: str) -> list[str] | None:
    """Decode a list of Project global ids from a filter."""
    if global_ids is None:
        return None
    ids = [local_id(g, "Project", argument) for g in global_ids]
    if len(ids) > 100:
        raise BadUserInput(f"`{argument}` takes at most 100 ids", argument=argument)
    return ids


def filter_values(values: Sequence[str] | None, argument: str) -> list[str] | None:
    """A filter's values as forwarded to a service: each once, in the order given (an enum list may repeat a
    member any number of times; the service is asked about it once). More than ``MAX_FILTER_VALUES`` distinct
    values, empty ones or ones that would split the service's comma list are ``BadUserInput``."""
    if values is None:
        return None
    distinct = list(dict.fromkeys(values))
    if len(distinct) > MAX_FILTER_VALUES:
        raise BadUserInput(f"`{argument}` takes at most {MAX_FILTER_VALUES} values", argument=argument)
    if any(not value or "," in value or len(value) > 128 for value in distinct):
        raise BadUserInput(f"`{argument}` has an invalid value", argument=argument)
    return distinct


def not_found(type_name: str) -> NotFound:
    """The one error for missing and invisible objects alike."""
    return NotFound(f"no {type_name} with this id")
