"""The platform service: client and allow-list models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from gateway.backends._client import AllowListModel, ServiceClient


class GpuNode(AllowListModel):
    """A GPU node: inventory and status; BMC endpoints and credentials are not part of the allow-list."""

    id: str
    hostname: str
    site_id: str
    region: str
    gpu_model: str
    gpu_count: int
    gpu_memory_gib: int
    status: str
    created_at: datetime


class PlatformClient(ServiceClient):
    """Typed calls to the platform service."""

    async def nodes(self, ids: Sequence[str]) -> list[GpuNode]:
        """Nodes by id."""
        return await self.batch("nodes", ids, GpuNode)
