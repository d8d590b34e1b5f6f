"""GPU nodes as seen by the viewer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from gateway.backends.platform import GpuNode
from gateway.context import RequestContext


async def get_nodes(ctx: RequestContext, ids: Sequence[str]) -> list[GpuNode | None]:
    """Nodes by id through ``node(id)``: operators only (tenants reach nodes through their workloads)."""
    found_viewer, found = await asyncio.gather(ctx.viewer(), ctx.loaders.nodes.load_many(list(ids)))
    return [n if found_viewer.is_operator else None for n in found]
