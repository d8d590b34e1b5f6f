"""Platform domain types visible to tenants: GPU nodes (inventory and status only)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway.backends.platform import models as backend
from gateway.ids import encode_global_id
from schema.shared.types import Node


@strawberry.type(description="A GPU node: where workloads run. No management endpoints or credentials.")
class GpuNode(Node):
    hostname: str = strawberry.field(description="Node hostname.")
    region: str = strawberry.field(description="Region the node is in.")
    site_id: str = strawberry.field(description="Data-centre site identifier.")
    gpu_model: str = strawberry.field(description="GPU model installed.")
    gpu_count: int = strawberry.field(description="GPUs installed.")
    gpu_memory_gib: int = strawberry.field(description="Memory per GPU in GiB.")
    status: str = strawberry.field(description="Lifecycle status (ready, cordoned, draining, maintenance, ...).")
    created_at: datetime = strawberry.field(description="When the node joined the platform.")

    @classmethod
    def of(cls, model: backend.GpuNode) -> GpuNode:
        """From the platform service's node."""
        return cls(
            id=strawberry.ID(encode_global_id("GpuNode", model.id)),
            hostname=model.hostname,
            region=model.region,
            site_id=model.site_id,
            gpu_model=model.gpu_model,
            gpu_count=model.gpu_count,
            gpu_memory_gib=model.gpu_memory_gib,
            status=model.status,
            created_at=model.created_at,
        )
