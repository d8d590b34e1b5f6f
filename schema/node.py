"""``node`` and ``nodes``: fetch any object by global id, batched per type, scoped like every field."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import strawberry

from gateway.context import RequestContext
from gateway.errors import BadUserInput, NotFound
from gateway.ids import decode_global_id
from resolvers import access, platform, storage, workloads
from schema.access import Project, Tenant, User
from schema.common import Node
from schema.platform import GpuNode
from schema.storage import Bucket
from schema.workloads import workload_type

Info = strawberry.Info[RequestContext, None]
Fetch = Callable[[RequestContext, Sequence[str]], Awaitable[Sequence[Any | None]]]
MAX_NODES = 100

# Type name in the global id -> (scoped batch fetch, GraphQL conversion).
NODE_TYPES: dict[str, tuple[Fetch, Callable[[Any], Node]]] = {
    "Workload": (workloads.get_workloads, workload_type),
    "Bucket": (storage.get_buckets, Bucket.of),
    "Project": (access.get_projects, Project.of),
    "Tenant": (access.get_tenants, Tenant.of),
    "User": (access.get_users, User.of),
    "GpuNode": (platform.get_nodes, GpuNode.of),
}


async def resolve_nodes(ctx: RequestContext, ids: Sequence[str], argument: str) -> list[Node | Exception]:
    """Each id's object, or the error to report at its position (one batch per type)."""
    decoded = [decode_global_id(i, argument=argument) for i in ids]
    by_type: dict[str, list[str]] = {}
    for type_name, local in decoded:
        if type_name in NODE_TYPES:
            by_type.setdefault(type_name, []).append(local)
    fetched = await asyncio.gather(*(NODE_TYPES[t][0](ctx, locals_) for t, locals_ in by_type.items()))
    found = {
        (type_name, local): model
        for type_name, models in zip(by_type, fetched, strict=True)
        for local, model in zip(by_type[type_name], models, strict=True)
    }
    results: list[Node | Exception] = []
    for type_name, local in decoded:
        model = found.get((type_name, local))
        results.append(NODE_TYPES[type_name][1](model) if model is not None else NotFound(f"no {type_name} with this id"))
    return results


@strawberry.type
class NodeQuery:
    """Relay root fields."""

    @strawberry.field(description="Any object by global id (null with NOT_FOUND if missing or not visible).")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        """Fetch one object."""
        (result,) = await resolve_nodes(info.context, [id], "id")
        if isinstance(result, Exception):
            raise result
        return result

    @strawberry.field(description="Objects by global ids, in order; missing or invisible ones are null with NOT_FOUND.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        """Fetch many objects (at most 100)."""
        if len(ids) > MAX_NODES:
            raise BadUserInput(f"`ids` takes at most {MAX_NODES} ids, got {len(ids)}", argument="ids")
        return await resolve_nodes(info.context, ids, "ids")  # type: ignore[return-value]
