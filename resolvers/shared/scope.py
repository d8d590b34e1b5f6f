"""Persona scope: which projects a viewer may read. Out-of-scope ids look exactly like missing ones."""

from __future__ import annotations

from collections.abc import Iterable

from gateway.context import RequestContext
from gateway.errors import BadUserInput, NotFound
from gateway.ids import decode_global_id


async def visible_projects(ctx: RequestContext, requested: Iterable[str] | None = None) -> list[str]:
    """Projects to query: the viewer's visible projects, narrowed to ``requested`` when given."""
    viewer = await ctx.viewer()
    visible = viewer.visible_project_ids
    if requested is None:
        return sorted(visible)
    return sorted(p for p in requested if p in visible)


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


def not_found(type_name: str) -> NotFound:
    """The one error for missing and invisible objects alike."""
    return NotFound(f"no {type_name} with this id")
