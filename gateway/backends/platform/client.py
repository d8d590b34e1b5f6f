"""The platform service: client and allow-list models.

``GpuNode`` (the node as tenants see it) and the operator-side models live in ``platform_fleet``;
one ``nodes`` call serves both, so a page never fetches the same nodes twice."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.backends._client import ServiceClient
from gateway.backends.catalog import PlatformCatalogCalls
from gateway.backends.platform.fleet import FleetNode, GpuNode, PlatformFleetCalls

__all__ = ["FleetNode", "GpuNode", "PlatformClient"]


class PlatformClient(PlatformCatalogCalls, PlatformFleetCalls, ServiceClient):
    """Typed calls to the platform service."""

    async def nodes(self, ids: Sequence[str]) -> list[FleetNode]:
        """Nodes by id (the tenant view reads only the ``GpuNode`` fields of each)."""
        return await self.batch("nodes", ids, FleetNode)
